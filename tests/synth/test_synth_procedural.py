"""The procedural foreground source: determinism, hard mattes (fractional alpha, hair, sheer
fabric, motion blur), animation, splits and options."""

from __future__ import annotations

import dataclasses
import pickle

import cv2
import numpy as np
import pytest

from mbench.errors import BadInput
from mbench.parallel import ordered_map
from mbench.synth.sources import open_foreground
from mbench.synth.sources import subject_render as R
from mbench.synth.sources.subject import build_subject

SIZE = (512, 288)


@pytest.fixture(scope="module")
def src():
    return open_foreground("procedural", size=SIZE, clips={"train": 4, "valid": 2, "test": 2}, frames=120)


def fractional(alpha: np.ndarray) -> float:
    return float(((alpha > 0) & (alpha < 255)).mean())


def test_frames_are_uint8_of_the_native_size_with_full_alpha_range(src):
    clip = src.clips("train")[0]
    assert (clip.width, clip.height, clip.fps, clip.num_frames) == (512, 288, 30.0, 120)
    fgr, alpha = src.frame(clip, 7)
    assert fgr.shape == (288, 512, 3) and fgr.dtype == np.uint8
    assert alpha.shape == (288, 512) and alpha.dtype == np.uint8
    assert alpha.min() == 0 and alpha.max() == 255


def test_same_call_twice_gives_identical_bytes(src):
    clip = src.clips("valid")[1]
    a = src.frame(clip, 33)
    b = src.frame(clip, 33)
    fresh = open_foreground("procedural", size=SIZE, clips={"train": 4, "valid": 2, "test": 2}, frames=120)
    c = fresh.frame(fresh.clips("valid")[1], 33)
    for x, y, z in zip(a, b, c):
        assert x.tobytes() == y.tobytes() == z.tobytes()


def test_frames_do_not_depend_on_call_order_or_clip_length():
    kw = dict(size=(224, 224), clips=2)
    forward = open_foreground("procedural", frames=40, **kw)
    backward = open_foreground("procedural", frames=40, cache=1, **kw)
    longer = open_foreground("procedural", frames=400, **kw)
    clips = forward.clips("train")
    jobs = [(c, k) for c in clips for k in (0, 5, 39)]
    expected = {(c.id, k): forward.frame(c, k) for c, k in jobs}
    # reversed order, alternating clips, with a one-subject cache that keeps rebuilding
    for c, k in reversed(jobs):
        got = backward.frame(backward.clips("train")[int(c.id[-1])], k)
        assert all(x.tobytes() == y.tobytes() for x, y in zip(got, expected[(c.id, k)]))
    got = longer.frame(longer.clips("train")[1], 39)
    assert all(x.tobytes() == y.tobytes() for x, y in zip(got, expected[(clips[1].id, 39)]))


def test_frames_do_not_depend_on_threads():
    src = open_foreground("procedural", size=(224, 224), clips=3, frames=30)
    jobs = [(c, k) for k in range(0, 30, 6) for c in src.clips("test")]
    serial = [src.frame(c, k) for c, k in jobs]
    threaded_src = open_foreground("procedural", size=(224, 224), clips=3, frames=30)
    threaded = list(ordered_map(lambda j: threaded_src.frame(*j), jobs, workers=4, ahead=8))
    for (f1, a1), (f2, a2) in zip(serial, threaded):
        assert f1.tobytes() == f2.tobytes() and a1.tobytes() == a2.tobytes()


def test_pickled_source_renders_the_same(src):
    clip = src.clips("train")[2]
    copy = pickle.loads(pickle.dumps(src))
    assert all(x.tobytes() == y.tobytes() for x, y in zip(copy.frame(clip, 3), src.frame(clip, 3)))


def test_several_percent_of_pixels_have_fractional_alpha(src):
    means = []
    for clip in src.clips("train"):
        means.append(np.mean([fractional(src.frame(clip, k)[1]) for k in range(0, 120, 12)]))
    assert min(means) >= 0.02, means
    assert np.mean(means) >= 0.03, means


def test_consecutive_frames_differ_as_video_does(src):
    clip = src.clips("train")[1]
    frames = [src.frame(clip, k) for k in range(20, 30)]
    for (f0, a0), (f1, a1) in zip(frames, frames[1:]):
        changed = np.abs(a1.astype(int) - a0.astype(int))
        assert changed.max() > 0                    # it moves ...
        assert changed.mean() < 8                   # ... continuously, not jumping to a new picture
        assert not np.array_equal(f0, f1)
    far = np.abs(frames[0][1].astype(int) - src.frame(clip, 110)[1].astype(int)).mean()
    assert far > np.abs(frames[0][1].astype(int) - frames[1][1].astype(int)).mean()


