"""``mbench run-baselines`` end to end on the smoke preset, resuming, --force, and every bad input."""

from __future__ import annotations

import json
import shutil
from importlib import resources

import numpy as np
import pytest
import torch

from mbench.baselines import build, save_weights
from mbench.frames import write_image

MODELS = ("rvm", "bgmv2", "convlstm", "attention_memory")
ROWS = MODELS + ("empty", "bgdiff")
NO_CUDA = {"CUDA_VISIBLE_DEVICES": ""}  # the cuda case must fail the same way on a GPU machine


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    from conftest import run_cli

    out = tmp_path_factory.mktemp("runs") / "runs"
    proc = run_cli("run-baselines", "--preset", "smoke", "--out", out, "--workers", "2", env=NO_CUDA)
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_smoke_preset_end_to_end_writes_the_design_layout(smoke_run):
    out, proc = smoke_run
    for m in MODELS:
        folder = out / m
        for name in ("config.json", "train_log.csv", "checkpoint.safetensors", "method.json",
                     "eval/per_frame.csv", "eval/per_clip.csv", "eval/summary.json"):
            assert (folder / name).is_file(), f"{m}/{name}"
        assert not (folder / "training_state.safetensors").exists()
        clips = sorted(p.parent.parent.relative_to(folder / "pred").as_posix()
                       for p in (folder / "pred").rglob("pha/0000.png"))
        assert clips == ["valid/0000", "valid/0001"]
        assert (folder / "pred" / "valid" / "0000" / "fgr" / "0003.png").is_file()
        method = json.loads((folder / "method.json").read_text())
        assert method["name"] == m and method["preset"] == "smoke" and method["steps"] == 3
        assert method["parameters"] > 0 and method["gmacs"] > 0 and method["fps"] > 0
        assert method["eval_size"] == [64, 64] and method["seconds"] > 0 and method["hardware"]
        assert len(open(folder / "train_log.csv").read().splitlines()) == 4
    assert json.loads((out / "convlstm" / "config.json").read_text())["init_from"] == "bgmv2"
    for ref in ("empty", "bgdiff"):
        assert json.loads((out / ref / "method.json").read_text())["parameters"] == 0
        assert (out / ref / "eval" / "summary.json").is_file()
    board = (out / "leaderboard" / "leaderboard.csv").read_text()
    assert all(f",{name}," in board for name in ROWS)
    assert (out / "leaderboard" / "index.html").is_file()
    assert all(name in proc.stdout for name in ROWS)  # the summary table


def test_a_second_run_skips_finished_work_and_force_redoes_a_model(smoke_run, cli):
    out, _ = smoke_run
    stamps = {m: (out / m / "checkpoint.safetensors").stat().st_mtime_ns for m in MODELS}
    proc = cli("run-baselines", "--preset", "smoke", "--out", out, "--quiet", env=NO_CUDA)
    assert proc.returncode == 0, proc.stderr
    assert {m: (out / m / "checkpoint.safetensors").stat().st_mtime_ns for m in MODELS} == stamps
    proc = cli("run-baselines", "--preset", "smoke", "--out", out, "--models", "convlstm", "--force", "--quiet",
               env=NO_CUDA)
    assert proc.returncode == 0, proc.stderr
    assert (out / "convlstm" / "checkpoint.safetensors").stat().st_mtime_ns != stamps["convlstm"]
    assert (out / "rvm" / "checkpoint.safetensors").stat().st_mtime_ns == stamps["rvm"]
    assert all(f",{name}," in (out / "leaderboard" / "leaderboard.csv").read_text() for name in ROWS)


def test_a_changed_preset_is_refused_without_force(smoke_run, cli, bad_input, tmp_path):
    out, _ = smoke_run
    preset = tmp_path / "other.toml"
    shipped = resources.files("mbench.baselines") / "presets" / "smoke.toml"
    preset.write_text(shipped.read_text().replace("steps = 3", "steps = 4"))
    bad_input(cli("run-baselines", "--preset", preset, "--out", out, "--models", "rvm", env=NO_CUDA),
              str(out / "rvm" / "config.json"), "another 'preset'", "--force")


