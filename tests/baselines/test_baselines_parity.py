"""Parity with the ORIGINAL RVM and BGMv2 code on the same weights and inputs.

``data/official_parity.json`` was written by running RobustVideoMatting's and BackgroundMattingV2's
own ``model/`` code (source commits in the file) on the weights and inputs of ``parity_recipe``.
Every released architecture is covered: RVM MobileNetV3 and ResNet-50 (with and without the Deep
Guided Filter, state carried across calls), BGMv2 MobileNetV2, ResNet-50 and ResNet-101, BGMv2's
sampling, thresholding and full refinement and its base network.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from mbench.baselines import build

from parity_recipe import CASES, case_id, seeded_inputs, seeded_weights, summarise, weights_sha256

DATA = Path(__file__).parent / "data"
GOLDEN = json.loads((DATA / "official_parity.json").read_text())
# float32 networks on another torch build: per-value absolute tolerance on pooled maps and crops,
# relative tolerance on sums and moments.
ATOL, RTOL = 2e-5, 1e-5


def seeded_model(model_name: str, backbone: str, options: dict) -> torch.nn.Module:
    model = build(model_name, backbone, **options).eval()
    model.load_state_dict(seeded_weights(model.state_dict()))
    return model


def run_ours(model_name: str, backbone: str, options: dict, forward: dict,
             model: torch.nn.Module | None = None) -> dict[str, torch.Tensor]:
    model = model or seeded_model(model_name, backbone, options)
    with torch.no_grad():
        if model_name == "rvm":
            (src,) = seeded_inputs("rvm")
            first = model(src[:, :2], **forward)
            second = model(src[:, 2:], state=first.state, **forward)
            out = {"fgr": torch.cat([first.fgr, second.fgr], 1),
                   "pha": torch.cat([first.pha, second.pha], 1)}
            out.update({f"r{i + 1}": r for i, r in enumerate(second.state)})
            if forward["downsample_ratio"] == 1.0:
                out["seg"] = first.seg
            return out
        src, bgr = seeded_inputs("bgmv2")
        result = model(src, bgr=bgr, **forward)
        names = ("pha", "fgr", "pha_coarse", "fgr_coarse", "err", "ref") if forward["refine"] \
            else ("pha", "fgr", "err", "hid")
        return {name: getattr(result, name) for name in names}


def test_every_released_architecture_is_covered():
    assert {(m, b) for m, b, _, _ in CASES} == {
        ("rvm", "mobilenetv3"), ("rvm", "resnet50"),
        ("bgmv2", "mobilenetv2"), ("bgmv2", "resnet50"), ("bgmv2", "resnet101")}
    modes = {o.get("refine_mode") for m, _, o, f in CASES if m == "bgmv2" and f["refine"]}
    assert modes == {"sampling", "thresholding", "full"}
    assert set(GOLDEN["cases"]) == {case_id(*case) for case in CASES}
    for source in GOLDEN["source"].values():
        assert len(source["commit"]) == 40


@pytest.mark.parametrize("name", sorted(GOLDEN["weights_sha256"]))
def test_the_recipe_draws_the_weights_the_original_run_used(name):
    model_name, backbone = name.split("_", 1)
    state = seeded_weights(build(model_name, backbone).state_dict())
    assert weights_sha256(state) == GOLDEN["weights_sha256"][name]


@pytest.mark.parametrize("case", CASES, ids=[case_id(*c) for c in CASES])
def test_outputs_equal_the_original_code(case):
    golden = GOLDEN["cases"][case_id(*case)]["outputs"]
    ours = run_ours(*case)
    assert set(ours) == set(golden)
    for name, tensor in ours.items():
        got, want = summarise(tensor), golden[name]
        assert got["shape"] == want["shape"], name
        for key in ("sum", "mean", "std", "min", "max"):
            assert got[key] == pytest.approx(want[key], rel=RTOL, abs=ATOL), (name, key)
        assert torch.allclose(torch.tensor(got["pooled"]), torch.tensor(want["pooled"]),
                              rtol=0, atol=ATOL), name
        for crop_got, crop_want in zip(got["crops"], want["crops"], strict=True):
            assert torch.allclose(torch.tensor(crop_got), torch.tensor(crop_want), rtol=0, atol=ATOL), name


def test_the_parity_test_sees_the_resnet_normalisation():
    """Normalising RVM-ResNet50's input (the old defect) moves the outputs far beyond tolerance."""
    case = ("rvm", "resnet50", {}, {"downsample_ratio": 1.0})
    model = seeded_model(*case[:3])
    model.backbone.normalize = True
    ours = run_ours(*case, model=model)
    golden = GOLDEN["cases"][case_id(*case)]["outputs"]
    assert abs(summarise(ours["pha"])["mean"] - golden["pha"]["mean"]) > 10 * ATOL
    assert abs(summarise(ours["r4"])["mean"] - golden["r4"]["mean"]) > 10 * ATOL
