"""``mbench synth`` on the command line: every bad input is one line and leaves nothing behind;
``--hf``, ``--list-recipes``."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from mbench.frames import encode_image, read_alpha, read_color

W, H = 40, 30


@pytest.fixture
def synth(cli_here):
    """``mbench synth ARGS`` through the CLI entry point, in this process."""
    return lambda *args: cli_here("synth", *args)


def _png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode_image(array, ".png"))


def videomatte(root, frames=4, pha_frames=None, pha_size=(W, H)):
    """A VideoMatte240K-style folder: fgr/0000/NNNN.png and pha/0000/NNNN.png."""
    rng = np.random.default_rng(0)
    for i in range(frames):
        _png(root / "fgr/0000" / f"{i:04d}.png", rng.integers(0, 256, (H, W, 3), dtype=np.uint8))
    for i in range(frames if pha_frames is None else pha_frames):
        _png(root / "pha/0000" / f"{i:04d}.png", rng.integers(0, 256, pha_size[::-1], dtype=np.uint8))
    return root


@pytest.fixture
def backgrounds(tmp_path):
    rng = np.random.default_rng(1)
    for i in range(2):
        _png(tmp_path / "bg" / f"{i}.png", rng.integers(0, 256, (H + 5, W + 7, 3), dtype=np.uint8))
    return tmp_path / "bg"


def small(tmp_path, *extra):
    return ["--out", tmp_path / "out", "--recipe", "smoke", "--clips", "1", "--frames", "3", "--workers", "2",
            "--quiet", *extra]


def test_user_sources_work(synth, tmp_path, backgrounds):
    fg = videomatte(tmp_path / "vm")
    proc = synth(*small(tmp_path, "--fgr", f"videomatte:{fg}", "--bgr", f"images:{backgrounds}@0.5",
                        "--bgr", f"images:{backgrounds}@2"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out/train/0000/com/0002.png").is_file()
    import json

    sources = json.loads((tmp_path / "out/manifest.json").read_text())["sources"]
    assert [s["weight"] for s in sources["bgr"]] == [0.5, 2.0]
    assert sources["fgr"][0]["spec"] == f"videomatte:{fg}"


@pytest.mark.parametrize("case", ["missing path", "count mismatch", "alpha size", "unknown kind",
                                  "corrupt frame"])
def test_bad_sources(synth, bad_input, tmp_path, backgrounds, case):
    vm = tmp_path / "vm"
    if case == "missing path":
        fgr, fragments = f"videomatte:{tmp_path / 'nowhere'}", [str(tmp_path / "nowhere"), "does not exist"]
    elif case == "count mismatch":
        videomatte(vm, frames=4, pha_frames=3)
        fgr, fragments = f"videomatte:{vm}", [str(vm / "pha"), "4 frames", "3"]
    elif case == "alpha size":
        videomatte(vm, pha_size=(W - 2, H - 4))
        fgr, fragments = f"videomatte:{vm}", [str(vm / "pha/0000"), f"{W - 2}x{H - 4}", f"{W}x{H}"]
    elif case == "unknown kind":
        fgr, fragments = f"vidomatte:{vm}", ["vidomatte", "unknown foreground source kind", "videomatte"]
    else:  # a frame whose header is fine but whose data is not: found while rendering
        videomatte(vm)
        for i in range(4):
            path = vm / "fgr/0000" / f"{i:04d}.png"
            data = bytearray(path.read_bytes())
            k = data.index(b"IDAT")
            data[k + 20: k + 60] = bytes(40)
            path.write_bytes(bytes(data))
        fgr, fragments = f"videomatte:{vm}", [str(vm / "fgr/0000"), "cannot be decoded"]
    bad_input(synth(*small(tmp_path, "--fgr", fgr, "--bgr", f"images:{backgrounds}")), *fragments)
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_bad_recipes_and_options(synth, bad_input, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("size = [32, 32\n")
    bad_input(synth("--out", tmp_path / "o", "--recipe", bad), str(bad), "malformed TOML")
    bad.write_text("size = [32, 32]\n[splits.train]\nclips = 1\nframes = 2\nspeed = 3\n")
    bad_input(synth("--out", tmp_path / "o", "--recipe", bad), str(bad), "unknown key 'splits.train.speed'",
              "valid keys")
    bad_input(synth("--out", tmp_path / "o", "--recipe", "smokey"), "smokey", "unknown recipe", "smoke")
    bad_input(synth("--out", tmp_path / "o", "--recipe", tmp_path / "none.toml"), "none.toml", "not found")
    bad_input(synth("--out", tmp_path / "o", "--size", "64"), "64", "WxH")
    bad_input(synth("--out", tmp_path / "o", "--clips", "0"), "--clips")
    bad_input(synth("--out", tmp_path / "o", "--bgr", "images:/x@0"), "images:/x@0", "WEIGHT > 0")
    bad_input(synth(), "exactly one of")
    bad_input(synth("--out", tmp_path / "o", "--verify", tmp_path), "exactly one of")
    assert not (tmp_path / "o").exists()


def test_bad_recipe_values_write_nothing(synth, bad_input, tmp_path):
    recipe = tmp_path / "r.toml"
    for extra, fragments in (("[output]\nlayers = ['com', 'pha', 'pha']\n", ["pha more than once"]),
                             ("[sources]\nfgr = [1]\n", ["'sources.fgr' has the wrong type"])):
        recipe.write_text("size = [32, 32]\n[splits.train]\nclips = 1\nframes = 2\n" + extra)
        bad_input(synth("--out", tmp_path / "out", "--recipe", recipe, "--quiet"), str(recipe), *fragments)
        assert not (tmp_path / "out").exists()


def test_out_with_a_foreign_manifest(synth, bad_input, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("[]")
    bad_input(synth(*small(tmp_path)), str(out), "not an mbench synth dataset")
    assert [p.name for p in out.iterdir()] == ["manifest.json"]


def test_preview_with_a_short_colour_layer(synth, bad_input, tmp_path):
    rng = np.random.default_rng(2)
    clip = tmp_path / "ds/0000"
    for i in range(3):
        _png(clip / "pha" / f"{i:04d}.png", rng.integers(0, 256, (H, W), dtype=np.uint8))
    for i in range(2):
        _png(clip / "com" / f"{i:04d}.png", rng.integers(0, 256, (H, W, 3), dtype=np.uint8))
    bad_input(synth("--preview", tmp_path / "ds", "--quiet"), "com", "0002", "missing")
    assert not (tmp_path / "ds/preview.png").exists()


def test_hf_without_datasets_fails_first(synth, bad_input, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)  # as if not installed: find_spec gives None
    bad_input(synth(*small(tmp_path, "--hf")), "--hf", "'datasets' package")
    assert not (tmp_path / "out").exists()  # refused before anything was rendered


def test_list_recipes(synth):
    proc = synth("--list-recipes")
    assert proc.returncode == 0
    names = [line.split()[0] for line in proc.stdout.splitlines()]
    assert {"videomatte8k", "rvm-eval-512x288", "rvm-eval-1920x1080", "smoke"} <= set(names)


def test_hf_round_trip(synth, tmp_path):
    proc = synth("--out", tmp_path / "d", "--recipe", "smoke", "--hf", "--quiet")
    assert proc.returncode == 0, proc.stderr
    import datasets

    loaded = datasets.load_from_disk(str(tmp_path / "d/hf"))
    assert set(loaded) == {"train", "valid"}
    assert loaded["train"].num_rows == 18 and loaded["valid"].num_rows == 5
    for split, index in (("train", 7), ("valid", 4)):
        row = loaded[split][index]
        folder = tmp_path / "d" / split / row["clip"]
        name = f"{row['frame']:04d}.png"
        assert np.array_equal(np.asarray(row["com"].convert("RGB")), read_color(folder / "com" / name))
        assert np.array_equal(np.asarray(row["pha"]), read_alpha(folder / "pha" / name))
    # verify ignores the extra hf/ folder; a rerun with --hf keeps it
    assert synth("--verify", tmp_path / "d").returncode == 0
    assert synth("--out", tmp_path / "d", "--recipe", "smoke", "--hf", "--quiet").returncode == 0


def test_help_and_a_real_process(tmp_path, bad_input):
    proc = subprocess.run([sys.executable, "-m", "mbench", "synth", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "--recipe" in proc.stdout and "@WEIGHT" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "mbench", "synth", "--out", str(tmp_path / "o"), "--fgr",
                           "nokind"], capture_output=True, text=True)
    bad_input(proc, "nokind", "unknown foreground source kind")
