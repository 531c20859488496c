"""One frame's inputs, normalised once, and the kernel results that several metrics share.

MAD, MSE and dtSSD read the same fused pass; fgr_mad and fgr_mse another. A :class:`FrameContext`
computes each shared result on first use and keeps it, so every metric stays one small class with a
uniform interface (``metric.compute(ctx)``) without doing any pass twice.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

import numpy as np

from mbench.benchmark.kernels import conn as conn_kernels
from mbench.benchmark.kernels import grad as grad_kernels
from mbench.benchmark.kernels import pixel, scan
from mbench.benchmark.kernels.workspace import Workspace

_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}
_TAPS = grad_kernels.kernel_taps()
_T32 = conn_kernels.thresholds()


def _unit(a: np.ndarray) -> np.ndarray:
    m = _INT_MAX.get(a.dtype)
    if m is None:
        return np.ascontiguousarray(a, dtype=np.float32)
    return a.astype(np.float32) / np.float32(m)


def _one_depth(*frames: np.ndarray) -> tuple[np.ndarray, ...]:
    """The frames at one integer depth where 8- and 16-bit ones meet (--full-precision on a clip
    whose files change depth): an 8-bit code x becomes 257 x, the same x / 255 = 257 x / 65535, so
    the integer kernels run on every frame in one unit (dtSSD's two differences included) and an
    8-bit frame's values stay those of the 8-bit kernels (both divisions are correctly rounded)."""
    if {a.dtype for a in frames} != {np.dtype(np.uint8), np.dtype(np.uint16)}:
        return frames
    return tuple(a.astype(np.uint16) * np.uint16(257) if a.dtype == np.uint8 else a for a in frames)


@lru_cache(maxsize=None)
def _conn_tables(max_value: int) -> tuple[np.ndarray, np.ndarray]:
    """Conn's (level, phi) lookup tables for one integer depth (pure, so cached)."""
    return conn_kernels.level_lut(max_value), conn_kernels.phi_lut(max_value)


class FrameContext:
    """Inputs of one frame, in one arithmetic, with lazily computed shared kernel results.

    Parameters
    ----------
    pred, gt : ndarray (H, W)
        Alpha mattes, uint8 / uint16 (x / 255, x / 65535) or float in [0, 1]. When both are of the
        same integer type the integer kernels run (exact sums); otherwise both become float32.
    pred_prev, gt_prev : ndarray, optional
        The previous frame (for temporal metrics).
    region : ndarray (H, W) uint8, optional
        A trimap; only pixels equal to ``region_value`` are scored.
    region_prev : ndarray (H, W) uint8, optional
        The previous frame's trimap (for temporal metrics on a region).
    pred_fgr, gt_fgr : ndarray (H, W, 3), optional
        Foregrounds, for fgr_mad / fgr_mse.
    column_major : bool
        Conn tie-break order (MATLAB) instead of row-major (OpenCV).
    spatial : bool
        Grad or Conn will be asked for: one fused scan then serves every metric. Without them the
        plain per-pixel sums are cheaper.
    device : {"cpu", "cuda"}
        Where the per-pixel metrics and Grad run (Conn always runs on the CPU).
    workspace : Workspace, optional
        Scratch buffers to reuse (one per thread); a fresh one by default.
    conn : bool
        Conn will be asked for: on ``cuda`` the CPU scan Conn needs then also gives the per-pixel
        sums and the min-max scales, and the GPU does not compute them again (it runs Grad).
    minmax : bool
        Grad on min-max normalised mattes (``evaluate_lr.py``, DIM); False: on the mattes as they
        are, ``x / max`` (``evaluate_hr.py``).
    """

    def __init__(self, pred, gt, *, pred_prev=None, gt_prev=None, region=None, region_prev=None,
                 region_value=128, pred_fgr=None, gt_fgr=None, column_major=False, device="cpu",
                 spatial=True, workspace: Workspace | None = None, minmax: bool = True,
                 conn: bool = False):
        self.has_prev = pred_prev is not None and gt_prev is not None
        if self.has_prev:
            pred, gt, pred_prev, gt_prev = _one_depth(pred, gt, pred_prev, gt_prev)
        else:
            pred, gt = _one_depth(pred, gt)
        self.integer = pred.dtype == gt.dtype and pred.dtype in _INT_MAX
        conv = np.ascontiguousarray if self.integer else _unit
        self.max_value = _INT_MAX[pred.dtype] if self.integer else 1
        self.pred = conv(pred)
        self.gt = conv(gt)
        self.pred_prev = conv(pred_prev) if self.has_prev else self.pred[:0, :0]
        self.gt_prev = conv(gt_prev) if self.has_prev else self.gt[:0, :0]
        self.has_region = region is not None
        self.region = np.ascontiguousarray(region, dtype=np.uint8) if self.has_region else np.zeros((0, 0), np.uint8)
        self.region_prev = region_prev if region_prev is not None else region
        self.region_value = int(region_value)
        self.column_major = bool(column_major)
        self.device = device
        self.spatial = spatial
        self.minmax = bool(minmax)
        self.conn = bool(conn)
        self.pred_fgr, self.gt_fgr = pred_fgr, gt_fgr
        self.shape = self.pred.shape
        self.workspace = workspace if workspace is not None else Workspace()

    @property
    def has_fgr(self) -> bool:
        return self.pred_fgr is not None and self.gt_fgr is not None

    # --- shared results -------------------------------------------------------------------
    @cached_property
    def _fast_scan(self):
        """The fused 8-bit scan, when it applies (whole frame, width a multiple of 8), else None."""
        h, w = self.shape
        if not (self.integer and self.max_value == 255 and not self.has_region and w % 8 == 0):
            return None
        prev_p = self.pred_prev if self.has_prev else self.pred
        prev_g = self.gt_prev if self.has_prev else self.pred
        lut, _ = _conn_tables(255)
        return scan.scan_u8(self.pred, self.gt, prev_p, prev_g, self.has_prev, lut, grad_kernels.TILE,
                            *self._run_buffers())

    def _run_buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """Worst-case run and difference lists (int32, not int64: the 1080p scan runs 1.9x faster;
        pages never written are never faulted in)."""
        n = self.pred.size
        ws = self.workspace
        return ws.array("runs", (n, 4), np.int32), ws.array("diffs", (n, 2), np.int32)

    @property
    def _scan_on_cpu(self) -> bool:
        """Whether the fused CPU scan runs anyway (Conn needs its runs), so its sums are free."""
        return self.conn and self._fast_scan is not None

    @cached_property
    def pixel_sums(self) -> tuple[float, float, float, int]:
        """(sum |d|, sum d^2, sum dt^2, pixels) in units of the [0, 1] scale."""
        if self.device == "cuda" and not self._scan_on_cpu:
            from mbench.benchmark.kernels import cuda

            sa, ss, st, n = cuda.pixel_sums(self)
        elif self.spatial and self._fast_scan is not None:
            (sa, ss, st), n = self._fast_scan[0], self.pred.size
        else:
            fn = pixel.int_sums if self.integer else pixel.float_sums
            sa, ss, st, n = fn(self.pred.ravel(), self.gt.ravel(), self.pred_prev.ravel(),
                               self.gt_prev.ravel(), self.region.ravel(), self.has_prev,
                               self.has_region, self.region_value)
        m = float(self.max_value)
        return float(sa) / m, float(ss) / (m * m), float(st) / (m * m), int(n)

    @cached_property
    def tiles(self):
        """Flat-tile maps of both mattes (flat_p, value_p, flat_g, value_g), for Grad."""
        if self._fast_scan is not None:
            return self._fast_scan[1]
        return (*grad_kernels.tile_map(self.pred, grad_kernels.TILE),
                *grad_kernels.tile_map(self.gt, grad_kernels.TILE))

    @cached_property
    def grad_sum(self) -> float:
        """Sum over the region of (|grad g^| - |grad p^|)^2, min-max normalised mattes."""
        sp, sg = self._minmax_scales
        if self.device == "cuda":
            from mbench.benchmark.kernels import cuda

            return cuda.grad_sum(self, sp, sg, _TAPS)
        scratch = self.workspace.array("grad", (grad_kernels.scratch_size(self.shape[1]),), np.float64)
        return float(grad_kernels.grad_error_sum(self.pred, self.gt, sp, sg, _TAPS, self.tiles,
                                                 self.region, self.has_region, self.region_value,
                                                 grad_kernels.TILE, scratch))

    @cached_property
    def extremes(self) -> tuple:
        """(min, max) of pred, then of gt, in their own units (from the 8-bit scan when it runs)."""
        if (self.device == "cpu" or self._scan_on_cpu) and self._fast_scan is not None:
            return tuple(self._fast_scan[7])
        return self.pred.min(), self.pred.max(), self.gt.min(), self.gt.max()

    @cached_property
    def _minmax_scales(self) -> tuple[float, float]:
        """1 / (max - min) of pred and of gt (0 for a constant matte, which normalises to zeros);
        1 / max_value for both without min-max normalisation."""
        if not self.minmax:
            return 1.0 / self.max_value, 1.0 / self.max_value
        lo_p, hi_p, lo_g, hi_g = self.extremes
        return tuple(1.0 / (float(hi) - float(lo)) if hi > lo else 0.0
                     for lo, hi in ((lo_p, hi_p), (lo_g, hi_g)))

    @cached_property
    def conn_sum(self) -> float:
        """Sum over the region of |phi(p) - phi(g)|."""
        h, w = self.shape
        p, g = self.pred.ravel(), self.gt.ravel()
        if self._fast_scan is not None:
            runs, n_runs, row_start, diffs, n_diffs = self._fast_scan[2:7]
        else:
            if self.integer:
                lev = conn_kernels.levels_from_lut(p, g, _conn_tables(self.max_value)[0])
            else:
                lev = conn_kernels.levels_from_float(p, g, _T32)
            runs, n_runs, row_start, diffs, n_diffs = scan.runs_generic(
                p, g, lev, h, w, self.region.ravel(), self.has_region, self.region_value,
                *self._run_buffers())
        n32, n8 = conn_kernels.scratch_sizes(n_runs)
        kstar = conn_kernels.drop_levels(runs, n_runs, row_start, h, self.column_major,
                                         self.workspace.array("conn32", (n32,), np.int32),
                                         self.workspace.array("conn8", (n8,), np.uint8))
        if self._fast_scan is not None:
            return float(conn_kernels.conn_sum_codes(diffs, n_diffs, kstar, _conn_tables(255)[1]))
        if self.integer:
            phi = _conn_tables(self.max_value)[1]
            return float(conn_kernels.conn_sum_lut(p, g, diffs, n_diffs, kstar, phi))
        return float(conn_kernels.conn_sum_float(p, g, diffs, n_diffs, kstar, _T32))

    @cached_property
    def fgr_sums(self) -> tuple[float, float, int]:
        """(sum |dF|, sum dF^2, values) over pixels with true alpha > 0, all channels, [0, 1] units."""
        fp, fg = self.pred_fgr, self.gt_fgr
        if fp.dtype == fg.dtype and fp.dtype in _INT_MAX:
            m = float(_INT_MAX[fp.dtype])
            fp, fg = np.ascontiguousarray(fp), np.ascontiguousarray(fg)
            if self.device == "cuda":
                from mbench.benchmark.kernels import cuda

                sa, ss, n = cuda.fgr_sums(fp, fg, self.gt)
            else:
                sa, ss, n = pixel.int_fgr_sums(fp, fg, self.gt)
        else:
            m = 1.0
            sa, ss, n = pixel.float_fgr_sums(_unit(fp), _unit(fg), _unit(self.gt))
        return float(sa) / m, float(ss) / (m * m), int(n)
