"""The four baseline models: build table, shapes, parameter counts, recurrence, costs, bad input."""

from __future__ import annotations

import pytest
import torch

from mbench.baselines import SPECS, build
from mbench.baselines.measure import count_macs, count_parameters
from mbench.baselines.models import ModelOutput, auto_downsample_ratio
from mbench.errors import BadInput

torch.set_num_threads(1)

ALL = [(name, backbone) for name, spec in SPECS.items() for backbone in spec.backbones]


def rand(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


def run(model, src, **kwargs) -> ModelOutput:
    spec = SPECS[model.spec_name]
    if spec.needs_background:
        kwargs.setdefault("bgr", rand(*src.shape, seed=1))
    with torch.no_grad():
        return model(src, **kwargs)


def small(name: str, backbone: str | None = None, **options):
    model = build(name, backbone, **options).eval()
    model.spec_name = name
    return model


@pytest.mark.parametrize("name, backbone", ALL)
def test_every_model_and_backbone_gives_mattes_of_the_input_size(name, backbone):
    # Narrow ResNets keep the suite fast; the full widths are counted below.
    width = 0.25 if backbone.startswith("resnet") else 1.0
    model = small(name, backbone, width_mult=width)
    out = run(model, rand(1, 2, 3, 70, 90))
    assert out.pha.shape == (1, 2, 1, 70, 90) and out.fgr.shape == (1, 2, 3, 70, 90)
    for field in SPECS[name].outputs:
        value = getattr(out, field)
        assert value is not None and value.shape[:2] == (1, 2) and torch.isfinite(value).all(), field
    for value in (out.pha, out.fgr):
        assert value.min() >= 0 and value.max() <= 1
    assert (out.state is not None) == SPECS[name].recurrent


def test_single_frames_give_4d_outputs_equal_to_one_step_sequences():
    model = small("rvm")
    src = rand(2, 3, 64, 64)
    single, seq = run(model, src), run(model, src.unsqueeze(1))
    assert single.pha.shape == (2, 1, 64, 64) and single.seg.shape == (2, 1, 64, 64)
    assert torch.allclose(single.pha, seq.pha[:, 0]) and torch.allclose(single.fgr, seq.fgr[:, 0])


def test_exact_parameter_counts_of_the_official_architectures():
    rvm = count_parameters(build("rvm"))
    assert rvm == {"total": 3_748_633, "backbone": 2_971_952, "aspp": 246_016, "decoder": 529_772,
                   "project_mat": 68, "project_seg": 17, "refiner": 808}
    assert count_parameters(build("rvm", "resnet50"))["total"] == 26_890_461
    bgm = count_parameters(build("bgmv2", "mobilenetv2"))
    assert bgm["total"] == 5_006_839 and bgm["refiner"] == 15_444
    assert count_parameters(build("bgmv2"))["total"] == 40_247_703  # "40.2 M" (ResNet-50)
    lstm = build("convlstm")
    assert sum(p.numel() for n, p in lstm.named_parameters() if ".lstm" in n) == 1_641_408
    assert count_parameters(lstm)["total"] == 40_221_852 + 1_641_408


def test_resnet101_bgmv2_count():
    assert count_parameters(build("bgmv2", "resnet101"))["total"] == 59_239_831  # "59.2 M"


@pytest.mark.parametrize("name, kwargs", [
    ("rvm", {}), ("rvm", {"downsample_ratio": 0.5}), ("convlstm", {}), ("attention_memory", {}),
    ("attention_memory", {"downsample_ratio": 0.5}),
])
def test_a_sequence_equals_its_frames_fed_one_by_one(name, kwargs):
    options = {"width_mult": 0.25} if name == "convlstm" else {}
    model = small(name, **options)
    src = rand(2, 4, 3, 48, 56)
    whole = run(model, src, **kwargs)
    state, steps = None, []
    for t in range(4):
        out = run(model, src[:, t: t + 1], state=state, **kwargs)
        state = out.state
        steps.append(out)
    for field in ("pha", "fgr", *(f for f in ("err", "seg", "pha_lr") if getattr(whole, f) is not None)):
        stepped = torch.cat([getattr(o, field) for o in steps], dim=1)
        assert torch.allclose(getattr(whole, field), stepped, atol=1e-5), field
    # Continuing a sequence: two calls of two frames equal one call of four.
    first = run(model, src[:, :2], **kwargs)
    second = run(model, src[:, 2:], state=first.state, **kwargs)
    assert torch.allclose(second.pha, whole.pha[:, 2:], atol=1e-5)


def test_recurrence_carries_information_forward():
    model = small("rvm")
    src = rand(1, 3, 3, 48, 48)
    other = src.clone()
    other[:, 0] = 1 - other[:, 0]
    assert not torch.allclose(run(model, src).pha[:, 2], run(model, other).pha[:, 2])


def test_rvm_downsample_ratio_auto_and_coarse_outputs():
    assert auto_downsample_ratio(1080, 1920) == pytest.approx(512 / 1920)
    assert auto_downsample_ratio(200, 300) == 1.0
    model = small("rvm")
    out = run(model, rand(1, 1, 3, 96, 128), downsample_ratio=0.5)
    assert out.pha.shape[-2:] == (96, 128) and out.pha_coarse.shape[-2:] == (48, 64)
    assert out.hid.shape[-2:] == (48, 64)
    auto = run(model, rand(1, 1, 3, 96, 128), downsample_ratio="auto")
    assert auto.pha_coarse is None  # 128 px < 512: ratio 1, no guided filter


def test_bgmv2_background_forms_and_refine_switch():
    model = small("bgmv2", "mobilenetv2", refine_sample_pixels=16 * 20)
    src, bgr = rand(2, 3, 3, 64, 64), rand(2, 3, 64, 64, seed=3)
    shared = run(model, src, bgr=bgr)
    expanded = run(model, src, bgr=bgr.unsqueeze(1).expand(-1, 3, -1, -1, -1))
    assert torch.equal(shared.pha, expanded.pha)
    assert shared.ref.shape == (2, 3, 1, 16, 16) and shared.pha_coarse.shape == (2, 3, 1, 16, 16)
    assert torch.all(shared.ref.sum(dim=(2, 3, 4)) <= 20)
    base = run(model, src, bgr=bgr, refine=False)
    assert base.err.shape == (2, 3, 1, 64, 64) and base.hid.shape == (2, 3, 32, 64, 64)
    assert base.ref is None
    assert not torch.equal(run(model, src, bgr=1 - bgr).pha, shared.pha)  # the background matters


@pytest.mark.parametrize("mode", ["sampling", "thresholding", "full"])
def test_bgmv2_refine_modes(mode):
    model = small("bgmv2", "mobilenetv2", refine_mode=mode, refine_threshold=0.0)
    out = run(model, rand(1, 3, 70, 90))
    assert out.pha.shape == (1, 1, 70, 90)
    assert out.ref.shape == (1, 1, 18, 23)  # padded to 72 x 92, then / 4
    if mode != "sampling":
        assert torch.all(out.ref == 1)  # threshold 0: every location with error > 0


def test_attention_memory_direct_supervision_heads():
    model = small("attention_memory")
    out = run(model, rand(1, 3, 3, 70, 90))
    assert out.pha_lr.shape == (1, 3, 1, 5, 6) and out.fgr_lr.shape == (1, 3, 3, 5, 6)
    keys, values = out.state
    assert keys.shape == (1, 2, 64, 5, 6) and values.shape == (1, 2, 128, 5, 6)


def test_width_multiplier_narrows_and_seed_reproduces():
    full = count_parameters(build("rvm"))["total"]
    half = build("rvm", width_mult=0.5)
    assert count_parameters(half)["total"] < full / 2
    a, b, c = build("rvm", seed=3), build("rvm", seed=3), build("rvm", seed=4)
    for (name, p), q, r in zip(a.state_dict().items(), b.state_dict().values(), c.state_dict().values()):
        assert torch.equal(p, q), name
    assert not torch.equal(a.decoder.decode3.conv[0].weight, c.decoder.decode3.conv[0].weight)


@pytest.mark.parametrize("name", list(SPECS))
def test_a_training_step_gives_finite_gradients_to_every_learned_part(name):
    width = 0.25 if SPECS[name].default_backbone.startswith("resnet") else 0.5
    model = build(name, width_mult=width).train()
    src = rand(2, 2, 3, 64, 64)
    kwargs = {"bgr": rand(2, 2, 3, 64, 64, seed=1)} if SPECS[name].needs_background else {}
    out = model(src, **kwargs)
    loss = sum(v.float().mean() for k, v in out.tensors().items() if k != "ref")
    loss.backward()
    for group in model.param_groups({"default": 1e-4}):
        if group["name"] == "refiner" and name != "bgmv2":
            continue  # the Deep Guided Filter only runs at downsample_ratio < 1
        grads = [p.grad for p in group["params"] if p.grad is not None]
        assert grads and all(torch.isfinite(g).all() for g in grads), group["name"]


@pytest.mark.parametrize("name", list(SPECS))
def test_param_groups_cover_every_parameter_once_with_the_seed_rates(name):
    spec = SPECS[name]
    model = build(name, width_mult=0.25)
    groups = model.param_groups(spec.learning_rates)
    ids = [id(p) for g in groups for p in g["params"]]
    assert len(ids) == len(set(ids)) == len(list(model.parameters()))
    assert {g["name"]: g["lr"] for g in groups} == dict(spec.learning_rates)
    torch.optim.Adam(groups)
    with pytest.raises(BadInput, match="unknown learning-rate group"):
        model.param_groups({"default": 1.0, "encoder_typo": 1.0})
    with pytest.raises(BadInput, match="no learning rate"):
        model.param_groups({"backbone": 1.0})


def test_spec_table_matches_the_models():
    assert {n: s.default_backbone for n, s in SPECS.items()} == {
        "bgmv2": "resnet50", "convlstm": "resnet50", "rvm": "mobilenetv3",
        "attention_memory": "mobilenetv3"}
    assert [n for n, s in SPECS.items() if s.needs_background] == ["bgmv2"]
    assert [n for n, s in SPECS.items() if not s.recurrent] == ["bgmv2"]
    for name, spec in SPECS.items():
        assert "width_mult" in spec.options and "seed" in spec.options
        assert set(spec.learning_rates) == set(spec.model.LR_GROUPS)
    assert SPECS["bgmv2"].options["refine_mode"] == "sampling"


@pytest.mark.parametrize("call, fragment", [
    (lambda: build("modnet"), "unknown model"),
    (lambda: build("rvm", "resnet101"), "unknown backbone"),
    (lambda: build("rvm", width=0.5), "unknown option"),
    (lambda: build("rvm", width_mult=0), "width_mult"),
    (lambda: build("bgmv2", "mobilenetv2", refine_mode="all"), "refine mode"),
    (lambda: build("bgmv2", "mobilenetv2", backbone_scale=1.0), "backbone_scale"),
    (lambda: build("attention_memory", memory_frames=-1), "memory_frames"),
])
def test_bad_build_arguments_are_one_line_bad_input(call, fragment):
    with pytest.raises(BadInput, match=fragment) as info:
        call()
    assert "\n" not in str(info.value)


def test_bad_forward_inputs_are_bad_input():
    rvm, bgm = small("rvm"), small("bgmv2", "mobilenetv2")
    src = rand(1, 2, 3, 32, 32)
    with pytest.raises(BadInput, match="expected frames"):
        run(rvm, rand(1, 2, 4, 32, 32))
    with pytest.raises(BadInput, match="floating-point"):
        run(rvm, (src * 255).to(torch.uint8))
    with pytest.raises(BadInput, match="no background"):
        run(rvm, src, bgr=src)
    with pytest.raises(BadInput, match="downsample_ratio"):
        run(rvm, src, downsample_ratio=2)
    with pytest.raises(BadInput, match="recurrent state"):
        run(rvm, src, state=run(rvm, rand(1, 1, 3, 64, 64)).state)
    with pytest.raises(BadInput, match="needs the captured background"):
        with torch.no_grad():
            bgm(src)
    with pytest.raises(BadInput, match="does not match"):
        run(bgm, src, bgr=rand(1, 2, 3, 32, 48))


def test_macs_match_the_published_conv_counts():
    rvm = build("rvm")
    # REFERENCE 4.3: 2.0 GMACs at 256x256, 0.5 at 128x128 (convolutions only).
    assert count_macs(rvm, torch.zeros(1, 3, 256, 256)).gmacs == pytest.approx(2.0, abs=0.01)
    cost = count_macs(rvm, torch.zeros(1, 2, 3, 128, 128))
    assert cost.frames == 2 and cost.gmacs == pytest.approx(0.50, abs=0.01)
    assert sum(cost.by_module.values()) == cost.total
    conv = torch.nn.Conv2d(4, 6, 3, padding=1, groups=2)
    macs = count_macs(torch.nn.Sequential(conv), torch.zeros(1, 4, 5, 7))
    assert macs.total == 6 * 5 * 7 * 2 * 9


def test_the_registry_holds_everything_about_a_model():
    """One spec per model (timm-like): loss, terms, minimum frames, preset entries, default
    backbone, parameter counts, official weights; the CLI's --models default and help read it."""
    import argparse

    from mbench.baselines import SPECS
    from mbench.baselines.cli import add_arguments

    for name, spec in SPECS.items():
        assert spec.name == name and spec.default_backbone in spec.backbones
        assert callable(spec.loss) and spec.loss_terms and set(spec.loss_needs) <= set(spec.outputs) | {
            "pha_coarse", "fgr_coarse", "pha_lr", "fgr_lr"}
        assert spec.min_frames >= 1
        assert set(spec.official_weights) <= set(spec.backbones)
        assert ("segmentation" in spec.preset_keys) == ("seg" in spec.outputs)
    assert set(SPECS["rvm"].official_weights) == {"mobilenetv3", "resnet50"}
    assert SPECS["bgmv2"].min_frames == 2 and not SPECS["convlstm"].official_weights
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    models = next(a for a in parser._actions if a.dest == "models")
    assert models.default.split(",") == list(SPECS)
    assert all(spec.title in models.help for spec in SPECS.values())
