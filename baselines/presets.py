"""Training presets: TOML files saying what data, how many steps, which sizes and rates.

Shipped presets live in ``presets/`` beside this file (``smoke``, ``quick``, ``paper``); a path to
a ``.toml`` file is read the same way. Layout (every table optional unless said)::

    description = "..."
    seed = 0                          # model initialisation, data draws, dropout

    [data.train]                      # streamed training sequences (mbench.synth)
    recipe = "videomatte8k"           # a synth recipe name or .toml file
    split = "train"
    clips = 100                       # clips of the split (default: the recipe's): more subjects
    [data.valid]                      # the evaluation clips, synthesized once to RUNS/data/
    recipe = "videomatte8k"
    splits = ["valid"]                # default: every split of the recipe
    size = [64, 64]                   # W, H (default: the recipe's)
    clips = 2                         # per split (default: the recipe's)
    frames = 16                       # per clip (default: the recipe's)

    [train]                           # defaults for every model and stage
    steps, batch, seq_len, size = [W, H], grad_clip, checkpoint_every, amp,
    size_range = [lo, hi] or [lo, hi, step]   # each step resizes its batch to h, w drawn
                                              # independently from lo, lo + step, ..., <= hi
    threads = 1                       # torch threads while training on the CPU (default:
                                      # torch's); small networks step faster on one thread than
                                      # on several that wait for each other and for the loaders

    [predict]
    chunk = 16                        # frames per forward call (state carried between calls)
    speed_sizes = [[512, 288], [1920, 1080]]  # where the method card's speed and peak memory are
                                      # measured besides the table's resolution (baselines/speed.py)
    speed_repeats = 3                 # timed runs; the card gives their median

    [reference.bgdiff]                # the background-difference reference row
    threshold = 0.1                   # max over channels of |com - bgr| above which alpha = 1
    sigma = 1.0                       # Gaussian blur of that mask, in pixels

    [models.<name>]                   # one table per model the preset can train
    backbone = "mobilenetv3"
    options = { width_mult = 0.5 }    # mbench.baselines.build options
    learning_rates = { ... }          # per parameter group (default: the seed's; a "default"
                                      # entry sets every group the table does not name)
    forward = { ... }                 # forward options while training (downsample_ratio, refine)
    segmentation = true               # interleaved segmentation steps (rvm, attention_memory)
    hr = { seq_len, size, size_range, forward }   # an extra high-resolution pass each step
    predict = { ... }                 # forward options for prediction (default: last stage's)
    init_from = "bgmv2"               # start from that model's trained weights in the same runs
                                      # folder, every tensor whose name and shape fit (seed 000
                                      # started from BGMv2's); that model is trained first
    bn_recalibration = 40             # after training, batch-norm statistics re-estimated over
                                      # this many batches with the final weights ("precise BN")
    + any [train] key
    [[models.<name>.stages]]          # optional; each stage may set name and any model/[train]
                                      # key except the model-only ones above and threads

A stage's value comes from the stage, else its model table, else ``[train]``; ``learning_rates``
and ``forward`` tables are merged the same way, key by key. Unknown keys are bad input naming the
valid ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mbench.config_files import read_toml_spec
from mbench.errors import BadInput
from mbench.paths import check_name

from .models import SPECS
from .models.base import resolve_downsample_ratio

SHIPPED = ("smoke", "quick", "paper")

TOP_KEYS = ("description", "seed", "data", "train", "predict", "reference", "models")
TRAIN_KEYS = ("steps", "batch", "seq_len", "size", "size_range", "grad_clip", "checkpoint_every", "amp")
MODEL_STAGE_KEYS = ("learning_rates", "forward", "segmentation", "hr")
MODEL_ONLY_KEYS = ("backbone", "options", "predict", "stages", "init_from", "bn_recalibration")
PLAN_KEYS = ("threads",)  # [train] or model table, not a stage
HR_KEYS = ("seq_len", "batch", "size", "size_range", "forward")
DATA_TRAIN_KEYS = ("recipe", "split", "clips")
DATA_VALID_KEYS = ("recipe", "splits", "size", "clips", "frames")
PREDICT_KEYS = ("chunk", "speed_sizes", "speed_repeats")
BGDIFF_KEYS = ("threshold", "sigma")

DEFAULTS: dict[str, Any] = {
    "steps": 100, "batch": 2, "seq_len": 4, "size": [224, 224], "size_range": None, "grad_clip": 1.0,
    "checkpoint_every": 50, "amp": True, "learning_rates": {}, "forward": {}, "segmentation": False,
    "hr": None, "threads": 0,
}


@dataclass(frozen=True)
class Pass:
    """One forward-backward-step on a batch: its sequences and forward options."""

    batch: int
    seq_len: int
    size: tuple[int, int]                    # W, H the sequences are rendered at
    size_range: tuple[int, ...] | None       # (lo, hi[, step]): each step resizes to h, w drawn from it
    forward: dict[str, Any]


@dataclass(frozen=True)
class Stage:
    """A run of steps with fixed settings."""

    name: str
    steps: int
    learning_rates: dict[str, float]
    main: Pass
    hr: Pass | None
    segmentation: bool
    grad_clip: float


@dataclass(frozen=True)
class ModelPlan:
    """Everything the trainer needs for one model."""

    name: str
    backbone: str
    options: dict[str, Any]
    stages: tuple[Stage, ...]
    predict: dict[str, Any]
    checkpoint_every: int
    amp: bool
    init_from: str | None = None
    bn_recalibration: int = 0
    threads: int = 0                         # torch threads on the CPU; 0: torch's default

    @property
    def total_steps(self) -> int:
        return sum(s.steps for s in self.stages)

    @property
    def optimizer(self) -> str:
        return SPECS[self.name].optimizer


@dataclass(frozen=True)
class ValidData:
    recipe: str
    splits: tuple[str, ...] | None
    size: tuple[int, int] | None
    clips: int | None
    frames: int | None


@dataclass(frozen=True)
class Preset:
    """A loaded, checked preset (``raw`` is the TOML as read, for ``config.json``)."""

    name: str
    where: str
    description: str
    seed: int
    train_recipe: str
    train_split: str
    train_clips: int | None
    valid: ValidData
    chunk: int
    bgdiff: dict[str, float]
    models: dict[str, ModelPlan]
    raw: dict = field(repr=False)
    speed_sizes: tuple[tuple[int, int], ...] = ((512, 288), (1920, 1080))
    speed_repeats: int = 3

    def plan(self, model: str) -> ModelPlan:
        if model not in self.models:
            raise BadInput(f"preset '{self.name}' does not configure model '{model}' (it has "
                           f"{', '.join(self.models)})", self.where)
        return self.models[model]


def read_preset(spec: str) -> tuple[str, dict, str]:
    """Parse a shipped preset name or a ``.toml`` path into ``(name, raw, where)``."""
    return read_toml_spec(spec, "preset", "mbench.baselines", "presets", SHIPPED)


def _keys(table: Any, valid: tuple[str, ...], where: str, context: str) -> dict:
    if not isinstance(table, dict):
        raise BadInput(f"'{context}' must be a table", where)
    for key in table:
        if key not in valid:
            raise BadInput(f"unknown key '{context}.{key}' (valid keys: {', '.join(valid)})", where)
    return table


def _int(value: Any, low: int, where: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise BadInput(f"'{key}' must be an integer >= {low}, got {value!r}", where)
    return value


def _number(value: Any, where: str, key: str, *, positive: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < float("inf")
    if not ok or (positive and value <= 0):
        raise BadInput(f"'{key}' must be a finite number {'>' if positive else '>='} 0, got {value!r}", where)
    return float(value)


def _pair(value: Any, low: int, where: str, key: str) -> tuple[int, int]:
    if not isinstance(value, list) or len(value) != 2:
        raise BadInput(f"'{key}' must be a pair of integers, got {value!r}", where)
    a, b = (_int(v, low, where, key) for v in value)
    return a, b


def _text(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise BadInput(f"'{key}' must be a non-empty string, got {value!r}", where)
    return value


def _forward(table: Any, name: str, where: str, ctx: str) -> dict[str, Any]:
    """Check a ``forward``/``predict`` table's keys and values (so a bad one fails before training)."""
    table = dict(_keys(table, SPECS[name].forward_options, where, ctx))
    if "refine" in table and not isinstance(table["refine"], bool):
        raise BadInput(f"'{ctx}.refine' must be true or false, got {table['refine']!r}", where)
    if "downsample_ratio" in table:
        try:  # the size only matters for "auto", which any size accepts
            resolve_downsample_ratio(table["downsample_ratio"], 64, 64)
        except BadInput:
            raise BadInput(f"'{ctx}.downsample_ratio' must be a number in (0, 1] or \"auto\", got "
                           f"{table['downsample_ratio']!r}", where) from None
    return table


