"""Leakage checks: which source items a dataset's clips use, and which are shared.

Every clip plan records the items it uses (``uses``: the foreground clip, and the background image
or video of each of its sequences) as ``"SPEC ITEM-ID"`` strings. Two datasets, or two splits of
one dataset, *leak* when they share an item: a model validated or tested on material it was
trained on (RVM issue #245: some of its test backgrounds come from its train split). An item of a
generated source (``procedural``, ``builtin``) is the same item only under the same source seed, so
the seed is part of its identity.
"""

from __future__ import annotations

import os

ROLES = ("fgr", "bgr")


def item_key(spec: str, item_id: str) -> str:
    """How a plan names a source item."""
    return f"{spec} {item_id}"


def clip_uses(material: dict, sequences: list[dict]) -> dict[str, list[str]]:
    """The items a clip uses: its foreground clip, and each sequence's background (in order, once)."""
    bgr: list[str] = []
    fgr = [item_key(material["spec"], material["clip"])]
    for seq in sequences:
        for sub in seq.get("subjects") or []:  # subjects added behind the first
            if item_key(sub["spec"], sub["clip"]) not in fgr:
                fgr.append(item_key(sub["spec"], sub["clip"]))
        key = item_key(seq["bg"]["spec"], seq["bg"]["item"])
        if key not in bgr:
            bgr.append(key)
    return {"fgr": fgr, "bgr": bgr}


def _identity(manifest: dict, role: str, key: str) -> str:
    """``key`` made unique across datasets: generated sources add their seed."""
    spec = key.split(" ", 1)[0]
    for entry in manifest.get("sources", {}).get(role, []):
        if entry.get("spec") == spec and "seed" in entry.get("options", {}) and ":" not in spec:
            return f"{key} (seed {entry['options']['seed']})"
    return key


def uses_by_split(manifest: dict, by: str = "dataset") -> dict[str, dict[str, set[str]]]:
    """``{split: {"fgr": items, "bgr": items}}`` of a manifest, grouped by the dataset's splits
    (``by="dataset"``) or by the source splits the items were drawn from (``by="source"``)."""
    out: dict[str, dict[str, set[str]]] = {}

    def add(split: str, role: str, key: str) -> None:
        out.setdefault(split, {r: set() for r in ROLES})[role].add(_identity(manifest, role, key))

    for plan in manifest.get("clips", {}).values():
        material = plan["material"]
        add(plan["split"] if by == "dataset" else material["split"], "fgr",
            item_key(material["spec"], material["clip"]))
        for seq in plan["sequences"]:
            add(plan["split"] if by == "dataset" else seq["bg"]["split"], "bgr",
                item_key(seq["bg"]["spec"], seq["bg"]["item"]))
            for sub in seq.get("subjects") or []:
                add(plan["split"] if by == "dataset" else sub["split"], "fgr", item_key(sub["spec"], sub["clip"]))
    return out


def _hint(item: str, role: str) -> str:
    spec = item.split(" ", 1)[0]
    if spec.startswith("images:"):
        return (f"; if {spec} has no train/valid/test folders, split it with the recipe option "
                f"[sources] {role}_options = {{ images = {{ split = [0.8, 0.1, 0.1] }} }}")
    return ""


def _lines(shared: dict[tuple[str, str, str], set[str]]) -> list[str]:
    lines = []
    for (role, a, b), items in sorted(shared.items()):
        example = sorted(items)[0]
        what = "foreground clips" if role == "fgr" else "backgrounds"
        lines.append(f"{a} and {b} share {len(items)} {what} (e.g. {example}){_hint(example, role)}")
    return lines


def split_overlaps(manifest: dict) -> list[str]:
    """One line per (role, pair of source splits) of a dataset that share source items: material
    drawn as "train" that is also drawn as "valid" or "test". (Dataset splits that read the same
    source split, as RVM's two evaluation sets share its five test clips, are not a leak.)"""
    by_split = uses_by_split(manifest, by="source")
    names = sorted(by_split)
    shared = {}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            for role in ROLES:
                common = by_split[a][role] & by_split[b][role]
                if common:
                    shared[(role, f"source splits {a}", b)] = common
    return _lines(shared)


def dataset_overlaps(root_a: str | os.PathLike, root_b: str | os.PathLike) -> list[str]:
    """One line per (role, split of A, split of B) that share source items."""
    from .verify import read_manifest  # verify -> writer -> plan -> this module

    a, b = uses_by_split(read_manifest(root_a)), uses_by_split(read_manifest(root_b))
    shared = {}
    for sa, ua in a.items():
        for sb, ub in b.items():
            for role in ROLES:
                common = ua[role] & ub[role]
                if common:
                    shared[(role, f"{os.fspath(root_a)}:{sa}", f"{os.fspath(root_b)}:{sb}")] = common
    return _lines(shared)
