"""Names from data are names, not paths: split, clip and layer names from recipes, manifests and
presets are single safe path components, refused in one line naming the file and key before anything
is written or deleted; control characters in file names never split the one-line error."""

from __future__ import annotations

import json
import os

import pytest

from mbench.errors import BadInput
from mbench.paths import check_name, check_relative, name_problem, safe_join
from safety_helpers import pred_gt, snapshot

BAD_NAMES = ["", ".", "..", "../x", "a/b", "/abs", "a\\b", "a\x00b", "a\nb", "tab\there", "esc\x1b",
             "x" * 256]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_check_name_refuses_what_is_not_one_component(name):
    with pytest.raises(BadInput) as e:
        check_name(name, "recipe.toml", "splits.NAME")
    line = str(e.value)
    assert "\n" not in line and "\x00" not in line and "\x1b" not in line
    assert line.startswith("recipe.toml: 'splits.NAME' must be a single file or folder name")


@pytest.mark.parametrize("name", ["train", "0000", "my clip", "été", "a.b-c_d", "x" * 255])
def test_check_name_accepts_plain_names(name):
    assert name_problem(name) is None and check_name(name, "f", "k") == name


@pytest.mark.parametrize("rel", ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a/", "a\x00b/c",
                                 "a/b\nc"])
def test_relative_paths_are_made_of_names(tmp_path, rel):
    with pytest.raises(BadInput) as e:
        safe_join(tmp_path, rel, tmp_path / "manifest.json", "files key")
    assert str(e.value).startswith(f"{tmp_path / 'manifest.json'}: 'files key'")
    assert "\n" not in str(e.value)
    assert check_relative("train/0000/pha/0000.png", "m", "k") == "train/0000/pha/0000.png"
    assert safe_join(tmp_path, ".") == tmp_path


def test_safe_join_refuses_a_symbolic_link_out_of_its_root(tmp_path):
    (tmp_path / "root").mkdir()
    os.symlink(tmp_path, tmp_path / "root" / "up")
    with pytest.raises(BadInput, match="leaves"):
        safe_join(tmp_path / "root", "up/x")


RECIPE = "size = [32, 32]\n[splits.{name}]\nclips = 1\nframes = 2\n"


@pytest.mark.parametrize("key", ['"../victim"', '""', '"/abs"', '"a/b"', '"."', '"a\\nb"', '"nul\\u0000"'])
def test_recipe_split_names_are_refused_before_anything_is_written(cli_here, bad_input, tmp_path, key):
    # a split named ../victim used to empty and then fill the folder beside --out
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "keep.txt").write_text("mine")
    recipe = tmp_path / "bad.toml"
    recipe.write_text(RECIPE.format(name=key))
    before = snapshot(tmp_path)
    bad_input(cli_here("synth", "--out", tmp_path / "out", "--recipe", recipe), str(recipe), "'splits.NAME'")
    assert snapshot(tmp_path) == before


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """A tiny synthesized dataset (one clip of two frames) and its manifest text."""
    from mbench.cli import main

    out = tmp_path_factory.mktemp("ds") / "ds"
    assert main(["synth", "--out", str(out), "--recipe", "smoke", "--clips", "1", "--frames", "2",
                 "--workers", "1", "--quiet"]) == 0
    return out, (out / "manifest.json").read_text()


@pytest.mark.parametrize("section, key", [("files", "train/0000/pha/\x00.png"), ("files", "../../outside.png"),
                                          ("files", "/etc/passwd"), ("clips", "train/../../x"),
                                          ("clips", "train/a\nb")])
def test_manifest_keys_are_relative_paths_of_names(cli_here, bad_input, dataset, section, key):
    out, text = dataset
    manifest = json.loads(text)
    manifest[section][key] = next(iter(manifest[section].values()))
    (out / "manifest.json").write_text(json.dumps(manifest))
    try:
        before = snapshot(out)
        bad_input(cli_here("synth", "--verify", out), str(out / "manifest.json"), f"'{section} key'")
        assert snapshot(out) == before
    finally:
        (out / "manifest.json").write_text(text)
    assert cli_here("synth", "--verify", out, "--quiet").returncode == 0


@pytest.mark.parametrize("line, fragment", [('split = "../x"', "'data.train.split'"),
                                            ('splits = ["valid", "a/b"]', "'data.valid.splits'"),
                                            ('splits = [".."]', "'data.valid.splits'")])
def test_preset_split_names(cli_here, bad_input, tmp_path, line, fragment):
    from importlib import resources

    smoke = (resources.files("mbench.baselines") / "presets" / "smoke.toml").read_text()
    original = 'split = "train"' if line.startswith("split ") else 'splits = ["valid"]'
    assert original in smoke
    preset = tmp_path / "bad.toml"
    preset.write_text(smoke.replace(original, line, 1))
    before = snapshot(tmp_path)
    bad_input(cli_here("run-baselines", "--preset", preset, "--out", tmp_path / "runs"), str(preset), fragment)
    assert snapshot(tmp_path) == before


def test_control_characters_in_file_names_never_split_the_error(cli_here, bad_input, tmp_path):
    pred, gt = pred_gt(tmp_path)
    for root in (pred, gt):
        os.rename(root / "a", root / "a\nb\x1bc")
    proc = cli_here("evaluate", pred, gt)
    bad_input(proc, "a\\nb\\x1bc", "control character")
    for root in (pred, gt):
        os.rename(root / "a\nb\x1bc", root / "a")
    os.rename(gt / "a" / "pha" / "0001.png", gt / "a" / "pha" / "00\n01.png")
    bad_input(cli_here("evaluate", pred, gt), "00\\n01.png", "control character")
    (tmp_path / "odd\nname").write_text("a file")
    bad_input(cli_here("evaluate", pred, gt, "--out", tmp_path / "odd\nname"), "odd\\nname", "is a file")


def test_method_names_are_one_printable_line(cli_here, bad_input, tmp_path):
    pred, gt = pred_gt(tmp_path)
    store = tmp_path / "store"
    before = snapshot(tmp_path)
    bad_input(cli_here("leaderboard", "submit", pred, "--gt", gt, "--name", "Net\x1b[31m", "--store", store),
              '"name"', "printable")
    assert snapshot(tmp_path) == before
    assert cli_here("evaluate", pred, gt, "--out", store / "net", "--quiet").returncode == 0
    (store / "net" / "method.json").write_text(json.dumps({"name": "tab\there"}))
    bad_input(cli_here("leaderboard", store, "--out", tmp_path / "board"), str(store / "net" / "method.json"),
              '"name"')
    assert not (tmp_path / "board").exists()
