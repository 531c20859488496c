"""Speed of the video protocols (dvm, maggie, tcvom, ftpvm) against straightforward restatements of
their original evaluation code, timed in the same run on the same files.

Each reference below restates its original's computation the way the original writes it (torch
conv2d and skimage ``label`` per threshold for DVM and MaGGIe, numpy + torch ``grid_sample`` for
TCVOM, numpy + ``cv2.filter2D`` + ``cv2.connectedComponentsWithStats`` for FTP-VM), reading the same
PNG files with OpenCV. Both sides run single-threaded (``workers=1``). DVM's and MaGGIe's MESSDdt
need OpenCV's Farneback flow, bit for bit, on both sides: it is computed once per pair beforehand
and both sides read it from that cache; its own time is printed separately (it is the same OpenCV
call on both sides, and at 1080p it dominates: about 2 s a pair on this machine).

Each repeat times mbench and the reference back to back; the table gives the medians of the times and
of the per-repeat ratios, with the range of the ratios.

    python perf/protocol_speed_video.py [--frames 6] [--repeat 5] [--quick] [--only ftpvm,maggie]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import skimage.measure
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "benchmark"))

import realistic_mattes  # noqa: E402
from mbench.benchmark.kernels import grad as grad_kernels  # noqa: E402
from mbench.benchmark.kernels import video as vk  # noqa: E402
from mbench.benchmark.protocols import dvm, ftpvm, maggie, tcvom  # noqa: E402
from mbench.benchmark.protocols.base import Options  # noqa: E402

torch.set_num_threads(1)
cv2.setNumThreads(1)
_FLOWS: dict[tuple, np.ndarray] = {}
_farneback = vk.farneback_rint


def cached_flow(g0: np.ndarray, g1: np.ndarray) -> np.ndarray:
    key = (g0.shape, zlib.crc32(g0), zlib.crc32(g1))
    if key not in _FLOWS:
        _FLOWS[key] = _farneback(g0, g1)
    return _FLOWS[key]


def kernel_x() -> np.ndarray:
    g, d = grad_kernels.gaussian_taps()
    return np.outer(g, d).astype(np.float32)  # hx[i, j] = G(i) G'(j), unit norm


def rgba_alpha(path) -> np.ndarray:
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)[..., -1]


def gray(path) -> np.ndarray:
    return cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)


def skimage_conn(p: np.ndarray, g: np.ndarray, thresholds) -> np.ndarray:
    """phi_p - phi_g map by per-threshold skimage labelling (float32 maps)."""
    l = -np.ones_like(g)
    for k in range(1, len(thresholds)):
        inter = (p >= thresholds[k]) & (g >= thresholds[k])
        cc, num = skimage.measure.label(inter, connectivity=1, return_num=True)
        omega = np.zeros_like(inter)
        if num:
            omega = cc == np.argmax(np.bincount(cc.ravel())[1:]) + 1
        l[(l == -1) & ~omega] = thresholds[k - 1]
    l[l == -1] = 1
    dp, dg = p - l, g - l
    return (1 - dp * (dp >= 0.15)) - (1 - dg * (dg >= 0.15))


# ---- references -------------------------------------------------------------------------------
def ref_dvm(pred_root: Path, gt_root: Path) -> None:
    kx = torch.from_numpy(kernel_x()[::-1, ::-1].copy())[None, None]
    t32 = torch.arange(0, 1.1, 0.1)
    for clip in sorted(p.parent for p in gt_root.glob("*/pha")):
        files = sorted((clip / "pha").iterdir())
        g = torch.from_numpy(np.stack([gray(f) for f in files]).astype(np.float32))
        p = torch.from_numpy(np.stack([gray(pred_root / clip.name / "pha" / f.name) for f in files])
                             .astype(np.float32))
        m = ((g > 0) & (g < 255)).float()
        pu, gu = p / 255, g / 255
        (((pu - gu).abs() * m).flatten(1).sum(1) / 1000).numpy()
        (((pu - gu) ** 2 * m).flatten(1).sum(1) / (m.flatten(1).sum(1) + 1)).numpy()
        amps = []
        for a in (pu, gu):
            x = F.pad(a[:, None], (4, 4, 4, 4), mode="replicate")
            fx, fy = F.conv2d(x, kx), F.conv2d(x, kx.transpose(2, 3))
            amps.append((fx ** 2 + fy ** 2).sqrt()[:, 0])
        (((amps[0] - amps[1]) ** 2) * m).flatten(1).sum(1).numpy()
        for i in range(len(files)):
            (np.abs(skimage_conn(pu[i].numpy(), gu[i].numpy(), t32.numpy())) * m[i].numpy()).sum()
        ((((pu[1:] - pu[:-1]) - (gu[1:] - gu[:-1])) ** 2 * m[:-1]).flatten(1).sum(1).sqrt()).numpy()
        g8 = g.numpy().astype(np.uint8)
        flow = torch.from_numpy(np.stack([cached_flow(g8[k], g8[k + 1]) for k in range(len(files) - 1)]))
        b, h, w = pu[:-1].shape
        yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
        idx = (xx[None] + flow[..., 0]).clamp(0, h - 1) * w + (yy[None] + flow[..., 1]).clamp(0, w - 1)
        e0 = (pu[:-1] - gu[:-1]) ** 2 * m[:-1]
        e1 = (torch.take(pu[1:], idx) - torch.take(gu[1:], idx)) ** 2 * torch.take(m[1:], idx)
        (e0 - e1).abs().flatten(1).sum(1).numpy()


def ref_maggie(pred_root: Path, gt_root: Path) -> None:
    k = torch.from_numpy(kernel_x())[None, None]
    t64 = np.arange(0, 1.1, 0.1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (25, 25))
    prev = maggie._UNDEFINED
    for video in sorted(p.name for p in (gt_root / "pha").iterdir()):
        frames = sorted(f.stem for f in (gt_root / "fgr" / video).glob("*.jpg"))
        g = np.stack([gray(next((gt_root / "pha" / video / f).glob("*.png"))) for f in frames])
        p = np.stack([gray(pred_root / video / f"{f}.png") for f in frames]).astype(np.float32) / 255
        p[p <= 1 / 255] = 0
        p[p >= 254 / 255] = 1
        gf = g.astype(np.float32) / 255
        calls, prev = maggie.plan(len(frames), lambda s: False, prev, gt_root)
        for c in calls:
            pp, gg = p[list(c.pred)], gf[list(c.gt)]
            tri = np.zeros_like(gg)
            for i, a in enumerate(gg):
                trans = (cv2.dilate(a, kernel) - cv2.erode(a, kernel)) > 0
                tri[i][a > 0.5] = 2
                tri[i][trans] = 1
            diff = np.abs(pp - gg)
            for m in (np.ones_like(gg), (tri == 2).astype(np.float32), (tri == 0).astype(np.float32),
                      (tri == 1).astype(np.float32)):
                (np.mean(diff * m, axis=(1, 2)) / (m.sum(axis=(1, 2)) + 1e-6)).sum()
            np.mean(diff ** 2, axis=(1, 2)).sum()
            diff.sum()
            gt_t, pr_t = torch.from_numpy(gg)[:, None], torch.from_numpy(pp)[:, None]
            gn = (gt_t - gt_t.min()) / (gt_t.max() - gt_t.min() + 1e-6)
            pn = (pr_t - pr_t.min()) / (pr_t.max() - pr_t.min() + 1e-6)
            ga = torch.sqrt(F.conv2d(gn, k, padding=4) ** 2 + F.conv2d(gn, k.transpose(2, 3), padding=4) ** 2)
            pa = torch.sqrt(F.conv2d(pn, k, padding=4) ** 2 + F.conv2d(pn, k.transpose(2, 3), padding=4) ** 2)
            ((ga - pa) ** 2).sum().item()
            for i in range(len(pp)):
                np.abs(skimage_conn(pp[i], gg[i], t64)).sum()
            if c.temporal_pred is not None:
                tp, tg = p[list(c.temporal_pred)], gf[list(c.temporal_gt)]
                np.sqrt((((tp[1:] - tp[:-1]) - (tg[1:] - tg[:-1])) ** 2).sum()) * 0.1
                g8 = (tg * 255).astype(np.uint8)
                flow = torch.from_numpy(np.stack([cached_flow(g8[j], g8[j + 1]) for j in range(len(tg) - 1)]))
                b, h, w = tp[:-1].shape
                yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
                idx = ((xx[None] + flow[..., 0]).clamp(0, h - 1) * w
                       + (yy[None] + flow[..., 1]).clamp(0, w - 1))
                tpt, tgt = torch.from_numpy(tp), torch.from_numpy(tg)
                e1 = (torch.take(tpt[1:], idx) - torch.take(tgt[1:], idx)) ** 2
                ((tpt[:-1] - tgt[:-1]) ** 2 - e1).abs().sum().item()


def ref_tcvom(pred_root: Path, data_root: Path) -> None:
    keys = sorted(json.loads((data_root / "frame_corr.json").read_text()))
    fids = [k[:-4] for k in keys]
    for i, fid in enumerate(fids):
        a = np.float32(gray(pred_root / f"{fid}_pred.png") / 255.0)
        t = gray(pred_root / f"{fid}_tri.png")
        g = np.float32(rgba_alpha(data_root / "FG_done" / f"{fid}.png") / 255.0)
        m = (t > 0) * (t < 255)
        np.mean(np.abs(a[m] - g[m])), np.mean((a[m] - g[m]) ** 2), np.sqrt(np.sum((a[m] - g[m]) ** 2))
        if i + 1 < len(fids) and fids[i + 1].split("/")[0] == fid.split("/")[0]:
            nxt = fids[i + 1]
            ha = np.float32(gray(pred_root / f"{nxt}_pred.png") / 255.0)
            hg = np.float32(rgba_alpha(data_root / "FG_done" / f"{nxt}.png") / 255.0)
            np.sqrt(np.sum(((a - ha)[m] - (g - hg)[m]) ** 2))
            x = cv2.imread(str(data_root / "flow_png" / fid.split("/")[0] /
                               f"flow_{fid.split('/')[1]}_{nxt.split('/')[1]}.png"), cv2.IMREAD_UNCHANGED)
            flow = np.float32(np.int16(x[..., :-1]))
            flow[x[..., -1] == 0] = np.nan
            flow = torch.from_numpy(flow / 100.0).permute(2, 0, 1)[None]
            h, w = a.shape
            nan = torch.isnan(flow)
            flow[nan] = 0
            ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
            cx, cy = xs + flow[:, 0], ys + flow[:, 1]
            grid = torch.stack([2 * cx / (w - 1) - 1, 2 * cy / (h - 1) - 1], dim=-1)
            pa = F.grid_sample(torch.from_numpy(ha)[None, None], grid, align_corners=True)[0, 0]
            pg = F.grid_sample(torch.from_numpy(hg)[None, None], grid, align_corners=True)[0, 0]
            v = (~nan[0, 0]) & torch.from_numpy(m)
            e = torch.from_numpy(a)[v] - torch.from_numpy(g)[v]
            (e - (pa[v] - pg[v])).abs().sum(), (e ** 2 - (pa[v] - pg[v]) ** 2).abs().sum()


def ref_ftpvm(pred_root: Path, gt_root: Path) -> None:
    kx = kernel_x().astype(np.float64)
    t = np.arange(0, 1.1, 0.1)
    for clip in sorted(p.parent for p in gt_root.glob("*/*/pha")):
        prev = None
        rel = clip.relative_to(gt_root)
        for name in sorted(f.name for f in (clip / "pha").iterdir()):
            g = gray(clip / "pha" / name).astype(np.float32) / 255
            p = gray(pred_root / rel / "pha" / name).astype(np.float32) / 255
            tri = gray(clip / "trimap" / name)
            fg, bg = tri >= 254, tri <= 1
            regions = [fg, ~(fg | bg), bg]
            diff = np.abs(p - g)
            sq = (p - g) ** 2
            for sel in regions:
                diff[sel].sum(), sq[sel].mean() if sel.any() else 0
            mags = []
            for a in (p, g):
                n = np.zeros_like(a)
                cv2.normalize(a, n, 1., 0., cv2.NORM_MINMAX)
                fx = cv2.filter2D(n, -1, kx, borderType=cv2.BORDER_REPLICATE)
                fy = cv2.filter2D(n, -1, kx.T, borderType=cv2.BORDER_REPLICATE)
                mags.append(np.sqrt(fx ** 2 + fy ** 2).astype(np.float32))
            gl = (mags[1] - mags[0]) ** 2
            [gl[sel].sum() / 1000 for sel in regions]
            l = -np.ones_like(g)
            for k in range(1, len(t)):
                inter = ((g >= t[k]) & (p >= t[k])).astype(np.uint8)
                _, out, stats, _ = cv2.connectedComponentsWithStats(inter, connectivity=4)
                omega = np.zeros_like(g)
                if len(stats) > 1:
                    omega[out == np.argmax(stats[1:, -1]) + 1] = 1
                l[(l == -1) & (omega == 0)] = t[k - 1]
            l[l == -1] = 1
            dg, dp = g - l, p - l
            np.sum(np.abs((1 - dg * (dg >= 0.15)) - (1 - dp * (dp >= 0.15)))) / 1000
            if prev is not None:
                e = ((p - prev[0]) - (g - prev[1])) ** 2
                for sel, psel in zip(regions, prev[2]):
                    u = sel | psel
                    math.sqrt(e[u].sum() / u.sum()) * 100 if u.any() else 0
            prev = (p, g, regions)


# ---- trees ------------------------------------------------------------------------------------
def write(path: Path, a: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), a)


def trees(root: Path, w: int, h: int, frames: int) -> dict[str, tuple[Path, Path]]:
    gt = realistic_mattes.ground_truth(w, h, 1, frames)[0]
    pred = realistic_mattes.prediction(gt, 0)
    square = np.ones((9, 9), np.uint8)
    band = np.stack([cv2.dilate(((a > 0) & (a < 255)).astype(np.uint8), square) for a in gt])
    tri = np.where(band > 0, 128, np.where(gt == 255, 255, 0)).astype(np.uint8)  # a band as datasets ship
    for f in range(frames):
        s = f"{f:04d}"
        write(root / "dvm/pred/c/pha" / f"{s}.png", pred[f])
        write(root / "dvm/gt/c/pha" / f"{s}.png", gt[f])
        write(root / "maggie/gt/fgr/v" / f"{s}.jpg", np.zeros((4, 4, 3), np.uint8))
        write(root / "maggie/gt/pha/v" / s / "a.png", gt[f])
        write(root / "maggie/gt/xmem/v" / s / "a.png", gt[f])
        write(root / "maggie/pred/v" / f"{s}.png", pred[f])
        write(root / "ftpvm/GT/d/c/pha" / f"{s}.png", gt[f])
        write(root / "ftpvm/GT/d/c/trimap" / f"{s}.png", tri[f])
        write(root / "ftpvm/m/d/c/pha" / f"{s}.png", pred[f])
        for v in ("v", "w"):  # tcvom: the last video ("w") is never evaluated by the original
            rgba = np.dstack([np.zeros((h, w, 3), np.uint8), gt[f]])
            write(root / f"tcvom/data/FG_done/{v}" / f"{s}.png", rgba)
            write(root / f"tcvom/pred/{v}" / f"{s}_pred.png", pred[f])
            write(root / f"tcvom/pred/{v}" / f"{s}_tri.png", tri[f])
            if f + 1 < frames:
                fl = cv2.calcOpticalFlowFarneback(gt[f], gt[f + 1], None, 0.5, 3, 15, 3, 5, 1.2, 0)
                x = np.zeros((h, w, 3), np.uint16)
                x[..., 0] = np.round(fl[..., 0] * 100).astype(np.int64) & 0xFFFF
                x[..., 1] = np.round(fl[..., 1] * 100).astype(np.int64) & 0xFFFF
                x[..., 2] = 65535
                write(root / f"tcvom/data/flow_png/{v}" / f"flow_{s}_{f + 1:04d}.png", x)
    keys = {f"{v}/{f:04d}.jpg": 0 for v in ("v", "w") for f in range(frames)}
    (root / "tcvom/data/frame_corr.json").write_text(json.dumps(keys))
    return {"dvm": (root / "dvm/pred", root / "dvm/gt"), "maggie": (root / "maggie/pred", root / "maggie/gt"),
            "tcvom": (root / "tcvom/pred", root / "tcvom/data"),
            "ftpvm": (root / "ftpvm/m", root / "ftpvm/GT")}


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="512x288 only")
    ap.add_argument("--only", default="dvm,maggie,tcvom,ftpvm", help="comma-separated protocols")
    args = ap.parse_args()
    vk.farneback_rint = cached_flow  # both sides read the same cached flows
    mods = {"dvm": dvm, "maggie": maggie, "tcvom": tcvom, "ftpvm": ftpvm}
    refs = {"dvm": ref_dvm, "maggie": ref_maggie, "tcvom": ref_tcvom, "ftpvm": ref_ftpvm}
    sizes = [(512, 288)] + ([] if args.quick else [(1920, 1080)])
    print("| size | protocol | reference ms/frame | mbench ms/frame | speed-up, median (range) | "
          "Farneback ms/pair (both sides) |")
    print("|---|---|---:|---:|---:|---:|")
    for w, h in sizes:
        frames = max(5, args.frames if w < 1000 else args.frames // 2)  # maggie needs 5 (4 fails)
        with tempfile.TemporaryDirectory() as tmp:
            paths = trees(Path(tmp), w, h, frames)
            for name in args.only.split(","):
                pred, gt = paths[name]
                mods[name].run(pred, gt, Options(workers=1))  # warm-up; fills the flow cache
                fb = ""
                if name in ("dvm", "maggie"):
                    g0, g1 = (cv2.imread(str(gt / ("c/pha" if name == "dvm" else "pha/v")
                                             / (f"{i:04d}.png" if name == "dvm" else f"{i:04d}/a.png")),
                                         cv2.IMREAD_GRAYSCALE) for i in (0, 1))
                    fb = f"{best(lambda: _farneback(g0, g1), 1) * 1e3:.0f}"
                # neighbours: each repeat times both sides back to back; on a shared machine whose
                # speed drifts from second to second, the median ratio of neighbours is the steady figure
                pairs = [(best(lambda: mods[name].run(pred, gt, Options(workers=1)), 1),
                          best(lambda: refs[name](pred, gt), 1)) for _ in range(args.repeat)]
                ours = statistics.median(p[0] for p in pairs)
                ref = statistics.median(p[1] for p in pairs)
                ratios = sorted(r / o for o, r in pairs)
                n = frames * (2 if name == "tcvom" else 1)
                print(f"| {w}x{h} | {name} | {ref * 1e3 / n:.1f} | {ours * 1e3 / n:.1f} | "
                      f"{statistics.median(ratios):.1f}x ({ratios[0]:.1f}-{ratios[-1]:.1f}) | {fb} |",
                      flush=True)


if __name__ == "__main__":
    main()
