"""Hostile frames through ``mbench evaluate``: a FIFO or a header lying about its size is one line,
exit 2, in seconds, with bounded memory (the OpenCV fallback once took 8.3 GiB and 70 s)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from trees import make_pair

HOSTILE = Path(__file__).resolve().parents[1] / "core" / "data" / "hostile"


def test_fifo_named_like_a_frame(tmp_path, cli, bad_input):
    pred, gt = make_pair(tmp_path, clips=("c",), frames=3)
    frame = pred / "c" / "pha" / "0001.png"
    frame.unlink()
    os.mkfifo(frame)
    start = time.perf_counter()
    proc = cli("evaluate", pred, gt, "--out", tmp_path / "eval", timeout=60)
    bad_input(proc, str(frame), "not a regular file")
    assert time.perf_counter() - start < 30
    assert not (tmp_path / "eval").exists()


def test_fifo_named_like_a_video_layer(tmp_path, cli):
    pred, gt = make_pair(tmp_path, clips=("c",), frames=3)
    shutil.rmtree(pred / "c" / "pha")
    os.mkfifo(pred / "c" / "pha.mp4")
    proc = cli("evaluate", pred, gt, "--out", tmp_path / "eval", timeout=60)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


_RUN_ALL = """
import json, resource, sys, time
from mbench.cli import main
codes = []
start = time.perf_counter()
for args in json.loads(sys.argv[1]):
    codes.append(main(args))
# VmHWM is this process image's own peak: ru_maxrss would also count the parent's peak, which Linux
# carries across fork and exec (a pytest worker that has loaded torch is over 1 GB already).
hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:")]
peak_kib = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"codes": codes, "seconds": time.perf_counter() - start, "peak_mib": peak_kib / 1024}))
"""


def test_hostile_frames_bounded_memory_and_time(tmp_path):
    """Five frames each of: a 73-byte PNG declaring a 4 GiB IDAT, a header claiming 60000x60000
    pixels, a JPEG claiming 30000x30000; as predictions and as ground truth. Every run exits 2;
    the process peaks under 1.5 GB and all of it takes seconds."""
    runs = []
    for name in ("idat_4gib.png", "bomb_header.png", "sof_30000x30000.jpg"):
        for side in ("pred", "gt"):
            root = tmp_path / f"{name}-{side}"
            pred, gt = make_pair(root, clips=("c",), h=12, w=20, frames=5)
            folder = (pred if side == "pred" else gt) / "c" / "pha"
            for f in sorted(folder.iterdir()):
                f.unlink()
                shutil.copy(HOSTILE / name, f.with_suffix(Path(name).suffix))
            runs.append(["evaluate", str(pred), str(gt), "--out", str(root / "eval"), "--quiet"])
    proc = subprocess.run([sys.executable, "-c", _RUN_ALL, json.dumps(runs)], capture_output=True,
                          text=True, timeout=120)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["codes"] == [2] * len(runs), proc.stderr
    assert result["peak_mib"] < 1500, result
    assert result["seconds"] < 20, result
