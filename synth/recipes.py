"""Recipes: TOML files that say what a dataset is (splits, counts, sizes, sources, augmentation).

The shipped recipes live in ``synth/recipes/*.toml``; ``--recipe FILE.toml`` loads a user's own.
Loading checks every key against the schema below (an unknown key is an error listing the valid
ones), fills defaults, expands the augmentation and sampling profiles the splits name (from the
recipe's own ``[augment.*]`` / ``[sampling.*]`` tables or ``profiles.toml``), and applies the
command-line overrides. The result, a plain dict, is what the manifest records and what the
planner reads.
"""

from __future__ import annotations

import copy
import math
import tomllib
from importlib import resources

from mbench.config_files import read_toml_spec
from mbench.errors import BadInput
from mbench.paths import check_name

from .augment import GEOMETRIC_OPS
from .compose import ROUNDING
from .effects import CODECS
from .subjects import MAX_SUBJECTS, instance_layers
from .geometry import BORDERS
from .guidance import DEFAULTS as GUIDANCE, LAYERS as GUIDANCE_LAYERS, MASK_KINDS

DEFAULT_RECIPE = "videomatte8k"
MAX_SIDE = 8192  # widest frame a recipe may ask for (DCI 8K); larger ones cannot be composed in memory
MAX_COUNT = 1_000_000  # clips per split and frames per clip: beyond any real dataset, still plannable

# Schema: key -> default (the type of the default is the key's type; None = required).
TOP = {"description": "", "seed": 0, "size": None, "sources": {}, "output": {}, "splits": None,
       "augment": {}, "sampling": {}, "guidance": {}}
SOURCES = {"fgr": ["procedural"], "bgr": ["builtin"], "fgr_options": {}, "bgr_options": {}}
OUTPUT = {"layers": ["com", "fgr", "pha", "bgr"], "color_format": "png", "jpeg_quality": 95,
          "png_compression": 1, "rounding": "half-up", "compose": "srgb"}
SPLIT = {"clips": None, "frames": 0, "frames_total": 0, "source_split": "", "background_split": "",
         "keep_one_in": 1, "sequence_length": 0, "foreground_pool": 0, "foreground_order": "shuffle",
         "flip": "none",
         "start": "random", "background_order": "random", "background_kind": "any",
         "background_frames": "sampled", "geometry": "warp", "sampling": "none", "augment": "none"}
CHOICES = {
    "output.color_format": ("png", "jpg"),
    "output.rounding": tuple(ROUNDING),
    "output.compose": ("srgb", "linear"),
    "foreground_order": ("shuffle", "cycle", "random"),
    "flip": ("none", "cycle-parity"),
    "start": ("random", "first"),
    "background_order": ("random", "shuffle", "cycle", "distinct"),
    "background_kind": ("any", "image", "video"),
    "background_frames": ("sampled", "first"),
    "geometry": ("warp", "stretch"),
    "crop_position": ("center", "random"),
    "background_border": tuple(BORDERS),
    "resampling": ("once", "every-step"),
    "overshoot": ("clamp", "keep"),
    "translate_rounding": ("none", "pixel"),
    "jitter_saturation": ("own", "brightness"),
}
LAYERS = ("com", "fgr", "pha", "bgr", "bgr_capture") + GUIDANCE_LAYERS
_FREE_LENGTH = ("layers", "speeds", "fgr", "bgr", "mask_kinds", "codecs")  # list keys of any length
_RANGES = ("crop_ratio", "noise_grain", "sharpness_factor", "blur_sigma", "shadow_blur", "jitter_strength",
           "motion_blur_exposure", "defocus_radius", "codec_crf", "codec_jpeg_quality", "occlusion")
_PROFILE_CHOICES = ("crop_position", "background_border", "resampling", "overshoot", "translate_rounding",
                    "jitter_saturation")
_AFFINE_RANGES = ("motion", "fg_static", "bg_static", "shadow_affine", "misalign")
_SIZES = ("_std", "_sigma", "_strength", "hue_scale", "shake_rotation", "shake_translate", "shake_smoothness")  # scalar sizes: never negative


def _profiles_file() -> dict:
    return tomllib.loads(resources.files("mbench.synth").joinpath("profiles.toml").read_text("utf-8"))


