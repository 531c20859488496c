"""The ``rvm`` profiles against a restatement of RobustVideoMatting's augmentation, item by item.

RVM: github.com/PeterL1n/RobustVideoMatting @ 53d74c6, ``dataset/augmentation.py`` (MotionAugmentation)
and ``dataset/videomatte.py`` (``_downsample_if_needed``, VideoMatteValidAugmentation), with
torchvision 0.10 and Pillow. The restatements below are written from those definitions: PIL steps
call Pillow (as torchvision's PIL path does), tensor steps use torch (torchvision's tensor ops are
torch expressions; torchvision itself is not installed here).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

from mbench.synth import photometric as ph
from mbench.synth import rvm_resample as rvm
from mbench.synth.augment import draw_augmentation, jitter_factors
from mbench.synth.easing import ease
from mbench.synth.motion import motion_at
from mbench.synth.recipes import _profiles_file, _resolve_profile


def profile(name: str) -> dict:
    return _resolve_profile("augment", name, {}, _profiles_file(), "profiles.toml")


def draws(name: str, n: int, fg=(72, 48), bg=(80, 60), out=(64, 48), length=8):
    return [draw_augmentation(profile(name), [3, 0, 1, i, 0, 103], fg, bg, out, length) for i in range(n)]


# -- restatements -------------------------------------------------------------------------------

def rvm_lerp(a, b, p):
    return a * (1 - p) + b * p


def rvm_jitter_factors(ramp: dict, t: int, T: int) -> tuple[float, float, float, float]:
    """RVM's _motion_color_jitter for frame t, from its drawn values (8 offsets, strength, curve)."""
    (bA, cA, sA, hA), (bB, cB, sB, hB) = ramp["a"], ramp["b"]
    percentage = ease(ramp["curve"], t / (T - 1)) * ramp["strength"]
    return (max(1 + rvm_lerp(bA, bB, percentage), 0.1), max(1 + rvm_lerp(cA, cB, percentage), 0.1),
            max(1 + rvm_lerp(bA, bB, percentage), 0.1),  # the brightness ramp, as RVM writes it
            min(0.5, max(-0.5, rvm_lerp(hA, hB, percentage) * 0.1)))


def tv_gray(img: torch.Tensor) -> torch.Tensor:
    r, g, b = img.unbind(0)
    return (0.2989 * r + 0.587 * g + 0.114 * b).unsqueeze(0)


def tv_blend(a, b, ratio):
    return (ratio * a + (1.0 - ratio) * b).clamp(0, 1)


def tv_hue(img: torch.Tensor, shift: float) -> torch.Tensor:
    """Hue rotation through the hexcone HSV model (torchvision's _rgb2hsv / _hsv2rgb)."""
    r, g, b = img.unbind(0)
    v, _ = img.max(0)
    lo, _ = img.min(0)
    chroma = v - lo
    s = torch.where(v > 0, chroma / torch.where(v > 0, v, torch.ones_like(v)), torch.zeros_like(v))
    safe = torch.where(chroma > 0, chroma, torch.ones_like(chroma))
    h = torch.where(v == r, (g - b) / safe, torch.where(v == g, 2 + (b - r) / safe, 4 + (r - g) / safe))
    h = torch.where(chroma > 0, h, torch.zeros_like(h))
    h = torch.remainder(h / 6 + shift, 1.0)
    i = torch.floor(h * 6)
    f = h * 6 - i
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    i = i.long() % 6
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = torch.zeros_like(img)
    for k, (rr, gg, bb) in enumerate(table):
        m = i == k
        out[0][m], out[1][m], out[2][m] = rr[m], gg[m], bb[m]
    return out


def tv_jitter(img: np.ndarray, b: float, c: float, s: float, h: float) -> np.ndarray:
    """adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue of a float tensor."""
    x = torch.from_numpy(img).permute(2, 0, 1)
    x = tv_blend(x, torch.zeros_like(x), b)
    x = tv_blend(x, tv_gray(x).mean(dim=(-3, -2, -1), keepdim=True), c)
    x = tv_blend(x, tv_gray(x), s)
    x = tv_hue(x, h)
    return x.permute(1, 2, 0).numpy()


