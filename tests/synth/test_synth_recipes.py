"""Recipes: the shipped ones promise their counts; a bad recipe is one clear error."""

from __future__ import annotations

import pytest

from mbench.errors import BadInput
from mbench.synth.arrays import demo_sources
from mbench.synth.catalog import SourceSet
from mbench.synth.plan import Planner, plan_split
from mbench.synth.recipes import clip_lengths, resolve, shipped_recipes

SHIPPED = ("videomatte8k", "rvm-eval-512x288", "rvm-eval-1920x1080", "smoke")


@pytest.fixture(scope="module")
def sources():
    fg, bg = demo_sources(1, clips=6, frames=40)
    return SourceSet([fg], [bg])


def test_shipped_recipes_resolve_and_are_listed():
    assert set(SHIPPED) <= set(shipped_recipes())
    for name in SHIPPED:
        recipe = resolve(name)
        assert recipe["name"] == name and recipe["description"]


def test_videomatte8k_promises(sources):
    recipe = resolve("videomatte8k")
    assert recipe["size"] == [224, 224]
    train, valid = recipe["splits"]["train"], recipe["splits"]["valid"]
    assert train["keep_one_in"] == 3 == valid["keep_one_in"]
    assert recipe["profiles"]["augment"][train["augment"]]["fg_motion_p"] == 0.3
    from mbench.synth.augment import OPERATIONS

    assert all(recipe["profiles"]["augment"][valid["augment"]][k] == 0 for k in OPERATIONS)
    plans = {split: plan_split(recipe, split, 0, sources) for split in ("train", "valid")}
    assert len(plans["train"]) == 20 and sum(p["frames"] for p in plans["train"]) == 7032
    assert len(plans["valid"]) == 1 and plans["valid"][0]["frames"] == 928
    for plan in plans["train"]:
        assert sum(s["length"] for s in plan["sequences"]) == plan["frames"]
        assert all(s["length"] <= 8 for s in plan["sequences"])
        assert plan["material"]["keep_one_in"] == 3
    assert len(plans["valid"][0]["sequences"]) == 1  # one background for the whole clip


