"""Synthesis speed: frames/s of ``mbench synth`` against the bound of only encoding the same images.

For each output size, the same dataset (RVM's training augmentation, sequences of 8, PNG) is
written by the pipeline (plan, render, compose, encode, hash, write) and then its frames are only
PNG-encoded again with the same settings (com, fgr, pha, bgr). Both use 2 workers; each figure is
the best of 5 runs (after a warm-up), pipeline and bound alternating. "ratio" compares wall-clock
frames/s (what the target is about, and what a busy shared machine disturbs); "CPU-time ratio"
compares the CPU seconds each took (encode-only / pipeline), which other jobs on the machine
disturb less. Two kinds of sources:

- ``arrays``: built-in procedural subjects and backgrounds rendered beforehand into memory, so
  the figure is the pipeline's own cost (sources such as decoded VideoMatte240K frames excluded);
- ``built-in``: the procedural subjects and built-in backgrounds rendered live, as
  ``mbench synth --out VideoMatte8K`` does, from fresh sources in every run (so each run also
  builds its 8 subjects and about 45 backgrounds: one subject per 48 frames and one background
  per 8, where VideoMatte8K builds one per 380 frames and one per 28).

``--e2e`` also times ``mbench synth --out VideoMatte8K`` end to end (the default recipe, 7,960
frames), and compares it with only encoding one frame in ten of what it wrote (the same ratios).
``--options`` times each augmentation option of issue 13 (the ``rvm`` profile, motion blur, defocus,
shake, the codecs, linear-light composition, the guidance layers) at probability 1: render only
(no encoding or writing), the same sequences with and without the option, alternating, best of
``--repeats``; the option's cost is the difference in milliseconds per frame (one worker).
Run: ``python perf/synth_speed.py [--e2e] [--options] [--no-table] [--size WxH] [--sources built-in] [--dir DIR]``.

Nothing is deleted until the end: on a file system that delays the reuse of freed inodes (ext4
without a journal, as on the machine of ``perf/RESULTS.md``), creating files right after deleting
thousands costs up to a millisecond of kernel time each, which would be charged to the pipeline.
The script prints what creating a file costs in ``--dir`` before it starts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from mbench.frames import encode_image, read_alpha, read_color
from mbench.parallel import ordered_map
from mbench.synth.arrays import ArrayBackgrounds, ArrayForegrounds
from mbench.synth.catalog import SourceSet
from mbench.synth.recipes import resolve
from mbench.synth.writer import synthesize

RECIPE = """size = [{w}, {h}]
[sources]
fgr_options = {{ procedural = {{ size = [{sw}, {sh}], frames = 200 }} }}
bgr_options = {{ builtin = {{ size = [{sw}, {sh}], frames = 200, cache = 400 }} }}
[output]
color_format = "png"
png_compression = 1
[splits.train]
clips = {clips}
frames = {frames}
sequence_length = 8
sampling = "train"
augment = "train"
"""


def recipe_for(size: tuple[int, int], folder: Path, clips: int, frames: int) -> dict:
    w, h = size
    sh = h if w / h >= 16 / 9 else max(h, round(w * 9 / 16))
    sw = round(sh * 16 / 9)  # 16:9 sources covering the output, as VideoMatte240K's are
    path = folder / f"perf-{w}x{h}.toml"
    path.write_text(RECIPE.format(w=w, h=h, sw=sw, sh=sh, clips=clips, frames=frames))
    return resolve(str(path))


def arrays_from(sources: SourceSet, clips: int, frames: int) -> SourceSet:
    """The first clips / backgrounds of live sources, rendered into memory."""
    fg_src = sources.fgr[0][0]
    fg = {}
    for clip in fg_src.clips("train")[:clips]:
        pairs = [fg_src.frame(clip, i) for i in range(frames)]
        fg[clip.id] = (np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs]))
    bg_src = sources.bgr[0][0]
    bg = {}
    items = bg_src.items("train")
    stills = [it for it in items if not it.is_video][:clips]
    videos = [it for it in items if it.is_video][:2]
    for it in stills:
        bg[it.id] = bg_src.frame(it, 0)
    for it in videos:
        bg[it.id] = np.stack([bg_src.frame(it, i) for i in range(frames)])
    return SourceSet([ArrayForegrounds({"train": fg}, spec="arrays-fgr")],
                     [ArrayBackgrounds({"train": bg}, spec="arrays-bgr")])


def resolve_small(recipe: dict) -> dict:
    """The recipe cut to one clip of 8 frames."""
    small = json.loads(json.dumps(recipe))
    small["splits"]["train"].update(clips=1, frames=8)
    return small


def decoded_frames(root: Path, step: int = 1) -> list[list[np.ndarray]]:
    """Every ``step``-th frame of a written dataset, decoded: [com, fgr, pha, bgr] each."""
    frames = []
    for pha_file in sorted(root.glob("*/*/pha/*.png"))[::step]:
        clip, name = pha_file.parent.parent, pha_file.name
        frames.append([read_color(clip / "com" / name), read_color(clip / "fgr" / name),
                       read_alpha(pha_file), read_color(clip / "bgr" / name)])
    return frames


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of ``fn()``."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def encode_only(frames: list[list[np.ndarray]], workers: int) -> None:
    """Only PNG-encode the frames (4 layers each), with the same settings."""
    def encode(layers):
        return [encode_image(a, ".png", png_compression=1) for a in layers]

    for _ in ordered_map(encode, frames, workers):
        pass


def measure(size, sources_kind, folder: Path, workers: int, repeats: int) -> dict:
    """Best of ``repeats`` for the pipeline and for the bound, measured alternately (the machine
    is shared: the best run is the one least disturbed)."""
    clips, frames = 8, 48
    recipe = recipe_for(size, folder, clips, frames)
    live = SourceSet.for_recipe(recipe)
    sources = arrays_from(live, clips, 60) if sources_kind == "arrays" else live
    warm = folder / f"warm-{size[0]}x{size[1]}-{sources_kind}"
    # loads the compiled composition kernel, fills the sources' catalogs
    synthesize(resolve_small(recipe), warm, seed=0, sources=sources, workers=workers, quiet=True)
    pipeline, bound, decoded = [], [], None
    for r in range(repeats):
        out = folder / f"out-{size[0]}x{size[1]}-{sources_kind}-{r}"
        if sources_kind == "built-in":  # a fresh run: the sources' caches start empty
            sources = SourceSet.for_recipe(recipe)
        pipeline.append(timed(lambda: synthesize(recipe, out, seed=0, sources=sources, workers=workers,
                                                 quiet=True)))
        if decoded is None:
            decoded = decoded_frames(out)
        bound.append(timed(lambda: encode_only(decoded, workers)))
    n = len(decoded)
    return {"frames": n, "pipeline": n / min(w for w, _ in pipeline), "bound": n / min(w for w, _ in bound),
            "cpu": min(c for _, c in bound) / min(c for _, c in pipeline)}


def creation_cost(folder: Path, n: int = 200) -> float:
    """CPU microseconds this process spends creating one new (empty) file in ``folder``."""
    probe = folder / "creation-probe"
    probe.mkdir()
    c = time.process_time()
    for i in range(n):
        (probe / str(i)).touch()
    return (time.process_time() - c) / n * 1e6


def e2e(folder: Path, workers: int, repeats: int) -> dict:
    """``mbench synth --out VideoMatte8K`` (wall and CPU time of the subprocess), and encoding
    alone of one frame in ten of its output."""
    before, t = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run([sys.executable, "-m", "mbench", "synth", "--out", str(folder / "VideoMatte8K"), "--quiet",
                    "--workers", str(workers)], check=True)
    wall, after = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    sample = decoded_frames(folder / "VideoMatte8K", step=10)
    bound = [timed(lambda: encode_only(sample, workers)) for _ in range(repeats)]
    frames = 7960
    return {"seconds": wall, "cpu": cpu, "pipeline": frames / wall,
            "bound": len(sample) / min(w for w, _ in bound),
            "cpu_ratio": (min(c for _, c in bound) / len(sample)) / (cpu / frames)}


OPTIONS = {  # name -> (augment profile changes, output changes)
    "rvm profile (every-step resampling)": ({"base": "rvm"}, {}),
    "motion blur (8 samples)": ({"fg_motion_p": 1.0, "motion_blur_p": 1.0}, {}),
    "defocus background": ({"defocus_bg_p": 1.0}, {}),
    "defocus subject + alpha": ({"defocus_fg_p": 1.0}, {}),
    "camera shake": ({"shake_p": 1.0}, {}),
    "codec jpeg": ({"codec_p": 1.0, "codecs": ["jpeg"]}, {}),
    "codec h264": ({"codec_p": 1.0, "codecs": ["h264"]}, {}),
    "codec h265": ({"codec_p": 1.0, "codecs": ["h265"]}, {}),
    "linear-light composition": ({}, {"compose": "linear"}),
    "two subjects (occlusion 0.1-0.4)": ({"subjects": [2, 2]}, {}),
    "two subjects, motion blur on both (8 samples)": ({"subjects": [2, 2], "motion_blur_p": 1.0}, {}),
    "trimap layer": ({}, {"layers": ["com", "fgr", "pha", "bgr", "trimap"]}),
    "mask layer": ({}, {"layers": ["com", "fgr", "pha", "bgr", "mask"]}),
}


def options_table(size, folder: Path, repeats: int, sequences: int = 12) -> None:
    """Per option: render-only milliseconds per frame with and without it (same sequences, sources
rendered into memory beforehand)."""
    from mbench.synth.plan import Planner
    from mbench.synth.render import render_sequence

    w, h = size
    sh = h if w / h >= 16 / 9 else max(h, round(w * 9 / 16))
    sw = round(sh * 16 / 9)
    base = RECIPE.format(w=w, h=h, sw=sw, sh=sh, clips=sequences, frames=8)
    base = base.replace('augment = "train"', 'augment = "opt"')

    arrays = None

    def planned(aug: dict, output: dict):
        nonlocal arrays
        table = {"base": "train", "fg_motion_p": 1.0, **aug}
        text = base.replace("[splits.train]", "[augment.opt]\n" + "\n".join(
            f"{k} = {json.dumps(v)}" for k, v in table.items()) + "\n[splits.train]")
        for k, v in output.items():
            text = text.replace("[output]", f"[output]\n{k} = {json.dumps(v)}")
        path = folder / f"opt-{len(list(folder.glob('opt-*')))}.toml"
        path.write_text(text)
        recipe = resolve(str(path))
        if arrays is None:  # subjects and backgrounds rendered into memory once: the render's own cost
            arrays = arrays_from(SourceSet.for_recipe(recipe), sequences, 60)
        planner = Planner(recipe, "train", 0, arrays)
        plans = [planner.clip_plan(c)["sequences"][0] for c in range(sequences)]
        settings = planner.settings()
        for plan in plans:  # warm: kernels compiled, catalogs filled
            list(render_sequence(plan, settings, arrays))
        return plans, settings, arrays

    def run(setup) -> float:
        plans, settings, sources = setup
        t = time.perf_counter()
        for plan in plans:
            for _ in render_sequence(plan, settings, sources):
                pass
        return (time.perf_counter() - t) / (8 * len(plans)) * 1e3

    print(f"\n| option ({w}x{h}, render only, 1 worker) | ms/frame without | ms/frame with | cost ms/frame |")
    print("| --- | ---: | ---: | ---: |")
    for name, (aug, output) in OPTIONS.items():
        off, on = planned({}, {}), planned(aug, output)
        without, with_ = [], []
        for _ in range(repeats):
            without.append(run(off))
            with_.append(run(on))
        a, b = min(without), min(with_)
        print(f"| {name} | {a:.2f} | {b:.2f} | {b - a:+.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--e2e", action="store_true", help="also time mbench synth --out VideoMatte8K")
    parser.add_argument("--no-table", action="store_true", help="skip the table (with --e2e: only that)")
    parser.add_argument("--options", action="store_true", help="also time each augmentation option")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5, help="best of this many runs (default 5)")
    parser.add_argument("--dir", default=".", help="where the datasets are written (default: here)")
    parser.add_argument("--size", action="append", metavar="WxH",
                        help="only this output size (repeatable; default 224x224 and 512x288)")
    parser.add_argument("--sources", action="append", choices=["arrays", "built-in"],
                        help="only these sources (repeatable; default both)")
    args = parser.parse_args()
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.size] if args.size else [(224, 224), (512, 288)]
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores)")
    # in the working folder, not /tmp: file creation costs differ between file systems
    with tempfile.TemporaryDirectory(prefix=".synth-speed-", dir=args.dir) as tmp:
        folder = Path(tmp)
        print(f"creating a file in {args.dir}: {creation_cost(folder):.0f} us of CPU time")
        if not args.no_table:
            print("| size | sources | frames | pipeline frames/s | encode-only frames/s | ratio | CPU-time ratio |")
            print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
            for size in sizes:
                for kind in args.sources or ("arrays", "built-in"):
                    r = measure(size, kind, folder, args.workers, args.repeats)
                    print(f"| {size[0]}x{size[1]} | {kind} | {r['frames']} | {r['pipeline']:.1f} | "
                          f"{r['bound']:.1f} | {r['pipeline'] / r['bound']:.0%} | {r['cpu']:.0%} |", flush=True)
        if args.options:
            for size in sizes:
                options_table(size, folder, args.repeats)
        if args.e2e:
            r = e2e(folder, args.workers, args.repeats)
            print(f"\nmbench synth --out VideoMatte8K: {r['seconds']:.0f} s wall, {r['cpu']:.0f} s CPU "
                  f"(7,960 frames, {r['pipeline']:.1f} frames/s); encode-only {r['bound']:.1f} frames/s: "
                  f"ratio {r['pipeline'] / r['bound']:.0%}, CPU-time ratio {r['cpu_ratio']:.0%}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