def shipped_recipes() -> dict[str, str]:
    """Name -> one-line description of every shipped recipe."""
    out = {}
    for entry in sorted(resources.files("mbench.synth").joinpath("recipes").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            lines = str(tomllib.loads(entry.read_text("utf-8")).get("description", "")).strip().splitlines()
            out[entry.name[:-5]] = lines[0] if lines else ""
    return out


def read_recipe(spec: str) -> tuple[str, dict, str]:
    """Parse ``NAME`` (shipped) or ``FILE.toml`` into ``(name, raw dict, where)``."""
    return read_toml_spec(spec, "recipe", "mbench.synth", "recipes", list(shipped_recipes()))


def _check_keys(table: dict, schema: dict, where: str, context: str) -> None:
    if not isinstance(table, dict):
        raise BadInput(f"'{context}' must be a table", where)
    for key in table:
        if key not in schema:
            raise BadInput(f"unknown key '{context + '.' if context else ''}{key}' "
                           f"(valid keys: {', '.join(schema)})", where)


def _typed(value, default, where: str, key: str):
    """Check ``value`` against the type of ``default`` (ints are accepted for floats)."""
    if default is None:
        return value
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, float):
        # TOML allows inf and nan; no recipe number means either (and the manifest is strict JSON)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        value = float(value) if ok else value
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, str):
        ok = isinstance(value, str)
    elif isinstance(default, list):
        ok = isinstance(value, list) and (not default or len(value) == len(default) or
                                          key.rsplit(".", 1)[-1] in _FREE_LENGTH)
        if ok and default:
            value = [_typed(v, default[0], where, key) for v in value]
    elif isinstance(default, dict):
        ok = isinstance(value, dict)
        if ok:
            _check_keys(value, default, where, key)
            value = {k: _typed(value.get(k, d), d, where, f"{key}.{k}") for k, d in default.items()}
    else:  # pragma: no cover - schema error
        ok = False
    if not ok:
        raise BadInput(f"'{key}' has the wrong type (expected {type(default).__name__} like "
                       f"{default!r}, got {value!r})", where)
    return value


def _choice(value: str, key: str, where: str) -> None:
    options = CHOICES[key]
    if value not in options:
        raise BadInput(f"'{key}' must be one of {', '.join(options)} (got {value!r})", where)


def _resolve_profile(kind: str, name: str, own: dict, shipped: dict, where: str,
                     seen: tuple[str, ...] = ()) -> dict:
    """Expand profile ``name`` through its ``base`` chain into a complete, checked table."""
    schema = shipped[kind]["none"]
    if name in seen:
        raise BadInput(f"{kind} profile '{name}' inherits from itself", where)
    table = own.get(name, shipped[kind].get(name))
    if table is None:
        names = sorted(set(own) | set(shipped[kind]))
        raise BadInput(f"unknown {kind} profile '{name}' (choose from {', '.join(names)})", where)
    _check_keys(table, {"base": "", **schema}, where, f"{kind}.{name}")
    base = table.get("base", "none" if name != "none" else None)
    out = copy.deepcopy(schema) if base is None else _resolve_profile(kind, base, own, shipped, where,
                                                                      seen + (name,))
    for key, value in table.items():
        if key != "base":
            out[key] = _typed(value, schema[key], where, f"{kind}.{name}.{key}")
    for key in _PROFILE_CHOICES:
        if key in out:
            _choice(out[key], key, where)
    for key, value in out.items():
        if key.endswith("_p") and not 0.0 <= value <= 1.0:
            raise BadInput(f"'{kind}.{name}.{key}' is a probability: it must lie in [0, 1] "
                           f"(got {value})", where)
    for key in _RANGES:
        if key in out and not 0 <= out[key][0] <= out[key][1]:
            raise BadInput(f"'{kind}.{name}.{key}' must be [low, high] with 0 <= low <= high", where)
    for key, value in out.items():
        if key.endswith(_SIZES) and isinstance(value, float) and not value >= 0:
            raise BadInput(f"'{kind}.{name}.{key}' must be >= 0 (got {value})", where)
    if "noise_grain" in out and out["noise_grain"][0] <= 0:
        raise BadInput(f"'{kind}.{name}.noise_grain' must have a positive low bound "
                       f"(got {out['noise_grain'][0]})", where)
    for key in _AFFINE_RANGES:
        if key in out and not 0 < out[key]["scale"][0] <= out[key]["scale"][1]:
            raise BadInput(f"'{kind}.{name}.{key}.scale' must be [low, high] with 0 < low <= high", where)
    if out.get("crop_ratio", [1])[0] <= 0:
        raise BadInput(f"'{kind}.{name}.crop_ratio' must be positive", where)
    if kind == "augment" and not (1 <= out["subjects"][0] <= out["subjects"][1] <= MAX_SUBJECTS
                                  and out["occlusion"][1] <= 1):
        raise BadInput(f"'augment.{name}': subjects must be [low, high] with 1 <= low <= high <= {MAX_SUBJECTS}, "
                       "occlusion within [0, 1]", where)
    if kind == "augment" and (out["motion_blur_samples"] < 1 or not out["codecs"] or
                              any(c not in CODECS for c in out["codecs"]) or out["codec_jpeg_quality"][1] > 100):
        raise BadInput(f"'augment.{name}': motion_blur_samples must be >= 1, codecs some of "
                       f"{', '.join(CODECS)}, codec_jpeg_quality within [0, 100]", where)
    if kind == "sampling" and (not out["speeds"] or min(out["speeds"]) <= 0):
        raise BadInput(f"'sampling.{name}.speeds' must be a non-empty list of positive numbers", where)
    return out


