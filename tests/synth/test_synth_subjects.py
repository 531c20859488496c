"""Several subjects per sequence: occlusion target, layer order, per-instance alpha."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mbench.errors import BadInput
from mbench.frames import read_alpha
from mbench.synth.recipes import resolve
from mbench.synth.subjects import layer_stack, occlusion_shift

RECIPE = """size = [64, 48]
[sources]
fgr_options = {{ procedural = {{ size = [96, 64], frames = 30 }} }}
bgr_options = {{ builtin = {{ size = [96, 64], frames = 30 }} }}
[augment.multi]
base = "train"
subjects = {subjects}
occlusion = [0.2, 0.5]
sharpness_p = 0.5
[splits.train]
clips = 3
frames = 4
sequence_length = 2
sampling = "train"
augment = "multi"
"""


def _hidden(alpha: np.ndarray, front: np.ndarray, dx: int) -> tuple[float, float]:
    """(hidden fraction, kept fraction) of ``alpha`` moved by ``dx``: an independent slow version."""
    h, w = alpha.shape
    moved = np.zeros_like(alpha)
    for x in range(w):
        if 0 <= x - dx < w:
            moved[:, x] = alpha[:, x - dx]
    kept = moved.sum()
    return (float((moved * front).sum() / kept) if kept else 0.0), float(kept / alpha.sum())


@pytest.mark.parametrize("target", [0.0, 0.25, 0.6])
def test_occlusion_shift_is_the_best_allowed_whole_pixel_shift(target):
    yy, xx = np.mgrid[:30, :60]
    front = (((yy - 15) ** 2 + (xx - 20) ** 2) < 100).astype(np.float32)
    alpha = (((yy - 15) ** 2 + (xx - 30) ** 2) < 64).astype(np.float32) * np.float32(0.8)
    dx = occlusion_shift(alpha, front, target)
    hidden, kept = _hidden(alpha, front, dx)
    assert kept >= 0.5
    best = min(abs(_hidden(alpha, front, d)[0] - target) for d in range(-59, 60) if _hidden(alpha, front, d)[1] >= 0.5)
    assert abs(hidden - target) == pytest.approx(best, abs=1e-6)


def test_layer_stack_puts_the_first_subject_in_front():
    a0 = np.zeros((4, 4), np.float32)
    a0[:, :2] = 1.0
    a1 = np.full((4, 4), 0.5, np.float32)
    red = np.zeros((4, 4, 3), np.float32)
    red[..., 0] = 1
    blue = np.zeros((4, 4, 3), np.float32)
    blue[..., 2] = 1
    colour, union, visible = layer_stack([(red, a0), (blue, a1)])
    assert np.allclose(visible[1][:, :2], 0) and np.allclose(visible[1][:, 2:], 0.5)
    assert np.allclose(union, visible[0] + visible[1])
    assert np.allclose(colour[:, :2], [1, 0, 0]) and np.allclose(colour[:, 2:], [0, 0, 1])


def test_instances_add_up_to_the_union_and_are_logged(tmp_path, cli_here):
    recipe = tmp_path / "m.toml"
    recipe.write_text(RECIPE.format(subjects="[2, 3]"))
    out = tmp_path / "d"
    assert cli_here("synth", "--out", out, "--recipe", recipe, "--quiet", "--workers", "1").returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["recipe"]["output"]["layers"][-3:] == ["pha/0", "pha/1", "pha/2"]
    counts = set()
    for cid, plan in manifest["clips"].items():
        for j, seq in enumerate(plan["sequences"]):
            subs = seq["subjects"]
            counts.add(1 + len(subs))
            assert all(0.2 <= s["occlusion"] <= 0.5 for s in subs)
            assert all(f"{s['spec']} {s['clip']}" in plan["uses"]["fgr"] for s in subs)
            for t in (2 * j, 2 * j + 1):
                union = read_alpha(out / cid / "pha" / f"{t:04d}.png").astype(int)
                inst = [read_alpha(out / cid / "pha" / str(i) / f"{t:04d}.png").astype(int) for i in range(3)]
                assert np.abs(sum(inst) - union).max() <= 1  # each rounded on its own
                for i in range(1 + len(subs), 3):
                    assert not inst[i].any()
                assert inst[1].any()  # an added subject is visible
    assert counts == {2, 3}
    again = tmp_path / "w2"
    assert cli_here("synth", "--out", again, "--recipe", recipe, "--quiet", "--workers", "2").returncode == 0
    assert json.loads((again / "manifest.json").read_text())["files"] == manifest["files"]


@pytest.mark.parametrize("subjects", ["[0, 2]", "[3, 2]", "[1, 9]"])
def test_bad_subject_counts(tmp_path, subjects):
    recipe = tmp_path / "m.toml"
    recipe.write_text(RECIPE.format(subjects=subjects))
    with pytest.raises(BadInput):
        resolve(str(recipe))
