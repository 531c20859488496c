"""Speed of the image-matting protocols (gca, vitmatte_py, gfm, mmagic) against straightforward
restatements of their originals, timed in the same run on the same images.

Each reference below does what the original evaluation code does, with the same libraries: GCA's
port (float32 arrays, two ``scipy.ndimage.convolve`` 9x9 filters per matte, ten skimage ``label`` +
``bincount``), ViTMatte's SAD/MSE (float32 numpy), GFM's functions (float64 sums, four scipy
``gaussian_filter`` calls, ten skimage ``label`` + ``regionprops`` and the unused
``distance_transform_edt`` per threshold, as the original computes it), mmagic's metrics
(``cv2.normalize``, ``cv2.filter2D``, ten ``cv2.connectedComponentsWithStats``). mbench runs each
protocol's ``image_metrics`` (the compiled kernels). One thread each; the time per image is the
best of ``--repeat`` passes over the images, divided by their number. Images are realistic
(perf/realistic_mattes.py: procedural subjects, network-like predictions) with trimaps from
``mbench.trimap.make_trimap`` (width 10). Both sides' values are compared on every image.

    python perf/protocol_speed_image.py [--images 3] [--repeat 2]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from scipy import ndimage
from skimage.measure import label, regionprops

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import realistic_mattes  # noqa: E402
from mbench.benchmark.kernels.workspace import Workspace  # noqa: E402
from mbench.benchmark.protocols import gca, gfm, mmagic, vitmatte_py  # noqa: E402, F401
from mbench.trimap import make_trimap  # noqa: E402

T = np.arange(0, 1 + 0.1, 0.1)


def dim_kernel(sigma=1.4):
    half = int(np.ceil(sigma * np.sqrt(-2 * np.log(np.sqrt(2 * np.pi) * sigma * 1e-2))))
    x = np.arange(-half, half + 1)
    gauss = np.exp(-x ** 2 / (2 * sigma ** 2)) / (sigma * np.sqrt(2 * np.pi))
    hx = np.outer(gauss, -x * gauss / sigma ** 2)
    return hx / np.sqrt((hx ** 2).sum())


HX = dim_kernel()


def ref_gca(p8, g8, t8):
    p, g, t = (a.astype(np.float32) for a in (p8, g8, t8))
    u = t == 128
    err = (p - g) / 255.0
    sad = np.sum(np.abs(err) * u) / 1000
    mse = np.sum(err ** 2 * u) / (np.sum(u) + 1e-8)
    pn, gn = p / 255.0, g / 255.0
    amp = [np.sqrt(ndimage.convolve(a, HX, mode="nearest") ** 2 + ndimage.convolve(a, HX.T, mode="nearest") ** 2)
           for a in (pn, gn)]
    grad = np.sum(((amp[0] - amp[1]) ** 2)[u]) / 1000
    lmap = np.full(p.shape, -1.0)
    for i in range(1, len(T)):
        lab = label(((pn >= T[i]) & (gn >= T[i])).astype(int), connectivity=1)
        omega = lab == np.argmax(np.bincount(lab.ravel()))
        lmap[(lmap == -1) & ~omega] = T[i - 1]
    lmap[lmap == -1] = 1
    dp, dg = pn - lmap, gn - lmap
    conn = np.sum(np.abs((1 - dp * (dp >= 0.15)) - (1 - dg * (dg >= 0.15)))[u]) / 1000
    return {"sad": sad, "mse": mse, "grad": grad, "conn": conn}


def ref_vitmatte(p8, g8, t8):
    p, g, t = (a.astype(np.float32) for a in (p8, g8, t8))
    err = (p - g) / 255.0
    u = t == 128
    return {"sad": np.sum(np.abs(err) * u) / 1000, "mse": np.sum(err ** 2 * u) / (np.sum(u) + 1e-8)}


def ref_gfm(p8, g8, t8):
    p, g = p8 / 255., g8 / 255.
    n = p.size
    forced = p.copy()
    forced[t8 == 255] = 1.
    forced[t8 == 0] = 0.
    nu = float((t8 == 128).sum())
    out = {"sad_trimap": np.sum(np.abs(forced - g)) / 1000, "mse_trimap": np.sum((forced - g) ** 2) / nu,
           "mad_trimap": np.sum(np.abs(forced - g)) / nu, "sad": np.sum(np.abs(p - g)) / 1000,
           "mse": np.sum((p - g) ** 2) / n, "mad": np.sum(np.abs(p - g)) / n}
    d = np.abs(p - g)
    out["sad_fg"] = np.sum(d * (t8 == 255)) / 1000
    out["sad_bg"] = np.sum(d * (t8 == 0)) / 1000
    lmap = np.full(p.shape, -1, np.float32)
    for i in range(1, len(T)):
        lab = label((p >= T[i]) & (g >= T[i]), connectivity=1)
        cc = regionprops(lab)
        if not cc:
            continue
        omega = np.zeros(p.shape, np.float32)
        c = cc[int(np.argmax([r.area for r in cc]))].coords
        omega[c[:, 0], c[:, 1]] = 1
        lmap[(lmap == -1) & (omega == 0)] = T[i - 1]
        dist = ndimage.distance_transform_edt(omega == 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            dist = dist / dist.max()
    lmap[lmap == -1] = 1
    dp, dg = p - lmap, g - lmap
    out["conn"] = np.sum(np.abs((1 - dp * (dp >= 0.15)) - (1 - dg * (dg >= 0.15)))) / 1000
    mags = []
    for a in (p, g):
        x = ndimage.gaussian_filter(a, 1.4, order=[1, 0], output=np.float32)
        y = ndimage.gaussian_filter(a, 1.4, order=[0, 1], output=np.float32)
        mags.append(np.sqrt(x ** 2 + y ** 2))
    out["grad"] = np.sum(np.square(mags[0] - mags[1])) / 10
    return out


def ref_mmagic(p8, g8, t8):
    p8 = p8.copy()
    p8[t8 == 255] = 255
    p8[t8 == 0] = 0
    p, g = p8 / 255.0, g8 / 255.0
    nu = (t8 == 128).sum()
    out = {"sad": np.abs(p - g).sum() / 1000, "mattingmse": ((p - g) ** 2).sum() / nu if nu else 0}
    mags = []
    for a in (g, p):
        a_n = np.zeros_like(a)
        cv2.normalize(a, a_n, 1.0, 0.0, cv2.NORM_MINMAX)
        fx = cv2.filter2D(a_n, -1, HX, borderType=cv2.BORDER_REPLICATE)
        fy = cv2.filter2D(a_n, -1, HX.T, borderType=cv2.BORDER_REPLICATE)
        mags.append(np.sqrt(fx ** 2 + fy ** 2))
    out["gradienterror"] = ((mags[0] - mags[1]) ** 2 * (t8 == 128)).sum() / 1000
    rmap = -np.ones_like(g)
    for i in range(1, len(T)):
        inter = ((g >= T[i]) & (p >= T[i])).astype(np.uint8)
        _, lab, stats, _ = cv2.connectedComponentsWithStats(inter, connectivity=4)
        omega = np.zeros_like(g)
        if len(stats) > 1:
            omega[lab == np.argmax(stats[1:, -1]) + 1] = 1
        rmap[(rmap == -1) & (omega == 0)] = T[i - 1]
    rmap[rmap == -1] = 1
    dg, dp = g - rmap, p - rmap
    out["connectivityerror"] = (np.abs((1 - dg * (dg >= 0.15)) - (1 - dp * (dp >= 0.15))) * (t8 == 128)).sum() / 1000
    return out


PROTOCOLS = {"gca": (gca.image_metrics, ref_gca), "vitmatte_py": (None, ref_vitmatte),
             "gfm": (gfm.image_metrics, ref_gfm), "mmagic": (mmagic.image_metrics, ref_mmagic)}


def vitmatte_metrics(p, g, t, ws=None):
    s, m = gca.unknown_sad_mse(p, g, t)
    return {"sad": s, "mse": m}


def images(width, height, n):
    gt = realistic_mattes.ground_truth(width, height, 1, n, seed=3)[0]
    pred = realistic_mattes.prediction(gt, 5)
    return [(pred[i], gt[i], make_trimap(gt[i], 10)) for i in range(n)]


def best_time(fn, imgs, repeat):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = [fn(*a) for a in imgs]
        best = min(best, time.perf_counter() - t0)
    return best / len(imgs), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    print(f"# {platform.processor() or platform.machine()}, python {platform.python_version()}, one thread")
    print("| size | protocol | reference ms/image | mbench ms/image | speed-up | max rel. difference |")
    print("|---|---|---:|---:|---:|---:|")
    for w, h in ((512, 288), (1920, 1080)):
        imgs = images(w, h, args.images)
        ws = Workspace()
        for name, (ours, ref) in PROTOCOLS.items():
            ours = ours or vitmatte_metrics
            [ours(*a, ws) for a in imgs[:1]]  # compile / warm the caches
            t_ours, got = best_time(lambda p, g, t: ours(p, g, t, ws), imgs, args.repeat)
            t_ref, want = best_time(ref, imgs, args.repeat)
            worst = max(abs(float(a[k]) - float(b[k])) / max(abs(float(b[k])), 1e-12)
                        for a, b in zip(got, want) for k in a if np.isfinite(float(b[k])))
            print(f"| {w}x{h} | {name} | {t_ref * 1e3:.1f} | {t_ours * 1e3:.2f} | {t_ref / t_ours:.1f}x | {worst:.1e} |")


if __name__ == "__main__":
    main()
