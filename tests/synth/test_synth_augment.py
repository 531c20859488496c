"""Each augmentation operation, switched on alone, does what RVM's does (and nothing else)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from mbench.synth import photometric as ph
from mbench.synth.arrays import demo_sources
from mbench.synth.catalog import SourceSet
from mbench.synth.easing import ALL_CURVES
from mbench.synth.plan import Planner
from mbench.synth.recipes import resolve
from mbench.synth.render import render_sequence

T = 6
RECIPE = """
size = [48, 40]
[output]
layers = ["com", "fgr", "pha", "bgr", "bgr_capture"]
[splits.train]
clips = 2
frames = 12
background_kind = "{kind}"
augment = "valid"
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    out = {}
    for kind in ("image", "video"):
        path = tmp_path_factory.mktemp("r") / f"r-{kind}.toml"
        path.write_text(RECIPE.format(kind=kind))
        out[kind] = resolve(str(path))
    fg, bg = demo_sources(3, size=(64, 48))
    return out, SourceSet([fg], [bg])


def render(setup, kind="image", key=(7, 0, 9, 0, 0), **ops):
    """Frames of one sequence with the 'valid' profile plus ``ops`` (profile overrides)."""
    recipes, sources = setup
    recipe = copy.deepcopy(recipes[kind])
    recipe["profiles"]["augment"]["valid"].update(ops)
    planner = Planner(recipe, "train", 0, sources)
    plan = planner.sequence(planner.clip_material(0), 0, T, list(key), 0)
    frames = [layers for layers, _ in render_sequence(plan, planner.settings(), sources)]
    return {k: np.stack([f[k] for f in frames]).astype(np.int16) for k in frames[0]}, plan["augment"]


def test_baseline_is_composed_and_capture_equals_background(setup):
    base, aug = render(setup)
    assert not any(aug[k] for k in ("fg_motion", "noise", "pause", "shadow", "misalign"))
    assert np.array_equal(base["bgr_capture"], base["bgr"])
    assert (base["pha"] > 0).any() and (base["pha"] == 0).any()


def test_foreground_motion_moves_the_subject_only(setup):
    base, _ = render(setup)
    out, aug = render(setup, fg_motion_p=1.0)
    assert aug["fg_motion"] and aug["fg_motion"]["curve"]
    assert not np.array_equal(out["pha"], base["pha"])
    assert np.array_equal(out["bgr"], base["bgr"])


def test_background_motion_alone_and_joint(setup):
    base, _ = render(setup)
    seen = set()
    for k in range(16):
        out, aug = render(setup, key=(7, 0, 9, k, 0), bg_motion_p=1.0)
        ref, _ = render(setup, key=(7, 0, 9, k, 0))
        if aug["bg_motion"] or aug["joint_motion"]:
            assert not np.array_equal(out["bgr"], ref["bgr"])
        if aug["joint_motion"]:
            assert not np.array_equal(out["pha"], ref["pha"])
        elif aug["bg_motion"]:
            assert np.array_equal(out["pha"], ref["pha"])
        seen |= {name for name in ("bg_motion", "joint_motion") if aug[name]}
    assert seen == {"bg_motion", "joint_motion"}  # each with probability p / 2


def test_static_affine_is_the_same_for_every_frame(setup):
    base, _ = render(setup)
    out, aug = render(setup, static_affine_p=1.0)
    assert aug["fg_static"] and aug["bg_static"]
    assert 0.5 <= aug["fg_static"]["scale"] <= 1.0 and 1.0 <= aug["bg_static"]["scale"] <= 1.5
    assert not np.array_equal(out["pha"], base["pha"]) and not np.array_equal(out["bgr"], base["bgr"])
    assert all(np.array_equal(out["bgr"][0], out["bgr"][t]) for t in range(T))  # a still background


def test_crop_is_torchvisions_full_area_crop():
    from mbench.synth.geometry import random_crop

    rng = np.random.default_rng(0)
    # a wide frame cannot hold a full-area crop of aspect <= 1.1: the central fallback
    assert random_crop(rng, (160, 90), (0.9, 1.1)) == (30, 0, 99, 90)
    assert random_crop(rng, (90, 160), (0.9, 1.1)) == (0, 30, 90, 100)
    for _ in range(50):
        w, h = (int(v) for v in rng.integers(20, 200, 2))
        x, y, cw, ch = random_crop(rng, (w, h), (0.5, 2.0))
        assert 0 <= x and 0 <= y and 0 < cw and 0 < ch and x + cw <= w and y + ch <= h


