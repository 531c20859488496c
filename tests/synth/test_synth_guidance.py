"""Guidance layers: ``trimap`` and ``mask`` written beside the alpha, drawn per sequence and logged."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from scipy import ndimage

from mbench.errors import BadInput
from mbench.frames import read_alpha
from mbench.synth.guidance import coarse_mask, draw_guidance, DEFAULTS
from mbench.synth.recipes import resolve
from mbench.trimap import make_trimap

RECIPE = '''size = [40, 32]
[sources]
fgr_options = {{ procedural = {{ size = [60, 40], frames = 8 }} }}
bgr_options = {{ builtin = {{ size = [60, 40], frames = 8 }} }}
[output]
layers = ["com", "pha", "trimap", "mask"]
[guidance]
{guidance}
[splits.train]
clips = 4
frames = 3
augment = "train"
'''


def _recipe(tmp_path, guidance: str = "trimap_width = [1, 4]\nmask_radius = [1, 3]") -> str:
    path = tmp_path / "g.toml"
    path.write_text(RECIPE.format(guidance=guidance))
    return str(path)


def _disc(r: int) -> np.ndarray:
    # the same elliptical footprint, written out: |x|^2 / r^2 + |y|^2 / r^2 <= 1 on the pixel grid
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)).astype(bool)


def test_written_guidance_follows_the_logged_draws(tmp_path, cli_here):
    out = tmp_path / "d"
    assert cli_here("synth", "--out", out, "--recipe", _recipe(tmp_path), "--quiet").returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    kinds = set()
    for cid, plan in manifest["clips"].items():
        (seq,) = plan["sequences"]
        g = seq["guidance"]
        assert 1 <= g["trimap_width"] <= 4
        kinds.add(g["mask"]["kind"])
        for t in range(3):
            pha = read_alpha(out / cid / "pha" / f"{t:04d}.png")
            trimap = read_alpha(out / cid / "trimap" / f"{t:04d}.png")
            assert np.array_equal(trimap, make_trimap(pha, g["trimap_width"]))
            mask = read_alpha(out / cid / "mask" / f"{t:04d}.png")
            assert set(np.unique(mask)) <= {0, 255}
            binary = pha > 127
            kind = g["mask"]["kind"]
            if kind == "first-frame":
                assert np.array_equal(mask > 0, binary if t == 0 else np.zeros_like(binary))
            elif kind in ("erode", "dilate"):
                op = ndimage.grey_erosion if kind == "erode" else ndimage.grey_dilation
                ref = op(binary.astype(np.uint8), footprint=_disc(g["mask"]["radius"]), mode="nearest")
                assert np.array_equal(mask > 0, ref > 0)
            else:
                assert 0.05 <= g["mask"]["scale"] <= 0.25
    assert len(kinds) >= 2


def test_mask_kinds_on_a_known_disc():
    yy, xx = np.mgrid[:64, :64]
    pha = np.where((yy - 32) ** 2 + (xx - 32) ** 2 <= 15 ** 2, 255, 0).astype(np.uint8)
    area = (pha > 0).sum()
    eroded = coarse_mask(pha, {"kind": "erode", "radius": 3}, 1)
    dilated = coarse_mask(pha, {"kind": "dilate", "radius": 3}, 1)
    # a disc of radius 15 eroded / dilated by 3: radius 12 / 18 (within a pixel ring)
    assert abs((eroded > 0).sum() - np.pi * 12 ** 2) < 2 * np.pi * 12
    assert abs((dilated > 0).sum() - np.pi * 18 ** 2) < 2 * np.pi * 18
    blocky = coarse_mask(pha, {"kind": "downup", "scale": 0.125}, 1) > 0
    iou = (blocky & (pha > 0)).sum() / (blocky | (pha > 0)).sum()
    assert 0.7 < iou < 1.0 and abs(blocky.sum() - area) < 0.3 * area
    assert not coarse_mask(pha, {"kind": "first-frame"}, 2).any()
    assert np.array_equal(coarse_mask(pha, {"kind": "first-frame"}, 0), pha)


def test_draws_are_deterministic_and_only_when_asked():
    a = draw_guidance(np.random.default_rng(1), DEFAULTS, ["com", "pha", "mask"])
    assert a == draw_guidance(np.random.default_rng(1), DEFAULTS, ["com", "pha", "mask"])
    assert draw_guidance(np.random.default_rng(1), DEFAULTS, ["com", "pha"]) is None


@pytest.mark.parametrize("bad", ['trimap_width = [5, 2]', 'mask_kinds = ["blob"]', 'mask_scale = [0.0, 0.5]',
                                 'mask_kinds = []', 'depth = 3'])
def test_bad_guidance_tables(tmp_path, bad):
    with pytest.raises(BadInput):
        resolve(_recipe(tmp_path, bad))


def test_contact_sheet_shows_guidance_and_effects(tmp_path, cli_here):
    from mbench.frames import read_color
    from mbench.synth.preview import _labels

    out = tmp_path / "d"
    recipe = tmp_path / "effects.toml"
    recipe.write_text(RECIPE.format(guidance="trimap_width = [1, 4]").replace('augment = "train"',
                                                                              'augment = "effects"'))
    assert cli_here("synth", "--out", out, "--recipe", recipe, "--quiet").returncode == 0
    sheet = tmp_path / "sheet.png"
    assert cli_here("synth", "--preview", out, "--sheet", sheet, "--quiet").returncode == 0
    img = read_color(sheet)
    # 3 frames of 4 cells (com, pha, trimap, mask) of 128 x 160 each, 4-pixel gaps
    assert img.shape[1] == 3 * 4 * 160 + 2 * 4
    labels = _labels(out)
    assert set(labels) == {f"train/{i:04d}" for i in range(4)} and all("mask" in v for v in labels.values())
    effects = json.loads((out / "manifest.json").read_text())["recipe"]["profiles"]["augment"]["effects"]
    assert effects["codec_p"] > 0
