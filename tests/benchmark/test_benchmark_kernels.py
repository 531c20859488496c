"""The fast 8-bit scan and the generic kernels must agree exactly; the kernels' own invariants."""

from __future__ import annotations

import numpy as np
import pytest

import mattes
from mbench.benchmark.context import FrameContext
from mbench.benchmark.kernels import conn as conn_k
from mbench.benchmark.kernels import grad as grad_k
from mbench.benchmark.kernels import pixel, scan
from mbench.benchmark.kernels.workspace import Workspace


def buffers(h, w):
    """The run and difference buffers the scans write into."""
    return np.empty((h * w, 4), np.int32), np.empty((h * w, 2), np.int32)


def generic(p, g, pp, gp):
    """Everything the scan produces, by the generic per-pixel kernels."""
    h, w = p.shape
    sa, ss, st, _ = pixel.int_sums(p.ravel(), g.ravel(), pp.ravel(), gp.ravel(),
                                   np.zeros(0, np.uint8), True, False, 128)
    tiles = (*grad_k.tile_map(p, grad_k.TILE), *grad_k.tile_map(g, grad_k.TILE))
    lev = conn_k.levels_from_lut(p.ravel(), g.ravel(), conn_k.level_lut(255))
    runs = scan.runs_generic(p.ravel(), g.ravel(), lev, h, w, np.zeros(0, np.uint8), False, 128,
                             *buffers(h, w))
    return (sa, ss, st), tiles, runs


@pytest.mark.parametrize("kind", ["matte", "noise", "flat", "stripes"])
def test_fast_scan_equals_generic(kind):
    rng = np.random.default_rng(1)
    h, w = 41, 64
    if kind == "matte":
        pp, gp = mattes.clip(h, w, 2, 1)
        p, g = pp[1], gp[1]
        pp, gp = pp[0], gp[0]
    elif kind == "noise":
        p, g, pp, gp = (rng.integers(0, 256, (h, w)).astype(np.uint8) for _ in range(4))
    elif kind == "flat":
        p = g = pp = gp = np.full((h, w), 255, np.uint8)
    else:
        p = np.tile((np.arange(w) % 3 * 120).astype(np.uint8), (h, 1))
        g = p.T.copy()[:h, :w] if w <= h else np.tile((np.arange(w) % 5 * 60).astype(np.uint8), (h, 1))
        pp, gp = g, p
    fast = scan.scan_u8(p, g, pp, gp, True, conn_k.level_lut(255), grad_k.TILE, *buffers(h, w))
    sums, tiles, (runs, n_runs, row_start, diffs, n_diffs) = generic(p, g, pp, gp)
    assert tuple(fast[0]) == tuple(sums)
    for a, b in zip(fast[1], tiles):
        np.testing.assert_array_equal(a, b)
    assert fast[3] == n_runs and fast[6] == n_diffs
    assert fast[7] == (p.min(), p.max(), g.min(), g.max())
    np.testing.assert_array_equal(fast[2][:n_runs], runs[:n_runs])
    np.testing.assert_array_equal(fast[4], row_start)
    np.testing.assert_array_equal(fast[5][:n_diffs, 1], diffs[:n_diffs, 1])
    at = diffs[:n_diffs, 0]  # the generic list holds pixel indices, the fast one the values
    np.testing.assert_array_equal(fast[5][:n_diffs, 0],
                                  p.ravel()[at].astype(np.int32) << 8 | g.ravel()[at])


@pytest.mark.parametrize("use_prev", [True, False])
def test_fast_scan_wide_rows_extreme_values(use_prev):
    # A row whose dt^2 sum overflows int32 (the scan sums rows in int32 chunks of 4096 pixels), at
    # the largest differences (|dt| = 510); a width not a multiple of 64 (the scan reads its word
    # flags eight at a time); and the scan without a previous frame (no dt sum).
    rng = np.random.default_rng(5)
    for h, w in ((3, 8328), (9, 72)):  # 8328 * 510^2 > 2^31
        p = rng.choice(np.array([0, 255], np.uint8), (h, w))
        p[:, 8:40] = 200  # a flat stretch inside the row
        g = 255 - p
        pp, gp = g, p
        fast = scan.scan_u8(p, g, pp, gp, use_prev, conn_k.level_lut(255), grad_k.TILE, *buffers(h, w))
        d = p.astype(np.int64) - g
        t = d - (pp.astype(np.int64) - gp)
        assert tuple(fast[0]) == (np.abs(d).sum(), (d * d).sum(), (t * t).sum() if use_prev else 0)
        _, tiles, (runs, n_runs, row_start, diffs, n_diffs) = generic(p, g, pp, gp)
        for a, b in zip(fast[1], tiles):
            np.testing.assert_array_equal(a, b)
        assert fast[3] == n_runs and fast[6] == n_diffs
        np.testing.assert_array_equal(fast[2][:n_runs], runs[:n_runs])
        np.testing.assert_array_equal(fast[5][:n_diffs, 1], diffs[:n_diffs, 1])
        assert fast[7] == (p.min(), p.max(), g.min(), g.max())