def test_hair_strands_leave_thin_fractional_structures_outside_the_silhouette():
    nodes = R.node_coords(*SIZE)
    for i in range(3):
        subject = build_subject(np.random.default_rng([5, i]), SIZE, translucent=False)
        assert subject.parts == ()
        _, alpha = R.render(subject, 0.4, 30.0, nodes)
        solid = cv2.dilate((alpha == 255).astype(np.uint8), np.ones((7, 7), np.uint8))
        outside = ((alpha > 0) & (alpha < 255) & (solid == 0)).astype(np.uint8)
        assert outside.mean() >= 0.005, outside.mean()
        # thin: most of it disappears under a 3x3 erosion (a sheet of fabric would not)
        assert cv2.erode(outside, np.ones((3, 3), np.uint8)).sum() < 0.6 * outside.sum()
        assert alpha[outside > 0].mean() < 128        # faint, as single strands are


def test_sheer_parts_have_alpha_between_0_2_and_0_8():
    nodes = R.node_coords(*SIZE)
    found = 0
    for i in range(12):
        subject = build_subject(np.random.default_rng([6, i]), SIZE)
        if not subject.parts:
            continue
        _, alpha = R.render(subject, 0.0, 30.0, nodes)
        mid = (alpha >= 0.2 * 255) & (alpha <= 0.8 * 255)
        opened = cv2.morphologyEx(mid.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
        assert opened.mean() > 0.003, (subject.parts, opened.mean())   # broad regions, not edges
        found += 1
    assert found >= 3


def test_quick_moves_are_motion_blurred():
    src = open_foreground("procedural", size=(224, 224), clips=6, frames=300)
    nodes = R.node_coords(224, 224)
    for clip in src.clips("train"):
        subject = src.subject(clip)
        blurred = [k for k in range(300) if R.exposure(subject, k / 30, 30.0, nodes).samples >= 4]
        if blurred:
            break
    else:
        pytest.fail("no frame with fast motion in six clips")
    k = blurred[0]
    _, alpha = src.frame(clip, k)
    sharp = dataclasses.replace(subject, motion=dataclasses.replace(subject.motion, shutter=1e-6))
    _, alpha_sharp = R.render(sharp, k / 30, 30.0, nodes)
    assert fractional(alpha) > fractional(alpha_sharp)


def test_splits_hold_different_subjects(src):
    a = src.frame(src.clips("train")[0], 0)[1]
    b = src.frame(src.clips("valid")[0], 0)[1]
    c = src.frame(src.clips("test")[0], 0)[1]
    assert not np.array_equal(a, b) and not np.array_equal(a, c) and not np.array_equal(b, c)
    other_seed = open_foreground("procedural", seed=1, size=SIZE, clips=1, frames=1)
    assert not np.array_equal(a, other_seed.frame(other_seed.clips("train")[0], 0)[1])


def test_options_set_counts_and_ids():
    src = open_foreground("procedural", clips={"valid": 3}, frames=5, size="96x64", fps=25)
    assert [c.id for c in src.clips("valid")] == ["valid/0000", "valid/0001", "valid/0002"]
    assert len(src.clips("train")) == 100 and len(src.clips("test")) == 25
    clip = src.clips("valid")[2]
    assert (clip.width, clip.height, clip.fps, clip.num_frames) == (96, 64, 25.0, 5)
    assert src.frame(clip, 4)[1].shape == (64, 96)
    with pytest.raises(IndexError):
        src.frame(clip, 5)
    assert src.options["size"] == [96, 64]


@pytest.mark.parametrize("options, name", [
    ({"size": "big"}, "size"), ({"size": (8, 8)}, "size"), ({"clips": -1}, "clips"),
    ({"clips": {"tarin": 3}}, "clips"), ({"frames": 0}, "frames"), ({"fps": 0}, "fps"), ({"seed": -2}, "seed"),
])
def test_bad_options_name_the_option(options, name):
    with pytest.raises(BadInput) as e:
        open_foreground("procedural", **options)
    assert name in str(e.value) and "\n" not in str(e.value)


def test_unknown_split_is_bad_input(src):
    with pytest.raises(BadInput, match="tarin"):
        src.clips("tarin")


# -- rendering straight through the pipeline's affine ------------------------------------------

def _through_matrix(scale: float, angle: float, flip: bool, size=SIZE) -> np.ndarray:
    """A forward affine about the frame's centre (as the augmentation's are), optionally mirrored."""
    w, h = size
    c, s = np.cos(np.radians(angle)) * scale, np.sin(np.radians(angle)) * scale
    cx, cy = (w - 1) / 2, (h - 1) / 2
    m = np.array([[c, -s, cx - c * cx + s * cy + 7.0], [s, c, cy - s * cx - c * cy - 5.0], [0, 0, 1.0]])
    if flip:
        m = np.array([[-1.0, 0, w - 1.0], [0, 1, 0], [0, 0, 1]]) @ m
    return m


@pytest.mark.parametrize("scale, angle, flip", [(1.0, 0.0, False), (0.6, 8.0, False), (0.9, -6.0, True)])
def test_frame_warped_shows_the_frame_through_the_affine(src, scale, angle, flip):
    clip = src.clips("train")[2]
    m = _through_matrix(scale, angle, flip)
    fgr, alpha = src.frame(clip, 21)
    ref_fgr = cv2.warpAffine(fgr, m[:2], SIZE, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    ref_alpha = cv2.warpAffine(alpha, m[:2], SIZE, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    got_fgr, got_alpha = src.frame_warped(clip, 21, m, SIZE)
    assert got_fgr.shape == (288, 512, 3) and got_alpha.shape == (288, 512)
    assert got_fgr.dtype == np.uint8 and got_alpha.dtype == np.uint8
    # one resampling instead of two: equal but for the fine structures (hair) the second one blurs
    diff = np.abs(got_alpha.astype(int) - ref_alpha)
    assert diff.mean() < 1.5 and (diff > 64).mean() < 0.003, (diff.mean(), (diff > 64).mean())
    solid = (ref_alpha == 255) & (got_alpha == 255)
    assert np.abs(got_fgr[solid].astype(int) - ref_fgr[solid]).mean() < 2.0
    # beyond the frame: nothing, exactly as the warp's zero border
    ys, xs = np.mgrid[0:288, 0:512]
    inv = np.linalg.inv(m)
    fx, fy = inv[0, 0] * xs + inv[0, 1] * ys + inv[0, 2], inv[1, 0] * xs + inv[1, 1] * ys + inv[1, 2]
    outside = (fx < -1) | (fx > 512) | (fy < -1) | (fy > 288)
    assert np.array_equal(got_alpha[outside], ref_alpha[outside]) and not got_alpha[outside].any()
    assert not got_fgr[outside].any()
    if scale < 1:
        assert outside.any()
    # and the same bytes every time
    again = src.frame_warped(clip, 21, m, SIZE)
    assert again[0].tobytes() == got_fgr.tobytes() and again[1].tobytes() == got_alpha.tobytes()


def test_frame_warped_identity_is_the_frame(src):
    clip = src.clips("test")[0]
    fgr, alpha = src.frame(clip, 9)
    got_fgr, got_alpha = src.frame_warped(clip, 9, np.eye(3), SIZE)
    assert np.array_equal(got_alpha, alpha) and np.array_equal(got_fgr, fgr)


def test_cutting_to_the_frame_ramps_as_a_bilinear_warp_does():
    from mbench.synth.sources.subject_kernels import cut_to_frame

    rng = np.random.default_rng(4)
    frame = (90, 60)
    for _ in range(12):
        a = rng.uniform(0.5, 1.5) * np.array([[1.0, rng.uniform(-0.3, 0.3)], [rng.uniform(-0.3, 0.3), 1.0]])
        if rng.random() < 0.5:
            a[0] *= -1
        m = np.eye(3)
        m[:2, :2], m[:2, 2] = a, rng.uniform(-30, 60, 2)
        cover = cv2.warpAffine(np.full((60, 90), 255, np.uint8), m[:2], (80, 70), flags=cv2.INTER_LINEAR)
        fgr, alpha = np.full((70, 80, 3), 255, np.uint8), np.full((70, 80), 255, np.uint8)
        cut_to_frame(fgr, alpha, np.linalg.inv(m)[:2], frame)
        assert np.abs(alpha.astype(int) - cover).max() <= 2
        assert np.array_equal(fgr[..., 0], alpha) and np.array_equal(fgr[..., 2], alpha)
