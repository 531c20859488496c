"""Rendering: a sequence plan in, frames out. The one code path of both the writer and streaming.

Frame ``t`` is a pure function of (plan, settings, sources, t): the geometry of the foreground and
the background is one matrix each (motion at ``t``, static affine, crop, flip; see
:mod:`mbench.synth.geometry`), applied in one warp to the source frame first area-shrunk to its
working size (a source that renders frames itself, the procedural subjects, renders straight
through the matrix instead: one resampling); then the pixel operations active at ``t``; then the
layers are rounded to ``uint8`` and composed (:mod:`mbench.synth.compose`). Geometry runs on
``uint8``; float32 is used only for a layer that a pixel operation touches in that frame.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
from PIL import Image

from . import photometric as ph
from . import effects_pixels as fx
from . import rvm_resample as rvm
from .augment import jitter_factors, pause_source
from .catalog import SourceSet
from .compose import compose, compose_linear
from .effects import exposure_times, shake_path
from .geometry import crop_matrix, hflip_matrix, params_matrix, shrink, warp
from .guidance import guidance_layers
from .subjects import hidden_fractions, layer_stack, occlusion_shift, shift
from .motion import motion_at, ramp_at

_NOISE_LAYER = {"fgr": 1, "bgr": 2}


def _chain(aug: dict, layer: str, t: float, length: int, work: tuple[int, int], out: tuple[int, int],
           flip: bool, memo: "_Memo") -> np.ndarray:
    """The forward matrix of ``layer`` ("fg" or "bg") at frame ``t``, in RVM's order: the motion
    at ``t`` first, then the sequence's fixed static affine, crop and flip (multiplied once)."""
    def fixed() -> np.ndarray:
        m = np.eye(3)
        if aug[f"{layer}_static"]:
            m = params_matrix(aug[f"{layer}_static"], work) @ m
        m = crop_matrix(aug[f"{layer}_crop"], out) @ m
        return hflip_matrix(out[0]) @ m if flip else m

    m = memo.get(("chain", layer), fixed)
    for name in ("joint_motion", f"{layer}_motion"):  # the layer's own motion applies first
        if aug[name]:
            m = m @ params_matrix(motion_at(aug[name], t, length), work)
    return m


def _stretch(img: np.ndarray, out: tuple[int, int], flip: bool) -> np.ndarray:
    """RVM's evaluation-set resize: PIL bilinear to the output size (aspect not kept), then flip."""
    if (img.shape[1], img.shape[0]) != tuple(out):
        img = np.asarray(Image.fromarray(img).resize(tuple(out), Image.BILINEAR))
    return np.ascontiguousarray(img[:, ::-1]) if flip else img


def _unit(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float32) * np.float32(1 / 255)


def _byte(a: np.ndarray) -> np.ndarray:
    """[0, 1] float -> uint8, rounding half up."""
    return (a * np.float32(255) + np.float32(0.5)).astype(np.uint8)


class _Memo:
    """The few most recently used results by key (source frames, warped stills, the fixed part of
    each layer's geometry), for one sequence's render."""

    def __init__(self, size: int = 8):
        self.size, self.items = size, {}

    def get(self, key, make):
        if key in self.items:
            self.items[key] = self.items.pop(key)  # most recent last
            return self.items[key]
        value = self.items[key] = make()  # make() may itself use the memo
        while len(self.items) > self.size:
            self.items.pop(next(iter(self.items)))
        return value


def _bg_is_static(aug: dict) -> bool:
    """Whether the background pixels depend only on the source frame and the (fixed) geometry."""
    return not (aug["bg_motion"] or aug["joint_motion"] or aug["noise"] or aug["bg_jitter"]
                or aug["blur"]["bg"] or aug["blur"]["all"] or aug["shadow"] or aug.get("shake"))


