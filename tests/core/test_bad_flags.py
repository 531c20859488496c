"""Every bad flag value is one line and exit status 2, never an internal error, and leaves nothing:
negative, zero, infinite or NaN numbers, impossible sizes, and a mismatched VideoMatte240K clip."""

from __future__ import annotations

import pytest

from safety_helpers import pred_gt, snapshot, write_vm_clip


@pytest.fixture
def site(tmp_path, monkeypatch):
    pred_gt(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


SUBMIT = ["leaderboard", "submit", "pred", "--gt", "gt", "--name", "Net", "--store", "store"]

CASES = [
    (["evaluate", "pred", "gt", "--workers", "0"], ["--workers", "at least 1"]),
    (["evaluate", "pred", "gt", "--workers", "-3"], ["--workers", "at least 1"]),
    (["evaluate", "pred", "gt", "--workers", "two"], ["--workers", "not a whole number"]),
    (["synth", "--out", "o", "--workers", "-1"], ["--workers", "at least 1"]),
    (["synth", "--out", "o", "--clips", "0"], ["--clips", "at least 1"]),
    (["synth", "--out", "o", "--frames", "-2"], ["--frames", "at least 1"]),
    (["synth", "--out", "o", "--seed", "-1"], ["--seed", "at least 0"]),
    (["synth", "--out", "o", "--recipe", "smoke", "--size", "100000x100000"], ["100000x100000", "too large"]),
    (["synth", "--out", "o", "--recipe", "smoke", "--size", "4x4"], ["4x4", "too small"]),
    (["synth", "--out", "o", "--recipe", "smoke", "--clips", "1000001"], ["1000001 clips", "at most 1,000,000"]),
    (["synth", "--out", "o", "--recipe", "smoke", "--frames", "1000001"], ["1000001 frames", "at most 1,000,000"]),
    (["synth", "--out", "o", "--clips", "99999999999999999999"], ["--clips", "at most"]),
    (["synth", "--out", "o", "--recipe", "smoke", "--fgr", "procedural@1e400"], ["procedural@1e400", "finite"]),
    ([*SUBMIT, "--workers", "-3"], ["--workers", "at least 1"]),
    ([*SUBMIT, "--max-file-mb", "inf"], ["--max-file-mb", "finite"]),
    ([*SUBMIT, "--max-file-mb", "nan"], ["--max-file-mb", "finite"]),
    ([*SUBMIT, "--max-file-mb", "0"], ["--max-file-mb", "positive"]),
    ([*SUBMIT, "--max-total-gb=-inf"], ["--max-total-gb", "finite"]),
    ([*SUBMIT, "--max-files", "0"], ["--max-files", "at least 1"]),
    ([*SUBMIT, "--fps", "nan"], ["--fps", "finite"]),
    ([*SUBMIT, "--fps", "0"], ["--fps", "positive"]),
    ([*SUBMIT, "--gmacs", "-1"], ["--gmacs", "at least 0"]),
    ([*SUBMIT, "--params", "-5"], ["--params", "at least 0"]),
    (["leaderboard", "store", "--out", "board", "--resamples", "-1"], ["--resamples", "at least 100"]),
    (["run-baselines", "--workers", "-3", "--out", "runs"], ["--workers", "at least 1"]),
]


@pytest.mark.parametrize("args, fragments", CASES, ids=[f"{a[0]} {' '.join(a[-2:])}" for a, _ in CASES])
def test_bad_numbers_are_one_line_and_write_nothing(cli_here, bad_input, site, args, fragments):
    before = snapshot(site)
    bad_input(cli_here(*args), *fragments)
    assert snapshot(site) == before  # e.g. --size 100000x100000 used to leave o/.synth-run.json


@pytest.mark.parametrize("layout", ["train/", ""])
def test_a_lone_mismatched_videomatte_clip_is_named(cli_here, bad_input, tmp_path, layout):
    # one clip, 0000: RVM takes it for validation, so train is empty; it used to say only
    # "no clips for split 'train'"
    root = tmp_path / "vm"
    write_vm_clip(root / layout, "0000", fgr_frames=5, pha_frames=3)
    before = snapshot(tmp_path)
    bad_input(cli_here("synth", "--out", tmp_path / "out", "--recipe", "smoke", "--fgr", f"videomatte:{root}"),
              str(root / layout / "pha" / "0000"), "fgr has 5 frames but pha has 3")
    assert snapshot(tmp_path) == before


RECIPE = "size = [32, 32]\n{extra}\n[splits.train]\nclips = 1\nframes = 2\naugment = \"{augment}\"\n"


@pytest.mark.parametrize("extra, augment, fragment", [
    ("[output]\njpeg_quality = 1000\ncolor_format = 'jpg'", "none", "'output.jpeg_quality'"),
    ("[output]\npng_compression = -3", "none", "'output.png_compression'"),
    ("[augment.x]\nbase = 'train'\nnoise_sigma = inf", "x", "'augment.x.noise_sigma'"),
    ("[augment.x]\nbase = 'train'\njitter_std = nan", "x", "'augment.x.jitter_std'"),
    ("[sources]\nbgr_options = { builtin = { fps = inf } }", "none", "finite"),
    ("[splits.big]\nclips = 99999999999999999999\nframes = 2", "none", "at most 1,000,000"),
])
def test_bad_recipe_numbers_are_one_line_and_write_nothing(cli_here, bad_input, tmp_path, extra, augment, fragment):
    # an infinite number used to pass the checks and fail writing the run record, leaving --out behind
    recipe = tmp_path / "r.toml"
    recipe.write_text(RECIPE.format(extra=extra, augment=augment))
    before = snapshot(tmp_path)
    bad_input(cli_here("synth", "--out", tmp_path / "out", "--recipe", recipe), fragment)
    assert snapshot(tmp_path) == before


def test_bad_preset_numbers(cli_here, bad_input, tmp_path):
    from importlib import resources

    smoke = (resources.files("mbench.baselines") / "presets" / "smoke.toml").read_text()
    assert "sigma = 1.0" in smoke
    preset = tmp_path / "p.toml"
    preset.write_text(smoke.replace("sigma = 1.0", "sigma = inf", 1))
    before = snapshot(tmp_path)
    bad_input(cli_here("run-baselines", "--preset", preset, "--out", tmp_path / "runs"), str(preset),
              "'reference.bgdiff.sigma'", "finite")
    assert snapshot(tmp_path) == before
