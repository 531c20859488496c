"""What an evaluation will read: clips paired across the two trees, checked before any scoring.

Everything that can be known without decoding pixels is checked here, so that a bad tree fails in
seconds with one line naming the file: missing or extra clips and frames, unreadable or truncated
images, text files named ``.png``, and frames whose size differs from the ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mbench.benchmark.conventions import Convention, select_metrics
from mbench.errors import BadInput
from mbench.frames import probe_image
from mbench.layout import Clip, Layer, check_same_frames, discover_clips, pair_clips, trimap_layer


@dataclass
class ClipJob:
    """One clip to score: both sides' layers, frame names, and the trimaps if any."""

    id: str
    pred: Clip
    gt: Clip
    trimap: Layer | None
    fgr: bool
    size: tuple[int, int] | None = None  # (height, width) of the frames, once the headers are read

    @property
    def stems(self) -> tuple[str, ...]:
        return self.gt.stems

    def frame_size(self) -> tuple[int, int]:
        """(height, width) of the clip's frames (from its first ground-truth header if not known)."""
        if self.size is None:
            self.size = first_frame_size(self.gt.layers["pha"])
        return self.size


@dataclass
class EvalPlan:
    """The validated work of one evaluation run."""

    convention: Convention
    metrics: tuple[str, ...]
    jobs: list[ClipJob]
    pred_root: Path
    gt_root: Path
    trimap_root: Path | None
    total_clips: int          # before sharding
    shard: tuple[int, int] | None

    @property
    def n_frames(self) -> int:
        return sum(len(j.stems) for j in self.jobs)


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"K/N"`` (0 <= K < N) -> (K, N)."""
    if text is None:
        return None
    try:
        k, n = (int(v) for v in str(text).split("/"))
    except ValueError:
        raise BadInput("shard must be K/N with whole numbers, e.g. 0/4", text) from None
    if n < 1 or not 0 <= k < n:
        raise BadInput("shard K/N needs 0 <= K < N", text)
    return k, n


def plan_evaluation(pred_root, gt_root, convention: Convention, metrics: list[str] | None,
                    trimap_root=None, shard: str | tuple[int, int] | None = None,
                    check_images: bool = True) -> EvalPlan:
    """Discover, pair and validate; raise :class:`BadInput` on the first problem found."""
    pred_root, gt_root = Path(pred_root), Path(gt_root)
    if convention.needs_trimap and trimap_root is None:
        raise BadInput(f"convention {convention.name} scores the trimap's unknown region: "
                       f"give --trimap ROOT", convention.name)
    gt_clips = discover_clips(gt_root, what="ground-truth")
    pred_clips = discover_clips(pred_root, what="predictions")
    pairs = pair_clips(pred_clips, gt_clips, pred_root, gt_root)
    have_fgr = all("fgr" in p.layers and "fgr" in g.layers for p, g in pairs)
    names = select_metrics(convention, metrics, have_fgr)
    shard = parse_shard(shard) if isinstance(shard, (str, type(None))) else shard
    total = len(pairs)
    if shard is not None:
        # A shard may hold no clip (a fixed-size job array over a small set): it scores nothing and
        # writes an empty evaluation that --merge accepts.
        pairs = [pg for i, pg in enumerate(pairs) if i % shard[1] == shard[0]]
    want_fgr = any(n.startswith("fgr_") for n in names)
    jobs = []
    for p, g in pairs:
        tri = None
        if convention.needs_trimap:
            tri = trimap_layer(trimap_root, g.id)
            check_same_frames(tri, g.layers["pha"])
        if want_fgr:
            check_same_frames(p.layers["fgr"], g.layers["fgr"])
            check_same_frames(g.layers["fgr"], g.layers["pha"])
        jobs.append(ClipJob(g.id, p, g, tri, want_fgr))
    plan = EvalPlan(convention, names, jobs, pred_root, gt_root,
                    None if trimap_root is None else Path(trimap_root), total, shard)
    if check_images:
        for job in jobs:
            check_clip_images(job)
    return plan


def _frame_sizes(layer: Layer, stems: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """(height, width) of each frame from the image headers (one size for a video layer)."""
    if layer.is_video:
        from mbench.frames import VideoFrames

        v = VideoFrames(layer.path)
        return {s: (v.height, v.width) for s in stems}
    index = {s: i for i, s in enumerate(layer.stems)}
    out = {}
    for s in stems:
        info = probe_image(layer.files[index[s]])
        out[s] = (info.height, info.width)
    return out


def first_frame_size(layer: Layer) -> tuple[int, int]:
    """(height, width) of a layer's first frame, from its header."""
    return _frame_sizes(layer, layer.stems[:1])[layer.stems[0]]


def check_clip_images(job: ClipJob) -> None:
    """Every frame readable (by its header and ending) and of the ground truth's size."""
    stems = job.stems
    gt_sizes = _frame_sizes(job.gt.layers["pha"], stems)
    job.size = gt_sizes[stems[0]]
    layers = [("pha", job.pred.layers["pha"])]
    if job.fgr:
        layers += [("fgr", job.pred.layers["fgr"]), ("fgr", job.gt.layers["fgr"])]
    if job.trimap is not None:
        layers.append(("trimap", job.trimap))
    for name, layer in layers:
        sizes = _frame_sizes(layer, stems)
        for s in stems:
            if sizes[s] != gt_sizes[s]:
                where = layer.path if layer.is_video else layer.files[layer.stems.index(s)]
                (h, w), (gh, gw) = sizes[s], gt_sizes[s]
                raise BadInput(f"{name} frame is {w}x{h} but the ground-truth alpha is {gw}x{gh}", where)
