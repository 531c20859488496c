"""Evaluation pairing without repeats, and leakage checks between splits and datasets."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mbench.frames import encode_image
from mbench.synth.catalog import SourceSet
from mbench.synth.leakage import split_overlaps, uses_by_split
from mbench.synth.plan import PICKERS, Planner
from mbench.synth.recipes import resolve
from mbench.synth.sources._folders import split_of, split_shares


class _FakePlanner:
    def __init__(self, period: int):
        self.seed, self._split_index, self.period = 10, 0, period

    def foreground_period(self) -> int:
        return self.period


def _pairs(f: int, b: int, n: int) -> list[tuple[int, int]]:
    planner, catalog = _FakePlanner(f), list(range(b))
    return [(i % f, PICKERS["distinct"](planner, catalog, "bgr", i, None, None)) for i in range(n)]


@pytest.mark.parametrize("f,b", [(5, 10), (5, 45), (4, 6), (3, 7), (5, 5), (1, 4)])
def test_distinct_pairs_never_repeat_while_the_pools_allow(f, b):
    n = f * b
    pairs = _pairs(f, b, n)
    assert len(set(pairs)) == n
    # and every background is used evenly
    counts = np.bincount([bg for _, bg in pairs], minlength=b)
    assert counts.min() == counts.max() == f


def test_distinct_is_rvms_pairing_while_the_pool_is_large():
    """RVM's generate_videomatte_with_background_video.py: sample i takes foreground i % 5 and
    background shuffled[i % 45]; restated with the same (numpy) shuffle."""
    planner, catalog = _FakePlanner(5), list(range(45))
    shuffle = PICKERS["shuffle"]
    for i in range(25):
        ours = PICKERS["distinct"](planner, catalog, "bgr", i, None, None)
        assert ours == shuffle(planner, catalog, "bgr", i % 45, None, None)
    # the old period-10 pairing had only 10 distinct pairs in 25 samples
    old = {(i % 5, i % 10) for i in range(25)}
    assert len(old) == 10 and len(set(_pairs(5, 10, 25))) == 25


def test_rvm_eval_recipes_have_25_distinct_pairs_and_record_them():
    recipe = resolve("rvm-eval-512x288", size=(64, 48), frames=2)
    sources = SourceSet.for_recipe(recipe)
    every = {}
    for split in recipe["splits"]:
        planner = Planner(recipe, split, 10, sources)
        plans = [planner.clip_plan(c) for c in range(25)]
        every.update({f"{split}/{c:04d}": p for c, p in enumerate(plans)})
        pairs = {(p["uses"]["fgr"][0], p["uses"]["bgr"][0]) for p in plans}
        assert len(pairs) == 25
        assert len({p["uses"]["fgr"][0] for p in plans}) == 5
        for p in plans:  # the record names what the plan renders
            assert p["uses"]["bgr"] == [f"{p['sequences'][0]['bg']['spec']} {p['sequences'][0]['bg']['item']}"]
    # both sets draw RVM's five test clips: by design, not a leak (one source split)
    manifest = {"clips": every, "sources": sources.describe()}
    assert split_overlaps(manifest) == []
    assert uses_by_split(manifest)["videomatte_static"]["fgr"] == uses_by_split(manifest)["videomatte_motion"]["fgr"]


# -- leakage ---------------------------------------------------------------------------------------

def flat_backgrounds(tmp_path, n: int):
    """A folder of ``n`` background images without train/valid/test folders."""
    rng = np.random.default_rng(4)
    root = tmp_path / "bg"
    root.mkdir()
    for i in range(n):
        (root / f"b{i}.png").write_bytes(encode_image(rng.integers(0, 256, (40, 56, 3), dtype=np.uint8), ".png"))
    return root


def _recipe(tmp_path, name: str, extra: str = "") -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'''size = [32, 24]
[sources]
fgr_options = {{ procedural = {{ size = [48, 32], frames = 8 }} }}
{extra}
[splits.train]
clips = 3
frames = 2
background_order = "cycle"
[splits.valid]
clips = 2
frames = 2
background_order = "cycle"
''')
    return str(path)


def test_a_planted_overlap_is_caught(tmp_path, cli_here):
    flat = flat_backgrounds(tmp_path, 2)  # two images: every split and dataset uses both
    recipe = _recipe(tmp_path, "r")
    a, b = tmp_path / "a", tmp_path / "b"
    proc = cli_here("synth", "--out", a, "--recipe", recipe, "--bgr", f"images:{flat}", "--quiet")
    assert proc.returncode == 0
    warnings = [line for line in proc.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "splits train and valid share" in warnings[0]
    assert f"images:{flat}" in warnings[0] and "split = [0.8, 0.1, 0.1]" in warnings[0]
    manifest = json.loads((a / "manifest.json").read_text())
    for plan in manifest["clips"].values():
        assert plan["uses"]["fgr"] and plan["uses"]["bgr"]
    proc = cli_here("synth", "--verify", a)
    assert proc.returncode == 0 and "splits train and valid share" in proc.stderr

    # a second dataset on the same folder: --check-leakage names the shared items
    cli_here("synth", "--out", b, "--recipe", recipe, "--seed", "3", "--bgr", f"images:{flat}", "--quiet")
    proc = cli_here("synth", "--check-leakage", a, b)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len([line for line in lines if "backgrounds" in line]) == 4  # each pair of splits shares both images
    assert all(f"images:{flat} b" in line for line in lines if "backgrounds" in line)


def test_the_split_option_separates_the_splits(tmp_path, cli_here):
    flat = flat_backgrounds(tmp_path, 12)  # b6, b9, b10, b11 hash to train at [0.5, 0.5, 0]
    extra = "bgr_options = { images = { split = [0.5, 0.5, 0.0] } }"
    recipe = _recipe(tmp_path, "s", extra)
    out = tmp_path / "s"
    proc = cli_here("synth", "--out", out, "--recipe", recipe, "--bgr", f"images:{flat}", "--quiet")
    assert proc.returncode == 0 and "warning" not in proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    used = {s: set() for s in ("train", "valid")}
    for plan in manifest["clips"].values():
        used[plan["split"]].update(plan["uses"]["bgr"])
    assert used["train"] and used["valid"] and not used["train"] & used["valid"]
    proc = cli_here("synth", "--check-leakage", out, out)  # a dataset against itself shares everything
    assert proc.returncode == 1


def test_split_of_is_a_fixed_hash_of_the_path():
    shares = split_shares([0.8, 0.1, 0.1])
    names = [f"dir/img{i:05d}.jpg" for i in range(3000)]
    got = [split_of(n, shares) for n in names]
    assert got == [split_of(n, shares) for n in names]
    frac = {s: got.count(s) / len(got) for s in ("train", "valid", "test")}
    assert abs(frac["train"] - 0.8) < 0.03 and abs(frac["valid"] - 0.1) < 0.03
    assert split_shares({"train": 1, "valid": 1}) == {"train": 0.5, "valid": 0.5, "test": 0.0}
    # an independent restatement: the first 8 bytes of sha256 as a fraction of 2^64
    import hashlib
    u = int(hashlib.sha256(names[0].encode()).hexdigest()[:16], 16) / 2**64
    assert got[0] == ("train" if u < 0.8 else "valid" if u < 0.9 else "test")
    assert math.isclose(sum(shares.values()), 1.0)
