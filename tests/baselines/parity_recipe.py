"""The recipe of the parity test against the official RVM and BGMv2 code (torch only, no mbench).

``data/official_parity.json`` holds what the ORIGINAL model code (RobustVideoMatting and
BackgroundMattingV2 ``model/``, run on torchvision's classes) gave for the cases below, on weights
drawn by :func:`seeded_weights` and inputs from :func:`seeded_inputs`. The reference run imported
this file to draw the same weights and inputs, so the test and the run share one recipe; the JSON
also records the sha256 of the weights, so a changed recipe cannot pass silently.
"""

from __future__ import annotations

import hashlib
import math

import torch
from torch import Tensor

# Output heads whose weights are scaled down (so outputs stay inside (0, 1), away from the clamps
# and from ties that would make top-k patch selection depend on the implementation).
HEADS = {"project_mat.conv", "decoder.conv4", "refiner.conv4", "refiner.conv.6"}
WEIGHT_SEED = 3
INPUT_SEED = 7
RVM_SHAPE = (1, 3, 3, 64, 96)      # B, T, C, H, W: frames 0-1 in one call, frame 2 with the state
BGM_SHAPE = (1, 3, 96, 128)        # B, C, H, W: src, then bgr, from one generator

# (model, backbone, constructor options, forward options): every released architecture, the Deep
# Guided Filter (downsample_ratio 0.5) and BGMv2's three refine modes and its base network.
CASES = [
    ("rvm", "mobilenetv3", {}, {"downsample_ratio": 1.0}),
    ("rvm", "mobilenetv3", {}, {"downsample_ratio": 0.5}),
    ("rvm", "resnet50", {}, {"downsample_ratio": 1.0}),
    ("rvm", "resnet50", {}, {"downsample_ratio": 0.5}),
    ("bgmv2", "mobilenetv2", {"refine_mode": "sampling", "refine_sample_pixels": 1600}, {"refine": True}),
    ("bgmv2", "mobilenetv2", {"refine_mode": "thresholding", "refine_threshold": 0.33}, {"refine": True}),
    ("bgmv2", "mobilenetv2", {"refine_mode": "full"}, {"refine": True}),
    ("bgmv2", "mobilenetv2", {}, {"refine": False}),
    ("bgmv2", "resnet50", {"refine_mode": "sampling", "refine_sample_pixels": 1600}, {"refine": True}),
    ("bgmv2", "resnet101", {"refine_mode": "sampling", "refine_sample_pixels": 1600}, {"refine": True}),
]


def case_id(model: str, backbone: str, options: dict, forward: dict) -> str:
    """A readable name of a case (the key in the JSON)."""
    parts = [model, backbone, *(f"{k}={v}" for k, v in sorted({**options, **forward}.items()))]
    return ",".join(parts)


def seeded_weights(state: dict[str, Tensor], seed: int = WEIGHT_SEED) -> dict[str, Tensor]:
    """Deterministic weights for a state dict, drawn in its key order from one generator.

    Convolution weights N(0, 1/fan_in); BN scale U(0.75, 1.25), shift and running mean N(0, 0.1),
    running variance U(0.5, 1.5); heads 10x smaller with bias 0.3.
    """
    generator = torch.Generator().manual_seed(seed)
    out = {}
    for name, t in state.items():
        if not t.is_floating_point():
            out[name] = t.clone()
            continue
        if name.endswith("running_var"):
            value = 0.5 + torch.rand(t.shape, generator=generator)
        elif name.endswith("running_mean") or name.endswith("bias"):
            value = 0.1 * torch.randn(t.shape, generator=generator)
        elif t.ndim == 1:
            value = 0.75 + 0.5 * torch.rand(t.shape, generator=generator)
        else:
            value = torch.randn(t.shape, generator=generator) / math.sqrt(t[0].numel())
        if name.rsplit(".", 1)[0] in HEADS:
            value = value * 0.1 + (0.3 if name.endswith("bias") else 0.0)
        out[name] = value
    return out


def weights_sha256(state: dict[str, Tensor]) -> str:
    """sha256 over the float32 bytes of the floating-point tensors, in key order."""
    digest = hashlib.sha256()
    for name, t in state.items():
        if t.is_floating_point():
            digest.update(name.encode())
            digest.update(t.detach().to(torch.float32).contiguous().numpy().tobytes())
    return digest.hexdigest()


def seeded_inputs(model: str) -> tuple[Tensor, ...]:
    """rvm: (src,) of :data:`RVM_SHAPE`; bgmv2: (src, bgr) of :data:`BGM_SHAPE`, in 0..1."""
    generator = torch.Generator().manual_seed(INPUT_SEED)
    if model == "rvm":
        return (torch.rand(RVM_SHAPE, generator=generator),)
    return (torch.rand(BGM_SHAPE, generator=generator), torch.rand(BGM_SHAPE, generator=generator))


def summarise(t: Tensor) -> dict:
    """Statistics, 4x5 average-pooled maps per image and channel, and two exact 4x4 crops."""
    t = t.detach().to(torch.float64)
    maps = t.reshape(-1, *t.shape[-2:])
    height, width = maps.shape[-2:]
    pooled = torch.nn.functional.adaptive_avg_pool2d(maps[:, None], (min(4, height), min(5, width)))
    crops = [maps[0, :4, :4], maps[-1, height // 2: height // 2 + 4, width // 2: width // 2 + 4]]
    return {
        "shape": list(t.shape), "sum": float(t.sum()), "mean": float(t.mean()), "std": float(t.std()),
        "min": float(t.min()), "max": float(t.max()),
        "pooled": [round(float(v), 7) for v in pooled.flatten()][:40],
        "crops": [[round(float(v), 7) for v in c.flatten()] for c in crops],
    }