def test_rvm_eval_protocol(sources):
    for name in ("rvm-eval-512x288", "rvm-eval-1920x1080"):
        recipe = resolve(name)
        assert list(recipe["splits"]) == ["videomatte_static", "videomatte_motion"]
        assert recipe["output"]["rounding"] == "floor"
        for split in recipe["splits"]:
            planner = Planner(recipe, split, recipe["seed"], sources)
            plans = [planner.clip_plan(c) for c in range(25)]
            assert [p["frames"] for p in plans] == [100] * 25
            catalog = sources.fg_catalog("test")[:5]
            for i, p in enumerate(plans):
                assert p["material"]["clip"] == catalog[i % 5][1].id  # sample i uses test clip i % 5
                assert p["material"]["flip"] == ((i // 5) % 2 == 1)
                seq = p["sequences"][0]
                if split == "videomatte_motion":  # frames 0..99 (wrapping a shorter video)
                    n = sources.bg_item(seq["bg"]["source"], "test", seq["bg"]["item"]).num_frames
                    assert seq["bg"]["frames"] == [m % n for m in range(100)]
                else:
                    assert seq["bg"]["frames"] == [0] * 100
            statics = [p["sequences"][0]["bg"]["item"] for p in plans]
            if split == "videomatte_static":  # distinct images (as many as there are)
                assert len(set(statics)) == len(sources.bg_catalog("test", "image"))
    assert resolve("rvm-eval-512x288")["output"]["color_format"] == "png"
    assert resolve("rvm-eval-1920x1080")["output"]["color_format"] == "jpg"


def test_overrides_and_lengths():
    recipe = resolve("videomatte8k", size=(64, 32), clips=2)
    assert recipe["size"] == [64, 32]
    assert recipe["sources"]["fgr_options"]["procedural"]["size"] == [114, 64]  # scaled along
    assert resolve("videomatte8k", size=(448, 448))["sources"]["bgr_options"]["builtin"]["size"] == [796, 448]
    assert clip_lengths(recipe["splits"]["train"]) == [352, 351]  # mean clip length kept
    assert clip_lengths(recipe["splits"]["valid"]) == [928, 928]
    recipe = resolve("videomatte8k", frames=5)
    assert clip_lengths(recipe["splits"]["train"]) == [5] * 20
    assert clip_lengths({"clips": 3, "frames": 0, "frames_total": 10}) == [4, 3, 3]


def _write(tmp_path, text, name="r.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


GOOD = """size = [32, 32]
[splits.train]
clips = 1
frames = 2
"""


@pytest.mark.parametrize("text, fragments", [
    (GOOD + "framez = 3\n", ["unknown key 'splits.train.framez'", "valid keys:", "frames_total"]),
    ("colour = 1\n" + GOOD, ["unknown key 'colour'", "splits"]),
    (GOOD + "[output]\nformat = 'png'\n", ["unknown key 'output.format'", "color_format"]),
    (GOOD + "augment = 'mine'\n[augment.mine]\nnoize_p = 0.1\n",
     ["unknown key 'augment.mine.noize_p'", "noise_p"]),
    (GOOD + "augment = 'nope'\n", ["unknown augment profile 'nope'", "train"]),
    (GOOD + "augment = 'mine'\n[augment.mine]\nnoise_p = 2.0\n", ["noise_p", "probability"]),
    (GOOD + "geometry = 'bend'\n", ["'geometry' must be one of warp, stretch"]),
    (GOOD + "augment = 'mine'\n[augment.mine]\nblur_sigma = [5.0, 1.0]\n",
     ["augment.mine.blur_sigma", "low <= high"]),
    (GOOD + "augment = 'mine'\n[augment.mine]\nmotion = { rotation = 1.0, translate = 0.1, scale = [0.0, 1.0], "
     "shear = 0.0 }\n", ["augment.mine.motion.scale"]),
    (GOOD + "frames_total = 9\n", ["exactly one of 'frames'"]),
    (GOOD.replace("clips = 1", "clips = 'two'"), ["splits.train.clips", "positive integer"]),
    ("seed = 'x'\n" + GOOD, ["'seed' has the wrong type"]),
    ("size = [32, 32]\n", ["no [splits.NAME]"]),
    (GOOD + "geometry = 'stretch'\naugment = 'train'\n", ["stretches frames", "fg_motion_p"]),
    ("size = [32, 32\n" + GOOD[15:], ["malformed TOML"]),
    (GOOD + "[sources]\nfgr = [1]\n", ["'sources.fgr' has the wrong type", "got 1"]),
    (GOOD + "[output]\nlayers = ['com', 'pha', 'pha']\n", ["output.layers", "pha more than once"]),
    (GOOD + "augment = 'mine'\n[augment.mine]\njitter_std = -1\n", ["augment.mine.jitter_std", ">= 0"]),
    (GOOD + "augment = 'mine'\n[augment.mine]\nshadow_strength = -0.5\n",
     ["augment.mine.shadow_strength", ">= 0"]),
    (GOOD + "augment = 'mine'\n[augment.mine]\nnoise_grain = [0, 0]\n",
     ["augment.mine.noise_grain", "positive low bound"]),
])
def test_bad_recipes(tmp_path, text, fragments):
    path = _write(tmp_path, text)
    with pytest.raises(BadInput) as err:
        resolve(path)
    message = str(err.value)
    assert path in message and "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_overrides_apply_to_a_resolved_recipe():
    from mbench.synth import Sequences

    recipe = resolve("smoke")
    fg, bg = demo_sources(1, size=(64, 48), clips=2, frames=12)
    data = Sequences(recipe, "train", fgr=[fg], bgr=[bg], seq_len=2, size=(40, 32), clips=2, frames=4)
    assert data.recipe["size"] == [40, 32]
    assert clip_lengths(data.recipe["splits"]["train"]) == [4, 4]
    assert len(data) == 4 and data[0]["com"].shape == (2, 32, 40, 3)
    assert recipe["size"] == [64, 48] and recipe["splits"]["train"]["clips"] == 3  # the caller's dict kept
    with pytest.raises(BadInput, match="too small"):
        Sequences(recipe, "train", fgr=[fg], bgr=[bg], size=(4, 4))


def test_user_profile_inherits(tmp_path):
    path = _write(tmp_path, GOOD + "augment = 'mine'\n[augment.mine]\nbase = 'train'\nnoise_p = 0.5\n")
    profile = resolve(path)["profiles"]["augment"]["mine"]
    assert profile["noise_p"] == 0.5 and profile["fg_motion_p"] == 0.3  # the rest from 'train'


def test_unknown_recipe_and_missing_file(tmp_path):
    with pytest.raises(BadInput, match="unknown recipe .*videomatte8k"):
        resolve("videomatte9k")
    with pytest.raises(BadInput, match="recipe file not found"):
        resolve(str(tmp_path / "nothing.toml"))