def tv_get_affine(rng: np.random.Generator, size, scale=(0.9, 1.1)):
    """RandomAffine.get_params(degrees=10, translate=(0.1, 0.1), scale, shears=(-5, 5))."""
    angle = rng.uniform(-10, 10)
    tx = round(rng.uniform(-0.1 * size[0], 0.1 * size[0]))
    ty = round(rng.uniform(-0.1 * size[1], 0.1 * size[1]))
    return angle, (tx, ty), rng.uniform(*scale), (rng.uniform(-5, 5), 0.0)


def pil_affine_reference(img: np.ndarray, angle, translate, scale, shear) -> np.ndarray:
    """F.affine on a PIL image: the inverse of T C R S Sh C^-1 about (w/2, h/2), by matrix inversion."""
    h, w = img.shape[:2]
    rot, sx = math.radians(angle), math.radians(shear[0])
    rotation = np.array([[math.cos(rot), -math.sin(rot), 0], [math.sin(rot), math.cos(rot), 0], [0, 0, 1]])
    shear_m = np.array([[1, -math.tan(sx), 0], [0, 1, 0], [0, 0, 1]])
    centre = np.array([[1, 0, w / 2], [0, 1, h / 2], [0, 0, 1]])
    move = np.array([[1, 0, translate[0]], [0, 1, translate[1]], [0, 0, 1]])
    forward = move @ centre @ rotation @ shear_m @ np.diag([scale, scale, 1.0]) @ np.linalg.inv(centre)
    inv = np.linalg.inv(forward)
    pil = Image.fromarray(img).transform((w, h), Image.AFFINE, tuple(inv[:2].ravel()), Image.BILINEAR, fillcolor=0)
    return np.asarray(pil)


def tv_resized_crop(img: np.ndarray, crop, out) -> np.ndarray:
    """F.resized_crop of a float tensor (torchvision 0.10: interpolate, bilinear, align_corners=False)."""
    x, y, w, h = crop
    t = torch.from_numpy(np.ascontiguousarray(img[y:y + h, x:x + w])).reshape(h, w, -1).permute(2, 0, 1)[None]
    r = torch.nn.functional.interpolate(t, size=(out[1], out[0]), mode="bilinear", align_corners=False)
    return r[0].permute(1, 2, 0).numpy().reshape((out[1], out[0]) + img.shape[2:])