def test_fast_scan_refuses_a_previous_frame_of_another_depth():
    # Its int32 sums assume 8-bit codes; FrameContext brings mixed depths to 16 bits first.
    rng = np.random.default_rng(8)
    h, w = 9, 72
    p, g, pp = (rng.integers(0, 256, (h, w)).astype(np.uint8) for _ in range(3))
    gp = rng.integers(0, 65536, (h, w)).astype(np.uint16)
    with pytest.raises(ValueError, match="8-bit"):
        scan.scan_u8(p, g, pp, gp, True, conn_k.level_lut(255), grad_k.TILE, *buffers(h, w))


def test_frames_of_mixed_depth_are_scored_in_one_unit():
    # A 16-bit previous frame next to 8-bit ones (--full-precision): dtSSD's two differences must
    # both be in [0, 1] units, and the 8-bit frame's own values those of the 8-bit kernels.
    rng = np.random.default_rng(9)
    p, g = (rng.integers(0, 256, (16, 64)).astype(np.uint8) for _ in range(2))
    pp, gp = (rng.integers(0, 65536, (16, 64)).astype(np.uint16) for _ in range(2))
    mixed = FrameContext(p, g, pred_prev=pp, gt_prev=gp, conn=True)
    unit = FrameContext(p / 255, g / 255, pred_prev=pp / 65535, gt_prev=gp / 65535, conn=True)
    np.testing.assert_allclose(mixed.pixel_sums, unit.pixel_sums, rtol=1e-6)
    eight = FrameContext(p, g, pred_prev=p, gt_prev=g, conn=True)
    assert mixed.pixel_sums[:2] == eight.pixel_sums[:2]  # |d| and d^2: bit for bit
    assert mixed.conn_sum == eight.conn_sum
    assert mixed.grad_sum == pytest.approx(eight.grad_sum, rel=1e-12)


def test_bytewise_compare_of_the_scan():
    # Every pair of byte values, eight pairs a word: the high bit of each byte says x >= y.
    x, y = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8))
    xw, yw = x.reshape(-1, 8).view(np.uint64).ravel(), y.reshape(-1, 8).view(np.uint64).ravel()
    got = np.array([scan._ge_bytes(a, b) for a, b in zip(xw, yw)], np.uint64)
    bits = got.view(np.uint8).reshape(x.shape) >> 7
    np.testing.assert_array_equal(bits, (x >= y).astype(np.uint8))


