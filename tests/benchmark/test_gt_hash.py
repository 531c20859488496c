"""gt_hash covers the ground-truth targets only (alpha, trimaps, flow), not fgr/ colour."""

from __future__ import annotations

import shutil

import protocol_trees as trees

from mbench.benchmark.protocols.base import Options
from mbench.benchmark.protocols.runner import run_protocol
from mbench.benchmark.protocols.summary import gt_file_hashes


def test_same_hash_with_and_without_fgr(tmp_path):
    pred, gt = trees.rvm_tree(tmp_path / "a", fgr=True)
    # the clip engine (rvm): fgr metrics read gt/fgr, the alpha-only run does not
    _, with_fgr = run_protocol("rvm", pred, gt)
    _, alpha_only = run_protocol("rvm", pred, gt, options=Options(metrics=("mad", "mse")))
    assert "fgr_mad" in with_fgr["metrics"] and "fgr_mad" not in alpha_only["metrics"]
    assert with_fgr["gt_hash"] == alpha_only["gt_hash"]
    # a protocol module (rvm_hr) on a tree without fgr/ at all: the same hash as with it
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    pred2, gt2 = tmp_path / "b" / "pred", tmp_path / "b" / "gt"
    for fgr in sorted((tmp_path / "b").glob("*/*/*/fgr")):
        shutil.rmtree(fgr)
    assert not list((tmp_path / "b").rglob("fgr"))
    _, module_fgr = run_protocol("rvm_hr", pred, gt)
    _, module_bare = run_protocol("rvm_hr", pred2, gt2)
    assert module_fgr["gt_hash"] == module_bare["gt_hash"] == with_fgr["gt_hash"]
    assert "fgr" in module_fgr["gt_hash_scope"]
    # changing a target changes the hash
    (gt2 / "vm_static" / "0000" / "pha" / "0001.png").write_bytes(
        (gt2 / "vm_static" / "0000" / "pha" / "0000.png").read_bytes())
    assert run_protocol("rvm_hr", pred2, gt2)[1]["gt_hash"] != module_bare["gt_hash"]


def test_named_roots_do_not_depend_on_their_place(tmp_path):
    for place in ("x", "y/z"):
        (tmp_path / place / "tri").mkdir(parents=True)
        (tmp_path / place / "tri" / "a.png").write_bytes(b"1")
    gt = tmp_path / "gt"
    gt.mkdir()
    (gt / "a.png").write_bytes(b"2")
    names = [gt_file_hashes([gt / "a.png", tmp_path / p / "tri" / "a.png"], gt,
                            {"trimap": tmp_path / p / "tri"}) for p in ("x", "y/z")]
    assert names[0] == names[1] and set(names[0]) == {"a.png", "trimap/a.png"}
    shutil.rmtree(tmp_path / "x")
