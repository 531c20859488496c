"""The shared runner around every protocol: find it, refuse what it cannot run, write its files.

A protocol module only computes (``run(pred, gt, options) -> Result``); this module looks it up in
the registry, refuses a missing trimap or flow (one line, exit status 2, nothing written), prints
each warning once, and writes ``OUT/per_frame.csv``, ``OUT/per_clip.csv`` (where the module returns
the original's per-video figures) and ``OUT/summary.json`` atomically. Protocols on
the clip engine (``rvm``, ``dim``: modules with ``ENGINE``) go through
:func:`mbench.benchmark.evaluation.run_evaluation`, which keeps per_clip.csv, resuming, sharding and
``--device cuda``, and add the same protocol keys to their summary.
"""

from __future__ import annotations

import dataclasses
import importlib
import warnings
from pathlib import Path
from types import ModuleType

import pandas as pd

from mbench.atomic import atomic_dir, dumps_json
from mbench.benchmark.protocols import PROTOCOLS
from mbench.benchmark.protocols.base import Card, Options, Result
from mbench.benchmark.protocols.summary import combine_hashes, gt_file_hashes, protocol_keys
from mbench.benchmark.results import to_csv
from mbench.errors import BadInput
from mbench.executor import parse_shard
from mbench.heap import keep_freed_memory
from mbench.paths import check_output


def load_protocol(name: str) -> ModuleType:
    """The module of protocol ``name``; :class:`BadInput` listing the known ones otherwise."""
    if name not in PROTOCOLS:
        raise BadInput(f"unknown protocol (choose from {', '.join(sorted(PROTOCOLS))}; "
                       f"see 'mbench evaluate --list-protocols')", name)
    return importlib.import_module(f"mbench.benchmark.protocols.{PROTOCOLS[name]}")


def protocol_cards() -> list[Card]:
    """The card of every registered protocol, in registry order."""
    return [load_protocol(name).CARD for name in PROTOCOLS]


def protocol_convention(name: str):
    """The per-frame rules of protocol ``name`` as a convention (for in-memory arrays).

    Raises
    ------
    BadInput
        The protocol cannot score one in-memory clip (its rules need files: a layout, flow, ...).
    """
    from mbench.benchmark.conventions import get_convention

    module = load_protocol(name)
    if getattr(module, "ENGINE", None) is not None:
        return get_convention(module.ENGINE)
    conv = getattr(module, "CONVENTION", None)
    if conv is None:
        raise BadInput(f"protocol {name} cannot run on one in-memory clip (its rules read files "
                       f"in its dataset's layout); use evaluate() on the trees", name)
    return conv


def card_as_read(card: Card, full_precision: bool) -> Card:
    """The card with the reading actually used: ``--full-precision`` changes a rule, so the
    leaderboard never puts such figures in the original's column."""
    if not full_precision or not str(card.rules.get("reading", "")).startswith("gray8"):
        return card
    return dataclasses.replace(card, rules={**card.rules, "reading": "full precision (--full-precision)"})


def check_needs(module: ModuleType, pred, gt, options: Options) -> None:
    """Refuse, before any work, a protocol run without an input its card says it needs."""
    card: Card = module.CARD
    for root, what in ((pred, "predictions"), (gt, "ground-truth")):
        if not Path(root).is_dir():
            raise BadInput(f"{what} root is not a folder" if Path(root).exists()
                           else f"{what} root does not exist", root)
    if "trimap" in card.needs and options.trimap is None and getattr(module, "ENGINE", None) == "dim":
        # the image protocols look for trimaps in their GT tree's own place and refuse themselves
        raise BadInput(f"protocol {card.name} scores the trimap's unknown region: give --trimap ROOT",
                       card.name)
    if "flow" in card.needs:
        flow = options.flow if options.flow is not None else Path(gt) / "flow_png"
        if not Path(flow).is_dir():
            raise BadInput(f"protocol {card.name} needs optical flow: give --flow ROOT "
                           f"(default GT/flow_png, not found)", flow)
    check = getattr(module, "check_inputs", None)
    if check is not None:
        check(Path(pred), Path(gt), options)


