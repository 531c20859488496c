"""Protocol ``tcvom``: spec examples, a slow restatement, and values from running TCVOM's own
calc_metric.py (tests/benchmark/data/golden_tcvom.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

import mattes
from mbench.benchmark.kernels import video as vk
from mbench.benchmark.protocols import tcvom
from mbench.benchmark.protocols.base import Options
from mbench.errors import BadInput

DATA = Path(__file__).parent / "data" / "golden_tcvom.json"
VIDEOS = (("v0", 3, 0), ("v1", 4, 1), ("v2", 2, 2), ("v3", 3, 3))  # v2 misses a frame; v3 is last


def raw_flow(flow: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The flow PNG's channels as OpenCV reads them (B, G = dx, dy x 100 as uint16; R = validity)."""
    q = np.round(flow * 100).astype(np.int64)
    return np.dstack([q[..., 0] & 0xFFFF, q[..., 1] & 0xFFFF, valid * 65535]).astype(np.uint16)


def write_flow(path: Path, flow: np.ndarray, valid: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), raw_flow(flow, valid))


def make_vm108(root: Path, h: int = 32, w: int = 40) -> tuple[Path, Path]:
    """A seeded VM108-style tree: data root and prediction folder."""
    data, pred = root / "data", root / "pred"
    keys = {}
    for video, n, seed in VIDEOS:
        p, g = mattes.clip(h, w, n, seed)
        rng = np.random.default_rng([seed, 9])
        for f in range(n):
            fid = f"{video}/{f:05d}"
            keys[f"{fid}.jpg"] = 0
            rgba = np.dstack([rng.integers(0, 256, (h, w, 3)).astype(np.uint8), g[f]])
            (data / "FG_done" / video).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(data / "FG_done" / f"{fid}.png"), rgba)
            tri = np.where(g[f] == 0, 0, np.where(g[f] == 255, 255, 128)).astype(np.uint8)
            r = rng.random((h, w))
            tri[r < 0.03] = 1
            tri[(r > 0.03) & (r < 0.06)] = 254
            (pred / video).mkdir(parents=True, exist_ok=True)
            if not (video == "v2" and f == 1):
                cv2.imwrite(str(pred / f"{fid}_pred.png"), p[f])
            cv2.imwrite(str(pred / f"{fid}_tri.png"), tri)
            if f + 1 < n:
                flow = rng.normal(0, 1.5, (h, w, 2))
                flow[:4, :4] = (-7.3, 2.25)       # samples outside the frame
                write_flow(data / "flow_png" / video / f"flow_{f:05d}_{f + 1:05d}.png", flow,
                           rng.random((h, w)) > 0.1)
    (data / "frame_corr.json").write_text(json.dumps(keys))
    return pred, data


def close(a, b, rel=1e-5):
    return a == pytest.approx(b, rel=rel, abs=1e-9, nan_ok=True)


def test_equals_tcvom_calc_metric(tmp_path):
    golden = json.loads(DATA.read_text())
    res = tcvom.run(*make_vm108(tmp_path), Options())
    assert sorted(res.extra["per_clip"]) == sorted(golden["all"])  # v0, v1 only: v2 incomplete, v3 last
    names = {"msad": "mSAD", "mse": "MSE", "ssda": "SSDA", "dtssd": "dtSSD", "messddt_fix": "MESSDdt_fix",
             "messddt": "MESSDdt", "pixel_count": "pixel_count", "flow_pixel_count": "flow_pixel_count"}
    df = res.per_frame
    assert len(df) == sum(len(v["all"]) for v in golden["all"].values())
    for _, row in df.iterrows():
        want = golden["all"][row["clip"]]["all"][f"{row['clip']}/{row['frame']}.jpg"]
        for k, o in names.items():
            assert close(row[k], want[o]), (row["clip"], row["frame"], k)
    for v, avg in res.extra["per_clip"].items():
        for k, o in names.items():
            assert close(avg[k], golden["all"][v]["avg"][o]), (v, k)
    for k in tcvom.AVERAGED:
        assert close(res.metrics[k], golden["avg"][names[k]]), k
    assert any(row["messddt"] > 0 for _, row in df.iterrows())