def write_dataset(root, layers):
    yy, xx = np.mgrid[:32, :32]
    for split, clips in (("train", 2), ("valid", 1)):
        for c in range(clips):
            for i in range(4):
                pha = ((yy - 16) ** 2 + (xx - 10 - i) ** 2 < 50).astype(np.uint8) * 255
                images = {"pha": pha, "com": np.dstack([pha] * 3), "fgr": np.full((32, 32, 3), 200, np.uint8),
                          "bgr": np.zeros((32, 32, 3), np.uint8)}
                for name in layers:
                    (root / split / f"{c:04d}" / name).mkdir(parents=True, exist_ok=True)
                    write_image(root / split / f"{c:04d}" / name / f"{i:04d}.png", images[name])
    return root


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inputs")
    rvm = build("rvm", width_mult=0.25)
    save_weights(rvm, tmp / "rvm.safetensors")
    torch.save(rvm.state_dict(), tmp / "rvm.pt")
    torch.save({**rvm.state_dict(), "project_mat.conv.weight": torch.zeros(5, 8, 1, 1)}, tmp / "odd.pt")
    (tmp / "corrupt.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    (tmp / "corrupt.pt").write_bytes(b"PK\x03\x04 truncated zip")
    write_dataset(tmp / "nobgr", ("com", "fgr", "pha"))
    mixed = write_dataset(tmp / "mixed", ("com", "fgr", "pha", "bgr"))
    shutil.copytree(mixed / "valid" / "0000", mixed / "valid" / "0001", ignore=shutil.ignore_patterns("bgr"))
    smoke = (resources.files("mbench.baselines") / "presets" / "smoke.toml").read_text()
    (tmp / "badoption.toml").write_text(smoke.replace("backbone_scale = 0.5", 'refine_threshold = "abc"'))
    (tmp / "badpredict.toml").write_text(smoke.replace("bn_recalibration = 2",
                                                       "bn_recalibration = 2\npredict = { downsample_ratio = 2 }"))
    return tmp


def test_out_that_is_a_file_is_refused(cli, bad_input, tmp_path):
    out = tmp_path / "runs"
    out.write_text("not a folder")
    bad_input(cli("run-baselines", "--preset", "smoke", "--out", out, env=NO_CUDA), str(out), "not a folder")
    assert out.read_text() == "not a folder"


@pytest.mark.parametrize("args, fragments", [
    (["--models", "rvm,nope"], ["--models nope", "unknown model", "attention_memory"]),
    (["--preset", "fastest"], ["fastest", "unknown preset", "smoke, quick, paper"]),
    (["--device", "cuda"], ["--device cuda", "CUDA is not available"]),
    (["--device", "tpu"], ["--device tpu", "unknown device"]),
    (["--models", "bgmv2", "--data", "{files}/nobgr"], ["nobgr/train", "no bgr/ layer", "bgmv2"]),
    (["--models", "rvm", "--data", "{files}/missing"], ["missing", "no 'train' split folder"]),
    (["--models", "bgmv2", "--weights", "bgmv2={files}/rvm.safetensors"],
     ["rvm.safetensors", "fits no bgmv2 architecture", "differs at"]),
    (["--models", "rvm", "--weights", "rvm={files}/odd.pt", "--preset", "quick"],
     ["odd.pt", "fits no rvm architecture", "project_mat.conv.weight (5, 8, 1, 1) vs (4, 8, 1, 1)"]),
    (["--models", "rvm", "--weights", "rvm={files}/corrupt.safetensors"], ["corrupt.safetensors", "not a readable"]),
    (["--models", "rvm", "--weights", "rvm={files}/corrupt.pt"], ["corrupt.pt", "not a readable"]),
    (["--models", "rvm", "--weights", "bgmv2={files}/rvm.pt"], ["--weights bgmv2=", "not among those run"]),
    (["--workers", "0"], ["--workers", "must be at least 1"]),
    (["--models", "bgmv2", "--preset", "{files}/badoption.toml"],
     ["badoption.toml", "'models.bgmv2.options'", "could not convert"]),
    (["--models", "rvm", "--preset", "{files}/badpredict.toml"],
     ["badpredict.toml", "'models.rvm.predict.downsample_ratio'"]),
    (["--models", "rvm", "--data", "{files}/mixed"], ["mixed/valid", "clip '0001' has no bgr/ layer", "bgdiff"]),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(cli, bad_input, files, tmp_path, args, fragments):
    out = tmp_path / "runs"
    args = [a.replace("{files}", str(files)) for a in args]
    proc = cli("run-baselines", "--preset", "smoke", *args, "--out", out, env=NO_CUDA)
    bad_input(proc, *[f.replace("{files}", str(files)) for f in fragments])
    assert not out.exists()


def test_world_size_is_refused_only_for_an_unfinished_training_and_force_clears_the_scores(tmp_path):
    from mbench.baselines.run_folder import CHECKPOINT, CONFIG, check_config, clear_training
    from mbench.errors import BadInput

    folder = tmp_path / "rvm"
    folder.mkdir()
    (folder / CONFIG).write_text(json.dumps({"model": "rvm", "world_size": 2}))
    with pytest.raises(BadInput, match="another 'world_size'"):  # a resumed training must keep its world
        check_config(folder, {"model": "rvm", "world_size": 1})
    (folder / CHECKPOINT).write_bytes(b"finished")
    check_config(folder, {"model": "rvm", "world_size": 1})  # finished under torchrun: scored as is
    with pytest.raises(BadInput, match="another 'model'"):
        check_config(folder, {"model": "bgmv2", "world_size": 1})
    for name in ("pred/valid/0000/pha/0000.png", "eval/summary.json", "method.json", "notes.txt"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x")
    clear_training(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
