"""What an evaluation was scored on and under which rules: its dataset label, ground-truth identity
and protocol card, which decide the table it joins.

A table is named by a dataset label, never by a local path (a published board must not leak one,
and the same data at another path must join the same table). The label comes from, in order:

1. ``summary.json`` ``"dataset"`` (written by ``mbench evaluate`` when it knows one);
2. ``method.json`` ``"dataset"`` (``mbench leaderboard submit --dataset-label``, ``run-baselines``);
3. the synth manifest of the ground truth, when the folder is present (``manifest.json`` in the
   ground-truth root or the folder above it): ``<recipe>/<split> (seed N)``;
4. the last two components of the ground-truth path (``VideoMatte8K/valid``), marked as such.

Two evaluations share a table when they were scored under the same protocol (name and version, or
the same convention for evaluations without a card) and on the same ground truth: the same
``gt_hash`` where ``summary.json`` has one, the same label otherwise. Within a table the protocol
cards must be identical; evaluations of one ground truth and protocol whose cards differ are
refused (a column never mixes rules).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mbench.errors import BadInput
from mbench.regular import read_regular

MAX_LABEL = 80


def check_label(text: str, where: str | os.PathLike) -> str:
    """A dataset label: one line of at most :data:`MAX_LABEL` characters."""
    if not isinstance(text, str) or not text.strip() or "\n" in text or len(text) > MAX_LABEL:
        raise BadInput(f"a dataset label must be one non-empty line of at most {MAX_LABEL} characters, "
                       f"got {json.dumps(text)[:60]}", where)
    return text.strip()


def manifest_label(gt: str) -> str | None:
    """``<recipe>/<split> (seed N)`` from a synth manifest beside or above the ground truth."""
    if not gt:
        return None
    root = Path(gt)
    for folder, split in ((root, None), (root.parent, root.name)):
        path = folder / "manifest.json"
        if not path.is_file():
            continue
        try:
            manifest = json.loads(read_regular(path).decode("utf-8"))
            name, seed = manifest["recipe"]["name"], manifest["seed"]
        except (BadInput, ValueError, KeyError, TypeError):
            return None
        return f"{name}/{split} (seed {seed})" if split else f"{name} (seed {seed})"
    return None


def path_label(gt: str) -> str:
    """The last two components of a ground-truth path (never the whole local path)."""
    parts = [p for p in gt.replace("\\", "/").rstrip("/").split("/") if p]
    return "/".join(parts[-2:]) or "unnamed data"


def dataset_label(summary: dict[str, Any], method_dataset: str | None, gt: str) -> tuple[str, str]:
    """The label of an evaluation and where it came from (summary, method.json, manifest, path)."""
    if isinstance(summary.get("dataset"), str) and summary["dataset"].strip():
        return summary["dataset"].strip(), "summary.json"
    if method_dataset:
        return method_dataset, "method.json"
    found = manifest_label(gt)
    if found:
        return found, "synth manifest"
    return path_label(gt), "ground-truth folder name"


def card_text(card: dict[str, Any] | None, protocol: str) -> str:
    """The card in one line, for the note under a table."""
    if not card:
        return (f"Convention {protocol} (no protocol card: scored before cards existed; rules as "
                f"documented for the convention).")
    parts = [f"Protocol {card.get('name', protocol)} v{card.get('version', '?')}"]
    if card.get("source"):
        parts.append(f"source {card['source']}")
    if card.get("region"):
        parts.append(f"region: {card['region']}")
    rules = card.get("rules") or {}
    parts += [f"{k}: {json.dumps(v, sort_keys=True) if not isinstance(v, str) else v}"
              for k, v in sorted(rules.items())]
    if card.get("quirks"):
        parts.append("reproduced quirks: " + "; ".join(map(str, card["quirks"])))
    return "; ".join(parts) + "."


def same_card(a: dict[str, Any] | None, b: dict[str, Any] | None) -> str | None:
    """None when two cards are equal, else the first key (or rule) where they differ."""
    if a == b:
        return None
    a, b = a or {}, b or {}
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            if key == "rules" and isinstance(a.get(key), dict) and isinstance(b.get(key), dict):
                rules = sorted(set(a[key]) | set(b[key]))
                return "rules." + next(r for r in rules if a[key].get(r) != b[key].get(r))
            return key
    return "card"