def protocol_summary(card: Card, result: Result, pred, gt, hashes: dict[str, str]) -> dict:
    """``summary.json`` of a protocol run (the keys of :func:`protocol_keys`, plus the roots).

    The hash covers ``hashes`` ({name: sha256} of ``result.gt_files``, the targets: alpha, trimaps,
    flow, instance masks, with files under ``--trimap`` / ``--flow`` named below those roots)."""
    info = protocol_keys(card, result.metrics, result.extra, combine_hashes(hashes), len(result.per_frame),
                         result.declarations or None)
    # "convention": the protocol's name, for readers of summaries written before protocols existed
    info.update({"convention": card.name, "pred": str(Path(pred).resolve()), "gt": str(Path(gt).resolve())})
    return info


def run_protocol(name: str, pred, gt, *, out=None, options: Options = Options()) -> tuple[pd.DataFrame, dict]:
    """Run protocol ``name`` on the two trees; write ``out`` if given; return (per-frame table, summary)."""
    module = load_protocol(name)
    engine = getattr(module, "ENGINE", None)
    if options.shard is not None and engine is None:
        parse_shard(options.shard)  # a malformed K/N is refused before any work
        if getattr(module, "aggregate_rows", None) is None:
            raise BadInput(f"protocol {name} cannot be sharded: {module.NO_SHARD}", "--shard")
    check_needs(module, pred, gt, options)
    keep_freed_memory()  # frame after frame into fresh arrays (see mbench.heap)
    if engine is not None:
        from mbench.benchmark.evaluation import run_evaluation

        return run_evaluation(pred, gt, convention=engine, metrics=options.metrics,
                              trimap=options.trimap, out=out, workers=options.workers or None,
                              device=options.device, shard=options.shard, quiet=options.quiet,
                              full_precision=options.full_precision)
    if out is not None:  # before anything is read or written: outputs never overlap inputs
        out = check_output(out, [pred, gt, options.trimap, options.flow], kind="evaluation")
    result = module.run(Path(pred), Path(gt), options)
    for message in dict.fromkeys(result.warnings):  # each once, in order
        warnings.warn(message, stacklevel=2)
    hashes = gt_file_hashes(result.gt_files, gt, {"trimap": options.trimap, "flow": options.flow})
    info = protocol_summary(card_as_read(module.CARD, options.full_precision), result, pred, gt, hashes)
    if options.shard is not None:  # what --merge needs to aggregate the shards as one run
        k, n = parse_shard(options.shard)
        info.update(shard=f"{k}/{n}", units=result.units, gt_files=hashes, shard_state=result.state)
    if out is not None:
        with atomic_dir(out) as tmp:
            (tmp / "per_frame.csv").write_text(to_csv(result.per_frame))
            if result.per_clip is not None:  # the original's own per-video figures (tcvom, ftpvm)
                (tmp / "per_clip.csv").write_text(to_csv(result.per_clip))
            (tmp / "summary.json").write_text(dumps_json(info))
    return result.per_frame, info


def engine_keys(module: ModuleType, per_frame: pd.DataFrame, metrics: tuple[str, ...], info: dict,
                hashes: dict[str, str], full_precision: bool, sharded: bool) -> dict:
    """The protocol keys of an engine run's summary (``rvm``, ``dim``): the figures stay the pooled
    means of ``info``; the module's ``engine_extra`` adds the original's own aggregate."""
    extra_fn = getattr(module, "engine_extra", None)
    extra = extra_fn(per_frame, metrics) if extra_fn is not None else {}
    from mbench.benchmark.conventions import get_convention
    from mbench.benchmark.metrics import declarations

    keys = protocol_keys(card_as_read(module.CARD, full_precision), info["metrics"], extra,
                         combine_hashes(hashes), len(per_frame),
                         declarations(get_convention(module.ENGINE), metrics))
    if sharded:
        keys["gt_files"] = hashes  # merge combines the shards' hashes into the whole tree's
    return keys
