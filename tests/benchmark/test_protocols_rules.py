"""The RVM-family protocols' rules: the specs' hand-computed cases, a slow restatement, the workbook
aggregation, the 8-bit gray reading and its warnings, and refusals."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import mattes
import protocol_trees as trees
import slow_metrics as slow
from mbench.benchmark import evaluate_arrays
from mbench.benchmark.protocols.spreadsheet import column_means, workbook_figure
from mbench.errors import BadInput


# --- hand-computed cases (protocol specs, "Tiny examples") ---------------------------------------
def test_mad_mse_dtssd_by_hand():
    p = np.array([[0, 255], [128, 64]], np.uint8)
    g = np.array([[0, 255], [255, 0]], np.uint8)
    for protocol in ("rvm_hr", "matanyone_crgnn"):
        row = evaluate_arrays(p, g, protocol=protocol).iloc[0]
        assert row["pha_mad"] == pytest.approx((127 + 64) / 255 / 4 * 1000, rel=1e-6)   # 187.2549
        assert row["pha_mse"] == pytest.approx((127 ** 2 + 64 ** 2) / 255 ** 2 / 4 * 1000, rel=1e-6)
    pred = np.zeros((2, 2, 2), np.float32)
    pred[1, 0, 0] = 1
    df = evaluate_arrays(pred, np.zeros((2, 2, 2), np.float32), protocol="rvm_hr")
    assert df["pha_dtssd"].tolist() == [0.0, pytest.approx(50.0, rel=1e-6)]


def test_grad_impulse_without_minmax():
    g = np.zeros((9, 9), np.float32)
    g[4, 4] = 1
    assert evaluate_arrays(np.zeros_like(g), g, protocol="rvm_hr")["pha_grad"][0] == pytest.approx(0.002, rel=1e-6)
    half = g / 2  # HR: no normalisation, so a quarter; evaluate_lr.py normalises back to 0.002
    assert evaluate_arrays(np.zeros_like(g), half, protocol="rvm_hr")["pha_grad"][0] == pytest.approx(0.0005, rel=1e-6)
    assert evaluate_arrays(np.zeros_like(g), half, protocol="matanyone")["pha_grad"][0] == pytest.approx(0.002, rel=1e-6)


def test_fgr_mse_by_hand():
    g = np.array([[[0, 255]]], np.uint8)
    fp = np.zeros((1, 1, 2, 3), np.uint8)
    fp[0, 0, 1, 0] = 51
    df = evaluate_arrays(g, g, protocol="rvm_hr", pred_fgr=fp, gt_fgr=np.zeros_like(fp))
    assert df["fgr_mse"][0] == pytest.approx(0.2 ** 2 / 3 * 1000, rel=1e-6)   # 13.3333
    empty = evaluate_arrays(g * 0, g * 0, protocol="rvm_hr", pred_fgr=fp, gt_fgr=np.zeros_like(fp))
    assert math.isnan(empty["fgr_mse"][0])  # GT alpha all 0: the mean of an empty set


def test_workbook_by_hand():
    assert workbook_figure([[0, 2, 4], [0, 6]]) == pytest.approx(8 / 3)     # per-index means 0, 4, 4
    assert workbook_figure([[0, 6], [0, 2, 4]]) == pytest.approx(2.0)       # only the first clip's 2 columns
    assert workbook_figure([[0, 3, 5]], shift=True) is None                 # eval_crgnn: #DIV/0!
    assert column_means([[0, 3, 5]], shift=True) == [3, 5, None]
    assert workbook_figure([[0, 3, 5], [0, 1, 1, 7]], shift=True) == pytest.approx((2 + 3 + 7) / 3)
    assert workbook_figure([[0, 1], [float("nan")]]) is None                # NaN: no workbook
    assert workbook_figure([[1.0] * 800]) == 1.0 and workbook_figure([[]]) is None


# --- a slow restatement of evaluate_hr.py per frame --------------------------------------------
def _slow_hr(p, g, pp=None, gp=None):
    kx = slow.gaussian_kernel_x()
    mags = [np.sqrt(slow.correlate_replicate(slow.unit(a).astype(np.float64), kx) ** 2
                    + slow.correlate_replicate(slow.unit(a).astype(np.float64), kx.T) ** 2) for a in (p, g)]
    return {"pha_mad": slow.mad(p, g), "pha_mse": slow.mse(p, g),
            "pha_grad": float(((mags[1] - mags[0]) ** 2).sum() / 1000),
            "pha_dtssd": 0.0 if pp is None else slow.dtssd(p, pp, g, gp)}


@pytest.mark.parametrize("shape", [(48, 64), (37, 29)])
def test_rvm_hr_equals_slow_restatement(shape):
    pred, gt = mattes.clip(*shape, 3, 4)
    df = evaluate_arrays(pred, gt, protocol="rvm_hr")
    for t in range(3):
        want = _slow_hr(pred[t], gt[t], *((pred[t - 1], gt[t - 1]) if t else ()))
        for k, v in want.items():
            assert df[k][t] == pytest.approx(v, rel=1e-5, abs=1e-9), (t, k)


def test_in_memory_refusal():
    with pytest.raises(BadInput, match="unknown protocol"):
        evaluate_arrays(np.zeros((1, 4, 4)), np.zeros((1, 4, 4)), protocol="nosuch")
    with pytest.raises(BadInput, match="cannot run on one in-memory clip"):
        evaluate_arrays(np.zeros((1, 4, 4)), np.zeros((1, 4, 4)), protocol="tcvom")
    # rvm and dim in memory are their conventions
    a = evaluate_arrays(*mattes.clip(16, 24, 2, 1), protocol="rvm")
    pd.testing.assert_frame_equal(a, evaluate_arrays(*mattes.clip(16, 24, 2, 1)))


# --- reading as the original reads, and its warnings ---------------------------------------------
def _warnings(proc):
    return [ln for ln in proc.stderr.splitlines() if ln.startswith("mbench: warning:")]


@pytest.mark.parametrize("protocol", ["rvm", "rvm_hr"])
def test_gray8_reading_warns_once_per_kind(tmp_path, cli_here, protocol):
    cli = cli_here
    pred, gt = trees.rvm_tree(tmp_path)
    proc = cli("evaluate", pred, gt, "--protocol", protocol, "--out", tmp_path / "e", "--quiet",
               "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    lines = _warnings(proc)
    assert len(lines) == 2, proc.stderr
    assert "16-bit precision dropped" in lines[0] or "16-bit precision dropped" in lines[1]
    assert any(str(gt / trees.SIXTEEN_BIT) + ".png" in ln and "16-bit" in ln for ln in lines)
    assert any(str(pred / trees.RGBA) + ".png" in ln and "RGBA alpha ignored" in ln for ln in lines)
    full = cli("evaluate", pred, gt, "--protocol", protocol, "--out", tmp_path / "f", "--quiet",
               "--full-precision")
    assert full.returncode == 0 and not _warnings(full), full.stderr
    a = pd.read_csv(tmp_path / "e" / "per_frame.csv", dtype={"frame": str})
    b = pd.read_csv(tmp_path / "f" / "per_frame.csv", dtype={"frame": str})
    mad = "mad" if protocol == "rvm" else "pha_mad"
    differs = (a[mad] - b[mad]).abs() > 1e-6
    assert set(a.loc[differs, "clip"] + "/" + a.loc[differs, "frame"]) == {"vm_static/0000/0002", "vm_motion/0001/0001"}
    cards = [json.loads((tmp_path / d / "summary.json").read_text())["card"] for d in "ef"]
    assert cards[0]["rules"]["reading"] != cards[1]["rules"]["reading"]  # never one column


def test_summary_keys(tmp_path, cli_here):
    cli = cli_here
    pred, gt = trees.rvm_tree(tmp_path, fgr=False)
    assert cli("evaluate", pred, gt, "--protocol", "rvm_hr", "--out", tmp_path / "e", "--quiet").returncode == 0
    info = json.loads((tmp_path / "e" / "summary.json").read_text())
    assert info["protocol"] == {"name": "rvm_hr", "version": "1"}
    assert info["frames"] == 12 and len(info["gt_hash"]) == 64
    decl = info["metric_declarations"]
    assert decl["pha_dtssd"]["needs"] == ["previous"] and decl["pha_mad"]["needs"] == []
    assert not any(d["higher_is_better"] for d in decl.values())
    assert list(info["metrics"]) == ["pha_dtssd", "pha_grad", "pha_mad", "pha_mse"]  # sorted keys
    header = (tmp_path / "e" / "per_frame.csv").read_text().splitlines()[0]
    assert header == "clip,frame,pha_mad,pha_mse,pha_grad,pha_dtssd"
    (gt / "vm_motion" / "0000" / "pha" / "0000.png").write_bytes(
        (gt / "vm_motion" / "0000" / "pha" / "0001.png").read_bytes())
    assert cli("evaluate", pred, gt, "--protocol", "rvm_hr", "--out", tmp_path / "e2", "--quiet").returncode == 0
    assert json.loads((tmp_path / "e2" / "summary.json").read_text())["gt_hash"] != info["gt_hash"]


def test_list_protocols(cli_here):
    cli = cli_here
    proc = cli("evaluate", "--list-protocols")
    assert proc.returncode == 0
    for name in ("rvm", "rvm_hr", "matanyone", "matanyone_crgnn", "dim"):
        assert any(ln.startswith(name + " ") for ln in proc.stdout.splitlines())
    assert "evaluate_hr.py" in proc.stdout and "used by:" in proc.stdout


# --- refusals: one line, exit 2, nothing written ---------------------------------------------------
def test_refusals(tmp_path, cli_here, bad_input):
    cli = cli_here
    pred, gt = trees.rvm_tree(tmp_path, fgr=False)
    missing = gt / "vm_static" / "0000" / "pha" / "0004.png"
    missing.unlink()
    cases = [
        (["--protocol", "rvm_hr"], [str(missing), "ground truth missing"]),
        (["--protocol", "matanyone_crgnn"], [str(gt / "vm_motion"), "sparse"]),
        (["--protocol", "rvm_hr", "--shard", "2/2"], ["2/2", "0 <= K < N"]),
        (["--protocol", "dim"], ["--trimap"]),
        (["--protocol", "rvm", "--convention", "dim"], ["--convention"]),
    ]
    for args, fragments in cases:
        out = tmp_path / "out"
        proc = cli("evaluate", pred, gt, *args, "--out", out)
        bad_input(proc, *fragments)
        assert not out.exists()


# --- aggregation through files, and the engine's protocol keys -----------------------------------
def test_nan_fgr_mse_gives_no_workbook_figure(tmp_path):
    from mbench.benchmark.protocols.base import Options
    from mbench.benchmark.protocols.runner import run_protocol

    pred, gt = trees.rvm_tree(tmp_path)
    zero = gt / "vm_motion" / "0000" / "pha" / "0001.png"
    trees._write(zero.with_suffix(""), np.zeros((trees.H, trees.W), np.uint8))
    with pytest.warns(UserWarning):
        df, info = run_protocol("rvm_hr", pred, gt, options=Options())
    assert math.isnan(df["fgr_mse"][1]) and info["metrics"]["fgr_mse"] is None
    assert info["metrics"]["pha_mad"] is not None and info["extra"]["pooled_mean"]["fgr_mse"] > 0


def test_crgnn_shift_gives_null_when_the_first_video_is_longest(tmp_path):
    from mbench.benchmark.protocols.base import Options
    from mbench.benchmark.protocols.runner import run_protocol

    pred, gt = trees.crgnn_tree(tmp_path)
    import shutil
    shutil.rmtree(gt / "v2")  # now no later video has more values than v1 (v3 keeps 3 of 4)
    with pytest.warns(UserWarning):
        df, info = run_protocol("matanyone_crgnn", pred, gt, options=Options())
    assert all(v is None for v in info["metrics"].values())
    want = np.mean([df[df["clip"] == c]["pha_mad"].to_numpy() for c in ("v1", "v3")], axis=0).mean()
    assert info["extra"]["workbook_unshifted"]["pha_mad"] == pytest.approx(want, rel=1e-12)


def test_shards_merge_to_the_single_run_keys(tmp_path, cli_here):
    pred, gt = trees.rvm_tree(tmp_path, fgr=False)
    assert cli_here("evaluate", pred, gt, "--convention", "rvm", "--out", tmp_path / "all", "--quiet",
                    "--full-precision").returncode == 0
    for k in (0, 1):
        assert cli_here("evaluate", pred, gt, "--shard", f"{k}/2", "--out", tmp_path / f"s{k}", "--quiet",
                        "--full-precision").returncode == 0
    assert cli_here("evaluate", "--merge", tmp_path / "m", tmp_path / "s0", tmp_path / "s1", "--quiet").returncode == 0
    whole, merged = (json.loads((tmp_path / d / "summary.json").read_text()) for d in ("all", "m"))
    for key in ("protocol", "card", "gt_hash", "frames", "extra", "metrics"):
        assert merged[key] == whole[key], key
    assert "gt_files" not in whole and whole["protocol"]["name"] == "rvm"


def test_crgnn_empty_ground_truth_folder_scores_nothing(tmp_path):
    from mbench.benchmark.protocols.base import Options
    from mbench.benchmark.protocols.runner import run_protocol

    pred, gt = trees.crgnn_tree(tmp_path)
    for f in (gt / "v1").iterdir():
        f.unlink()
    with pytest.warns(UserWarning, match="no ground-truth frames"):
        df, info = run_protocol("matanyone_crgnn", pred, gt, options=Options())
    assert "v1" not in set(df["clip"])
    assert all(v is None for v in info["metrics"].values())  # the first video has no values: #DIV/0!