def test_flip_mirrors_foreground_and_background(setup):
    base, _ = render(setup)
    out, aug = render(setup, hflip_p=1.0)
    assert aug["fg_flip"] and aug["bg_flip"]
    for layer in ("pha", "fgr", "bgr"):
        assert np.abs(out[layer] - base[layer][:, :, ::-1]).max() <= 1


def test_noise_touches_colour_never_alpha(setup):
    base, _ = render(setup)
    out, aug = render(setup, noise_p=1.0, noise_sigma=2.0)
    assert aug["noise"]["grain"] >= 1
    assert np.array_equal(out["pha"], base["pha"])
    assert not np.array_equal(out["fgr"], base["fgr"]) and not np.array_equal(out["bgr"], base["bgr"])
    d = out["bgr"] - base["bgr"]
    assert not np.array_equal(d[0], d[1])  # a new field every frame


def test_colour_jitter_and_grayscale(setup):
    base, _ = render(setup)
    out, aug = render(setup, color_jitter_p=1.0, jitter_std=0.5)
    assert len(aug["fg_jitter"]["a"]) == 4 and aug["bg_jitter"]
    assert np.array_equal(out["pha"], base["pha"]) and not np.array_equal(out["fgr"], base["fgr"])
    out, aug = render(setup, grayscale_p=1.0)
    assert aug["grayscale"]
    for layer in ("fgr", "bgr"):
        assert np.array_equal(out[layer][..., 0], out[layer][..., 1])
        assert np.array_equal(out[layer][..., 1], out[layer][..., 2])


def test_sharpness_applies_to_alpha_too(setup):
    base, _ = render(setup)
    out, aug = render(setup, sharpness_p=1.0, sharpness_factor=[5.0, 8.0])
    assert 5 <= aug["sharpness"] <= 8
    assert not np.array_equal(out["pha"], base["pha"]) and not np.array_equal(out["bgr"], base["bgr"])


def test_blur_three_independent_draws(setup):
    base, _ = render(setup)
    out, aug = render(setup, blur_p=3.0, blur_sigma=[2.0, 4.0])  # p / 3 = 1: all three apply
    assert all(aug["blur"][k] for k in ("fg", "bg", "all"))
    grad = lambda a: np.abs(np.diff(a, axis=2)).mean()  # noqa: E731
    assert grad(out["bgr"]) < 0.7 * grad(base["bgr"]) and grad(out["pha"]) < grad(base["pha"])


def test_pause_holds_a_frame(setup):
    for k in range(20):
        out, aug = render(setup, key=(5, 0, 1, k, 0), pause_p=1.0)
        p = aug["pause"]
        if p["length"] >= 2:
            break
    held = range(p["frame"] + 1, p["frame"] + p["length"])
    for t in held:
        for layer in out:
            assert np.array_equal(out[layer][t], out[layer][p["frame"]])


def test_shadow_darkens_the_background(setup):
    base, _ = render(setup)
    out, aug = render(setup, shadow_p=1.0, shadow_strength=1.0, shadow_blur=[3, 4])
    assert aug["shadow"]
    assert (out["bgr"] <= base["bgr"] + 1).all() and (out["bgr"] < base["bgr"] - 2).any()
    assert np.array_equal(out["pha"], base["pha"])


def test_misaligned_capture_leaves_the_true_background(setup):
    base, _ = render(setup)
    out, aug = render(setup, misalign_p=1.0, capture_jitter_p=1.0,
                      misalign={"rotation": 3.0, "translate": 0.05, "scale": [1.0, 1.0], "shear": 0.0})
    assert aug["misalign"] and aug["capture_jitter"]
    assert np.array_equal(out["bgr"], base["bgr"]) and np.array_equal(out["com"], base["com"])
    assert not np.array_equal(out["bgr_capture"], out["bgr"])


def test_video_background_moves(setup):
    out, _ = render(setup, kind="video")
    assert not np.array_equal(out["bgr"][0], out["bgr"][1])


# -- the pixel operations on their own ---------------------------------------------------------