def _pass(values: dict, name: str, where: str, ctx: str) -> Pass:
    size = _pair(values["size"], 8, where, f"{ctx}.size")
    size_range = values.get("size_range")
    if size_range is not None:
        if not isinstance(size_range, list) or len(size_range) not in (2, 3):
            raise BadInput(f"'{ctx}.size_range' must be [lo, hi] or [lo, hi, step], got {size_range!r}", where)
        size_range = tuple(_int(v, 1, where, f"{ctx}.size_range") for v in size_range)
        lo, hi = size_range[:2]
        if not 8 <= lo <= hi <= min(size):
            raise BadInput(f"'{ctx}.size_range' must be [lo, hi] with 8 <= lo <= hi <= the smaller "
                           f"side of size {list(size)}", where)
    forward = _forward(values.get("forward", {}), name, where, f"{ctx}.forward")
    return Pass(_int(values["batch"], 1, where, f"{ctx}.batch"), _int(values["seq_len"], 1, where, f"{ctx}.seq_len"),
                size, size_range, forward)


def _stage(name: str, merged: dict, index: int, where: str, ctx: str) -> Stage:
    spec = SPECS[name]
    groups = tuple(spec.model.LR_GROUPS) + ("default",)
    given = {group: _number(lr, where, f"{ctx}.learning_rates.{group}", positive=True)
             for group, lr in _keys(merged["learning_rates"], groups, where, f"{ctx}.learning_rates").items()}
    # The seed's rates, or "default" for every group the table does not name.
    lrs = {g: given.get(g, given.get("default", spec.learning_rates.get(g))) for g in spec.model.LR_GROUPS}
    main = _pass(merged, name, where, ctx)
    hr = None
    if merged.get("hr") is not None:
        table = _keys(merged["hr"], HR_KEYS, where, f"{ctx}.hr")
        hr = _pass({**merged, "size_range": None, "forward": {}, **table}, name, where, f"{ctx}.hr")
    segmentation = merged["segmentation"]
    if not isinstance(segmentation, bool):
        raise BadInput(f"'{ctx}.segmentation' must be true or false", where)
    if segmentation and "segmentation" not in spec.preset_keys:
        raise BadInput(f"'{ctx}.segmentation': {name} has no segmentation head", where)
    for p in (main, hr):
        if p is not None and p.batch * p.seq_len < spec.min_frames:
            raise BadInput(f"'{ctx}': {name} needs batch * seq_len >= {spec.min_frames} frames per "
                           f"training batch (batch norm over its ASPP's pooled 1x1 map)", where)
    return Stage(str(merged.get("name", f"stage{index + 1}")), _int(merged["steps"], 0, where, f"{ctx}.steps"),
                 lrs, main, hr, segmentation, _number(merged["grad_clip"], where, f"{ctx}.grad_clip"))


