"""Evaluations of protocol modules (per_clip.csv, where tcvom and ftpvm write one, is their own figures) on the leaderboard, through the CLI:
each protocol its own table, the protocol's own figures, intervals only where honest."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

H, W = 24, 32


def _matte(rng: np.random.Generator) -> np.ndarray:
    """A soft disc: a ground-truth alpha with an unknown band."""
    yy, xx = np.mgrid[:H, :W]
    cy, cx, r = rng.uniform(8, 16), rng.uniform(10, 22), rng.uniform(5, 9)
    d = np.hypot(yy - cy, xx - cx)
    return np.clip((r - d) * 60 + 128, 0, 255).astype(np.uint8)


def _noisy(g: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    return np.clip(g + rng.normal(0, amount, g.shape), 0, 255).astype(np.uint8)


def _trimap(g: np.ndarray) -> np.ndarray:
    band = cv2.dilate((g > 0).astype(np.uint8), np.ones((3, 3))) - cv2.erode((g == 255).astype(np.uint8),
                                                                             np.ones((3, 3)))
    return np.where(band > 0, 128, np.where(g == 255, 255, 0)).astype(np.uint8)


def gca_data(root: Path, images: int = 7) -> tuple[Path, Path, dict[str, Path]]:
    """Flat image folders: gt/, trimaps/ and one prediction folder per method (B noisier)."""
    rng = np.random.default_rng(11)
    preds = {"A": root / "predA", "B": root / "predB"}
    for k in range(images):
        g = _matte(rng)
        for folder, img in ((root / "gt", g), (root / "trimaps", _trimap(g)),
                            (preds["A"], _noisy(g, rng, 6)), (preds["B"], _noisy(g, rng, 30))):
            folder.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(folder / f"img{k}.png"), img)
    return root / "gt", root / "trimaps", preds


def tcvom_data(root: Path) -> tuple[Path, dict[str, Path]]:
    """A VM108-style data root (videos of unequal length, so the mean of video means is not the
    mean of the rows) and two prediction folders."""
    rng = np.random.default_rng(12)
    data, keys = root / "vm108", {}
    preds = {"A": root / "tpredA", "B": root / "tpredB"}
    for video, n in (("v0", 2), ("v1", 4), ("v2", 2)):  # the original skips the last video
        for f in range(n):
            fid = f"{video}/{f:05d}"
            keys[f"{fid}.jpg"] = 0
            g = _matte(rng)
            (data / "FG_done" / video).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(data / "FG_done" / f"{fid}.png"), np.dstack([np.full((H, W, 3), 90, np.uint8), g]))
            for name, amount in (("A", 5), ("B", 25)):
                (preds[name] / video).mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(preds[name] / f"{fid}_pred.png"), _noisy(g, rng, amount))
                cv2.imwrite(str(preds[name] / f"{fid}_tri.png"), _trimap(g))
            if f + 1 < n:
                flow = np.dstack([np.full((H, W), 100, np.uint16), np.zeros((H, W), np.uint16),
                                  np.full((H, W), 65535, np.uint16)])
                (data / "flow_png" / video).mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(data / "flow_png" / video / f"flow_{f:05d}_{f + 1:05d}.png"), flow)
    (data / "frame_corr.json").write_text(json.dumps(keys))
    return data, preds


def _evaluate(cli, store: Path, protocol: str, pred: Path, gt: Path, name: str, *extra) -> Path:
    out = store / f"{protocol}-{name}"
    proc = cli("evaluate", pred, gt, "--protocol", protocol, "--out", out, "--quiet", *extra)
    assert proc.returncode == 0, proc.stderr
    (out / "method.json").write_text(json.dumps({"name": f"{name}Net"}))
    return out


@pytest.fixture
def store(tmp_path, cli_here):
    store = tmp_path / "store"
    gt, trimaps, preds = gca_data(tmp_path)
    for name, pred in preds.items():
        _evaluate(cli_here, store, "gca", pred, gt, name, "--trimap", trimaps)
    data, tpreds = tcvom_data(tmp_path)
    for name, pred in tpreds.items():
        _evaluate(cli_here, store, "tcvom", pred, data, name)
    return store


def _rows(board: Path) -> list[dict]:
    with open(board / "leaderboard.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_two_protocols_make_two_tables_with_their_own_figures(store, tmp_path, cli_here):
    proc = cli_here("leaderboard", store, "--out", tmp_path / "board", "--resamples", "200", "--quiet")
    assert proc.returncode == 0, proc.stderr
    rows = _rows(tmp_path / "board")
    tables = {}
    for row in rows:
        tables.setdefault(row["table"], []).append(row)
    assert len(tables) == 2  # one per protocol, never mixed
    by_protocol = {rows[0]["convention"]: rows for rows in tables.values()}
    assert set(by_protocol) == {"gca", "tcvom"}
    for protocol, members in by_protocol.items():
        assert sorted(r["method"] for r in members) == ["ANet", "BNet"]  # one protocol, one table
        for r in members:
            figures = json.loads((store / f"{protocol}-{r['method'][0]}" / "summary.json").read_text())["metrics"]
            for m, v in figures.items():
                if v is not None:
                    assert float(r[m]) == pytest.approx(v, rel=1e-12), (protocol, m)
    # gca's figure is the mean over images: 7 images are resampled, and the noisier method loses
    gca = {r["method"]: r for r in by_protocol["gca"]}
    assert gca["ANet"]["resampling"] == "clips" and gca["ANet"]["sad_ci_low"] != ""
    assert float(gca["ANet"]["sad_ci_low"]) <= float(gca["ANet"]["sad"]) <= float(gca["ANet"]["sad_ci_high"])
    assert float(gca["ANet"]["sad"]) < float(gca["BNet"]["sad"])
    # tcvom's figure is the mean of video means over videos of unequal length: no interval, no rank
    tcvom = {r["method"]: r for r in by_protocol["tcvom"]}
    assert tcvom["ANet"]["msad_ci_low"] == "" and tcvom["ANet"]["msad_rank"] == ""
    text = (tmp_path / "board" / "leaderboard.md").read_text()
    assert "is not the mean of its rows (video = mean over its frames" in text
    assert "resample the images" in text


def test_mixing_cards_is_refused(store, tmp_path, cli_here, bad_input):
    other = store / "gca-C"
    shutil.copytree(store / "gca-A", other)
    summary = json.loads((other / "summary.json").read_text())
    summary["card"]["rules"]["region"] = "whole image"
    (other / "summary.json").write_text(json.dumps(summary))
    (other / "method.json").write_text(json.dumps({"name": "CNet"}))
    bad_input(cli_here("leaderboard", store, "--out", tmp_path / "board", "--quiet"),
              "protocol cards differ at rules.region", str(other))
    assert not (tmp_path / "board").exists()