def test_photometric_operations():
    rng = np.random.default_rng(0)
    img = rng.random((10, 12, 3), dtype=np.float32)
    assert np.allclose(ph.adjust_brightness(img, 0.5), img * 0.5)
    mean = ph.gray(img).mean()
    assert np.allclose(ph.adjust_contrast(img, 0.0), mean, atol=1e-6)
    assert np.allclose(ph.adjust_saturation(img, 0.0), ph.gray(img)[:, :, None], atol=1e-6)
    red = np.zeros((2, 2, 3), np.float32)
    red[..., 0] = 1
    assert np.allclose(ph.adjust_hue(red, 1 / 3), [0, 1, 0], atol=1e-5)
    sharp = ph.sharpen(img, 2.0)
    assert np.array_equal(sharp[0], np.clip(img[0], 0, 1)) and not np.allclose(sharp[5, 5], img[5, 5])
    assert [ph.blur_kernel(s) for s in (0.4, 1.0, 2.3, 5.0)] == [1, 3, 5, 11]
    field = ph.noise_field(np.random.default_rng(1), (10, 12), 3.0, True)
    assert field.shape == (10, 12, 1)
    assert ph.to_grayscale(img).shape == img.shape


def test_hue_rotation_matches_hsv_and_wraps_both_ways():
    import colorsys

    def rotated(rgb, shift):
        h, s, v = colorsys.rgb_to_hsv(*rgb)
        return colorsys.hsv_to_rgb((h + shift) % 1.0, s, v)

    rng = np.random.default_rng(2)
    img = rng.random((24, 40, 3), dtype=np.float32)   # wide enough for OpenCV's vectorised paths
    for shift in (0.1, -0.1, 0.45, -0.45, 0.5, -0.5):
        want = np.array([[rotated(p, shift) for p in row] for row in img.astype(np.float64)])
        assert np.abs(ph.adjust_hue(img, shift) - want).max() < 1e-5, shift
    assert np.abs(ph.adjust_hue(img, -0.3) - ph.adjust_hue(img, 0.7)).max() < 1e-5


def test_mono_noise_is_added_to_every_channel():
    rng = np.random.default_rng(3)
    img = rng.random((8, 9, 3), dtype=np.float32)
    field = ph.noise_field(np.random.default_rng(1), (8, 9), 2.0, True)
    got = ph.add_noise(img, field, 0.3)
    assert np.allclose(got, np.clip(img + field * np.float32(0.3), 0, 1), atol=1e-6)


@pytest.mark.parametrize("border", ["constant", "reflect", "replicate"])
def test_colour_warps_equal_a_warp_of_each_channel(border):
    import cv2

    from mbench.synth.geometry import BORDERS, params_matrix, warp

    rng = np.random.default_rng(6)
    img = rng.integers(0, 256, (31, 45, 3), dtype=np.uint8)
    m = params_matrix({"angle": 7.0, "tx": 0.05, "ty": -0.1, "scale": 0.8, "shear": 3.0}, (45, 31))
    got = warp(img, m, (40, 36), border)
    for c in range(3):
        want = cv2.warpAffine(np.ascontiguousarray(img[..., c]), m[:2], (40, 36), flags=cv2.INTER_LINEAR,
                              borderMode=BORDERS[border], borderValue=0)
        assert np.array_equal(got[..., c], want)


@pytest.mark.parametrize("curve", ALL_CURVES)
def test_every_curve_drives_a_rendered_motion_with_exact_endpoints(setup, curve):
    recipes, sources = setup
    recipe = copy.deepcopy(recipes["image"])
    recipe["profiles"]["augment"]["valid"].update(fg_motion_p=1.0)
    planner = Planner(recipe, "train", 0, sources)
    plan = planner.sequence(planner.clip_material(0), 0, T, [7, 0, 9, 0, 0], 0)
    frames = {}
    for name in (curve, "LinearInOut"):
        plan["augment"]["fg_motion"]["curve"] = name
        frames[name] = [layers["pha"] for layers, _ in render_sequence(plan, planner.settings(), sources)]
    # both curves start at the first parameter set and end at the second, pixel for pixel
    assert np.array_equal(frames[curve][0], frames["LinearInOut"][0])
    assert np.array_equal(frames[curve][-1], frames["LinearInOut"][-1])
    if curve != "LinearInOut":
        assert any(not np.array_equal(a, b) for a, b in zip(frames[curve][1:-1], frames["LinearInOut"][1:-1]))