def test_slow_restatement_of_the_warp():
    rng = np.random.default_rng(3)
    a8, g8, ha8, hg8 = (rng.integers(0, 256, (6, 7)).astype(np.uint8) for _ in range(4))
    a, g, ha, hg = (np.float32(x / 255.0) for x in (a8, g8, ha8, hg8))
    t = rng.choice(np.array([0, 1, 128, 254, 255], np.uint8), (6, 7))
    m = (t > 0) & (t < 255)
    valid = np.ones((6, 7), bool)
    valid[0, 0] = False
    flow = np.round(rng.normal(0, 2, (6, 7, 2)), 2)
    flow[~valid] = np.nan
    fix = sq = 0.0
    n = 0
    for y in range(6):
        for x in range(7):
            if not m[y, x] or np.isnan(flow[y, x, 0]):
                continue
            fx, fy = x + float(flow[y, x, 0]), y + float(flow[y, x, 1])
            x0, y0 = math.floor(fx), math.floor(fy)
            v = 0.0
            for yy, wy in ((y0, 1 - (fy - y0)), (y0 + 1, fy - y0)):
                for xx, wx in ((x0, 1 - (fx - x0)), (x0 + 1, fx - x0)):
                    if 0 <= yy < 6 and 0 <= xx < 7:
                        v += wy * wx * (float(ha[yy, xx]) - float(hg[yy, xx]))
            e = float(a[y, x]) - float(g[y, x])
            fix += abs(e - v)
            sq += abs(e * e - v * v)
            n += 1
    got = vk.bilinear_warp_error(a8, g8, ha8, hg8, t, raw_flow(np.nan_to_num(flow), valid))
    assert close(got[0], fix) and close(got[1], sq) and got[2] == n


def test_spec_warp_table():
    a = np.array([[255, 0], [0, 0]], np.uint8)
    z = np.zeros((2, 2), np.uint8)
    ha = np.array([[0, 255], [0, 0]], np.uint8)
    t = np.array([[128, 0], [0, 0]], np.uint8)
    for dx, fix, sq in ((1.0, 0, 0), (0.0, 1, 1), (0.5, 0.5, 0.75)):
        flow = np.zeros((2, 2, 2))
        flow[0, 0, 0] = dx
        got = vk.bilinear_warp_error(a, z, ha, z, t, raw_flow(flow, np.ones((2, 2), bool)))
        assert got == (pytest.approx(fix), pytest.approx(sq), 1)


def write_small(root: Path, preds, gts, tris, videos=("A", "B")):
    """Videos of 2x2 frames with zero flow."""
    keys = {}
    for v in videos:
        for f, (p, g, t) in enumerate(zip(preds, gts, tris)):
            fid = f"{v}/{f:05d}"
            keys[f"{fid}.png"] = 0
            for d in (root / "data" / "FG_done" / v, root / "pred" / v):
                d.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / "data" / "FG_done" / f"{fid}.png"),
                        np.dstack([np.zeros(g.shape + (3,), np.uint8), g]))
            cv2.imwrite(str(root / "pred" / f"{fid}_pred.png"), p)
            cv2.imwrite(str(root / "pred" / f"{fid}_tri.png"), t)
            if f + 1 < len(preds):
                write_flow(root / "data" / "flow_png" / v / f"flow_{f:05d}_{f + 1:05d}.png",
                           np.zeros(g.shape + (2,)), np.ones(g.shape, bool))
    (root / "data" / "frame_corr.json").write_text(json.dumps(keys))
    return root / "pred", root / "data"


