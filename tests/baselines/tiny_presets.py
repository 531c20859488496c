"""Tiny training presets for the tests: the smoke recipe's stream, 32x32 clips of 2 frames,
quarter-width networks, rvm always configured (with its segmentation steps)."""

from __future__ import annotations

from pathlib import Path


def tiny_preset(*, seed: int, steps: int, batch: int = 2, lr: float | None = None, more: str = "") -> str:
    """Preset TOML text; ``lr`` sets every rvm group's rate, ``more`` appends other model tables."""
    rate = f"learning_rates = {{ default = {lr:g} }}\n" if lr is not None else ""
    return (f"seed = {seed}\n[data.train]\nrecipe = \"smoke\"\n"
            f"[train]\nsteps = {steps}\nbatch = {batch}\nseq_len = 2\nsize = [32, 32]\ncheckpoint_every = 2\n"
            f"[models.rvm]\noptions = {{ width_mult = 0.25 }}\nsegmentation = true\n{rate}{more}")


def tiny_bgmv2(lr: float) -> str:
    """The head of a quarter-width bgmv2 model table (stages or forward options may follow)."""
    return (f"[models.bgmv2]\nbackbone = \"mobilenetv2\"\n"
            f"options = {{ width_mult = 0.25, backbone_scale = 0.5 }}\n"
            f"learning_rates = {{ default = {lr:g} }}\n")


def load_tiny(folder: Path, name: str, text: str):
    """Write preset ``text`` as ``folder/name.toml`` and load it, as ``--preset FILE`` would."""
    from mbench.baselines.presets import load_preset

    path = Path(folder) / f"{name}.toml"
    path.write_text(text)
    return load_preset(str(path))