def test_fast_scan_at_level_edges():
    # Differing words whose pixels sit on both sides of each level's first code, or all inside one
    # level (the scan then records the differences without looking levels up).
    firsts = np.array([26, 51, 77, 102, 128, 153, 179, 204, 230, 255])
    rng = np.random.default_rng(7)
    h, w = 16, 128
    for _ in range(3):
        base = rng.choice(np.concatenate([firsts, firsts - 1, [0]]), (h, w // 8)).repeat(8, axis=1)
        p = np.clip(base + rng.integers(-1, 2, (h, w)), 0, 255).astype(np.uint8)
        g = np.clip(base + rng.integers(-1, 2, (h, w)), 0, 255).astype(np.uint8)
        fast = scan.scan_u8(p, g, p, g, True, conn_k.level_lut(255), grad_k.TILE, *buffers(h, w))
        _, _, (runs, n_runs, row_start, diffs, n_diffs) = generic(p, g, p, g)
        assert fast[3] == n_runs and fast[6] == n_diffs
        np.testing.assert_array_equal(fast[2][:n_runs], runs[:n_runs])
        np.testing.assert_array_equal(fast[5][:n_diffs, 1], diffs[:n_diffs, 1])


def test_contexts_agree_on_both_paths():
    # width 64 takes the fast scan, width 63 the generic path: same frame content, cropped.
    pred, gt = mattes.clip(50, 72, 2, 9)
    for w in (64, 63):
        a = FrameContext(pred[1, :, :w], gt[1, :, :w], pred_prev=pred[0, :, :w], gt_prev=gt[0, :, :w])
        b = FrameContext(pred[1, :, :w].astype(np.float32) / 255, gt[1, :, :w].astype(np.float32) / 255,
                         pred_prev=pred[0, :, :w].astype(np.float32) / 255,
                         gt_prev=gt[0, :, :w].astype(np.float32) / 255)
        assert a.conn_sum == pytest.approx(b.conn_sum, rel=1e-6)
        assert a.grad_sum == pytest.approx(b.grad_sum, rel=1e-6)  # float32 inputs round
        np.testing.assert_allclose(a.pixel_sums[:3], b.pixel_sums[:3], rtol=1e-6)


def test_grad_skips_only_still_blocks():
    # A matte with one soft edge: skipping still blocks must not change the sum compared with a
    # block map that marks nothing as flat (everything computed).
    pred, gt = mattes.clip(64, 80, 1, 2)
    p, g = pred[0], gt[0]
    taps = grad_k.kernel_taps()
    tiles = (*grad_k.tile_map(p, grad_k.TILE), *grad_k.tile_map(g, grad_k.TILE))
    nothing_flat = tuple(np.zeros_like(t) if t.dtype == bool else t for t in tiles)
    none = np.zeros((0, 0), np.uint8)
    scratch = np.empty(grad_k.scratch_size(p.shape[1]))
    a = grad_k.grad_error_sum(p, g, 1 / 255, 1 / 255, taps, tiles, none, False, 128, grad_k.TILE, scratch)
    b = grad_k.grad_error_sum(p, g, 1 / 255, 1 / 255, taps, nothing_flat, none, False, 128, grad_k.TILE,
                              scratch)
    # a still block's derivative is exactly zero; only the grouping of the running sums differs
    assert a > 0 and a == pytest.approx(b, rel=1e-12)


def test_grad_skips_still_blocks_of_one_matte():
    # Blocks busy in one matte and still in the other: each matte is filtered only over its own
    # busy blocks (the other's magnitudes there are exactly 0), in runs shared by both. A ramp
    # (every block busy) against a matte busy in block column 4 of the top rows only (not still:
    # 3..5, so the first run filtered has both ends to fill with 0); a soft edge against a matte
    # busy in a patch of it.
    rng = np.random.default_rng(6)
    ramp = np.tile(np.linspace(0, 255, 80).astype(np.uint8), (64, 1))
    patch = np.full_like(ramp, 255)
    patch[:16, 32:40] = rng.integers(0, 256, (16, 8))
    pred, gt = mattes.clip(64, 80, 1, 2)
    edge, part = pred[0], np.full_like(pred[0], 255)
    part[24:40, 40:56] = gt[0][24:40, 40:56]
    taps = grad_k.kernel_taps()
    none = np.zeros((0, 0), np.uint8)
    for a_, b_ in ((ramp, patch), (patch, ramp), (edge, part), (part, edge)):
        scratch = np.full(grad_k.scratch_size(80), np.nan)  # a magnitude left unwritten shows
        tiles = (*grad_k.tile_map(a_, grad_k.TILE), *grad_k.tile_map(b_, grad_k.TILE))
        nothing_flat = tuple(np.zeros_like(t) if t.dtype == bool else t for t in tiles)
        a = grad_k.grad_error_sum(a_, b_, 1 / 200, 1 / 255, taps, tiles, none, False, 128, grad_k.TILE,
                                  scratch)
        b = grad_k.grad_error_sum(a_, b_, 1 / 200, 1 / 255, taps, nothing_flat, none, False, 128,
                                  grad_k.TILE, scratch)
        assert a > 0 and a == pytest.approx(b, rel=1e-12)


def test_conn_levels_match_float32_thresholds():
    # The integer form of the thresholds (REFERENCE 1.1): 26, 51, 77, 102, 128, 153, 179, 204, 230, 255.
    lut = conn_k.level_lut(255)
    firsts = [int(np.argmax(lut >= k)) for k in range(1, 11)]
    assert firsts == [26, 51, 77, 102, 128, 153, 179, 204, 230, 255]


def test_union_find_handles_many_small_components():
    rng = np.random.default_rng(4)
    p = (rng.random((60, 64)) < 0.5).astype(np.uint8) * 255
    g = (rng.random((60, 64)) < 0.5).astype(np.uint8) * 255
    import slow_metrics as slow

    assert FrameContext(p, g).conn_sum / 1000 == pytest.approx(slow.conn(p, g), rel=1e-6)
    assert FrameContext(p, g, column_major=True).conn_sum / 1000 == pytest.approx(
        slow.conn(p, g, column_major=True), rel=1e-6)


def test_a_reused_workspace_gives_the_values_of_fresh_ones():
    # One workspace across frames of two sizes (its buffers grow, then serve smaller frames) and both
    # kernel paths (width 64: fast scan; 63: generic): every value as with a fresh workspace.
    ws = Workspace()
    for h, w, seed in ((30, 64, 1), (50, 72, 2), (30, 64, 3), (41, 63, 4)):
        pred, gt = mattes.clip(h, w, 2, seed)
        args = dict(pred_prev=pred[0], gt_prev=gt[0])
        a = FrameContext(pred[1], gt[1], workspace=ws, **args)
        b = FrameContext(pred[1], gt[1], **args)
        assert (a.pixel_sums, a.grad_sum, a.conn_sum) == (b.pixel_sums, b.grad_sum, b.conn_sum)
        assert b.conn_sum > 0
