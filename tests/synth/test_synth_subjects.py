"""Several subjects per sequence: occlusion target, layer order, per-instance alpha."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mbench.errors import BadInput
from mbench.frames import read_alpha
from mbench.synth.catalog import SourceSet
from mbench.synth.plan import Planner
from mbench.synth.recipes import resolve
from mbench.synth.subjects import hidden_fractions, layer_stack, occlusion_shift, occlusion_summary
from mbench.synth.writer import synthesize

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


def test_hidden_fractions_and_their_summary_by_hand():
    front = np.array([[1.0, 0.5, 0.0, 0.0]], np.float32)
    back = np.array([[1.0, 1.0, 1.0, 1.0]], np.float32)  # mass 4: hidden 1 + 0.5
    third = np.array([[0.0, 0.0, 0.0, 0.5]], np.float32)  # behind both, where neither is
    assert hidden_fractions([front, back, third]) == pytest.approx([1.5 / 4, 1.0])
    assert hidden_fractions([front, np.zeros_like(back)]) == [None]  # out of the frame: no fraction
    frames = [[0.25, None], [0.5, None], [0.0, 0.75]]
    assert occlusion_summary([3, -2], frames) == [
        {"shift": 3, "occlusion_first": 0.25, "occlusion_mean": 0.25, "occlusion_min": 0.0, "occlusion_max": 0.5},
        {"shift": -2, "occlusion_first": None, "occlusion_mean": 0.75, "occlusion_min": 0.75, "occlusion_max": 0.75}]


def test_the_occlusion_reached_is_logged_for_every_sequence(tmp_path):
    recipe = tmp_path / "m.toml"
    recipe.write_text(RECIPE.format(subjects="[2, 3]").replace("clips = 3", "clips = 6"))
    out = tmp_path / "d"
    resolved = resolve(str(recipe))
    synthesize(resolved, out, seed=0, sources=SourceSet.for_recipe(resolved), workers=1, quiet=True)
    manifest = json.loads((out / "manifest.json").read_text())
    errors = []
    for cid, plan in manifest["clips"].items():
        assert f"{cid}/subjects.json" in manifest["files"]
        for seq in plan["sequences"]:
            assert seq["subjects"]
            for sub in seq["subjects"]:
                lo, first, hi = sub["occlusion_min"], sub["occlusion_first"], sub["occlusion_max"]
                assert isinstance(sub["shift"], int) and abs(sub["shift"]) < 64
                assert 0 <= lo <= first <= hi <= 1 and lo <= sub["occlusion_mean"] <= hi
                errors.append(abs(first - sub["occlusion"]))
    # frame 0 meets the target up to the whole-pixel steps of the shift (these subjects are ~20 px wide)
    assert max(errors) < 0.06 and np.mean(errors) < 0.03


def test_motion_blur_moves_every_subject_along_its_own_path(tmp_path, monkeypatch):
    import mbench.synth.render as render

    recipe = tmp_path / "m.toml"
    recipe.write_text(RECIPE.format(subjects="[3, 3]").replace("sharpness_p = 0.5", "fg_motion_p = 1.0\nmotion_blur_p = 1.0"))
    resolved = resolve(str(recipe))
    sources = SourceSet.for_recipe(resolved)
    planner = Planner(resolved, "train", 0, sources)
    seq = planner.clip_plan(0)["sequences"][0]
    assert seq["augment"]["motion_blur"] and all(s["augment"]["fg_motion"] for s in seq["subjects"])
    settings = planner.settings()
    monkeypatch.setattr(render, "occlusion_shift", lambda *a: 0)  # the same places with and without blur
    sharp_seq = json.loads(json.dumps(seq))
    sharp_seq["augment"]["motion_blur"]["exposure"] = 0.0  # every sample at the frame's time: no blur
    blurred, _ = render.render_frame(seq, settings, sources, 1)
    sharp, _ = render.render_frame(sharp_seq, settings, sources, 1)
    union = sum(blurred[f"pha/{i}"].astype(int) for i in range(3))
    assert np.abs(union - blurred["pha"]).max() <= 1
    for i in range(3):
        # where nothing stands in front, a subject's own alpha shows: it is blurred itself
        alone = np.ones(union.shape, bool)
        for j in range(i):
            alone &= (blurred[f"pha/{j}"] == 0) & (sharp[f"pha/{j}"] == 0)
        diff = np.abs(blurred[f"pha/{i}"].astype(int) - sharp[f"pha/{i}"])[alone]
        assert diff.max() >= 10, i
