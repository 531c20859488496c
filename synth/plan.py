"""Planning: every random choice of a dataset, made before any pixel is rendered.

A *clip plan* (one clip of a written dataset) and a *sequence plan* (one streamed sequence) are
plain JSON-able dicts: which source clip, start frame, frames, flip, background, sampling draw and
augmentation draw. The manifest records them; :mod:`mbench.synth.render` turns a sequence plan into
frames. Plans depend only on (recipe, seed, sources), never on worker count or order: every draw
comes from ``numpy.random.default_rng`` keyed by ``[seed, split index, purpose, index, sub-index]``.

A split's *clips* are the material: clip ``c`` takes ``L_c`` frames (one in ``keep_one_in``) from
one source clip. A written clip is rendered as consecutive sequences of ``sequence_length`` frames
(0: the whole clip), each with its own background and augmentation; a streamed sequence is a window
of ``T`` frames into one of the split's clips (windows enumerated clip by clip), sampled (speed,
shift, reversal, wrap-around) and augmented afresh for each sequence index.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import math

import numpy as np

from .augment import draw_augmentation
from .catalog import SourceSet
from .geometry import working_size
from .guidance import draw_guidance
from .subjects import plan_subjects
from .leakage import clip_uses
from .recipes import clip_lengths
from .rvm_resample import working_size as rvm_working_size
from .sampling import clip_frames, draw_sampling, sample_offsets, start_range

# Purposes (the third element of every seed key); fixed, as changing one changes every dataset.
WRITE, STREAM, CLIP, ORDER = 1, 2, 3, 4
# Sub-generators of a sequence key.
_SAMPLING, _BACKGROUND, _AUGMENT, _GUIDANCE = 101, 102, 103, 104


def _pick_cycle(planner, catalog, role, index, rng, weights):
    return index % len(catalog)


def _pick_shuffle(planner, catalog, role, index, rng, weights):
    # one permutation per (split, role): distinct entries until the catalog is used up
    perm = np.random.default_rng([planner.seed, planner._split_index, ORDER, 1 if role == "fgr" else 2, 0]
                                 ).permutation(len(catalog))
    return int(perm[index % len(catalog)])


def _pick_distinct(planner, catalog, role, index, rng, weights):
    # RVM's generators give sample i the shuffled background i (i mod the pool): with a pool of B
    # backgrounds and foregrounds cycling with period F, (i mod F, i mod B) repeats after lcm(F, B)
    # samples. Shifting the background by one per lcm block keeps every pair distinct for the
    # first F * B samples (pairs repeat only once the pools are used up), and equals RVM's pairing
    # while i < lcm(F, B) (e.g. its 25 samples over 5 foregrounds and 45 background videos).
    n = len(catalog)
    f = planner.foreground_period()
    shifted = (index + index // math.lcm(f, n)) % n
    return _pick_shuffle(planner, catalog, role, shifted, rng, weights)


def _pick_random(planner, catalog, role, index, rng, weights):
    return int(rng.choice(len(catalog), p=weights))


PICKERS = {"cycle": _pick_cycle, "shuffle": _pick_shuffle, "random": _pick_random, "distinct": _pick_distinct}
"""How a clip or sequence picks its source entry (the recipe's ``*_order`` keys)."""


@dataclass
class Planner:
    """Plans the clips and sequences of one split of a resolved recipe."""

    recipe: dict
    split: str
    seed: int
    sources: SourceSet
    _subsets: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.config = self.recipe["splits"][self.split]
        self._split_index = list(self.recipe["splits"]).index(self.split)
        self.size = tuple(self.recipe["size"])
        self.lengths = clip_lengths(self.config)
        self.augment = self.recipe["profiles"]["augment"][self.config["augment"]]
        self.sampling = self.recipe["profiles"]["sampling"][self.config["sampling"]]

    def key(self, purpose: int, index: int, sub: int = 0) -> list[int]:
        return [int(self.seed), self._split_index, purpose, int(index), int(sub)]

    def settings(self) -> dict:
        """What the renderer needs besides a sequence plan."""
        return {"size": list(self.size), "geometry": self.config["geometry"],
                "border": self.augment["background_border"], "hue_scale": self.augment["hue_scale"],
                "resampling": self.augment["resampling"], "compose": self.recipe["output"]["compose"],
                "rounding": self.recipe["output"]["rounding"], "layers": list(self.recipe["output"]["layers"])}

    def foreground_period(self) -> int:
        """After how many clips the foreground choice repeats (cycle and shuffle orders)."""
        cfg = self.config
        n = len(self.sources.fg_catalog(cfg["source_split"]))
        return min(n, cfg["foreground_pool"]) if cfg["foreground_pool"] else n

    # -- clips -------------------------------------------------------------------------------
    def clip_material(self, c: int) -> dict:
        """Clip ``c``'s source clip, start frame, flip and source frames."""
        if c not in self._subsets:
            cfg = self.config
            catalog = self.sources.fg_catalog(cfg["source_split"])
            if cfg["foreground_pool"]:
                catalog = catalog[: cfg["foreground_pool"]]
            rng = np.random.default_rng(self.key(CLIP, c))
            weights = self.sources.weights("fgr", catalog, (cfg["source_split"], cfg["foreground_pool"]))
            source, clip = catalog[PICKERS[cfg["foreground_order"]](self, catalog, "fgr", c, rng, weights)]
            length, keep = self.lengths[c], cfg["keep_one_in"]
            start = 0
            if cfg["start"] == "random":
                start = int(rng.integers(start_range(length, keep, clip.num_frames)))
            self._subsets[c] = {
                "source": source, "spec": self.sources.spec("fgr", source),
                "split": cfg["source_split"], "clip": clip.id, "start": start, "keep_one_in": keep,
                "length": length, "flip": cfg["flip"] == "cycle-parity" and (c // len(catalog)) % 2 == 1,
                "frames": clip_frames(start, length, keep, clip.num_frames),
                "size": [clip.width, clip.height]}
        return self._subsets[c]

    def clip_plan(self, c: int) -> dict:
        """The plan of written clip ``c``: its material and its sequences."""
        material = self.clip_material(c)
        length = material["length"]
        seq_len = self.config["sequence_length"] or length
        sequences = [self.sequence(material, base, min(seq_len, length - base), self.key(WRITE, c, j), c)
                     for j, base in enumerate(range(0, length, seq_len))]
        public = {k: v for k, v in material.items() if k not in ("frames", "size")}
        return {"split": self.split, "index": c, "id": f"{c:04d}", "frames": length,
                "material": public, "sequences": sequences, "uses": clip_uses(material, sequences)}

    # -- streaming ---------------------------------------------------------------------------
    def windows(self, seq_len: int) -> list[tuple[int, int]]:
        """``(clip, first frame)`` of every window of ``seq_len`` frames, clip by clip."""
        return [(c, base) for c, n in enumerate(self.lengths) for base in range(0, n, seq_len)]

    def stream_plan(self, i: int, seq_len: int, windows: list[tuple[int, int]]) -> dict:
        """The plan of streamed sequence ``i`` (window ``i mod len(windows)``, fresh draws per ``i``)."""
        c, base = windows[i % len(windows)]
        return self.sequence(self.clip_material(c), base, seq_len, self.key(STREAM, i), i)

    # -- one sequence ------------------------------------------------------------------------
    def sequence(self, material: dict, base: int, length: int, key: list[int], order_index: int) -> dict:
        """Plan ``length`` frames starting at frame ``base`` of a clip's material."""
        cfg = self.config
        draw = draw_sampling(np.random.default_rng([*key, _SAMPLING]), self.sampling, length)
        frames = material["frames"]
        fg_frames = [frames[(base + o) % len(frames)] for o in sample_offsets(draw, length)]

        rng = np.random.default_rng([*key, _BACKGROUND])
        catalog = self.sources.bg_catalog(cfg["background_split"], cfg["background_kind"])
        weights = self.sources.weights("bgr", catalog, (cfg["background_split"], cfg["background_kind"]))
        pick = PICKERS[cfg["background_order"]]
        source, item = catalog[pick(self, catalog, "bgr", order_index, rng, weights)]
        keep = cfg["keep_one_in"]
        if not item.is_video:
            bg_frames = [0] * length
        elif cfg["background_frames"] == "first":
            bg_frames = [(m * keep) % item.num_frames for m in range(length)]
        else:  # RVM: random start, then the sequence sampler again
            start = int(rng.integers(start_range(length, keep, item.num_frames)))
            bg_draw = draw_sampling(rng, self.sampling, length)
            bg_frames = [(start + o * keep) % item.num_frames for o in sample_offsets(bg_draw, length)]

        work = rvm_working_size if self.augment["resampling"] == "every-step" else working_size
        fg_work = work(tuple(material["size"]), self.size)
        bg_work = work((item.width, item.height), self.size)
        plan = {
            "key": key, "length": length,
            "fg": {"source": material["source"], "spec": material["spec"], "split": material["split"],
                   "clip": material["clip"], "frames": fg_frames, "flip": material["flip"],
                   "work": list(fg_work)},
            "bg": {"source": source, "spec": self.sources.spec("bgr", source),
                   "split": cfg["background_split"], "item": item.id, "frames": bg_frames,
                   "work": list(bg_work)},
            "sampling": draw,
            "augment": draw_augmentation(self.augment, [*key, _AUGMENT], fg_work, bg_work, self.size, length),
        }
        subjects = plan_subjects(self, material, key, sample_offsets(draw, length), length, bg_work,
                                 draw_augmentation, work, start_range)
        if subjects is not None:  # only recorded when the profile can add subjects
            plan["subjects"] = subjects
        guidance = draw_guidance(np.random.default_rng([*key, _GUIDANCE]), self.recipe["guidance"],
                                 self.recipe["output"]["layers"])
        if guidance:  # only recorded when a guidance layer is written
            plan["guidance"] = guidance
        return plan


def plan_split(recipe: dict, split: str, seed: int, sources: SourceSet) -> list[dict]:
    """The plans of every clip of ``split``."""
    planner = Planner(recipe, split, seed, sources)
    return [planner.clip_plan(c) for c in range(planner.config["clips"])]
