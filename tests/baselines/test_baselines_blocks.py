"""The shared blocks of mbench.baselines: shapes, formulas, initialisation, refiner modes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mbench.baselines.blocks import (ASPP, LRASPP, ConvGRU, ConvLSTM, DeepGuidedFilterRefiner,
                                     MemoryRead, MobileNetV2Encoder, MobileNetV3LargeEncoder,
                                     Refiner, ResNetEncoder, SpaceTimeMemory, init_weights)
from mbench.baselines.blocks.bgm_refiner import crop_patches, replace_patches
from mbench.baselines.blocks.layers import make_divisible, up_to
from mbench.errors import BadInput

torch.set_num_threads(1)


def params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def rand(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


def test_make_divisible_keeps_official_widths_and_rounds_others():
    for c in (16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 256, 320, 960):
        assert make_divisible(c) == c
    assert make_divisible(20) == 24 and make_divisible(12) == 16 and make_divisible(3) == 8
    assert make_divisible(36) == 40  # 32 would lose more than 10 %


@pytest.mark.parametrize("encoder, in_channels, channels", [
    (lambda: MobileNetV3LargeEncoder(), 3, (16, 24, 40, 960)),
    (lambda: MobileNetV2Encoder(6), 6, (16, 24, 32, 320)),
    (lambda: ResNetEncoder("resnet50", in_channels=6, width_mult=0.25), 6, (16, 64, 128, 512)),
])
def test_encoders_tap_four_scales_rounding_up(encoder, in_channels, channels):
    model = encoder().eval()
    assert model.channels == channels
    with torch.no_grad():
        taps = model(rand(2, in_channels, 70, 90))
    assert [t.shape[1] for t in taps] == list(channels)
    assert [tuple(t.shape[2:]) for t in taps] == [(35, 45), (18, 23), (9, 12), (5, 6)]


def test_mobilenetv2_is_dilated_after_output_stride_16():
    f = MobileNetV2Encoder(6).features
    assert len(f) == 18 and f[0][0].in_channels == 6
    assert f[14].conv[1][0].stride == (1, 1) and f[14].conv[1][0].dilation == (1, 1)
    for block in f[15:]:
        assert block.conv[1][0].dilation == (2, 2) and block.conv[1][0].padding == (2, 2)


def test_mobilenetv3_settings():
    f = MobileNetV3LargeEncoder().features
    bns = [m for m in f.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(bn.eps == 1e-3 and bn.momentum == 0.01 for bn in bns)
    dw = f[13].block[1][0]
    assert dw.stride == (1, 1) and dw.dilation == (2, 2) and dw.kernel_size == (5, 5)
    assert f[4].block[2].fc1.out_channels == 24  # make_divisible(72 / 4, 8)
    assert isinstance(f[16][2], nn.Hardswish) and f[16][0].out_channels == 960


def test_resnet_layer4_dilation_follows_torchvision():
    model = ResNetEncoder("resnet101", width_mult=0.25)
    assert len(model.layer3) == 23
    layer4 = model.layer4
    assert layer4[0].conv2.stride == (1, 1) and layer4[0].conv2.dilation == (1, 1)
    assert all(b.conv2.dilation == (2, 2) for b in layer4[1:])
    assert layer4[0].downsample[0].stride == (1, 1)


def test_aspp_and_lraspp_sizes():
    assert params(ASPP(320, (3, 6, 9))) == 2_706_432
    assert params(ASPP(2048, (3, 6, 9))) == 15_535_104
    assert params(LRASPP(960, 128)) == 246_016
    aspp = ASPP(32, (3, 6, 9), 16).eval()
    with torch.no_grad():
        assert aspp(rand(2, 32, 5, 6)).shape == (2, 16, 5, 6)
    lr = LRASPP(32, 8).eval()
    with torch.no_grad():
        x = rand(1, 32, 5, 6)
        assert torch.allclose(lr(x), lr.aspp1(x) * lr.aspp2(x))


def test_convgru_formula_and_sequence_equals_steps():
    gru = ConvGRU(4)
    init_weights(gru, torch.Generator().manual_seed(0))
    x, h = rand(2, 3, 4, 5, 6, seed=1), rand(2, 4, 5, 6, seed=2)
    with torch.no_grad():
        r, z = torch.sigmoid(gru.ih[0](torch.cat([x[:, 0], h], 1))).split(4, 1)
        c = torch.tanh(gru.hh[0](torch.cat([x[:, 0], r * h], 1)))
        assert torch.allclose(gru.step(x[:, 0], h), (1 - z) * h + z * c, atol=1e-6)
        seq, last = gru(x, h)
        state = h
        for t in range(3):
            out, state = gru(x[:, t: t + 1], state)
            assert torch.allclose(out[:, 0], seq[:, t], atol=1e-6)
        assert torch.equal(last, seq[:, -1]) and torch.allclose(last, state, atol=1e-6)
        zero, _ = gru(x[:, :1], None)
        assert torch.allclose(zero[:, 0], gru.step(x[:, 0], torch.zeros_like(h)))


def test_convlstm_formula_forget_bias_and_sequence():
    lstm = ConvLSTM(3)
    init_weights(lstm, torch.Generator().manual_seed(0))
    assert torch.all(lstm.conv.bias[3:6] == 1) and torch.all(lstm.conv.bias[:3] == 0)
    x, h, c = rand(1, 4, 3, 5, 5, seed=1), rand(1, 3, 5, 5, seed=2), rand(1, 3, 5, 5, seed=3)
    with torch.no_grad():
        i, f, o, g = lstm.conv(torch.cat([x[:, 0], h], 1)).split(3, 1)
        c1 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h1 = torch.sigmoid(o) * torch.tanh(c1)
        out, (hn, cn) = lstm(x[:, :1], (h, c))
        assert torch.allclose(out[:, 0], h1, atol=1e-6) and torch.allclose(cn, c1, atol=1e-6)
        seq, _ = lstm(x, None)
        state = None
        for t in range(4):
            out, state = lstm(x[:, t: t + 1], state)
            assert torch.allclose(out[:, 0], seq[:, t], atol=1e-6)
    with pytest.raises(BadInput, match="recurrent state"):
        lstm(x, (h[:, :, :4], c))


def test_deep_guided_filter_size_init_and_smoothing_start():
    dgf = DeepGuidedFilterRefiner(16)
    assert params(dgf) == 808
    init_weights(dgf, torch.Generator().manual_seed(0))
    assert torch.all(dgf.box_filter.weight == 1 / 9)
    nn.init.zeros_(dgf.conv[6].weight)
    dgf.eval()
    base_src, fgr, pha = rand(2, 3, 8, 10, seed=1), rand(2, 3, 8, 10, seed=2), rand(2, 1, 8, 10, seed=3)
    with torch.no_grad():
        out_fgr, out_pha = dgf(rand(2, 3, 32, 40), base_src, fgr, pha, rand(2, 16, 8, 10, seed=4))
        # A = bias = 0: the output is the box-filtered coarse result, bilinearly up-sampled.
        expected = nn.functional.interpolate(dgf.box_filter(torch.cat([fgr, pha], 1)), (32, 40),
                                             mode="bilinear", align_corners=False)
    assert out_fgr.shape == (2, 3, 32, 40) and out_pha.shape == (2, 1, 32, 40)
    assert torch.allclose(torch.cat([out_fgr, out_pha], 1), expected, atol=1e-6)


def _refiner_inputs(err: torch.Tensor):
    n, _, h, w = err.shape
    return (rand(n, 3, 4 * h, 4 * w, seed=1), rand(n, 3, 4 * h, 4 * w, seed=2), rand(n, 1, h, w, seed=3),
            rand(n, 3, h, w, seed=4), err, rand(n, 32, h, w, seed=5))


def _coarse_up(pha, fgr, size):
    return nn.functional.interpolate(torch.cat([pha, fgr], 1), size, mode="bilinear", align_corners=False)


@pytest.mark.parametrize("mode", ["sampling", "thresholding", "full"])
def test_refiner_modes_replace_exactly_the_selected_patches(mode):
    refiner = Refiner(mode, sample_pixels=16 * 7, threshold=0.5)
    assert params(refiner) == 15_444
    init_weights(refiner, torch.Generator().manual_seed(0))
    refiner.eval()
    err = rand(2, 1, 6, 8, seed=9)
    err[0, 0, 0, :3] = 0.0  # zero error: never sampled when preventing oversampling
    src, bgr, pha, fgr, err, hid = _refiner_inputs(err)
    with torch.no_grad():
        out_pha, out_fgr, ref = refiner(src, bgr, pha, fgr, err, hid)
    assert out_pha.shape == (2, 1, 24, 32) and out_fgr.shape == (2, 3, 24, 32)
    assert ref.shape == (2, 1, 6, 8)
    if mode == "full":
        assert torch.all(ref == 1)
        return
    if mode == "sampling":
        assert ref.sum(dim=(1, 2, 3)).tolist() == [7.0, 7.0]
        picked = ref[1, 0].flatten().nonzero().flatten()
        assert set(picked.tolist()) == set(err[1, 0].flatten().topk(7).indices.tolist())
    else:
        assert torch.equal(ref, (err > 0.5).float())
    assert torch.all(ref[0, 0, 0, :3] == 0)
    coarse = _coarse_up(pha, fgr, (24, 32))
    out = torch.cat([out_pha, out_fgr], 1)
    cell_changed = (out != coarse).view(2, 4, 6, 4, 8, 4).any(dim=(1, 3, 5))
    assert torch.equal(cell_changed, ref[:, 0].bool())


def test_refiner_caps_samples_on_small_frames_and_refuses_bad_settings():
    refiner = Refiner("sampling", sample_pixels=80_000).eval()
    src, bgr, pha, fgr, err, hid = _refiner_inputs(rand(1, 1, 3, 4) + 0.01)
    with torch.no_grad():
        *_, ref = refiner(src, bgr, pha, fgr, err, hid)
    assert torch.all(ref == 1)  # 5,000 patches wanted, 12 available
    with pytest.raises(BadInput, match="refine mode"):
        Refiner("everything")
    with pytest.raises(BadInput, match="kernel"):
        Refiner(kernel_size=5)


def test_crop_and_replace_patches_roundtrip():
    x = rand(2, 3, 16, 12)
    idx = (torch.tensor([0, 1]), torch.tensor([1, 3]), torch.tensor([2, 0]))
    crops = crop_patches(x, idx, 4, 0)
    assert torch.equal(crops[0], x[0, :, 4:8, 8:12]) and torch.equal(crops[1], x[1, :, 12:16, 0:4])
    padded = crop_patches(x, idx, 4, 2)
    assert padded.shape == (2, 3, 8, 8) and torch.equal(padded[0, :, 2:6, 2:6], crops[0])
    y = replace_patches(x.clone(), torch.zeros_like(crops), idx)
    assert torch.all(y[0, :, 4:8, 8:12] == 0) and (y != x).sum() == (crops != 0).sum()


def test_memory_read_is_softmax_attention_over_memory():
    read = MemoryRead()
    qk, mk, mv = rand(2, 8, 6, seed=1), rand(2, 8, 15, seed=2), rand(2, 5, 15, seed=3)
    weights = torch.softmax(mk.transpose(1, 2) @ qk / 8 ** 0.5, dim=1)
    assert torch.allclose(read(qk, mk, mv), mv @ weights, atol=1e-6)
    assert read.count_macs((qk, mk, mv), None) == 2 * 15 * 6 * (8 + 5)


def test_memory_sees_the_current_and_two_previous_frames_only():
    memory = SpaceTimeMemory(8, key_dim=4, value_dim=6, memory_frames=2)
    init_weights(memory, torch.Generator().manual_seed(0))
    memory.eval()
    x = rand(1, 5, 8, 3, 4)
    changed = x.clone()
    changed[:, 1] += 1.0
    with torch.no_grad():
        a, (keys, values) = memory(x)
        b, _ = memory(changed)
    assert a.shape == (1, 5, 12, 3, 4) and keys.shape == (1, 2, 4, 3, 4) and values.shape == (1, 2, 6, 3, 4)
    assert torch.equal(a[:, 0], b[:, 0]) and torch.equal(a[:, 4], b[:, 4])
    assert all(not torch.allclose(a[:, t], b[:, t]) for t in (1, 2, 3))
    with torch.no_grad():  # frame by frame with the state carried
        state = None
        for t in range(5):
            out, state = memory(x[:, t: t + 1], state)
            assert torch.allclose(out[:, 0], a[:, t], atol=1e-6)


def test_up_to_crops_to_the_skip():
    assert up_to(rand(1, 2, 5, 6), rand(1, 1, 9, 12)).shape == (1, 2, 9, 12)


def test_initialisation_is_seeded_and_zeroes_residual_branches():
    a, b = ResNetEncoder("resnet50", width_mult=0.25), ResNetEncoder("resnet50", width_mult=0.25)
    torch.manual_seed(123)  # the global RNG must not matter
    init_weights(a, torch.Generator().manual_seed(5))
    torch.manual_seed(456)
    init_weights(b, torch.Generator().manual_seed(5))
    for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(p, q), name
    assert torch.all(a.layer1[0].bn3.weight == 0) and torch.all(a.bn1.weight == 1)
    conv = a.layer2[0].conv2.weight
    assert abs(conv.std().item() / (2 / (conv.shape[0] * 9)) ** 0.5 - 1) < 0.1  # Kaiming fan_out
    v3 = MobileNetV3LargeEncoder(width_mult=0.5)
    init_weights(v3, torch.Generator().manual_seed(0))
    assert torch.all(v3.features[2].block[-1][1].weight == 1)  # no skip: BN untouched
    assert torch.all(v3.features[3].block[-1][1].weight == 0)  # skip: starts as identity