def test_spec_examples(tmp_path):
    p = np.array([[0, 255], [128, 64]], np.uint8)
    g = np.array([[0, 255], [255, 0]], np.uint8)
    t = np.array([[0, 1], [128, 254]], np.uint8)
    z = np.zeros((2, 2), np.uint8)
    res = tcvom.run(*write_small(tmp_path, [p, z], [g, z], [t, t]), Options())
    r = res.per_frame.iloc[0]
    assert close(r.msad, 0.249673) and close(r.mse, 0.103678) and close(r.ssda, 0.557704)
    assert close(r.dtssd, 0.557704) and r.pixel_count == 3
    last = res.per_frame.iloc[1]
    assert last.dtssd == 0 and last.messddt == 0 and last.flow_pixel_count == 0
    # the video mean divides the temporal values by 2 frames (the last frame's 0 counts)
    assert close(res.extra["per_clip"]["A"]["dtssd"], 0.557704 / 2)
    assert list(res.per_frame["clip"].unique()) == ["A"]          # B, the last video, never counts
    assert close(res.metrics["dtssd"], 0.557704 / 2)


def test_empty_region_is_nan(tmp_path):
    z = np.zeros((2, 2), np.uint8)
    res = tcvom.run(*write_small(tmp_path, [z, z], [z, z], [z, z]), Options())
    assert math.isnan(res.per_frame.msad[0]) and res.per_frame.ssda[0] == 0
    assert res.metrics["msad"] is None and res.metrics["ssda"] == 0


def test_missing_flow_and_single_channel_gt_are_bad_input(tmp_path):
    p, d = make_vm108(tmp_path)
    (d / "flow_png" / "v0" / "flow_00001_00002.png").unlink()
    with pytest.raises(BadInput, match="missing flow"):
        tcvom.run(p, d, Options())
    with pytest.raises(BadInput, match="missing flow"):
        tcvom.run(p, d, Options(flow=tmp_path / "elsewhere"))
    p, d = make_vm108(tmp_path / "b")
    cv2.imwrite(str(d / "FG_done" / "v1" / "00000.png"), np.zeros((32, 40), np.uint8))
    with pytest.raises(BadInput, match="RGBA"):
        tcvom.run(p, d, Options(flow=d / "flow_png"))


def test_cli_refuses_missing_flow_with_one_line(tmp_path):
    import subprocess
    import sys

    pred, data = make_vm108(tmp_path)
    (data / "flow_png" / "v1" / "flow_00002_00003.png").unlink()
    out = tmp_path / "eval"
    r = subprocess.run([sys.executable, "-m", "mbench", "evaluate", str(pred), str(data),
                        "--protocol", "tcvom", "--out", str(out), "--quiet"], capture_output=True, text=True)
    assert r.returncode == 2 and not out.exists()
    assert r.stderr.strip().count("\n") == 0 and "flow_00002_00003.png: missing flow" in r.stderr


def test_cli_writes_per_clip_means(tmp_path):
    import subprocess
    import sys

    from mbench.benchmark.results import read_csv

    pred, data = make_vm108(tmp_path)
    out = tmp_path / "eval"
    r = subprocess.run([sys.executable, "-m", "mbench", "evaluate", str(pred), str(data), "--protocol", "tcvom",
                        "--out", str(out), "--quiet"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    pc = read_csv(out / "per_clip.csv")
    assert list(pc.columns) == ["clip", "frames", *tcvom.AVERAGED, *tcvom.COUNTS]
    summary = json.loads((out / "summary.json").read_text())
    assert pc["clip"].tolist() == list(summary["extra"]["per_clip"]) == ["v0", "v1"]
    assert pc["frames"].tolist() == [3, 4]
    for _, row in pc.iterrows():  # the very values of extra.per_clip, which stays in summary.json
        for k, v in summary["extra"]["per_clip"][row["clip"]].items():
            assert close(row[k], v) and (row[k] == v or math.isnan(v)), (row["clip"], k)
