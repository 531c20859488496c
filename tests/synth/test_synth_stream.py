"""Streaming: deterministic sequences in memory, through the writer's own planner and renderer."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

from mbench.errors import BadInput
from mbench.synth import Sequences, stream
from mbench.synth.arrays import ArrayBackgrounds, demo_sources
from mbench.synth.catalog import SourceSet
from mbench.synth.compose import compose_reference
from mbench.synth.recipes import resolve
from mbench.synth.writer import synthesize
from mbench.frames import read_alpha, read_color

SMALL = dict(size=(48, 40), clips=3, frames=20)


@pytest.fixture(scope="module")
def sources():
    return demo_sources(2, size=(64, 48), frames=30)


def make(sources, **kw):
    fg, bg = sources
    options = dict(SMALL, seq_len=4)
    options.update(kw)
    return Sequences("videomatte8k", "train", fgr=[fg], bgr=[bg], **options)


def test_shapes_and_dtypes(sources):
    data = make(sources)
    assert len(data) == 3 * 5  # windows of 4 frames over 3 clips of 20
    seq = data[0]
    assert set(seq) == {"com", "fgr", "pha", "bgr"}
    assert seq["com"].shape == (4, 40, 48, 3) and seq["pha"].shape == (4, 40, 48, 1)
    assert seq["com"].dtype == np.uint8
    as_float = make(sources, dtype="float32")[0]
    assert as_float["com"].dtype == np.float32
    assert np.array_equal(as_float["pha"], seq["pha"].astype(np.float32) / 255)
    # the composite is the composition of the other layers, rounded once
    for t in range(4):
        recomposed = compose_reference(seq["fgr"][t], seq["pha"][t, :, :, 0], seq["bgr"][t])
        assert np.array_equal(recomposed, seq["com"][t])


def test_deterministic_per_index_whatever_the_order(sources):
    a, b = make(sources), make(sources)
    first = [a[i]["com"] for i in (0, 1, 7)]
    again = [b[i]["com"] for i in (7, 1, 0)][::-1]
    assert all(np.array_equal(x, y) for x, y in zip(first, again))
    assert not np.array_equal(first[0], first[1])
    streamed = list(stream("videomatte8k", "train", fgr=[sources[0]], bgr=[sources[1]], seq_len=4,
                           count=3, start=5, workers=2, **SMALL))
    assert len(streamed) == 3
    assert all(np.array_equal(s["com"], a[5 + k]["com"]) for k, s in enumerate(streamed))
    other_seed = make(sources, seed=1)[0]["com"]
    assert not np.array_equal(other_seed, first[0])


def test_epochs_draw_afresh_and_pickling_keeps_the_data(sources):
    data = make(sources)
    n = len(data)
    assert data.plan(0)["fg"]["clip"] == data.plan(n)["fg"]["clip"]  # same window ...
    assert data.plan(0)["key"] != data.plan(n)["key"]                  # ... new draws
    data.set_epoch(1)
    assert np.array_equal(data[0]["com"], make(sources)[n]["com"])
    clone = pickle.loads(pickle.dumps(data))
    assert np.array_equal(clone[2]["pha"], data[2]["pha"])


def test_each_sequence_shares_one_background(sources):
    data = make(sources)
    for i in range(6):
        plan = data.plan(i)
        assert isinstance(plan["bg"]["item"], str)
        item = data.sources.bg_item(plan["bg"]["source"], plan["bg"]["split"], plan["bg"]["item"])
        if not item.is_video:
            assert plan["bg"]["frames"] == [0] * 4


def test_stream_equals_the_written_frames(tmp_path, sources):
    """With no augmentation and one background, a streamed window is the written clip's frames."""
    fg, _ = sources
    still = np.random.default_rng(0).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    bg = ArrayBackgrounds({"valid": {"wall": still}})
    path = tmp_path / "r.toml"
    path.write_text("size = [48, 40]\n[splits.valid]\nclips = 2\nframes = 12\naugment = 'valid'\n")
    recipe = resolve(str(path))
    synthesize(recipe, tmp_path / "out", seed=3, sources=SourceSet([fg], [bg]), workers=1, quiet=True)
    data = Sequences(recipe, "valid", seed=3, fgr=[fg], bgr=[bg], seq_len=4)
    window = data[4]  # clip 1, frames 4..7
    for t in range(4):
        name = f"{4 + t:04d}.png"
        assert np.array_equal(window["com"][t], read_color(tmp_path / "out/valid/0001/com" / name))
        assert np.array_equal(window["pha"][t, :, :, 0], read_alpha(tmp_path / "out/valid/0001/pha" / name))


def test_bad_arguments(sources):
    with pytest.raises(BadInput, match="has no split 'tain'"):
        Sequences("smoke", "tain", fgr=[sources[0]], bgr=[sources[1]])
    with pytest.raises(BadInput, match="seq_len"):
        make(sources, seq_len=0)
    with pytest.raises(BadInput, match="dtype"):
        make(sources, dtype="float16")


def test_streaming_does_not_import_torch():
    code = ("import sys; from mbench.synth import Sequences; from mbench.synth.arrays import demo_sources; "
            "fg, bg = demo_sources(); s = Sequences('smoke', 'train', fgr=[fg], bgr=[bg], seq_len=3); "
            "s[0]; assert 'torch' not in sys.modules, 'torch imported'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_stretch_geometry_is_rvms_bilinear_resize_of_the_frame_as_read():
    """RVM's evaluation sets: each source frame is resized with PIL bilinear straight to the output."""
    from PIL import Image

    fg, bg = demo_sources(4, size=(96, 64), frames=6)
    data = Sequences("rvm-eval-512x288", "videomatte_static", fgr=[fg], bgr=[bg], size=(40, 24), clips=2,
                     frames=3, seq_len=3)
    stills = [bg.frame(item, 0) for item in bg.items("test") if not item.is_video]
    for i in range(len(data)):
        bgr = data[i]["bgr"][0]
        assert bgr.shape == (24, 40, 3)
        resized = [np.asarray(Image.fromarray(s).resize((40, 24), Image.BILINEAR)) for s in stills]
        assert any(np.array_equal(bgr, r) or np.array_equal(bgr, r[:, ::-1]) for r in resized)