def render_frame(plan: dict, settings: dict, sources: SourceSet, t: int,
                 memo: _Memo | None = None, log: dict | None = None) -> tuple[dict[str, np.ndarray], dict]:
    """Frame ``t`` of a planned sequence (with several subjects, ``log`` if given receives each
    added subject's ``shift`` and the fraction ``hidden`` of it, see
    :func:`mbench.synth.subjects.hidden_fractions`).

    Returns
    -------
    layers : dict
        ``uint8`` arrays for the requested layers: ``com``, ``fgr``, ``bgr`` (``bgr_capture``)
        ``(H, W, 3)`` and ``pha`` ``(H, W)``.
    signature : dict
        Per layer, a hashable that is equal for two frames of the sequence exactly when their
        pixels are equal by construction (paused frames, a still background): writers reuse the
        encoded bytes.
    """
    memo = memo or _Memo()
    aug, length = plan["augment"], plan["length"]
    out = tuple(settings["size"])
    u = pause_source(aug, t)
    fg, bg = plan["fg"], plan["bg"]
    clip = sources.fg_clip(fg["source"], fg["split"], fg["clip"])
    item = sources.bg_item(bg["source"], bg["split"], bg["item"])
    fi, bi = fg["frames"][u], bg["frames"][u]

    every_step = settings.get("resampling") == "every-step"
    shrink_to = rvm.shrink if every_step else shrink

    def source_fg(index: int = fi):  # the frame at its working size
        return tuple(shrink_to(a, fg["work"]) for a in sources.read_fg(fg["source"], clip, index))

    def source_bg():
        return shrink_to(sources.read_bg(bg["source"], item, bi), bg["work"])

    fg_flip = bool(fg["flip"]) != bool(aug["fg_flip"])
    floats: dict[str, np.ndarray] = {}

    def fg_once(time: float, index: int = fi) -> tuple[np.ndarray, np.ndarray]:  # the subject at a (sub-frame) time
        m_fg = _chain(aug, "fg", time, length, tuple(fg["work"]), out, fg_flip, memo)
        if sources.fg_warps(fg["source"], clip, fg["work"]):  # the source resamples once itself
            return memo.get(("fg-warp", index, m_fg.tobytes()),
                            lambda: sources.read_fg_warped(fg["source"], clip, index, m_fg, out))
        return tuple(warp(a, m_fg, out) for a in memo.get(("fg", index), lambda: source_fg(index)))

    def fg_float(time: float, index: int = fi) -> tuple[np.ndarray, np.ndarray]:
        if every_step:
            return tuple(rvm.layer_geometry(aug, "fg", memo.get(("fg", index), lambda: source_fg(index)),
                                            time, length, out, fg_flip))
        return tuple(_unit(a) for a in fg_once(time, index))

    if every_step and settings["geometry"] != "stretch":  # RVM: one resampling per step, floats after
        floats["fgr"], floats["pha"] = fg_float(u)
        bg_key = ("bg-rvm", bi, repr([motion_at(aug[m], u, length) for m in ("bg_motion", "joint_motion")
                                      if aug[m]]))
        floats["bgr"] = memo.get(bg_key, lambda: rvm.layer_geometry(
            aug, "bg", (memo.get(("bg", bi), source_bg),), u, length, out, bool(aug["bg_flip"]))[0])
        fgr, pha, bgr = floats["fgr"], floats["pha"], floats["bgr"]
    elif settings["geometry"] == "stretch":  # RVM resizes the frame as read: no area shrink first
        full_fg = memo.get(("fg-full", fi), lambda: tuple(sources.read_fg(fg["source"], clip, fi)))
        fgr, pha = (_stretch(a, out, fg_flip) for a in full_fg)
        bg_key = ("bg-stretch", bi)
        bgr = memo.get(bg_key, lambda: _stretch(sources.read_bg(bg["source"], item, bi), out, bool(aug["bg_flip"])))
    else:
        fgr, pha = fg_once(u)
        m_bg = _chain(aug, "bg", u, length, tuple(bg["work"]), out, bool(aug["bg_flip"]), memo)
        bg_key = ("bg-warp", bi, m_bg.tobytes())
        bgr = memo.get(bg_key, lambda: warp(memo.get(("bg", bi), source_bg), m_bg, out, settings["border"]))

    layers = {"fgr": fgr, "pha": pha, "bgr": bgr}

    def added_subject(k: int, index: int, time: float) -> tuple[np.ndarray, np.ndarray]:
        """Added subject ``k`` (source frame ``index``) at ``time``, float, before its shift."""
        sub = plan["subjects"][k]
        s_clip = sources.fg_clip(sub["source"], sub["split"], sub["clip"])
        s_aug = dict(sub["augment"], joint_motion=aug["joint_motion"])  # a joint motion moves every subject
        s_flip = bool(sub["augment"]["fg_flip"])

        def frames():
            return tuple(shrink_to(a, sub["work"]) for a in sources.read_fg(sub["source"], s_clip, index))

        if every_step:
            return tuple(rvm.layer_geometry(s_aug, "fg", frames(), time, length, out, s_flip))
        m = _chain(s_aug, "fg", time, length, tuple(sub["work"]), out, s_flip, _Memo())
        if sources.fg_warps(sub["source"], s_clip, sub["work"]):
            return tuple(_unit(a) for a in sources.read_fg_warped(sub["source"], s_clip, index, m, out))
        return tuple(_unit(warp(a, m, out)) for a in frames())

    blur = aug.get("motion_blur") if settings["geometry"] != "stretch" else None

    def exposed(at, moves: bool, v: int) -> tuple[np.ndarray, np.ndarray]:
        """A subject (``at(time)``) at source frame ``v``, integrated along its own path over the
        exposure when it moves and the sequence has motion blur."""
        if blur and moves:
            return fx.integrate([at(x) for x in exposure_times(v, blur, length)])
        return at(v)

    fg_moves = bool(aug["fg_motion"] or aug["joint_motion"])

    def added_at(k: int, v: int) -> tuple[np.ndarray, np.ndarray]:  # added subject k at frame v, unshifted
        sub = plan["subjects"][k]
        index = sub["frames"][v]
        return exposed(lambda x: added_subject(k, index, x), bool(sub["augment"]["fg_motion"] or aug["joint_motion"]), v)

    def shifts() -> list[int]:  # each added subject's shift, from the sequence's first frame as rendered
        v = pause_source(aug, 0)
        front, out_dx = exposed(lambda x: fg_float(x, fg["frames"][v]), fg_moves, v)[1], []
        for k in range(len(plan["subjects"])):
            a = added_at(k, v)[1]
            out_dx.append(occlusion_shift(a, front, plan["subjects"][k]["occlusion"]))
            front = front + shift(a, out_dx[-1]) * (1 - front)
        return out_dx

    def shift_subject(k: int) -> tuple[np.ndarray, np.ndarray]:
        dx = memo.get(("subject-shifts",), shifts)[k]  # a shift commutes with the exposure's average
        return tuple(shift(a, dx) for a in added_at(k, u))

    if blur and fg_moves:
        floats["fgr"], floats["pha"] = exposed(fg_float, True, u)

    def f(name):  # the float32 version of a layer, made on first use
        if name not in floats:
            floats[name] = _unit(layers[name])
        return floats[name]

    alphas = ("pha",)  # the union alpha and, with several subjects, each one's visible alpha
    if plan.get("subjects") is not None:
        stack = [(f("fgr"), f("pha"))] + [shift_subject(k) for k in range(len(plan["subjects"]))]
        if log is not None:  # measured before the pixel operations below (all of them move every subject alike)
            log.update(shifts=list(memo.get(("subject-shifts",), shifts)), hidden=hidden_fractions([a for _, a in stack]))
        floats["fgr"], floats["pha"], visible = layer_stack(stack)
        alphas += tuple(f"pha/{i}" for i in range(len(visible)))
        floats.update({f"pha/{i}": v for i, v in enumerate(visible)})

    if aug["noise"]:
        n = aug["noise"]
        for name, sigma in (("fgr", n["fg_sigma"]), ("bgr", n["bg_sigma"])):
            rng = np.random.default_rng([n["seed"], u, _NOISE_LAYER[name]])
            field = ph.noise_field(rng, (out[1], out[0]), n["grain"], n["mono"])
            floats[name] = ph.add_noise(f(name), field, sigma)
    for name, key in (("fgr", "fg_jitter"), ("bgr", "bg_jitter")):
        if aug[key]:
            floats[name] = ph.color_jitter(f(name), *jitter_factors(aug[key], u, length, settings["hue_scale"]))
    if aug["grayscale"]:
        floats["fgr"], floats["bgr"] = ph.to_grayscale(f("fgr")), ph.to_grayscale(f("bgr"))
    if aug["sharpness"] is not None:
        for name in ("fgr", *alphas, "bgr"):
            floats[name] = ph.sharpen(f(name), aug["sharpness"])
    for which, names in (("fg", ("fgr", *alphas)), ("bg", ("bgr",)), ("all", ("fgr", *alphas, "bgr"))):
        if aug["blur"][which]:
            sigma = max(ramp_at(aug["blur"][which], u, length), 0.0)
            for name in names:
                floats[name] = ph.gaussian_blur(f(name), sigma)
    if aug["shadow"]:
        sh = aug["shadow"]
        floats["bgr"] = ph.cast_shadow(f("bgr"), f("pha"), sh["strength"],
                                       params_matrix(sh["affine"], out), sh["blur"])
    if aug.get("defocus_bg"):
        floats["bgr"] = fx.defocus(f("bgr"), aug["defocus_bg"]["radius"])
    if aug.get("defocus_fg"):
        floats["fgr"], floats["pha"] = fx.defocus_subject(f("fgr"), f("pha"), aug["defocus_fg"]["radius"])
        for name in alphas[1:]:
            floats[name] = fx.defocus_alpha(f(name), aug["defocus_fg"]["radius"])
    if aug.get("shake"):
        angle, tx, ty = memo.get(("shake",), lambda: shake_path(aug["shake"], length))[t]
        floats.update(fx.shake_layers({n: f(n) for n in ("fgr", *alphas, "bgr")},
                                      fx.shake_matrix(angle, tx, ty, out)))
    if len(alphas) > 1:  # clipping (sharpness) can break the sum: the instances share the union exactly
        total = sum(floats[name] for name in alphas[1:])
        scale = np.divide(floats["pha"], total, out=np.zeros_like(total), where=total > 1e-6)
        for name in alphas[1:]:
            floats[name] = floats[name] * scale
    for name, value in floats.items():
        layers[name] = _byte(value)

    wanted = settings["layers"]
    result = {}
    if "com" in wanted:
        mix = compose_linear if settings.get("compose") == "linear" else compose
        result["com"] = mix(layers["fgr"], layers["pha"], layers["bgr"], settings["rounding"])
        if aug.get("codec") and aug["codec"]["codec"] == "jpeg":
            result["com"] = fx.jpeg(result["com"], aug["codec"]["quality"])
    for name in ("fgr", "pha", "bgr"):
        if name in wanted:
            result[name] = layers[name]
    for name in wanted:
        if name.startswith("pha/"):  # a subject's visible alpha (zeros where there is no such subject)
            result[name] = layers[name] if name in layers else np.zeros_like(layers["pha"])
    if "bgr_capture" in wanted:
        result["bgr_capture"] = _capture(layers["bgr"], aug, out, settings["border"])
    if plan.get("guidance"):
        result.update(guidance_layers(layers["pha"], plan["guidance"], t, wanted))
    # a shaking camera moves on while the subject pauses: every layer is then its own frame
    signature = {name: ("frame", t if aug.get("shake") else u) for name in result}
    if "com" in result and aug.get("codec") and aug["codec"]["codec"] != "jpeg":
        signature["com"] = ("codec", t)  # a video codec's frames differ even where the input repeats
    if "mask" in result and plan["guidance"]["mask"]["kind"] == "first-frame":
        signature["mask"] = ("mask", t)  # frame 0 only: a paused frame must not reuse it
    if "bgr" in result and _bg_is_static(aug):
        signature["bgr"] = bg_key + (aug["grayscale"], aug["sharpness"])
    return result, signature