def _model(name: str, table: Any, train: dict, where: str) -> ModelPlan:
    ctx = f"models.{name}"
    if name not in SPECS:
        raise BadInput(f"unknown model '{name}' in [models] (valid: {', '.join(SPECS)})", where)
    spec = SPECS[name]
    table = _keys(table, TRAIN_KEYS + PLAN_KEYS + MODEL_STAGE_KEYS + MODEL_ONLY_KEYS, where, ctx)
    backbone = table.get("backbone", spec.default_backbone)
    if backbone not in spec.backbones:
        raise BadInput(f"'{ctx}.backbone' must be one of {', '.join(spec.backbones)}, got {backbone!r}", where)
    options = dict(_keys(table.get("options", {}), tuple(spec.options), where, f"{ctx}.options"))
    base = {**DEFAULTS, **train, **{k: v for k, v in table.items() if k not in MODEL_ONLY_KEYS}}
    stage_tables = table.get("stages", [{}])
    if not isinstance(stage_tables, list) or not stage_tables:
        raise BadInput(f"'{ctx}.stages' must be a list of [[{ctx}.stages]] tables", where)
    stages = []
    for i, st in enumerate(stage_tables):
        sctx = f"{ctx}.stages[{i}]" if "stages" in table else ctx
        st = _keys(st, ("name",) + TRAIN_KEYS + MODEL_STAGE_KEYS, where, sctx)
        merged = {**base, **st}
        for key in ("learning_rates", "forward"):
            for t, c in ((base.get(key), ctx), (st.get(key), sctx)):
                if t is not None and not isinstance(t, dict):
                    raise BadInput(f"'{c}.{key}' must be a table", where)
            merged[key] = {**(base.get(key) or {}), **(st.get(key) or {})}
        stages.append(_stage(name, merged, i, where, sctx))
    predict = _forward(table.get("predict", stages[-1].main.forward), name, where, f"{ctx}.predict")
    init_from = table.get("init_from")
    if init_from is not None and (init_from not in SPECS or init_from == name):
        raise BadInput(f"'{ctx}.init_from' must name another model ({', '.join(m for m in SPECS if m != name)}), "
                       f"got {init_from!r}", where)
    return ModelPlan(name, backbone, options, tuple(stages), dict(predict),
                     _int(base["checkpoint_every"], 1, where, f"{ctx}.checkpoint_every"),
                     bool(base["amp"]), init_from,
                     _int(table.get("bn_recalibration", 0), 0, where, f"{ctx}.bn_recalibration"),
                     _int(base["threads"], 0, where, f"{ctx}.threads"))


