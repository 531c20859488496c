"""mbench.heap: decoded frames reuse freed memory instead of faulting in fresh pages."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent("""
    import resource, sys
    import numpy as np
    from mbench import frames
    from mbench.heap import keep_freed_memory
    assert keep_freed_memory()
    path = sys.argv[1]
    for _ in range(3):  # warm up: numba, the heap's first growth
        frames.read_alpha(path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        frames.read_alpha(path)
    print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_reading_frames_after_tuning_faults_in_no_fresh_pages(tmp_path):
    """A 1920x1080 matte is 507 pages of pixels (and as many of inflated rows): untuned, glibc
    maps and unmaps them for every frame (991 faults a read here without the tuning); tuned, a read after the
    first few reuses the freed pages."""
    import cv2
    import numpy as np

    matte = np.zeros((1080, 1920), np.uint8)
    cv2.circle(matte, (960, 540), 300, 255, -1)
    cv2.GaussianBlur(matte, (31, 31), 0, dst=matte)
    path = tmp_path / "0000.png"
    cv2.imwrite(str(path), matte)
    faults = float(subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True,
                                  text=True, check=True).stdout)
    assert faults < 50, faults