def image(seed: int, w: int = 72, h: int = 48, channels: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h // 4 + 1, w // 4 + 1, channels), dtype=np.uint8)
    big = np.asarray(Image.fromarray(base.squeeze()).resize((w, h), Image.BILINEAR))
    return big


# -- item 1: the brightness ramp drives the saturation ---------------------------------------------

def test_item1_saturation_takes_the_brightness_ramp():
    jitters = [a["fg_jitter"] for a in draws("rvm", 60) if a["fg_jitter"]]
    assert len(jitters) > 5
    for ramp in jitters:
        assert ramp["saturation_from"] == "brightness"
        for t in range(8):
            assert jitter_factors(ramp, t, 8, 0.1) == pytest.approx(rvm_jitter_factors(ramp, t, 8), abs=1e-12)
    # mbench's own profile keeps a saturation ramp of its own
    own = [a["fg_jitter"] for a in draws("train", 60) if a["fg_jitter"]]
    assert own and all("saturation_from" not in r for r in own)
    r = dict(own[0], curve="LinearInOut")
    assert jitter_factors(r, 7, 8, 0.1)[2] == pytest.approx(max(1 + r["b"][2], 0.1))


def test_item1_colour_operations_equal_torchvisions_tensor_ops():
    rng = np.random.default_rng(5)
    img = rng.random((24, 32, 3), dtype=np.float32)
    worst = 0.0
    for b, c, s, h in [(1.1, 0.9, 1.2, 0.03), (0.8, 1.3, 0.5, -0.04), (1.0, 1.0, 1.0, 0.5), (0.1, 2.0, 0.1, -0.5)]:
        ours = ph.color_jitter(img, b, c, s, h)
        worst = max(worst, float(np.abs(ours - tv_jitter(img, b, c, s, h)).max()))
    assert worst < 2e-5  # float32 rounding of OpenCV's HSV path vs torch's (measured: ~1e-6)


# -- item 2: strength ~ U(0, 0.2) scales the progress ----------------------------------------------

def test_item2_strength_scales_the_easing_progress():
    jitters = [a[k] for a in draws("rvm", 80) for k in ("fg_jitter", "bg_jitter") if a[k]]
    strengths = [r["strength"] for r in jitters]
    assert all(0 <= s <= 0.2 for s in strengths) and max(strengths) > 0.1
    for ramp in jitters:
        b_end = jitter_factors(ramp, 7, 8, 0.1)[0]
        assert b_end == pytest.approx(max(1 + rvm_lerp(ramp["a"][0], ramp["b"][0], ramp["strength"]), 0.1))
    # the mbench profile moves all the way to the end offsets
    own = next(a["fg_jitter"] for a in draws("train", 60) if a["fg_jitter"])
    assert "strength" not in own
    assert jitter_factors(own, 7, 8, 0.1)[0] == pytest.approx(max(1 + own["b"][0], 0.1))


# -- item 3: validation keeps the static affine and the random-aspect crop ------------------------

def test_item3_validation_keeps_static_affine_and_random_aspect_crop():
    p = profile("rvm-valid")
    assert p["static_affine_p"] == 1.0 and p["crop_ratio"] == [0.9, 1.1] and p["crop_position"] == "random"
    for a in draws("rvm-valid", 30, fg=(60, 60), bg=(70, 64), out=(48, 48)):
        assert a["fg_static"] and a["bg_static"]
        assert 0.5 <= a["fg_static"]["scale"] <= 1 and 1 <= a["bg_static"]["scale"] <= 1.5
        for crop, size in ((a["fg_crop"], (60, 60)), (a["bg_crop"], (70, 64))):
            x, y, w, h = crop
            assert 0.9 * 0.999 <= w / h <= 1.1 * 1.001 and x + w <= size[0] and y + h <= size[1]
        moved = [k for k in ("fg_motion", "bg_motion", "joint_motion", "noise", "fg_jitter", "bg_jitter",
                             "sharpness", "pause") if a[k]]
        assert not moved and not a["fg_flip"] and not a["bg_flip"] and not a["grayscale"]
    assert profile("valid")["static_affine_p"] == 0.0  # mbench's valid: nothing


# -- item 4: Back and Elastic overshoot is kept ------------------------------------------------------

@pytest.mark.parametrize("curve", ["BackEaseIn", "ElasticEaseOut"])
def test_item4_overshoot_is_kept(curve):
    motions = [m for a in draws("rvm", 200, length=30) for m in (a["fg_motion"], a["bg_motion"]) if m]
    motion = dict(motions[0], curve=curve)
    outside = False
    for t in range(30):
        p = ease(curve, t / 29)
        got = motion_at(motion, t, 30)
        for key in ("angle", "tx", "ty", "scale", "shear"):
            assert got[key] == pytest.approx(rvm_lerp(motion["a"][key], motion["b"][key], p), abs=1e-12)
        lo, hi = sorted((motion["a"]["angle"], motion["b"]["angle"]))
        outside |= not lo - 1e-9 <= got["angle"] <= hi + 1e-9
    assert outside  # the curve left [A, B] and the motion followed it
    clamped = dict(motion)
    clamped.pop("overshoot")
    assert all(-10 <= motion_at(clamped, t, 30)["angle"] <= 10 for t in range(30))


# -- item 5: translations in whole pixels ------------------------------------------------------------

def test_item5_translations_are_whole_pixels_of_the_drawn_image():
    seen = 0
    for a in draws("rvm", 40, fg=(72, 48), bg=(90, 60)):
        for name, size in (("fg_static", (72, 48)), ("bg_static", (90, 60))):
            s = a[name]
            assert s["tx"] == int(s["tx"]) and s["ty"] == int(s["ty"])
            assert abs(s["tx"]) <= round(0.1 * size[0]) and abs(s["ty"]) <= round(0.1 * size[1])
            assert s["pixels"] == list(size)
            seen += 1
        if a["joint_motion"]:  # drawn from the foreground's size, applied as pixels to both layers
            assert a["joint_motion"]["a"]["pixels"] == [72, 48]
    assert seen == 80
    # the restated get_params gives the same kind of draw (integers within +-round(0.1 w))
    angle, (tx, ty), scale, shear = tv_get_affine(np.random.default_rng(1), (72, 48))
    assert isinstance(tx, int) and abs(tx) <= 7 and abs(ty) <= 5
    # mbench's own profile draws fractions
    assert "pixels" not in draws("train", 1)[0]["fg_static"]


# -- item 6: black fill for every layer; item 7: one resampling per step ------------------------

def _rvm_chain_reference(aug: dict, layer: str, img: np.ndarray, t: int, T: int, out, flip: bool):
    """RVM's steps for one layer, each with its own resampling."""
    for name in (f"{layer}_motion", "joint_motion"):
        if aug[name]:
            p = motion_at(aug[name], t, T)
            img = pil_affine_reference(img, p["angle"], (p["tx"], p["ty"]), p["scale"], (p["shear"], 0.0))
    s = aug[f"{layer}_static"]
    img = pil_affine_reference(img, s["angle"], (s["tx"], s["ty"]), s["scale"], (s["shear"], 0.0))
    f = torch.from_numpy(np.array(img)).float().div(255).numpy()
    f = tv_resized_crop(f, aug[f"{layer}_crop"], out)
    return f[:, ::-1] if flip else f


def test_item6_every_layer_is_filled_black_outside_the_warped_frame():
    aug = draws("rvm", 1, fg=(72, 48), bg=(72, 48))[0]
    aug["bg_static"] = dict(aug["bg_static"], angle=10.0, scale=1.0, tx=7.0, ty=5.0)
    aug["fg_static"] = dict(aug["fg_static"], angle=-10.0, scale=0.5, tx=-7.0, ty=-5.0)
    white = np.full((48, 72, 3), 255, np.uint8)
    fg = rvm.layer_geometry(aug, "fg", (white, np.full((48, 72), 255, np.uint8)), 0, 8, (64, 48), False)
    (bg,) = rvm.layer_geometry(aug, "bg", (white,), 0, 8, (64, 48), False)
    for layer in (*fg, bg):
        assert layer.min() == 0.0 and layer.max() == 1.0
    ref = _rvm_chain_reference(aug, "bg", white, 0, 8, (64, 48), False)
    assert np.abs(bg - ref).max() < 1e-5
    assert profile("rvm")["background_border"] == "constant" and profile("train")["background_border"] == "reflect"


def test_item7_every_step_resamples_as_rvm():
    worst, hits = 0.0, 0
    for i, aug in enumerate(draws("rvm", 40, fg=(72, 48), bg=(80, 60), out=(64, 48), length=6)):
        for layer, size, ch in (("fg", (72, 48), 3), ("bg", (80, 60), 3)):
            img = image(i, *size)
            for t in (0, 3, 5):
                flip = bool(aug[f"{layer}_flip"])
                (ours,) = rvm.layer_geometry(aug, layer, (img,), t, 6, (64, 48), flip)
                ref = _rvm_chain_reference(aug, layer, img, t, 6, (64, 48), flip)
                worst = max(worst, float(np.abs(ours - ref).max()))
                hits += bool(aug[f"{layer}_motion"] or aug["joint_motion"])
    assert hits > 0
    # the PIL steps are Pillow's own bytes; the crop-resize differs by float rounding only
    assert worst < 1e-5


def test_item7_rvm_downsample_is_pils_bicubic_with_truncated_sides():
    assert rvm.working_size((1920, 1080), (512, 512)) == (int(512 / 1080 * 1920), 512)
    assert rvm.working_size((300, 200), (512, 512)) == (300, 200)
    img = image(9, 120, 90)
    ref = np.asarray(Image.fromarray(img).resize((int(48 / 90 * 120), 48)))  # PIL's default filter
    assert np.array_equal(rvm.shrink(img, rvm.working_size((120, 90), (48, 48))), ref)


def test_item7_pil_coefficients_match_the_inverted_forward_matrix():
    rng = np.random.default_rng(2)
    img = image(3, 50, 40)
    for _ in range(20):
        angle, (tx, ty), scale, shear = tv_get_affine(rng, (50, 40), (0.5, 1.5))
        params = {"angle": angle, "tx": float(tx), "ty": float(ty), "scale": scale, "shear": shear[0],
                  "pixels": [50, 40]}
        ref = pil_affine_reference(img, angle, (tx, ty), scale, shear)
        assert np.abs(rvm.pil_affine(img, params).astype(int) - ref).max() <= 1
