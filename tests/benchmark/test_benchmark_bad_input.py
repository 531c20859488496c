"""Every bad input: exit status 2, one line naming the path or value, no output written."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from trees import make_pair, write_layer
from mbench.benchmark import evaluate_arrays
from mbench.errors import BadInput


@pytest.fixture
def trees(tmp_path):
    pred, gt = make_pair(tmp_path, clips=("a/0", "a/1"), frames=3)
    return tmp_path, pred, gt


def run_bad(cli, bad_input, tmp_path, args, *fragments):
    out = tmp_path / "eval"
    proc = cli("evaluate", *args, "--out", out)
    bad_input(proc, *fragments)
    assert not out.exists(), "no output on bad input"
    assert not list(tmp_path.glob(".eval*")), "no temporary or partial folders left"


def test_missing_clip(trees, cli, bad_input):
    tmp, pred, gt = trees
    shutil.rmtree(pred / "a" / "1")
    run_bad(cli, bad_input, tmp, [pred, gt], str(pred / "a" / "1"), "clip missing")


def test_extra_clip(trees, cli, bad_input):
    tmp, pred, gt = trees
    shutil.copytree(pred / "a" / "1", pred / "a" / "2")
    run_bad(cli, bad_input, tmp, [pred, gt], str(pred / "a" / "2"), "no ground truth")


def test_missing_frame(trees, cli, bad_input):
    tmp, pred, gt = trees
    (pred / "a" / "0" / "pha" / "0001.png").unlink()
    run_bad(cli, bad_input, tmp, [pred, gt], str(pred / "a" / "0" / "pha" / "0001"), "frame 0001 missing")


def test_extra_frame(trees, cli, bad_input):
    tmp, pred, gt = trees
    shutil.copy(pred / "a" / "0" / "pha" / "0001.png", pred / "a" / "0" / "pha" / "0009.png")
    run_bad(cli, bad_input, tmp, [pred, gt], "0009.png", "no ground truth")


def test_two_files_for_one_frame(trees, cli, bad_input):
    tmp, pred, gt = trees
    folder = pred / "a" / "0" / "pha"
    shutil.copy(folder / "0001.png", folder / "0001.jpg")
    run_bad(cli, bad_input, tmp, [pred, gt], str(folder), "two files for frame 0001", "0001.jpg",
            "0001.png")


def test_frame_shape_mismatch(trees, cli, bad_input):
    tmp, pred, gt = trees
    write_layer(pred / "a" / "1" / "pha", np.zeros((3, 20, 30), np.uint8))
    run_bad(cli, bad_input, tmp, [pred, gt], str(pred / "a" / "1" / "pha" / "0000.png"), "30x20", "36")


def test_truncated_png(trees, cli, bad_input):
    tmp, pred, gt = trees
    f = gt / "a" / "1" / "pha" / "0002.png"
    f.write_bytes(f.read_bytes()[:-40])
    run_bad(cli, bad_input, tmp, [pred, gt], str(f), "truncated")


def test_corrupt_png_body(trees, cli, bad_input):
    tmp, pred, gt = trees
    f = pred / "a" / "0" / "pha" / "0000.png"
    data = bytearray(f.read_bytes())
    data[60:90] = b"\x00" * 30  # damage the compressed data, keep the header and IEND
    f.write_bytes(bytes(data))
    run_bad(cli, bad_input, tmp, [pred, gt], str(f), "corrupt")


def test_text_file_named_png(trees, cli, bad_input):
    tmp, pred, gt = trees
    f = pred / "a" / "0" / "pha" / "0002.png"
    f.write_text("this is not an image\n")
    run_bad(cli, bad_input, tmp, [pred, gt], str(f), "not a PNG or JPEG")


def test_empty_file(trees, cli, bad_input):
    tmp, pred, gt = trees
    f = pred / "a" / "0" / "pha" / "0002.png"
    f.write_bytes(b"")
    run_bad(cli, bad_input, tmp, [pred, gt], str(f), "empty")


def test_truncated_jpeg(tmp_path, cli, bad_input):
    pred, gt = make_pair(tmp_path, clips=("c",), frames=2)
    write_layer(tmp_path / "jp" / "c" / "pha", np.full((2, 36, 48), 128, np.uint8), ".jpg")
    f = tmp_path / "jp" / "c" / "pha" / "0001.jpg"
    f.write_bytes(f.read_bytes()[:-100])
    run_bad(cli, bad_input, tmp_path, [tmp_path / "jp", gt], str(f), "JPEG is truncated")


def test_empty_and_missing_roots(tmp_path, cli, bad_input):
    (tmp_path / "empty").mkdir()
    pred, gt = make_pair(tmp_path, clips=("c",), frames=2)
    run_bad(cli, bad_input, tmp_path, [tmp_path / "empty", gt], str(tmp_path / "empty"), "no clips")
    run_bad(cli, bad_input, tmp_path, [pred, tmp_path / "nope"], str(tmp_path / "nope"), "does not exist")


def test_dim_without_trimap_and_bad_trimaps(trees, cli, bad_input):
    tmp, pred, gt = trees
    run_bad(cli, bad_input, tmp, [pred, gt, "--convention", "dim"], "--trimap")
    run_bad(cli, bad_input, tmp, [pred, gt, "--convention", "dim", "--trimap", tmp / "tri"],
            str(tmp / "tri" / "a" / "0"), "no trimaps")
    for cid in ("a/0", "a/1"):
        tri = np.full((3, 36, 48), 128, np.uint8)
        tri[1, 0, 0] = 127
        write_layer(tmp / "tri" / cid, tri)
    run_bad(cli, bad_input, tmp, [pred, gt, "--convention", "dim", "--trimap", tmp / "tri"],
            str(tmp / "tri" / "a" / "0" / "0001.png"), "value 127")


def test_unknown_convention_metric_device_shard(trees, cli, bad_input):
    tmp, pred, gt = trees
    run_bad(cli, bad_input, tmp, [pred, gt, "--convention", "nosuch"], "nosuch", "unknown protocol")
    run_bad(cli, bad_input, tmp, [pred, gt, "--protocol", "nosuch"], "nosuch", "unknown protocol")
    run_bad(cli, bad_input, tmp, [pred, gt, "--metrics", "mad,sadd"], "sadd", "unknown metric")
    run_bad(cli, bad_input, tmp, [pred, gt, "--shard", "3/3"], "3/3", "0 <= K < N")
    run_bad(cli, bad_input, tmp, [pred, gt, "--workers", "0"], "--workers")


def test_cuda_without_a_gpu(trees, cli, bad_input):
    tmp, pred, gt = trees
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    from numba import cuda

    if cuda.is_available():  # a machine with a GPU: the same call must succeed instead
        assert cli("evaluate", pred, gt, "--device", "cuda", "--quiet").returncode == 0
        return
    out = tmp / "eval"
    proc = cli("evaluate", pred, gt, "--device", "cuda", "--out", out, env=env)
    bad_input(proc, "cuda", "no CUDA GPU")
    assert not out.exists()


def test_fgr_requested_without_fgr_layers(trees, cli, bad_input):
    tmp, pred, gt = trees
    run_bad(cli, bad_input, tmp, [pred, gt, "--metrics", "mad,fgr_mad"], "fgr_mad", "fgr/")


def test_debug_shows_a_traceback(trees, cli):
    tmp, pred, gt = trees
    proc = cli("evaluate", pred, gt, "--convention", "nope", "--debug")
    assert proc.returncode == 2 and "Traceback" in proc.stderr


@pytest.mark.parametrize("pred,message", [
    (np.full((2, 4, 4), np.nan, np.float32), "NaN"),
    (np.full((2, 4, 4), 1.5, np.float32), "out of range"),
    (np.full((2, 4, 4), -0.1), "out of range"),
    (np.zeros((2, 4, 5), np.float32), "differs from gt"),
    (np.zeros((2, 2, 4, 4), np.float32), "expected shape"),
    (np.zeros((2, 4, 4), np.int32), "unsupported dtype"),
])
def test_bad_arrays(pred, message):
    gt = np.zeros((2, 4, 4), np.float32)
    with pytest.raises(BadInput, match=message):
        evaluate_arrays(pred, gt)
