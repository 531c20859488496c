"""``mbench synth --hf``: the dataset as a Hugging Face ``datasets.DatasetDict`` (``DIR/hf``).

One split per recipe split, one row per frame: ``clip`` (e.g. ``"0003"``), ``frame`` (its index)
and one ``datasets.Image`` column per layer holding the very bytes of the written file, so
``datasets.load_from_disk(DIR / "hf")`` decodes to the same pixels as the files.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mbench.atomic import atomic_dir, remove_tree
from mbench.errors import BadInput
from mbench.paths import check_name, safe_join

from .writer import MANIFEST, frame_names, layer_suffix

HF_DIR = "hf"


def _rows(root: str, clips: list[tuple[str, int]], layers: list[str], suffixes: list[str]):
    for cid, n in clips:
        clip_dir = safe_join(root, cid, key="clips key")
        for i, name in enumerate(frame_names(n)):
            row = {"clip": cid.rsplit("/", 1)[-1], "frame": i}
            for layer, suffix in zip(layers, suffixes):
                row[layer] = {"bytes": (clip_dir / layer / f"{name}{suffix}").read_bytes(), "path": None}
            yield row


def export_hf(root: str | os.PathLike, manifest: dict) -> Path:
    """Write ``root/hf`` from a finished dataset and its manifest; return its path."""
    try:
        import datasets
    except ImportError:
        raise BadInput("--hf needs the 'datasets' package (pip install 'mbench[hf]')", "--hf") from None
    root = Path(root)
    output = manifest["recipe"]["output"]
    # tuples: datasets shards a generator over its list arguments, and there is one list here
    layers = tuple(check_name(layer, root / MANIFEST, "recipe.output.layers") for layer in output["layers"])
    suffixes = tuple(layer_suffix(layer, output) for layer in layers)
    features = datasets.Features({"clip": datasets.Value("string"), "frame": datasets.Value("int32"),
                                  **{layer: datasets.Image() for layer in layers}})
    final = root / HF_DIR
    cache = Path(tempfile.mkdtemp(prefix=".hf-cache-", dir=root))
    bars = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # its bars would clutter stderr; restored below
    try:
        splits = {}
        for split in manifest["recipe"]["splits"]:
            clips = [(cid, plan["frames"]) for cid, plan in manifest["clips"].items() if plan["split"] == split]
            splits[split] = datasets.Dataset.from_generator(
                _rows, features=features, cache_dir=str(cache),
                gen_kwargs={"root": str(root), "clips": clips, "layers": layers, "suffixes": suffixes})
        with atomic_dir(final) as tmp:
            datasets.DatasetDict(splits).save_to_disk(str(tmp))
    finally:
        remove_tree(cache)
        if bars:
            datasets.enable_progress_bars()
    return final
