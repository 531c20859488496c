"""The differential mutation fuzzer (``png_fuzz.py``) with a fixed, seeded budget, in a subprocess with
numba's bounds checking on: every mutated PNG or JPEG reads as OpenCV reads it, or is refused as
OpenCV refuses it (or by a documented limit), and the compiled unfilter never indexes out of bounds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FUZZER = Path(__file__).with_name("png_fuzz.py")


def test_mutated_files_read_as_opencv_reads_them(tmp_path):
    """About 5 s of CPU: 1200 seeded mutations of 14 valid files (PNG from OpenCV, Pillow and
    with eXIf; JPEG), six readers each. The fuzzer first proves the bounds checks are compiled in
    (an out-of-bounds write must raise)."""
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    proc = subprocess.run([sys.executable, str(FUZZER), "--seed", "0", "--count", "1200"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    # the budget reaches all three outcomes: decoded, refused as OpenCV refuses, a documented limit
    assert counts["read"] > 200 and counts["refused"] > 200 and counts["limit"] > 0, counts
