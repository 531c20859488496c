"""Effects beyond RVM (motion blur, defocus, shake, codecs, linear light) and determinism and
resume with every option on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from mbench.synth import effects_pixels as fx
from mbench.synth import writer
from mbench.synth.compose import compose, compose_linear
from mbench.synth.effects import draw_effects, exposure_times, shake_path
from mbench.synth.recipes import _profiles_file, _resolve_profile

# the smoke recipe (synth/recipes/smoke.toml) with every option of this module on
EVERYTHING = """description = "smoke, every option on"
size = [64, 48]
[sources]
fgr_options = { procedural = { size = [96, 64], frames = 60 } }
bgr_options = { builtin = { size = [96, 64], frames = 60 } }
[output]
layers = ["com", "fgr", "pha", "bgr", "trimap", "mask"]
compose = "linear"
[augment.all]
base = "effects"
fg_motion_p = 1.0
motion_blur_p = 1.0
defocus_bg_p = 1.0
defocus_fg_p = 1.0
shake_p = 1.0
codec_p = 1.0
pause_p = 0.5
subjects = [1, 3]
occlusion = [0.1, 0.5]
[splits.train]
clips = 3
frames = 6
keep_one_in = 2
sequence_length = 3
sampling = "train"
augment = "all"
[splits.valid]
clips = 1
frames = 5
augment = "rvm-valid"
"""


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    from mbench.cli import main

    recipe = tmp_path_factory.mktemp("r") / "all.toml"
    recipe.write_text(EVERYTHING)
    out = tmp_path_factory.mktemp("d") / "ref"
    assert main(["synth", "--out", str(out), "--recipe", str(recipe), "--workers", "1", "--quiet"]) == 0
    return str(recipe), out


def test_every_option_is_drawn_and_logged(everything):
    _, out = everything
    manifest = json.loads((out / "manifest.json").read_text())
    seqs = [s for c in manifest["clips"].values() if c["split"] == "train" for s in c["sequences"]]
    for seq in seqs:
        aug = seq["augment"]
        assert aug["motion_blur"]["samples"] == 8 and 0.3 <= aug["motion_blur"]["exposure"] <= 1
        assert 1 <= aug["defocus_bg"]["radius"] <= 5 and 1 <= aug["defocus_fg"]["radius"] <= 5
        assert aug["shake"]["rotation"] == 1.0 and aug["codec"]["codec"] in ("h264", "h265", "jpeg")
        assert "guidance" in seq and "subjects" in seq
    assert len({s["augment"]["codec"]["codec"] for s in seqs}) >= 2
    assert manifest["recipe"]["output"]["compose"] == "linear"


def test_same_bytes_with_two_workers_and_after_an_interrupted_run(everything, tmp_path, cli_here, monkeypatch):
    recipe, reference = everything
    assert cli_here("synth", "--out", tmp_path / "w2", "--recipe", recipe, "--workers", "2", "--quiet").returncode == 0
    assert files(tmp_path / "w2") == files(reference)

    original, count = writer.render_sequence, [0]

    def dies(*args):  # a kill after 7 frames: the first clips are finished, the rest are not
        for item in original(*args):
            count[0] += 1
            if count[0] > 7:
                raise KeyboardInterrupt
            yield item

    out = tmp_path / "killed"
    monkeypatch.setattr(writer, "render_sequence", dies)
    assert cli_here("synth", "--out", out, "--recipe", recipe, "--workers", "1", "--quiet").returncode != 0
    assert not (out / "manifest.json").exists() and (out / "train" / "0000").is_dir()
    monkeypatch.setattr(writer, "render_sequence", original)
    rerun = cli_here("synth", "--out", out, "--recipe", recipe, "--workers", "2")
    assert rerun.returncode == 0 and "resumed" in rerun.stdout
    assert files(out) == files(reference)


def test_codecs_touch_com_only(everything):
    _, out = everything
    from mbench.frames import read_alpha, read_color

    manifest = json.loads((out / "manifest.json").read_text())
    plan = manifest["clips"]["train/0000"]
    fgr = read_color(out / "train/0000/fgr/0000.png")
    pha = read_alpha(out / "train/0000/pha/0000.png")
    bgr = read_color(out / "train/0000/bgr/0000.png")
    com = read_color(out / "train/0000/com/0000.png")
    clean = compose_linear(fgr, pha, bgr)
    diff = np.abs(com.astype(int) - clean).mean()
    assert plan["sequences"][0]["augment"]["codec"] and 0 < diff < 20  # artefacts, not another picture


# -- pixels ------------------------------------------------------------------------------------------

def test_motion_blur_integrates_the_exposure():
    assert exposure_times(4, {"exposure": 0.5, "samples": 5}, 10) == [3.75, 3.875, 4.0, 4.125, 4.25]
    assert exposure_times(0, {"exposure": 1.0, "samples": 3}, 10) == [0.0, 0.0, 0.5]  # within the sequence
    # a one-pixel-wide opaque bar moving right over 4 pixels: the alpha becomes a 4-pixel ramp of 1/4s
    samples = []
    for dx in range(4):
        pha = np.zeros((8, 16), np.float32)
        pha[:, 4 + dx] = 1
        fgr = np.zeros((8, 16, 3), np.float32)
        fgr[:, 4 + dx] = (1, 0.5, 0)
        samples.append((fgr, pha))
    fgr, pha = fx.integrate(samples)
    assert np.allclose(pha[0, 4:8], 0.25) and pha[0, :4].sum() == 0 and pha[0, 8:].sum() == 0
    assert np.allclose(fgr[0, 4:8], (1, 0.5, 0))  # premultiplied: the colour does not darken


def test_defocus_is_a_disc():
    k = fx.disc_kernel(4.0)
    assert k.shape == (9, 9) and abs(k.sum() - 1) < 1e-6 and k[4, 0] > 0 and k[0, 0] == 0
    pha = np.zeros((40, 40), np.float32)
    pha[10:30, 10:30] = 1
    fgr = np.ones((40, 40, 3), np.float32) * np.float32([0.2, 0.4, 0.6])
    f2, p2 = fx.defocus_subject(fgr, pha, 4.0)
    assert np.allclose(p2, ndimage.convolve(pha, k[::-1, ::-1], mode="constant"), atol=1e-6)
    assert np.allclose(f2[p2 > 0.01], [0.2, 0.4, 0.6], atol=1e-5)  # no dark fringe from the surround
    flat = np.full((20, 20, 3), 0.3, np.float32)
    assert np.allclose(fx.defocus(flat, 3.0), 0.3, atol=1e-6)


def test_shake_is_smooth_bounded_and_moves_every_layer_alike():
    path = shake_path({"seed": 5, "rotation": 1.0, "translate": 0.01, "smoothness": 3.0}, 50)
    assert np.allclose(np.abs(path).max(axis=0), [1.0, 0.01, 0.01])
    steps = np.abs(np.diff(path, axis=0)).max(axis=0)
    assert (steps < 0.2 * np.array([1.0, 0.01, 0.01]) * 2).all()  # small moves frame to frame
    dot = np.zeros((30, 40, 3), np.float32)
    dot[15, 20] = 1
    moved = fx.shake_layers({"fgr": dot, "bgr": dot.copy(), "pha": dot[..., 0].copy()},
                            fx.shake_matrix(0.0, 3 / 40, -2 / 30, (40, 30)))
    for name in ("fgr", "bgr"):
        assert moved[name][13, 23, 0] == 1
    assert moved["pha"][13, 23] == 1


def test_codecs_round_trip():
    rng = np.random.default_rng(0)
    base = ndimage.zoom(rng.random((6, 8, 3)), (8, 8, 1), order=1)
    frames = [np.clip((np.roll(base, k, axis=1) * 255), 0, 255).astype(np.uint8)[:47, :63] for k in range(5)]
    for codec in ("h264", "h265"):
        out = fx.transcode(frames, codec, 20)
        assert len(out) == 5 and out[0].shape == frames[0].shape
        assert all(np.array_equal(a, b) for a, b in zip(out, fx.transcode(frames, codec, 20)))
        def psnr(decoded):
            return 10 * np.log10(255 ** 2 / np.mean([(a.astype(float) - b) ** 2 for a, b in zip(decoded, frames)]))

        # CRF 20: small artefacts (measured 31-32 dB; 4:2:0 alone 33.6 dB on these colours), CRF 40 more
        assert psnr(out) > 28 and psnr(out) > psnr(fx.transcode(frames, codec, 40)) + 3
    assert np.abs(fx.jpeg(frames[0], 10).astype(int) - frames[0]).mean() > \
        np.abs(fx.jpeg(frames[0], 90).astype(int) - frames[0]).mean()


def test_linear_light_composition():
    fgr = np.full((2, 2, 3), 255, np.uint8)
    bgr = np.zeros((2, 2, 3), np.uint8)
    pha = np.array([[0, 128], [255, 64]], np.uint8)
    lin = compose_linear(fgr, pha, bgr)
    # white over black at a = 128/255 in linear light: encode(128/255)
    a = 128 / 255
    expected = 255 * (1.055 * a ** (1 / 2.4) - 0.055)
    assert lin[0, 1, 0] == int(np.floor(expected + 0.5)) and lin[0, 0, 0] == 0 and lin[1, 0, 0] == 255
    assert compose(fgr, pha, bgr)[0, 1, 0] == 128  # the default (sRGB) is unchanged
    rng = np.random.default_rng(1)
    f, b = rng.integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
    p = rng.integers(0, 256, (16, 16), dtype=np.uint8)

    def decode(c):
        c = c / 255.0
        return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)

    mix = decode(f) * (p[..., None] / 255) + decode(b) * (1 - p[..., None] / 255)
    ref = np.where(mix <= 0.0031308, 12.92 * mix, 1.055 * mix ** (1 / 2.4) - 0.055)
    assert np.abs(compose_linear(f, p, b).astype(float) - ref * 255).max() <= 0.5 + 1e-9


def test_effects_draw_nothing_when_off_and_the_manifest_keeps_its_shape():
    profile = _resolve_profile("augment", "train", {}, _profiles_file(), "profiles.toml")
    assert draw_effects(profile, lambda op, p: None) == {}
    on = _resolve_profile("augment", "effects", {}, _profiles_file(), "profiles.toml")
    drawn = draw_effects(on, lambda op, p: np.random.default_rng(1))
    assert set(drawn) == {"motion_blur", "defocus_bg", "defocus_fg", "shake", "codec"}
