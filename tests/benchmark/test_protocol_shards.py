"""``--shard K/N`` and ``--merge`` for the protocols with their own aggregation: the merged files equal
one run over every unit byte for byte (per_frame.csv, per_clip.csv where written, summary.json), for
2 and 3 shards (a shard may hold no unit); and the protocols that cannot be sharded say why."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

import image_cases
import protocol_trees
from mbench.benchmark.merge import merge
from mbench.benchmark.protocols.base import Options
from mbench.benchmark.protocols.runner import run_protocol


def _images(root: Path, gfm: bool) -> tuple[Path, Path, Path | None]:
    for name, p, g, t in image_cases.cases()[:3]:
        for sub, a in (("pred", p), ("gt/mask", g), ("gt/trimap", t)):
            (root / sub).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / sub / f"{name}.png"), a)
    return root / "pred", root / "gt" if gfm else root / "gt" / "mask", None


def _ftpvm(root: Path):
    from test_protocol_ftpvm import make_root

    return (*make_root(root), None)


def _dvm(root: Path):
    import mattes
    from test_protocol_dvm import trimap_of, write_tree

    clips = {f"c{k}": mattes.clip(24, 32, n, 40 + k)[:2] for k, n in enumerate((3, 1, 4))}
    return write_tree(root, clips, {c: trimap_of(g, 7) for c, (_, g) in clips.items()})


def _tcvom(root: Path):
    from test_protocol_tcvom import make_vm108

    return (*make_vm108(root), None)


def _maggie(root: Path):
    from test_protocol_maggie import make_videos, write_vim

    return (*write_vim(root, make_videos()), None)


TREES = {
    "tcvom": _tcvom,
    "maggie": _maggie,
    "rvm_hr": lambda root: (*protocol_trees.rvm_tree(root), None),
    "matanyone": lambda root: (*protocol_trees.rvm_tree(root, fgr=False), None),
    "matanyone_hr": lambda root: (*protocol_trees.rvm_tree(root, fgr=False, gt_ext=".jpg"), None),
    "matanyone_crgnn": lambda root: (*protocol_trees.crgnn_tree(root), None),
    "ftpvm": _ftpvm,
    "dvm": _dvm,
    "gca": lambda root: _images(root, False),
    "mmagic": lambda root: _images(root, False),
    "vitmatte_py": lambda root: _images(root, False),
    "gfm": lambda root: _images(root, True),
}


def _files(folder: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(folder.iterdir())}


@pytest.mark.parametrize("name", list(TREES))
def test_merged_shards_equal_one_run(tmp_path, name):
    pred, gt, trimap = TREES[name](tmp_path / "data")
    options = Options(trimap=trimap)
    with _quiet(record=True):
        run_protocol(name, pred, gt, out=tmp_path / "one", options=options)
    for n in (2, 3):
        folders = []
        for k in range(n):
            folders.append(tmp_path / f"s{n}_{k}")
            with _quiet(record=True):
                run_protocol(name, pred, gt, out=folders[-1],
                             options=Options(trimap=trimap, shard=f"{k}/{n}"))
        merge(tmp_path / f"m{n}", folders[::-1])  # in any order
        assert _files(tmp_path / f"m{n}") == _files(tmp_path / "one"), (name, n)


def _quiet(record: bool = False):
    import warnings

    ctx = warnings.catch_warnings(record=record)
    return ctx


def test_every_protocol_is_shardable_or_says_why(tmp_path, monkeypatch):
    from mbench.benchmark.protocols import PROTOCOLS, ftpvm
    from mbench.benchmark.protocols.runner import load_protocol
    from mbench.errors import BadInput

    for name in PROTOCOLS:
        module = load_protocol(name)
        assert getattr(module, "ENGINE", None) or name in TREES, name  # each shardable one is tested here
    monkeypatch.delattr(ftpvm, "aggregate_rows")
    monkeypatch.setattr(ftpvm, "NO_SHARD", "its figures need every clip at once", raising=False)
    with pytest.raises(BadInput, match="protocol ftpvm cannot be sharded: its figures need every clip at once"):
        run_protocol("ftpvm", tmp_path, tmp_path, out=tmp_path / "o", options=Options(shard="0/2"))
    assert not (tmp_path / "o").exists()


def test_executor_local_shards_a_protocol(tmp_path, cli_here):
    pred, gt, _ = _ftpvm(tmp_path / "data")
    with _quiet(record=True):
        run_protocol("ftpvm", pred, gt, out=tmp_path / "one")
    out = tmp_path / "runs" / "eval"
    proc = cli_here("evaluate", pred, gt, "--protocol", "ftpvm", "--out", out, "--executor", "local",
                    "--shards", "3", "--workers", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert _files(out) == _files(tmp_path / "one")
