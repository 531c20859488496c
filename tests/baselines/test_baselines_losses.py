"""The seeds' losses on cases whose values are worked out by hand (comments give the arithmetic)."""

from __future__ import annotations

import math

import pytest
import torch

from mbench.baselines import SPECS, build
from mbench.baselines.losses.attention_memory import pool_to_memory_size, video_loss
from mbench.baselines.losses.bgmv2 import base_loss, refine_loss
from mbench.baselines.losses.convlstm import frame_loss
from mbench.baselines.losses.laplacian import laplacian_loss, laplacian_pyramid, usable_levels
from mbench.baselines.losses.rvm import matting_loss, seg_loss, segmentation_loss
from mbench.baselines.losses.sobel import sobel
from mbench.baselines.losses.temporal import temporal_mse

torch.set_num_threads(1)
EPS = 1e-6


def full(value: float, *shape: int) -> torch.Tensor:
    return torch.full(shape, float(value))


def checkerboard(size: int, amplitude: float) -> torch.Tensor:
    i = torch.arange(size)
    return amplitude * (1 - 2 * ((i[:, None] + i[None, :]) % 2)).float()[None, None]


def test_sobel_of_a_ramp_is_one_inside_and_a_half_at_replicated_borders():
    # x[i, j] = j: each row of the x kernel gives (j+1) - (j-1) = 2, rows weigh 1, 2, 1 -> 8 / 8 = 1.
    # At the border the replicated neighbour equals the pixel: (1 - 0) * 4 / 8 = 0.5. No y gradient.
    ramp = torch.arange(6.0).repeat(5, 1)[None, None]
    mag = sobel(ramp)[0, 0]
    assert torch.allclose(mag[:, 1:-1], torch.full((5, 4), math.sqrt(1 + EPS)))
    assert torch.allclose(mag[:, [0, -1]], torch.full((5, 2), math.sqrt(0.25 + EPS)))
    assert torch.allclose(sobel(full(0.3, 1, 1, 4, 4)), full(math.sqrt(EPS), 1, 1, 4, 4))


def test_laplacian_pyramid_of_a_checkerboard_is_the_board_at_level_zero_only():
    # The binomial taps sum to zero against an alternating sign (1 - 4 + 6 - 4 + 1 = 0), and reflect
    # padding keeps the pattern: the blur is 0, so level 0 is the board itself and the rest is 0.
    board = checkerboard(64, 0.25)
    levels = laplacian_pyramid(board, 5)
    assert torch.allclose(levels[0], board, atol=1e-7)
    assert all(float(lv.abs().max()) < 1e-7 for lv in levels[1:])
    zero = torch.zeros_like(board)
    # RVM: weight 2^0 = 1 on level 0, mean over 5 levels -> 0.25 / 5; seed 002 sums -> 0.25.
    assert float(laplacian_loss(board, zero)) == pytest.approx(0.05, abs=1e-7)
    assert float(laplacian_loss(board, zero, mean=False)) == pytest.approx(0.25, abs=1e-7)
    # A constant offset lives only in the low-pass residual, which the loss does not compare.
    assert float(laplacian_loss(full(0.7, 1, 1, 64, 64), zero)) == pytest.approx(0.0, abs=1e-7)


def test_laplacian_levels_shrink_to_what_small_frames_allow():
    assert usable_levels(64, 64) == 5 and usable_levels(32, 48) == 4 and usable_levels(8, 8) == 2
    # 8x8: two levels, the mean divides by 2: 0.5 / 2.
    assert float(laplacian_loss(checkerboard(8, 0.5), torch.zeros(1, 1, 8, 8))) == pytest.approx(0.25, abs=1e-7)


def test_temporal_mse_compares_frame_differences_and_is_zero_for_one_frame():
    pred = torch.stack([full(0, 1, 2, 2), full(1, 1, 2, 2)])[None]   # d/dt = 1
    true = torch.zeros_like(pred)                                      # d/dt = 0
    assert float(temporal_mse(pred, true)) == 1.0
    assert float(temporal_mse(pred[:, :1], true[:, :1])) == 0.0


