"""Prediction in the clip layout: chunks carry the state, resume, the reference rows, scoring."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mbench.baselines import build
from mbench.baselines.predict import eval_clips, model_predictor, write_predictions
from mbench.baselines.reference_methods import METHODS, bgdiff_alpha
from mbench.benchmark import evaluate
from mbench.errors import BadInput
from mbench.frames import read_alpha, write_image

torch.set_num_threads(1)


def make_dataset(root, clips=2, frames=5, size=32, layers=("com", "fgr", "pha", "bgr")):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:size, :size]
    for c in range(clips):
        folder = root / f"clip{c}"
        bgr = rng.integers(0, 120, (size, size, 3), dtype=np.uint8)
        for i in range(frames):
            pha = (((yy - 12 - i) ** 2 + (xx - 10 - 2 * c) ** 2) < 40).astype(np.float32)
            fgr = np.full((size, size, 3), (200, 150, 90), np.uint8)
            com = np.round(fgr * pha[..., None] + bgr * (1 - pha[..., None])).astype(np.uint8)
            for name, img in (("com", com), ("fgr", fgr), ("pha", (pha * 255).astype(np.uint8)), ("bgr", bgr)):
                if name in layers:
                    (folder / name).mkdir(parents=True, exist_ok=True)
                    write_image(folder / name / f"{i:04d}.png", img)
    return root


@pytest.fixture(scope="module")
def gt(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("gt"))


def predictor(name, chunk, **options):
    model = build(name, "mobilenetv2" if name == "bgmv2" else None, width_mult=0.25, **options)
    return model_predictor(model, device="cpu", chunk=chunk, forward={}, needs_background=name == "bgmv2",
                           recurrent=name != "bgmv2", workers=2)


def pngs(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.png"))}


@pytest.mark.parametrize("name", ["rvm", "attention_memory"])
def test_chunks_carry_the_recurrent_state_so_the_clip_is_one_sequence(gt, tmp_path, name):
    clips = eval_clips(gt, ("pha", "com"), "test")
    write_predictions(clips, tmp_path / "a", predictor(name, chunk=2), layers=("pha", "fgr"))
    write_predictions(clips, tmp_path / "b", predictor(name, chunk=100), layers=("pha", "fgr"))
    a, b = pngs(tmp_path / "a"), pngs(tmp_path / "b")
    assert sorted(a) == sorted(f"clip{c}/{layer}/{i:04d}.png" for c in range(2) for layer in ("fgr", "pha")
                               for i in range(5))
    assert a == b
    # without the state, chunked frames differ: the state really is what carries the clip
    model = build(name, width_mult=0.25).eval()
    src = torch.rand(1, 4, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        whole = model(src).pha
        cut = torch.cat([model(src[:, :2]).pha, model(src[:, 2:]).pha], dim=1)
    assert not torch.equal(whole, cut)


def test_bgmv2_reads_the_background_and_refuses_data_without_it(gt, tmp_path):
    clips = eval_clips(gt, ("pha", "com", "bgr"), "bgmv2")
    stats = write_predictions(clips, tmp_path / "pred", predictor("bgmv2", chunk=3, backbone_scale=0.5),
                              layers=("pha", "fgr"))
    assert stats.frames == 10 and stats.written == 2
    no_bgr = make_dataset(tmp_path / "nobgr", clips=1, layers=("com", "fgr", "pha"))
    with pytest.raises(BadInput, match="clip 'clip0' has no bgr/ layer"):
        eval_clips(no_bgr, ("pha", "com", "bgr"), "bgmv2")


def test_prediction_resumes_at_the_first_unfinished_clip(gt, tmp_path):
    clips = eval_clips(gt, ("pha", "com"), "test")
    out = tmp_path / "pred"
    first = write_predictions(clips, out, predictor("rvm", chunk=2), layers=("pha", "fgr"))
    assert (first.written, first.frames) == (2, 10)
    stamp = (out / "clip0" / "pha" / "0000.png").stat().st_mtime_ns
    (out / "clip1" / "fgr" / "0004.png").unlink()          # an unfinished clip
    (out / ".clip9.tmp-123").mkdir()                      # a killed run's temporary folder
    again = write_predictions(clips, out, predictor("rvm", chunk=2), layers=("pha", "fgr"))
    assert (again.written, again.frames) == (1, 5)
    assert (out / "clip0" / "pha" / "0000.png").stat().st_mtime_ns == stamp
    assert (out / "clip1" / "fgr" / "0004.png").is_file() and not (out / ".clip9.tmp-123").exists()


def test_bgdiff_alpha_by_hand():
    bgr = np.full((8, 8, 3), 100, np.uint8)
    com = bgr.copy()
    com[2:6, 2:6, 1] = 200          # a difference of 100/255 = 0.39 in one channel
    com[0, 0, 0] = 125              # 25/255 = 0.098: below the 0.1 threshold
    alpha = bgdiff_alpha(com, bgr, threshold=0.1, sigma=0)
    expected = np.zeros((8, 8), np.uint8)
    expected[2:6, 2:6] = 255
    assert np.array_equal(alpha, expected)
    blurred = bgdiff_alpha(com, bgr, threshold=0.1, sigma=1.0).astype(float)
    assert 0 < blurred[1, 3] < 255 and blurred[3, 3] < 255       # the edge is softened
    assert blurred.sum() == pytest.approx(16 * 255, rel=0.02)    # and the mass kept


def test_reference_rows_score_as_expected(gt, tmp_path):
    clips = eval_clips(gt, ("pha", "com", "bgr"), "test")
    for name in ("empty", "bgdiff"):
        method = METHODS[name]
        options = {"threshold": 0.1, "sigma": 0.0} if name == "bgdiff" else {}
        write_predictions(clips, tmp_path / name, method.factory(**options), layers=method.writes)
    assert not (tmp_path / "empty" / "clip0" / "fgr").exists()
    assert read_alpha(tmp_path / "empty" / "clip0" / "pha" / "0003.png").max() == 0
    mean_alpha = np.mean([read_alpha(p) / 255 for p in sorted(gt.rglob("pha/*.png"))])
    empty = evaluate(tmp_path / "empty", gt, metrics=["mad"])
    assert empty["mad"].mean() == pytest.approx(mean_alpha * 1e3, rel=1e-6)
    # The synthetic subject differs from its background by far more than the threshold everywhere:
    # bgdiff recovers the hard matte exactly.
    bgdiff = evaluate(tmp_path / "bgdiff", gt, metrics=["mad"])
    assert bgdiff["mad"].max() == pytest.approx(0.0, abs=1e-9)
