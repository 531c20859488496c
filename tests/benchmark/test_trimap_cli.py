"""``mbench trimap``: one trimap per ground-truth frame, as make_trimap gives, deterministic."""

from __future__ import annotations

import cv2
import numpy as np

import mattes
from mbench.trimap import make_trimap
from trees import write_layer


def test_clip_tree_and_flat_folder(tmp_path, cli_here, bad_input):
    cli = cli_here
    _, gt = mattes.clip(36, 48, 3, 1)
    write_layer(tmp_path / "gt" / "ds" / "c" / "pha", gt)
    proc = cli("trimap", tmp_path / "gt", "--out", tmp_path / "t", "--width", "4", "--bg-width", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr
    for t in range(3):
        got = cv2.imread(str(tmp_path / "t" / "ds" / "c" / f"{t:04d}.png"), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(got, make_trimap(gt[t], 4, bg_width=2))
    assert set(np.unique(got)) <= {0, 128, 255} and (got == 128).any()
    again = cli("trimap", tmp_path / "gt", "--out", tmp_path / "t2", "--width", "4", "--bg-width", "2", "--quiet")
    assert again.returncode == 0
    files = sorted(p.relative_to(tmp_path / "t") for p in (tmp_path / "t").rglob("*.png"))
    assert all((tmp_path / "t" / f).read_bytes() == (tmp_path / "t2" / f).read_bytes() for f in files)
    # a flat image folder (image protocols): GT/NAME.png -> TRIMAPS/NAME.png
    write_layer(tmp_path / "flat", gt[:2])
    assert cli("trimap", tmp_path / "flat", "--out", tmp_path / "tf", "--width", "3", "--quiet").returncode == 0
    np.testing.assert_array_equal(cv2.imread(str(tmp_path / "tf" / "0001.png"), cv2.IMREAD_UNCHANGED),
                                  make_trimap(gt[1], 3))
    # refusals: output inside the ground truth, no width
    bad_input(cli("trimap", tmp_path / "gt", "--out", tmp_path / "gt" / "t", "--width", "3"), str(tmp_path / "gt"))
    bad_input(cli("trimap", tmp_path / "gt", "--out", tmp_path / "t3"), "--width")
    assert not (tmp_path / "t3").exists() and not (tmp_path / "gt" / "t").exists()
