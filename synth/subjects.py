"""Several subjects per sequence, with a target occlusion, and each subject's own alpha.

A profile with ``subjects = [lo, hi]`` and ``hi > 1`` gives each sequence ``n ~ U{lo..hi}``
subjects: the planned one in front, and ``n - 1`` more behind it (each behind the ones before),
each with its own foreground clip, start frame (the first subject's speed and direction), static
affine, crop, flip and motion, and an occlusion target from ``occlusion = [lo, hi]``: the fraction
of the subject hidden by those in front. The plan records all of it (``subjects``). The target is
met on the sequence's first frame (as rendered, motion blur included) by a horizontal shift of the
added subject, the whole pixels (a step of width / 128 at most) whose occluded fraction is closest
to the target (a subject must keep at least half of its alpha in the frame); its motion then moves
it on. The shift and the fraction reached on each frame (:func:`hidden_fractions`) are logged per
clip (``subjects.json``, copied into the manifest's plan; :func:`occlusion_summary`). Instance ``i``'s visible alpha,
``a_i * prod_{j < i} (1 - a_j)``, is written to ``pha/<i>/NNNN.png`` (zeros when the sequence has
fewer subjects), and ``pha/`` holds their union; every operation on the alpha (blur, sharpness,
defocus, shake) is applied to the instances as to the union, so they add up to it (up to
rounding to 8 bits).
"""

from __future__ import annotations

import numpy as np

from .effects_pixels import unpremultiply

MAX_SUBJECTS = 8
_SUBJECTS = 105  # sub-generator of a sequence key (plan.py's 101-104 are taken)
_GEOMETRY = ("fg_motion", "fg_static", "fg_crop", "fg_flip")


def instance_layers(count: int) -> list[str]:
    """The per-instance alpha layers of a recipe whose sequences have up to ``count`` subjects."""
    return [f"pha/{i}" for i in range(count)] if count > 1 else []


def plan_subjects(planner, material: dict, key: list[int], offsets: list[int], length: int,
                  bg_work: tuple[int, int], draw_augmentation, working_size, start_range) -> list[dict] | None:
    """The added subjects of a sequence (``None`` when the profile never adds any)."""
    lo, hi = planner.augment["subjects"]
    if hi <= 1:
        return None
    rng = np.random.default_rng([*key, _SUBJECTS])
    n = int(rng.integers(lo, hi + 1))
    cfg = planner.config
    catalog = planner.sources.fg_catalog(cfg["source_split"])
    if cfg["foreground_pool"]:
        catalog = catalog[: cfg["foreground_pool"]]
    keep = cfg["keep_one_in"]
    out = []
    for k in range(1, n):
        source, clip = catalog[int(rng.integers(len(catalog)))]
        start = int(rng.integers(start_range(length, keep, clip.num_frames)))
        work = working_size((clip.width, clip.height), planner.size)
        aug = draw_augmentation(planner.augment, [*key, _SUBJECTS, k], work, bg_work, planner.size, length)
        out.append({"source": source, "spec": planner.sources.spec("fgr", source), "split": cfg["source_split"],
                    "clip": clip.id, "frames": [(start + o * keep) % clip.num_frames for o in offsets],
                    "work": list(work), "augment": {g: aug[g] for g in _GEOMETRY},
                    "occlusion": float(rng.uniform(*planner.augment["occlusion"]))})
    return out


def shift(a: np.ndarray, dx: int) -> np.ndarray:
    """``a`` moved ``dx`` whole pixels to the right, zeros coming in."""
    out = np.zeros_like(a)
    w = a.shape[1]
    if dx >= 0:
        out[:, dx:] = a[:, :w - dx] if dx < w else out[:, dx:]
    else:
        out[:, :w + dx] = a[:, -dx:]
    return out


def occlusion_shift(alpha: np.ndarray, front: np.ndarray, target: float) -> int:
    """The whole-pixel horizontal shift of ``alpha`` (float, ``(H, W)``) whose fraction hidden by
    ``front`` (the union of the subjects in front) is closest to ``target``; among equals, the
    smallest shift. Shifts that leave less than half of ``alpha`` in the frame are not used."""
    total = float(alpha.sum())
    if total <= 0:
        return 0
    w = alpha.shape[1]
    cols = alpha.sum(axis=0)
    best, best_dx = None, 0
    step = max(1, w // 128)  # at most ~256 candidates
    for dx in sorted(range(-(w - 1), w, step), key=abs):
        kept = float(cols[max(0, -dx):w - max(0, dx)].sum())
        if kept < 0.5 * total:
            continue
        moved = shift(alpha, dx)
        hidden = float((moved * front).sum()) / kept
        err = abs(hidden - target)
        if best is None or err < best - 1e-12:
            best, best_dx = err, dx
    return best_dx


def hidden_fractions(alphas: list[np.ndarray]) -> list[float | None]:
    """Front-to-back float alphas -> for each added subject, the fraction of its alpha mass (in the
    frame) hidden by the union of those in front (``None`` where it has no alpha in the frame)."""
    front = alphas[0].astype(np.float64)
    out: list[float | None] = []
    for a in alphas[1:]:
        a = a.astype(np.float64)
        mass = float(a.sum())
        out.append(float((a * front).sum()) / mass if mass > 0 else None)
        front = front + a * (1 - front)
    return out


def occlusion_summary(shifts: list[int], frames: list[list[float | None]]) -> list[dict]:
    """Per added subject, its shift and the occlusion it reached: on the first frame and the mean,
    min and max over the frames where it is in view (rounded to 6 decimals), from the per-frame
    :func:`hidden_fractions`."""
    out = []
    for k, dx in enumerate(shifts):
        seen = [f[k] for f in frames if f[k] is not None]
        first = frames[0][k] if frames else None
        out.append({"shift": int(dx),
                    "occlusion_first": None if first is None else round(first, 6),
                    "occlusion_mean": round(float(np.mean(seen)), 6) if seen else None,
                    "occlusion_min": round(min(seen), 6) if seen else None,
                    "occlusion_max": round(max(seen), 6) if seen else None})
    return out


def layer_stack(subjects: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Front-to-back ``(fgr, alpha)`` float layers -> union colour, union alpha, visible alphas."""
    fgr0, a0 = subjects[0]
    premultiplied = fgr0 * a0[..., None]
    union = a0.copy()
    visible = [a0]
    for fgr, a in subjects[1:]:
        v = a * (1 - union)
        premultiplied += fgr * v[..., None]
        union += v
        visible.append(v)
    return unpremultiply(premultiplied, union), np.clip(union, 0, 1), visible