def _resolve_guidance(raw: dict, where: str) -> dict:
    """The ``[guidance]`` table (trimap and mask parameters), checked and completed."""
    _check_keys(raw, GUIDANCE, where, "guidance")
    out = {k: _typed(raw.get(k, d), d, where, f"guidance.{k}") for k, d in GUIDANCE.items()}
    for key in ("trimap_width", "mask_radius"):
        lo, hi = out[key]
        if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi):
            raise BadInput(f"'guidance.{key}' must be [low, high] integers with 0 <= low <= high", where)
    if not 0 < out["mask_scale"][0] <= out["mask_scale"][1] <= 1:
        raise BadInput("'guidance.mask_scale' must be [low, high] with 0 < low <= high <= 1", where)
    bad = [k for k in out["mask_kinds"] if k not in MASK_KINDS] or ([] if out["mask_kinds"] else ["(none)"])
    if bad:
        raise BadInput(f"'guidance.mask_kinds' must name some of {', '.join(MASK_KINDS)} (got {bad[0]})", where)
    return out


def _resolve_split(name: str, raw: dict, where: str) -> dict:
    check_name(name, where, "splits.NAME")  # the split's folder in the dataset
    _check_keys(raw, SPLIT, where, f"splits.{name}")
    split = {k: _typed(raw.get(k, d), d, where, f"splits.{name}.{k}") for k, d in SPLIT.items()}
    if not isinstance(split["clips"], int) or split["clips"] < 1:
        raise BadInput(f"'splits.{name}.clips' must be a positive integer", where)
    if (split["frames"] > 0) == (split["frames_total"] > 0):
        raise BadInput(f"split '{name}' needs exactly one of 'frames' (per clip) and 'frames_total'",
                       where)
    if split["frames_total"] and split["frames_total"] < split["clips"]:
        raise BadInput(f"split '{name}': frames_total is smaller than the number of clips", where)
    if split["keep_one_in"] < 1 or split["sequence_length"] < 0 or split["foreground_pool"] < 0:
        raise BadInput(f"split '{name}': keep_one_in must be >= 1, sequence_length and "
                       "foreground_pool >= 0", where)
    for key in ("foreground_order", "flip", "start", "background_order", "background_kind",
                "background_frames", "geometry"):
        _choice(split[key], key, where)
    split["source_split"] = split["source_split"] or name
    split["background_split"] = split["background_split"] or split["source_split"]
    return split


def resolve(spec: str = DEFAULT_RECIPE, *, size: tuple[int, int] | None = None,
            clips: int | None = None, frames: int | None = None) -> dict:
    """Load, check and complete a recipe; apply the overrides.

    Parameters
    ----------
    spec : str
        A shipped recipe's name or a ``.toml`` file.
    size : (W, H), optional
        Output size for every split.
    clips : int, optional
        Clips in every split (a split given by ``frames_total`` keeps its mean clip length).
    frames : int, optional
        Frames in every clip of every split.

    Raises
    ------
    BadInput
        Unknown recipe, missing or malformed file, unknown key, wrong type or value.
    """
    name, raw, where = read_recipe(spec)
    _check_keys(raw, TOP, where, "")
    if "splits" not in raw or not raw["splits"]:
        raise BadInput("recipe defines no [splits.NAME] table", where)
    if "size" not in raw:
        raise BadInput("recipe has no 'size = [W, H]'", where)
    shipped = _profiles_file()
    recipe = {"name": name, "description": _typed(raw.get("description", ""), "", where, "description"),
              "seed": _typed(raw.get("seed", 0), 0, where, "seed"),
              "size": _typed(raw["size"], [0, 0], where, "size")}
    raw_sources = raw.get("sources", {})
    _check_keys(raw_sources, SOURCES, where, "sources")
    recipe["sources"] = {k: _typed(raw_sources.get(k, d), d, where, f"sources.{k}")
                         for k, d in SOURCES.items() if not k.endswith("_options")}
    for k in ("fgr_options", "bgr_options"):
        # {kind: {option: value}}: the option names are checked by the source registry
        table = raw_sources.get(k, {})
        if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
            raise BadInput(f"'sources.{k}' must map a source kind to a table of its options", where)
        recipe["sources"][k] = table
    _check_keys(raw.get("output", {}), OUTPUT, where, "output")
    output = {k: _typed(raw.get("output", {}).get(k, d), d, where, f"output.{k}") for k, d in OUTPUT.items()}
    for key in ("color_format", "rounding", "compose"):
        _choice(output[key], f"output.{key}", where)
    for key, high in (("jpeg_quality", 100), ("png_compression", 9)):  # OpenCV's ranges
        if not 0 <= output[key] <= high:
            raise BadInput(f"'output.{key}' must be within [0, {high}] (got {output[key]})", where)
    for layer in output["layers"]:
        if layer not in LAYERS:
            raise BadInput(f"unknown layer '{layer}' in output.layers (valid: {', '.join(LAYERS)})", where)
    repeated = sorted({layer for layer in output["layers"] if output["layers"].count(layer) > 1})
    if repeated:
        raise BadInput(f"output.layers names {', '.join(repeated)} more than once", where)
    if "pha" not in output["layers"]:
        raise BadInput("output.layers must include 'pha'", where)
    recipe["output"] = output
    recipe["guidance"] = _resolve_guidance(raw.get("guidance", {}), where)
    own = {"augment": raw.get("augment", {}), "sampling": raw.get("sampling", {})}
    for kind, tables in own.items():
        if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
            raise BadInput(f"'{kind}' must hold [{kind}.NAME] tables", where)
    if not isinstance(raw["splits"], dict):
        raise BadInput("'splits' must be a table of [splits.NAME] tables", where)
    recipe["splits"] = {n: _resolve_split(n, s, where) for n, s in raw["splits"].items()}
    recipe["profiles"] = {"augment": {}, "sampling": {}}
    for split in recipe["splits"].values():
        for kind in ("augment", "sampling"):
            recipe["profiles"][kind][split[kind]] = _resolve_profile(kind, split[kind], own[kind],
                                                                     shipped, where)
    most = max(recipe["profiles"]["augment"][split["augment"]]["subjects"][1] for split in recipe["splits"].values())
    output["layers"] += instance_layers(most)  # pha/0, pha/1, ...: each subject's visible alpha
    _apply_overrides(recipe, size, clips, frames)
    _check_consistency(recipe, where)
    return recipe


