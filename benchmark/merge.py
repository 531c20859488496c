"""Merging shard evaluations (``--shard K/N``) into the files one run over all clips writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mbench.atomic import atomic_dir
from mbench.benchmark.results import read_csv, read_summary, summary, write_evaluation
from mbench.errors import BadInput
from mbench.paths import check_output

_SAME = ("convention", "pred", "gt", "trimap", "mbench_version", "card")


def _read_shard(folder: Path) -> tuple[dict, pd.DataFrame]:
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput("shard folder not found", folder)
    if not (folder / "summary.json").is_file():
        raise BadInput("no summary.json (not an evaluation folder)", folder)
    info = read_summary(folder / "summary.json")
    if "shard" not in info:
        raise BadInput("not a shard (its summary.json has no 'shard'; was it run with --shard?)", folder)
    return info, read_csv(folder / "per_frame.csv")


def merge(out, shard_dirs: list) -> pd.DataFrame:
    """Combine the evaluations of shards 0/N .. N-1/N into ``out``; returns the per-frame table."""
    if not shard_dirs:
        raise BadInput("give the shard folders to merge", "--merge")
    out = check_output(out, shard_dirs, kind="evaluation", flag="--merge")
    shards = [(Path(d), *_read_shard(d)) for d in shard_dirs]
    first_dir, first, first_df = shards[0]
    n = int(first["shard"].split("/")[1])
    metrics = tuple(first_df.columns[2:])  # JSON keys are sorted; the CSV keeps the order
    seen: dict[int, Path] = {}
    for folder, info, df in shards:
        for key in _SAME:
            if info.get(key) != first.get(key):
                raise BadInput(f"{key} differs from {first_dir} ({info.get(key)!r} vs {first.get(key)!r})",
                               folder)
        k, nn = (int(v) for v in info["shard"].split("/"))
        if nn != n:
            raise BadInput(f"shard {info['shard']} is not one of {n}", folder)
        # protocol shards: a shard without units has no figures, so only the columns are compared
        if tuple(df.columns[2:]) != metrics or ("units" not in info and set(info["metrics"]) != set(metrics)):
            raise BadInput("metrics differ from the other shards", folder)
        if k in seen:
            raise BadInput(f"shard {k}/{n} given twice (also {seen[k]})", folder)
        seen[k] = folder
    missing = sorted(set(range(n)) - set(seen))
    if missing:
        raise BadInput(f"shards missing: {', '.join(f'{k}/{n}' for k in missing)}", "--merge")
    if "units" in first:  # a protocol with its own aggregation (not the clip engine)
        return _merge_protocol(out, shards)
    # empty shards (no clip) add no rows; concatenating their column-only tables would turn the
    # metric columns into objects
    per_frame = pd.concat([df for _, _, df in shards if len(df)] or [first_df], ignore_index=True)
    clips = sorted(per_frame["clip"].unique())
    if len(clips) != first.get("total_clips", len(clips)):
        raise BadInput(f"the shards hold {len(clips)} clips, the evaluation has {first['total_clips']}",
                       "--merge")
    order = {c: i for i, c in enumerate(clips)}
    per_frame = per_frame.sort_values("clip", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    info = summary(per_frame, metrics, convention=first["convention"], pred=first["pred"],
                   gt=first["gt"], trimap=first.get("trimap"))
    if "card" in first:  # the protocol keys, with the ground-truth hash over every shard's files
        from mbench.benchmark.protocols.runner import engine_keys, load_protocol

        hashes = {k: v for _, shard_info, _ in shards for k, v in shard_info.get("gt_files", {}).items()}
        info.update(engine_keys(load_protocol(first["protocol"]["name"]), per_frame, metrics, info,
                                hashes, False, False))
        info["card"] = first["card"]
    with atomic_dir(out) as tmp:
        write_evaluation(tmp, per_frame, metrics, info)
    return per_frame


def _merge_protocol(out: Path, shards: list[tuple[Path, dict, pd.DataFrame]]) -> pd.DataFrame:
    """The files of one run of a shardable protocol: its rows in unit order, its ``aggregate``."""
    from mbench.atomic import dumps_json
    from mbench.benchmark.protocols.runner import load_protocol
    from mbench.benchmark.protocols.summary import combine_hashes, protocol_keys
    from mbench.benchmark.results import to_csv

    first_dir, first, first_df = shards[0]
    for folder, info, _ in shards:
        if info.get("units") != first["units"]:
            raise BadInput(f"units differ from {first_dir} (not shards of one evaluation)", folder)
    module = load_protocol(first["protocol"]["name"])
    units = first["units"]
    order = {u: i for i, u in enumerate(units)}
    per_frame = pd.concat([df for _, _, df in shards if len(df)] or [first_df], ignore_index=True)
    per_frame = per_frame.sort_values(module.UNIT, key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    state = {k: v for _, info, _ in shards for k, v in info.get("shard_state", {}).items()}
    metrics, extra, per_clip = module.aggregate_rows(per_frame, units, state)
    hashes = {k: v for _, info, _ in shards for k, v in info.get("gt_files", {}).items()}
    # a shard without scored units declares nothing: the union is the whole run's declarations
    declared = {k: v for _, info, _ in shards for k, v in info.get("metric_declarations", {}).items()}
    info = protocol_keys(module.CARD, metrics, extra, combine_hashes(hashes), len(per_frame), declared or None)
    info.update(card=first["card"], convention=first["convention"], pred=first["pred"], gt=first["gt"])
    with atomic_dir(out) as tmp:
        (tmp / "per_frame.csv").write_text(to_csv(per_frame))
        if per_clip is not None:
            (tmp / "per_clip.csv").write_text(to_csv(per_clip))
        (tmp / "summary.json").write_text(dumps_json(info))
    return per_frame
