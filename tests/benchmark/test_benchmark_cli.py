"""``mbench evaluate`` end to end: files, conventions, shards, resume, workers, layers."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pandas as pd
import pytest

import mattes
from trees import make_pair, write_layer
from mbench.benchmark import evaluate, evaluate_arrays
from mbench.benchmark import checkpoint as checkpoint_module


def read_out(folder):
    return {name: (folder / name).read_bytes() for name in ("per_frame.csv", "per_clip.csv", "summary.json")}


def test_cli_writes_the_three_files(tmp_path, cli):
    pred, gt = make_pair(tmp_path, fgr=True)
    proc = cli("evaluate", pred, gt, "--out", tmp_path / "eval")
    assert proc.returncode == 0, proc.stderr
    assert "MAD" in proc.stdout and "FGR_MSE" in proc.stdout
    per_frame = pd.read_csv(tmp_path / "eval" / "per_frame.csv", dtype={"frame": str})
    assert list(per_frame.columns) == ["clip", "frame", "mad", "mse", "grad", "conn", "dtssd",
                                       "fgr_mad", "fgr_mse"]
    assert per_frame["frame"].tolist()[:4] == ["0000", "0001", "0002", "0003"]
    assert sorted(per_frame["clip"].unique()) == ["static/0000", "videomatte_motion/0000",
                                                   "videomatte_motion/0001"]
    per_clip = pd.read_csv(tmp_path / "eval" / "per_clip.csv")
    assert list(per_clip.columns[:2]) == ["clip", "frames"] and per_clip["frames"].tolist() == [4, 4, 4]
    info = json.loads((tmp_path / "eval" / "summary.json").read_text())
    assert info["convention"] == "rvm" and info["n_clips"] == 3 and info["n_frames"] == 12
    assert info["metrics"]["mad"] == pytest.approx(per_frame["mad"].mean(), rel=1e-12)
    assert info["mbench_version"] and info["pred"].endswith("pred") and info["gt"].endswith("gt")
    # the same values as scoring the arrays directly
    p, g = mattes.clip(36, 48, 4, 0)
    direct = evaluate_arrays(p, g)
    got = per_frame[per_frame["clip"] == "videomatte_motion/0000"].reset_index(drop=True)
    for m in ("mad", "mse", "grad", "conn", "dtssd"):
        np.testing.assert_allclose(got[m], direct[m], rtol=1e-12)


def test_metrics_subset_and_optional_messddt(tmp_path):
    pred, gt = make_pair(tmp_path, clips=("c",))
    df = evaluate(pred, gt, metrics=["conn", "messddt", "mad"])
    assert list(df.columns) == ["clip", "frame", "conn", "messddt", "mad"]
    assert df["messddt"][0] == 0.0 and df["messddt"][1] > 0


def test_results_do_not_depend_on_workers(tmp_path):
    pred, gt = make_pair(tmp_path, fgr=True)
    evaluate(pred, gt, out=tmp_path / "w1", workers=1)
    evaluate(pred, gt, out=tmp_path / "w3", workers=3)
    assert read_out(tmp_path / "w1") == read_out(tmp_path / "w3")


def test_runs_of_frames_per_task_score_as_one_frame_per_task(tmp_path, monkeypatch):
    # Small frames are grouped into runs of consecutive frames per task (uneven at the clip's end);
    # each frame's dtSSD must still see the frame before it, across run boundaries too.
    from mbench.benchmark import runner

    pred, gt = make_pair(tmp_path, clips=("a", "b"), frames=11)
    plan_sizes = []
    real = runner.frames_per_task
    monkeypatch.setattr(runner, "frames_per_task", lambda *a: plan_sizes.append(real(*a)) or plan_sizes[-1])
    grouped = {w: evaluate(pred, gt, workers=w) for w in (1, 2, 3)}
    assert max(plan_sizes) >= 2  # runs of several frames were made
    monkeypatch.setattr(runner, "frames_per_task", lambda *a: 1)
    single = evaluate(pred, gt, workers=2)
    for df in grouped.values():
        pd.testing.assert_frame_equal(df, single)
    for cid in ("a", "b"):
        p = np.stack([cv2.imread(str(pred / cid / "pha" / f"{t:04d}.png"), 0) for t in range(11)])
        g = np.stack([cv2.imread(str(gt / cid / "pha" / f"{t:04d}.png"), 0) for t in range(11)])
        alone = evaluate_arrays(p, g, clip=cid)
        np.testing.assert_array_equal(single[single["clip"] == cid]["dtssd"], alone["dtssd"])


@pytest.mark.parametrize("frame", ["0000", "0006", "0010"])  # runs of 2: clip start, run start, a lone end
def test_a_frame_that_fails_to_decode_inside_a_run_is_bad_input(tmp_path, cli, bad_input, frame):
    pred, gt = make_pair(tmp_path, clips=("a", "b"), frames=11)
    f = pred / "b" / "pha" / f"{frame}.png"
    data = bytearray(f.read_bytes())
    data[60:90] = b"\x00" * 30  # the header and IEND pass the plan's checks; decoding fails
    f.write_bytes(bytes(data))
    proc = cli("evaluate", pred, gt, "--out", tmp_path / "e", "--workers", "2")
    bad_input(proc, str(f), "corrupt")
    assert not (tmp_path / "e").exists()


def test_shards_merge_to_the_single_run(tmp_path, cli):
    pred, gt = make_pair(tmp_path, clips=("a/0", "a/1", "b/0", "b/1", "c/0"))
    evaluate(pred, gt, out=tmp_path / "full")
    assert cli("evaluate", pred, gt, "--shard", "0/3", "--out", tmp_path / "s0", "--quiet").returncode == 0
    for k in (1, 2):
        evaluate(pred, gt, shard=f"{k}/3", out=tmp_path / f"s{k}")
    proc = cli("evaluate", "--merge", tmp_path / "merged", tmp_path / "s2", tmp_path / "s0", tmp_path / "s1")
    assert proc.returncode == 0, proc.stderr
    assert read_out(tmp_path / "merged") == read_out(tmp_path / "full")


def test_merge_refuses_incomplete_or_mixed_shards(tmp_path, cli, bad_input):
    pred, gt = make_pair(tmp_path, clips=("a", "b", "c"))
    evaluate(pred, gt, out=tmp_path / "s0", shard="0/2")
    evaluate(pred, gt, out=tmp_path / "t1", shard="1/2", metrics=["mad"])
    bad_input(cli("evaluate", "--merge", tmp_path / "m", tmp_path / "s0"), "shards missing: 1/2")
    bad_input(cli("evaluate", "--merge", tmp_path / "m", tmp_path / "s0", tmp_path / "t1"),
              str(tmp_path / "t1"), "metrics differ")
    evaluate(pred, gt, out=tmp_path / "full")
    bad_input(cli("evaluate", "--merge", tmp_path / "m", tmp_path / "full"), "not a shard")
    assert not (tmp_path / "m").exists()


def test_resume_after_interruption_equals_uninterrupted_run(tmp_path, monkeypatch):
    pred, gt = make_pair(tmp_path, clips=("a", "b", "c", "d"))
    evaluate(pred, gt, out=tmp_path / "ref")
    real_save = checkpoint_module.Checkpoint.save
    saved = []

    def dying_save(self, job, rows):
        real_save(self, job, rows)
        saved.append(job.id)
        if len(saved) == 2:
            raise KeyboardInterrupt  # the run dies after two finished clips

    monkeypatch.setattr(checkpoint_module.Checkpoint, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        evaluate(pred, gt, out=tmp_path / "out", workers=1)
    assert not (tmp_path / "out").exists()
    assert len(list((tmp_path / ".out.partial").glob("clip-*.csv"))) == 2
    monkeypatch.setattr(checkpoint_module.Checkpoint, "save", real_save)
    from mbench.benchmark import runner

    decoded = []
    real_decode = runner.decode
    monkeypatch.setattr(runner, "decode", lambda job, i, *a: decoded.append(job.id) or real_decode(job, i, *a))
    evaluate(pred, gt, out=tmp_path / "out", workers=1)
    assert sorted(set(decoded)) == ["c", "d"]  # finished clips were not scored again
    assert read_out(tmp_path / "out") == read_out(tmp_path / "ref")
    assert not (tmp_path / ".out.partial").exists()


def test_resume_rescores_a_clip_whose_files_changed(tmp_path, monkeypatch):
    pred, gt = make_pair(tmp_path, clips=("a", "b"))
    part = checkpoint_module.Checkpoint
    real_save = part.save
    monkeypatch.setattr(part, "save", lambda self, job, rows: (real_save(self, job, rows),
                                                               (_ for _ in ()).throw(KeyboardInterrupt)))
    with pytest.raises(KeyboardInterrupt):
        evaluate(pred, gt, out=tmp_path / "out", workers=1)
    monkeypatch.setattr(part, "save", real_save)
    a0 = pred / "a" / "pha" / "0000.png"
    cv2.imwrite(str(a0), np.zeros((36, 48), np.uint8))
    got = evaluate(pred, gt, out=tmp_path / "out")
    fresh = evaluate(pred, gt)
    pd.testing.assert_frame_equal(got, fresh)


def test_dim_convention_cli(tmp_path, cli):
    pred, gt = make_pair(tmp_path, clips=("x", "y"))
    for cid in ("x", "y"):
        tri = np.full((4, 36, 48), 128, np.uint8)
        tri[:, :, :10] = 0
        write_layer(tmp_path / "tri" / cid / ("trimap" if cid == "x" else ""), tri)
    proc = cli("evaluate", pred, gt, "--convention", "dim", "--trimap", tmp_path / "tri", "--out",
               tmp_path / "e")
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(tmp_path / "e" / "per_frame.csv")
    assert list(df.columns) == ["clip", "frame", "sad", "mse", "grad", "conn"]
    assert json.loads((tmp_path / "e" / "summary.json").read_text())["trimap"].endswith("tri")


def test_dim_nan_frames_warn_on_the_command_line(tmp_path, cli):
    pred, gt = make_pair(tmp_path, clips=("x",), frames=2)
    tri = np.zeros((2, 36, 48), np.uint8)
    tri[1, 10:20, 10:20] = 128  # frame 0000 has no unknown pixel
    write_layer(tmp_path / "tri" / "x", tri)
    proc = cli("evaluate", pred, gt, "--convention", "dim", "--trimap", tmp_path / "tri", "--out",
               tmp_path / "e", "--quiet")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mbench: warning:"), proc.stderr
    assert "0000" in lines[0] and "mse undefined" in lines[0]
    df = pd.read_csv(tmp_path / "e" / "per_frame.csv", dtype={"frame": str}, keep_default_na=False)
    assert df["mse"].tolist()[0] == "nan"
    info = json.loads((tmp_path / "e" / "summary.json").read_text())
    assert info["metric_frames"]["mse"] == 1 and info["metric_frames"]["sad"] == 2


def test_sixteen_bit_jpeg_and_video_layers(tmp_path):
    p, g = mattes.clip(32, 48, 3, 5)
    write_layer(tmp_path / "gt" / "c" / "pha", g.astype(np.uint16) * 257)   # 16-bit PNG
    write_layer(tmp_path / "pred" / "c" / "pha", p)                          # 8-bit PNG
    df = evaluate(tmp_path / "pred", tmp_path / "gt")
    np.testing.assert_allclose(df["mad"], evaluate_arrays(p, g)["mad"], rtol=1e-5)
    # JPEG predictions and a video ground truth read through their decoders
    write_layer(tmp_path / "jpred" / "c" / "pha", p, ".jpg")
    vid = tmp_path / "vgt" / "c"
    vid.mkdir(parents=True)
    writer = cv2.VideoWriter(str(vid / "pha.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 30, (48, 32))
    for a in g:
        writer.write(cv2.cvtColor(a, cv2.COLOR_GRAY2BGR))
    writer.release()
    df = evaluate(tmp_path / "jpred", tmp_path / "vgt")
    assert len(df) == 3 and df["mad"].between(0, 1000).all()
    assert df["frame"].tolist() == ["0000", "0001", "0002"]