def with_overrides(recipe: dict, *, size: tuple[int, int] | None = None, clips: int | None = None,
                   frames: int | None = None) -> dict:
    """A copy of an already resolved ``recipe`` with the overrides of :func:`resolve` applied."""
    recipe = copy.deepcopy(recipe)
    _apply_overrides(recipe, size, clips, frames)
    _check_consistency(recipe, f"recipe '{recipe['name']}'")
    return recipe


def _apply_overrides(recipe: dict, size, clips, frames) -> None:
    if size is not None:
        # sources rendered for the recipe's size (a "size" option) are scaled along, so that
        # they still cover the frame: no upsampled subjects at a larger --size
        factor = max(size[0] / recipe["size"][0], size[1] / recipe["size"][1])
        for role in ("fgr_options", "bgr_options"):
            for options in recipe["sources"][role].values():
                if isinstance(options.get("size"), list) and len(options["size"]) == 2:
                    options["size"] = [max(16, round(v * factor)) for v in options["size"]]
        recipe["size"] = [int(size[0]), int(size[1])]
    for split in recipe["splits"].values():
        if clips is not None:
            if split["frames_total"]:
                split["frames_total"] = max(clips, round(split["frames_total"] * clips / split["clips"]))
            split["clips"] = int(clips)
        if frames is not None:
            split["frames"], split["frames_total"] = int(frames), 0


def _check_consistency(recipe: dict, where: str) -> None:
    w, h = recipe["size"]
    if w < 8 or h < 8:
        raise BadInput(f"size {w}x{h} is too small (at least 8x8)", where)
    if w > MAX_SIDE or h > MAX_SIDE:
        raise BadInput(f"size {w}x{h} is too large (at most {MAX_SIDE} a side: 8K)", where)
    for name, split in recipe["splits"].items():
        if split["clips"] > MAX_COUNT:
            raise BadInput(f"split '{name}' asks for {split['clips']} clips (at most {MAX_COUNT:,})", where)
        longest = max(clip_lengths(split))
        if longest > MAX_COUNT:
            raise BadInput(f"split '{name}' asks for clips of {longest} frames (at most {MAX_COUNT:,})", where)
        profile = recipe["profiles"]["augment"][split["augment"]]
        if split["geometry"] == "stretch":
            active = [k for k in GEOMETRIC_OPS if profile[k] > 0]
            if active:
                raise BadInput(f"split '{name}' stretches frames but its augment profile "
                               f"'{split['augment']}' warps them ({', '.join(active)} > 0)", where)


def clip_lengths(split: dict) -> list[int]:
    """Frames of each clip of a split: ``frames`` each, or ``frames_total`` spread evenly (the
    first ``frames_total % clips`` clips get one more)."""
    n = split["clips"]
    if split["frames"]:
        return [split["frames"]] * n
    q, r = divmod(split["frames_total"], n)
    return [q + 1 if i < r else q for i in range(n)]