def _list(value: Any, where: str, ctx: str) -> list:
    if not isinstance(value, list):
        raise BadInput(f"'{ctx}' must be a list", where)
    return value


def load_preset(spec: str) -> Preset:
    """Load and check a preset (shipped name or ``.toml`` path).

    Raises
    ------
    BadInput
        Unknown preset, malformed TOML, unknown key (naming the valid ones), bad value.
    """
    name, raw, where = read_preset(spec)
    _keys(raw, TOP_KEYS, where, "preset")
    data = _keys(raw.get("data", {}), ("train", "valid"), where, "data")
    train_data = _keys(data.get("train", {}), DATA_TRAIN_KEYS, where, "data.train")
    valid = _keys(data.get("valid", {}), DATA_VALID_KEYS, where, "data.valid")
    splits = valid.get("splits")
    if splits is not None and (not isinstance(splits, list) or not splits
                               or not all(isinstance(s, str) and s for s in splits)):
        raise BadInput("'data.valid.splits' must be a list of split names", where)
    for s in splits or ():
        check_name(s, where, "data.valid.splits")  # each is a folder of the dataset
    valid_data = ValidData(
        _text(valid.get("recipe", "videomatte8k"), where, "data.valid.recipe"),
        tuple(splits) if splits else None,
        _pair(valid["size"], 8, where, "data.valid.size") if "size" in valid else None,
        _int(valid["clips"], 1, where, "data.valid.clips") if "clips" in valid else None,
        _int(valid["frames"], 1, where, "data.valid.frames") if "frames" in valid else None)
    train = dict(_keys(raw.get("train", {}), TRAIN_KEYS + PLAN_KEYS, where, "train"))
    predict = _keys(raw.get("predict", {}), PREDICT_KEYS, where, "predict")
    reference = _keys(raw.get("reference", {}), ("bgdiff",), where, "reference")
    bgdiff = _keys(reference.get("bgdiff", {}), BGDIFF_KEYS, where, "reference.bgdiff")
    bgdiff = {"threshold": _number(bgdiff.get("threshold", 0.1), where, "reference.bgdiff.threshold"),
              "sigma": _number(bgdiff.get("sigma", 1.0), where, "reference.bgdiff.sigma")}
    models_table = _keys(raw.get("models", {}), tuple(SPECS), where, "models")
    if not models_table:
        raise BadInput("the preset configures no model ([models.<name>] tables)", where)
    models = {m: _model(m, models_table[m], train, where) for m in SPECS if m in models_table}
    seed = raw.get("seed", 0)
    return Preset(name=name, where=where, description=str(raw.get("description", "")),
                  seed=_int(seed, 0, where, "seed"),
                  train_recipe=_text(train_data.get("recipe", "videomatte8k"), where, "data.train.recipe"),
                  train_split=check_name(_text(train_data.get("split", "train"), where, "data.train.split"),
                                         where, "data.train.split"),
                  train_clips=(_int(train_data["clips"], 1, where, "data.train.clips")
                               if "clips" in train_data else None),
                  valid=valid_data, chunk=_int(predict.get("chunk", 16), 1, where, "predict.chunk"),
                  bgdiff=bgdiff, models=models, raw=raw,
                  speed_sizes=tuple(_pair(p, 8, where, "predict.speed_sizes")
                                    for p in _list(predict.get("speed_sizes", [[512, 288], [1920, 1080]]),
                                                   where, "predict.speed_sizes")),
                  speed_repeats=_int(predict.get("speed_repeats", 3), 1, where, "predict.speed_repeats"))
