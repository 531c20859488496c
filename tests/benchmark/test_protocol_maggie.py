"""Protocol ``maggie``: spec examples, a slow restatement, window bookkeeping, and values from running
MaGGIe's own eval_video and metric classes (tests/benchmark/data/golden_maggie.json)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

import mattes
import slow_video
from mbench.benchmark.protocols import maggie
from mbench.benchmark.protocols.base import Options
from mbench.errors import BadInput

DATA = Path(__file__).parent / "data" / "golden_maggie.json"


def make_videos(h: int = 40, w: int = 48) -> dict:
    """name -> (pred, gt, guidance masks), uint8 (N, I, H, W). Video a: 6 frames, 2 instances, window 2
    skipped (all-zero masks on frames 2..4); b: 5 frames; c: 3 frames (not first)."""
    out = {}
    for name, n, inst, seed in (("a", 6, 2, 10), ("b", 5, 1, 20), ("c", 3, 1, 30)):
        clips = [mattes.clip(h, w, n, seed + i) for i in range(inst)]
        pred = np.stack([c[0] for c in clips], axis=1)
        gt = np.stack([c[1] for c in clips], axis=1)
        pred[:, :, 0, :4] = 1      # clamped to 0
        pred[:, :, 1, :4] = 254    # clamped to 255
        masks = (gt > 128).astype(np.uint8) * 255
        if name == "a":
            masks[2:5] = 0
        out[name] = (pred, gt, masks)
    return out


def write_vim(root: Path, videos: dict) -> tuple[Path, Path]:
    for name, (pred, gt, masks) in videos.items():
        n, inst = gt.shape[:2]
        for f in range(n):
            stem = f"{f:05d}"
            (root / "gt" / "fgr" / name).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / "gt" / "fgr" / name / f"{stem}.jpg"), np.zeros((4, 4, 3), np.uint8))
            for i in range(inst):
                for layer, arr in (("pha", gt), ("xmem", masks)):
                    d = root / "gt" / layer / name / stem
                    d.mkdir(parents=True, exist_ok=True)
                    cv2.imwrite(str(d / f"inst{i}.png"), arr[f, i])
                target = root / "pred" / name / (f"{stem}.png" if inst == 1 else f"{stem}/{i:02d}.png")
                target.parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(target), pred[f, i])
    return root / "pred", root / "gt"


def close(a, b, rel=1e-5):
    return a == pytest.approx(b, rel=rel, abs=1e-9)


def test_equals_maggie_eval_video(tmp_path):
    golden = json.loads(DATA.read_text())
    res = maggie.run(*write_vim(tmp_path, make_videos()), Options())
    df = res.per_frame
    assert len(df) == len(golden["windows"])
    for (_, row), want in zip(df.iterrows(), golden["windows"]):
        for k in maggie.COLUMNS:
            if k in want:
                assert close(row[k], want[k]), (row["clip"], row["frame"], k)
            else:
                assert row[k] is pd.NA, (row["clip"], row["frame"], k)  # absent, not NaN
    for k in maggie.COLUMNS:
        assert close(res.metrics[k], golden["average"][k]), k


def test_window_plan():
    calls, prev = maggie.plan(7, lambda s: False, maggie._UNDEFINED, Path("v"))
    assert [(c.pred, c.temporal_pred) for c in calls] == [
        ((0,), None), ((1,), (0, 1)), ((2,), (1, 2)), ((3,), (2, 3)), ((4, 5, 6), (3, 4, 5, 6))]
    # a skipped window leaves stale frames: window 3 pairs prediction 4 with GT 3
    calls, _ = maggie.plan(6, lambda s: s == 2, maggie._UNDEFINED, Path("v"))
    assert calls[-1].pred == (2, 4, 5) and calls[-1].gt == (2, 3, 5)
    with pytest.raises(BadInput, match="original fails"):
        maggie.plan(4, lambda s: False, prev, Path("v"))
    with pytest.raises(BadInput, match="original fails"):
        maggie.plan(3, lambda s: False, maggie._UNDEFINED, Path("v"))


def one_video(tmp_path, pred, gt):
    """A 3-frame single-instance video whose first window is both first and last (after another)."""
    full = np.full(gt[:, None].shape, 255, np.uint8)
    vids = {"a": make_videos()["b"], "b": (pred[:, None], gt[:, None], full)}
    df = maggie.run(*write_vim(tmp_path, vids), Options()).per_frame
    return df[df["clip"] == "b"].iloc[0]


def test_spec_examples_and_slow_restatement(tmp_path):
    p = np.zeros((3, 9, 9), np.uint8)
    g = np.zeros((3, 9, 9), np.uint8)
    g[0, 4, 4], g[1, 4, 4] = 128, 255     # impulses of about 0.5 and 1.0, joint min-max over the call
    row = one_video(tmp_path, p, g)
    # Grad: the 0.5 impulse is normalised by the call's max (1.0): (0.25 * 2 + 1 * 2) / 3 frames
    g8 = 128 / 255 / (1 + 1e-6)
    assert close(row.grad, (g8 ** 2 * 2 + (1 / (1 + 1e-6)) ** 2 * 2) * 1e-3 / 3, rel=1e-5)
    d = g.astype(np.float64) / 255
    assert close(row.sad, d.sum() * 1e-3 / 3)
    assert close(row.mad, (d.sum(axis=(1, 2)) / 81 / (81 + 1e-6)).sum() * 1e10 / 3)
    mags = [((slow_video.grad_mags(gg / 255 / (1 + 1e-6), zero_border=True)) ** 2).sum() for gg in g]
    assert close(row.grad, sum(mags) * 1e-3 / 3)
    conn = sum(slow_video.conn_raw(np.zeros((9, 9), np.float32), gg.astype(np.float32) / np.float32(255),
                                   np.arange(0, 1.1, 0.1), np.ones((9, 9), bool)) for gg in g)
    assert close(row.conn, conn * 1e-3 / 3)


def test_clamp_and_resolution_scale(tmp_path):
    g = np.zeros((3, 2, 2), np.uint8)
    p = np.zeros((3, 2, 2), np.uint8)
    p[:, 0, 0] = 1     # counts as 0
    p[:, 0, 1] = 254   # counts as 255
    row = one_video(tmp_path, p, g)
    assert close(row.sad, 1e-3)                      # only the 254 -> 1.0 pixel, per frame
    assert close(row.mad, 1.0 / 4 / (4 + 1e-6) * 1e10)


def test_messddt_spec_example():
    """Zero flow on 3x5 frames: the DVM error 1.2087659 over sum m + 1 = 16, x 1e4."""
    v = (10 * (5 * np.arange(3)[:, None] + np.arange(5)[None, :]) + 5).astype(np.uint8)
    from mbench.benchmark.kernels import video as vk

    z, ones = np.zeros_like(v), np.ones_like(v)
    err = vk.dvm_warp_error(v, z, ones, v, z, ones, np.zeros((3, 5, 2), np.int64), False)
    assert close(err / 16 * 1e4, 0.0755479 * 1e4)


def test_missing_instances_and_masks_are_bad_input(tmp_path):
    pred, gt = write_vim(tmp_path, {"a": make_videos()["b"]})
    for f in (gt / "xmem" / "a" / "00001").iterdir():
        f.unlink()
    with pytest.raises(BadInput, match="guidance mask"):
        maggie.run(pred, gt, Options())
    (pred / "a" / "00002.png").unlink()
    with pytest.raises(BadInput):
        maggie.run(pred, gt / "missing", Options())


# not a staircase of centred rectangles: the row-by-row path
_ASYMMETRIC = np.array([[0, 0, 1, 1, 0, 0, 0], [0, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 1],
                        [0, 0, 1, 1, 1, 1, 1], [0, 0, 0, 1, 0, 0, 0]], np.uint8)


@pytest.mark.parametrize("shape,size", [(cv2.MORPH_ELLIPSE, 25), (cv2.MORPH_ELLIPSE, 7), (cv2.MORPH_RECT, 5),
                                        (cv2.MORPH_CROSS, 9), (cv2.MORPH_ELLIPSE, 3), (None, 0)])
@pytest.mark.parametrize("seed", range(4))
def test_transition_band_equals_opencv_morphology(seed, shape, size):
    from mbench.benchmark.kernels import band

    rng = np.random.default_rng(seed)
    k = cv2.getStructuringElement(shape, (size, size)) if shape is not None else _ASYMMETRIC
    lo, hi = band._element_rows(k.tobytes(), k.shape)
    assert (len(band._staircase(lo.tobytes(), hi.tobytes())) > 0) == (shape is not None)  # which path runs
    h, w = rng.integers(1, 70, 2)
    a = mattes.clip(max(h, 8), max(w, 8), 1, seed)[1][0][:h, :w]
    a[rng.random(a.shape) < 0.01] = 7
    for img in (a, np.zeros_like(a), (rng.random(a.shape) < 0.002).astype(np.uint8)):
        want = (cv2.dilate(img, k) - cv2.erode(img, k)) > 0
        assert (band.transition_band(img, k) == want).all()
        tri = band.transition_band(img, k, inside=1, fg=2, fg_from=128)
        assert (tri == np.where(want, 1, np.where(img >= 128, 2, 0))).all()


def test_cli_refuses_missing_guidance_masks_with_one_line(tmp_path):
    import shutil
    import subprocess
    import sys

    pred, gt = write_vim(tmp_path, {"a": make_videos()["b"]})
    shutil.rmtree(gt / "xmem")
    out = tmp_path / "eval"
    r = subprocess.run([sys.executable, "-m", "mbench", "evaluate", str(pred), str(gt),
                        "--protocol", "maggie", "--out", str(out), "--quiet"], capture_output=True, text=True)
    assert r.returncode == 2 and not out.exists()
    assert r.stderr.strip().count("\n") == 0 and "guidance masks" in r.stderr


def test_reading_warnings_name_the_first_deep_and_colour_predictions(tmp_path):
    pred, gt = write_vim(tmp_path, make_videos())
    assert maggie.run(pred, gt, Options()).warnings == []
    for path, f in ((pred / "c/00001.png", lambda a: np.dstack([a, a, a])),
                    (pred / "a/00003/01.png", lambda a: a.astype(np.uint16) * 257),
                    (pred / "b/00004.png", lambda a: a.astype(np.uint16) * 257)):
        cv2.imwrite(str(path), f(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)))
    warnings = maggie.run(pred, gt, Options()).warnings
    assert len(warnings) == 2
    assert warnings[0].startswith(f"{pred / 'a/00003/01.png'}: 16-bit image")
    assert warnings[1].startswith(f"{pred / 'c/00001.png'}: image has colour/alpha channels")


def test_cli_leaves_first_window_temporal_cells_empty(tmp_path):
    import subprocess
    import sys

    from mbench.benchmark.results import read_csv

    pred, gt = write_vim(tmp_path, make_videos())
    out = tmp_path / "eval"
    r = subprocess.run([sys.executable, "-m", "mbench", "evaluate", str(pred), str(gt), "--protocol", "maggie",
                        "--out", str(out), "--quiet"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = (out / "per_frame.csv").read_text().splitlines()
    head = lines[0].split(",")
    firsts = set()
    for line in lines[1:]:
        cells = dict(zip(head, line.split(",")))
        first = cells["clip"] not in firsts
        firsts.add(cells["clip"])
        for k in maggie.COLUMNS:  # empty exactly on each video's first window, and only there
            assert (cells[k] == "") == (first and k in ("dtssd", "messddt")), (cells["clip"], cells["frame"], k)
    df = read_csv(out / "per_frame.csv")
    want = maggie.run(pred, gt, Options()).per_frame
    assert df["dtssd"].isna().tolist() == want["dtssd"].isna().tolist() and df["dtssd"].isna().sum() == len(firsts)


def test_reading_warnings_name_the_first_deep_and_colour_ground_truth(tmp_path):
    pred, gt = write_vim(tmp_path, make_videos())
    deep, colour = gt / "pha/b/00002/inst0.png", gt / "pha/a/00004/inst1.png"
    a = cv2.imread(str(deep), cv2.IMREAD_GRAYSCALE)
    cv2.imwrite(str(deep), a.astype(np.uint16) * 257)  # PIL's convert("L") clips these to 255
    b = cv2.imread(str(colour), cv2.IMREAD_GRAYSCALE)
    cv2.imwrite(str(colour), np.dstack([b, b, b, np.full_like(b, 7)]))
    warnings = maggie.run(pred, gt, Options()).warnings
    assert warnings == [f"{deep}: 16-bit image; PIL's convert('L') clips its values to 0..255 (16-bit "
                        "precision dropped), as the original reads it",
                        f"{colour}: image has colour/alpha channels; PIL's convert('L') takes gray from its "
                        "colour channels (RGBA alpha ignored), as the original reads it"]