def _capture(bgr: np.ndarray, aug: dict, out: tuple[int, int], border: str) -> np.ndarray:
    """BGMv2's captured background: the true one, slightly misaligned and colour-jittered."""
    if aug["misalign"]:
        bgr = warp(bgr, params_matrix(aug["misalign"], out), out, border)
    if aug["capture_jitter"]:
        b, c, s, h = aug["capture_jitter"]
        bgr = _byte(ph.color_jitter(_unit(bgr), b, c, s, h))
    return bgr


def render_sequence(plan: dict, settings: dict, sources: SourceSet,
                    log: list | None = None) -> Iterator[tuple[dict, dict]]:
    """``(layers, signature)`` for each frame of a planned sequence, in order (a sequence whose
    ``com`` goes through a video codec is rendered whole first, then transcoded); ``log`` if given
    receives each frame's ``log`` of :func:`render_frame`."""
    memo = _Memo()

    def frame(t: int) -> tuple[dict, dict]:
        if log is None:
            return render_frame(plan, settings, sources, t, memo)
        log.append({})
        return render_frame(plan, settings, sources, t, memo, log[-1])

    codec = plan["augment"].get("codec")
    if codec and codec["codec"] != "jpeg" and "com" in settings["layers"]:
        frames = [frame(t) for t in range(plan["length"])]
        coms = fx.transcode([layers["com"] for layers, _ in frames], codec["codec"], codec["crf"])
        for (layers, signature), com in zip(frames, coms):
            yield dict(layers, com=com), signature
        return
    for t in range(plan["length"]):
        yield frame(t)