def test_bgmv2_base_loss_by_hand():
    # alpha 0.5 vs 1 -> L1 0.5; both flat -> Sobel L1 0; fgr 0.2 vs 0.6 where alpha* > 0 (all) -> 0.4;
    # err 0 vs |0.5 - 1| -> MSE 0.25. Total 1.15.
    t = base_loss(full(0.5, 2, 1, 8, 8), full(0.2, 2, 3, 8, 8), full(0, 2, 1, 8, 8), full(1, 2, 1, 8, 8),
                  full(0.6, 2, 3, 8, 8))
    assert {k: round(float(v), 6) for k, v in t.items()} == {
        "pha_l1": 0.5, "pha_sobel": 0.0, "fgr_l1": 0.4, "err_mse": 0.25, "total": 1.15}


def test_bgmv2_masks_the_foreground_and_sees_the_matte_edge():
    true_pha = torch.zeros(1, 1, 8, 8)
    true_pha[..., :4] = 1  # left half opaque: the edge lies between columns 3 and 4
    t = base_loss(full(0.5, 1, 1, 8, 8), full(0.2, 1, 3, 8, 8), full(0.5, 1, 1, 8, 8), true_pha,
                  full(0.6, 1, 3, 8, 8))
    # fgr error 0.4 on the masked half only -> 0.2
    assert float(t["fgr_l1"]) == pytest.approx(0.2)
    # Columns 3 and 4 have |x[j+1] - x[j-1]| = 1 -> 4 / 8 = 0.5; the flat prediction has sqrt(eps).
    assert float(t["pha_sobel"]) == pytest.approx(2 / 8 * (math.sqrt(0.25 + EPS) - math.sqrt(EPS)), rel=1e-5)
    # err target |0.5 - alpha*| = 0.5 everywhere, predicted 0.5 -> 0
    assert float(t["err_mse"]) == pytest.approx(0.0)


def test_bgmv2_refine_loss_adds_the_coarse_terms():
    # Full and coarse (half size) outputs each contribute what base_loss gives: 0.5 + 0.5 for alpha,
    # 0.4 + 0.4 for fgr; the error term compares the upsampled err 0.5 with |0.5 - 1| -> 0.
    t = refine_loss(full(0.5, 1, 1, 8, 8), full(0.2, 1, 3, 8, 8), full(0.5, 1, 1, 4, 4), full(0.2, 1, 3, 4, 4),
                    full(0.5, 1, 1, 4, 4), full(1, 1, 1, 8, 8), full(0.6, 1, 3, 8, 8))
    assert float(t["pha_l1"]) == pytest.approx(1.0) and float(t["fgr_l1"]) == pytest.approx(0.8)
    assert float(t["err_mse"]) == pytest.approx(0.0) and float(t["total"]) == pytest.approx(1.8)


def test_seed000_loss_eq_4_to_7_by_hand():
    # alpha 0.5 vs 1 -> 0.5; Sobel 0; alpha* f' - alpha* f* = 1 x (0.2 - 0.6) -> 0.4; err 0 vs 0.5 -> L1 0.5.
    t = frame_loss(full(0.5, 2, 1, 8, 8), full(0.2, 2, 3, 8, 8), full(0, 2, 1, 8, 8), full(1, 2, 1, 8, 8),
                   full(0.6, 2, 3, 8, 8))
    assert float(t["total"]) == pytest.approx(1.4)
    # The foreground term weighs by alpha*: alpha* = 0.5 halves it.
    half = frame_loss(full(0.5, 1, 1, 8, 8), full(0.2, 1, 3, 8, 8), full(0, 1, 1, 8, 8), full(0.5, 1, 1, 8, 8),
                      full(0.6, 1, 3, 8, 8))
    assert float(half["fgr_l1"]) == pytest.approx(0.2) and float(half["err_l1"]) == pytest.approx(0.0)


def test_rvm_matting_loss_by_hand():
    # Two frames: predicted alpha 0.5, 0.5; true 1, 0 -> L1 0.5; flat frames -> Laplacian 0;
    # d/dt: 0 vs -1 -> 5 x 1 = 5. fgr 0.2 vs 0.6 masked by alpha* > 0 (frame 0 only) -> 0.4 / 2 = 0.2;
    # masked d/dt: (0 - 0.2) vs (0 - 0.6) -> 5 x 0.4^2 = 0.8. Total 6.5.
    pred_pha = torch.stack([full(0.5, 1, 8, 8), full(0.5, 1, 8, 8)])[None]
    true_pha = torch.stack([full(1, 1, 8, 8), full(0, 1, 8, 8)])[None]
    t = matting_loss(full(0.2, 1, 2, 3, 8, 8), pred_pha, full(0.6, 1, 2, 3, 8, 8), true_pha)
    expected = {"pha_l1": 0.5, "pha_laplacian": 0.0, "pha_coherence": 5.0, "fgr_l1": 0.2,
                "fgr_coherence": 0.8, "total": 6.5}
    assert {k: float(v) for k, v in t.items()} == pytest.approx(expected, abs=1e-6)


def test_segmentation_bce_by_hand():
    # logit 0 -> p = 1/2 -> -ln(1/2) whatever the target; a confident right answer costs ln(1 + e^-4).
    assert float(segmentation_loss(torch.zeros(1, 1, 4, 4), torch.ones(1, 1, 4, 4))) == pytest.approx(math.log(2))
    confident = segmentation_loss(full(4, 1, 1, 2, 2), torch.ones(1, 1, 2, 2))
    assert float(confident) == pytest.approx(math.log1p(math.exp(-4)))

    class Out:  # the mask is alpha > 0.5: 0.4 -> 0, 0.6 -> 1; logits +-4 on the right side
        seg = torch.tensor([[[[[-4.0, 4.0]]]]])

    loss = seg_loss(Out, {"pha": torch.tensor([[[[[0.4, 0.6]]]]])})["total"]
    assert float(loss) == pytest.approx(math.log1p(math.exp(-4)), rel=1e-5)


def test_seed002_video_loss_by_hand():
    # alpha 0.5 vs (1, 0) -> 0.5; Laplacian 0; composition alpha* F' vs alpha* F: 0.4 on frame 0 -> 0.2;
    # aggregation: alpha_lr 0.25 vs (1, 0) -> 0.5, F_lr 0.2 vs 0.6 -> 0.4; coherence: alpha d/dt
    # 0 vs -1 -> 1, F d/dt 0 vs 0 -> 0. Total 0.5 + 0 + 0.2 + 0.9 + 1 = 2.6.
    true_pha = torch.stack([full(1, 1, 32, 32), full(0, 1, 32, 32)])[None]
    t = video_loss(full(0.5, 1, 2, 1, 32, 32), full(0.2, 1, 2, 3, 32, 32), full(0.25, 1, 2, 1, 2, 2),
                   full(0.2, 1, 2, 3, 2, 2), true_pha, full(0.6, 1, 2, 3, 32, 32))
    expected = {"pha_l1": 0.5, "pha_laplacian": 0.0, "composition": 0.2, "aggregation": 0.9,
                "coherence": 1.0, "total": 2.6}
    assert {k: float(v) for k, v in t.items()} == pytest.approx(expected, abs=1e-6)


def test_seed002_low_resolution_truth_has_the_size_of_the_models_direct_supervision_heads():
    model = build("attention_memory", width_mult=0.25).eval()
    with torch.no_grad():
        out = model(torch.rand(1, 2, 3, 70, 90, generator=torch.Generator().manual_seed(0)))
    assert pool_to_memory_size(torch.zeros(2, 1, 70, 90)).shape[-2:] == out.pha_lr.shape[-2:] == (5, 6)


@pytest.mark.parametrize("name", list(SPECS))
def test_every_model_loss_runs_on_its_own_output_and_reaches_the_weights(name):
    model = build(name, "mobilenetv2" if name in ("bgmv2", "convlstm") else None, width_mult=0.25).train()
    g = torch.Generator().manual_seed(0)
    batch = {"com": torch.rand(1, 2, 3, 32, 32, generator=g), "fgr": torch.rand(1, 2, 3, 32, 32, generator=g),
             "pha": torch.rand(1, 2, 1, 32, 32, generator=g), "bgr": torch.rand(1, 2, 3, 32, 32, generator=g)}
    kwargs = {"bgr": batch["bgr"]} if name == "bgmv2" else {}
    out = model(batch["com"], **kwargs)
    assert all(getattr(out, field) is not None for field in SPECS[name].loss_needs)
    terms = SPECS[name].loss(out, batch)
    assert list(terms) == [*SPECS[name].loss_terms, "total"]
    total = float(terms["total"].detach())
    assert total > 0 and math.isfinite(total)
    terms["total"].backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
