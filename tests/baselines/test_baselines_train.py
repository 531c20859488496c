"""Training: optimisation lowers each seed's loss on a fixed batch; data sharding; the trainer's files."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch
from tiny_presets import load_tiny, tiny_bgmv2, tiny_preset

from mbench.baselines.data import (Batches, DiskSequences, StreamSequences, TrainingSource, batch_indices,
                                   random_resize)
from mbench.baselines.train import CHECKPOINT, CONFIG, LOG, Trainer, train_model
from mbench.errors import BadInput
from mbench.frames import write_image

torch.set_num_threads(1)

TINY = tiny_preset(seed=3, steps=4, lr=2e-3, more=tiny_bgmv2(2e-3) + """
forward = { refine = false }
[models.convlstm]
backbone = "mobilenetv2"
options = { width_mult = 0.25 }
learning_rates = { default = 2e-3 }
[models.attention_memory]
options = { width_mult = 0.25 }
learning_rates = { default = 2e-3 }
""")


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    return load_tiny(tmp_path_factory.mktemp("preset"), "tiny", TINY)


def fixed_batch(size: int = 32) -> dict[str, torch.Tensor]:
    """Two 2-frame clips: a bright disc (the subject) moving over a textured background."""
    g = torch.Generator().manual_seed(0)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    pha = torch.zeros(2, 2, 1, size, size)
    for b in range(2):
        for t in range(2):
            cy, cx = 12 + 4 * b, 12 + 3 * t
            pha[b, t, 0] = ((yy - cy) ** 2 + (xx - cx) ** 2 < 64).float()
    fgr = torch.rand(2, 2, 3, size, size, generator=g) * 0.2 + torch.tensor([0.8, 0.5, 0.2]).view(1, 1, 3, 1, 1)
    bgr = torch.rand(2, 1, 3, size, size, generator=g).expand(2, 2, 3, size, size) * 0.4
    return {"com": fgr * pha + bgr * (1 - pha), "fgr": fgr, "pha": pha, "bgr": bgr.contiguous()}


@pytest.mark.parametrize("name, forward", [
    ("rvm", {}), ("bgmv2", {"refine": False}), ("bgmv2", {"refine": True}), ("convlstm", {}),
    ("attention_memory", {}),
])
def test_a_few_steps_lower_the_loss_on_a_fixed_batch(preset, name, forward):
    plan = preset.models[name]
    trainer = Trainer(name, plan, seed=0, source=TrainingSource("smoke"), device="cpu", rank=0, world=1, workers=1)
    stage = plan.stages[0]
    p = stage.main.__class__(2, 2, (32, 32), None, forward)
    batch = fixed_batch()
    losses = [trainer.matting_step(batch, p, stage)["total"] for _ in range(12)]
    assert all(np.isfinite(losses))
    assert min(losses[-3:]) < 0.8 * losses[0], losses


@pytest.mark.parametrize("name", ["rvm", "attention_memory"])
def test_segmentation_steps_lower_the_bce(preset, name):
    plan = preset.models[name]
    trainer = Trainer(name, plan, seed=0, source=TrainingSource("smoke"), device="cpu", rank=0, world=1, workers=1)
    batch = fixed_batch()
    losses = [trainer.segmentation_step(batch, image=i % 2 == 1, stage=plan.stages[0]) for i in range(8)]
    assert losses[0] == pytest.approx(np.log(2), abs=0.05)  # the head starts at logit 0
    assert min(losses[-2:]) < 0.95 * losses[0] and losses[-1] < losses[0], losses


def test_ranks_read_disjoint_shards_and_steps_never_repeat_items():
    seen = [i for step in range(5) for rank in range(3) for i in batch_indices(step, 2, rank, 3)]
    assert len(seen) == len(set(seen)) == 30 and sorted(seen) == list(range(30))
    assert batch_indices(1, 2, 0, 1) == [2, 3]


def test_streamed_sequences_are_tensors_in_0_1_and_a_function_of_the_index():
    data = StreamSequences("smoke", "train", seed=1, seq_len=2, size=(40, 32))
    item = data[5]
    assert item["com"].shape == (2, 3, 32, 40) and item["pha"].shape == (2, 1, 32, 40)
    assert 0 <= float(item["com"].min()) and float(item["com"].max()) <= 1
    again = StreamSequences("smoke", "train", seed=1, seq_len=2, size=(40, 32))[5]
    assert all(torch.equal(item[k], again[k]) for k in item)
    batches = Batches(data, 2, workers=2)
    first = list(batches.iterate(0, 2))
    assert torch.equal(first[1]["pha"][0], data[2]["pha"])


def test_random_resize_draws_one_size_per_step_from_the_range():
    batch = fixed_batch()
    a = random_resize(batch, (16, 24), seed=0, step=3, tag=0)
    b = random_resize(batch, (16, 24), seed=0, step=3, tag=0)
    assert a["com"].shape[-2:] == b["com"].shape[-2:] and torch.equal(a["pha"], b["pha"])
    sizes = {tuple(random_resize(batch, (16, 24), seed=0, step=s, tag=0)["com"].shape[-2:]) for s in range(12)}
    assert len(sizes) > 3 and all(16 <= h <= 24 and 16 <= w <= 24 for h, w in sizes)
    coarse = {tuple(random_resize(batch, (16, 30, 8), seed=0, step=s, tag=0)["com"].shape[-2:]) for s in range(20)}
    assert coarse == {(16, 16), (16, 24), (24, 16), (24, 24)}


def write_clip(folder, frames: int, size=(20, 16), layers=("com", "fgr", "pha", "bgr"), value=0):
    w, h = size
    for name in layers:
        (folder / name).mkdir(parents=True)
        for i in range(frames):
            img = np.full((h, w) if name == "pha" else (h, w, 3), (value + 10 * i) % 256, np.uint8)
            write_image(folder / name / f"{i:04d}.png", img)


def test_disk_sequences_read_windows_in_a_seeded_order_and_resize(tmp_path):
    write_clip(tmp_path / "train" / "0000", 5, value=0)
    write_clip(tmp_path / "train" / "0001", 4, value=100)
    data = DiskSequences(tmp_path / "train", seq_len=2, size=(10, 8), seed=0)
    assert len(data) == 4  # windows 0-1, 2-3 of each clip (frame 4 of clip 0 is left over)
    firsts = sorted(round(float(data[i]["pha"][0, 0, 0, 0]) * 255) for i in range(4))
    assert firsts == [0, 20, 100, 120]
    assert data[0]["com"].shape == (2, 3, 8, 10)
    # the next pass visits the same windows again, in its own seeded order
    assert sorted(round(float(data[i]["pha"][0, 0, 0, 0]) * 255) for i in range(4, 8)) == firsts
    again = DiskSequences(tmp_path / "train", seq_len=2, size=(10, 8), seed=0)
    assert all(torch.equal(data[i]["fgr"], again[i]["fgr"]) for i in range(8))


def test_disk_sequences_refuse_missing_layers_and_short_clips(tmp_path):
    write_clip(tmp_path / "a" / "0000", 3, layers=("com", "fgr", "pha"))
    with pytest.raises(BadInput, match="no bgr/ layer"):
        DiskSequences(tmp_path / "a", seq_len=2, size=(10, 8), seed=0)
    with pytest.raises(BadInput, match="no clip has 4 frames"):
        DiskSequences(tmp_path / "a", seq_len=4, size=(10, 8), seed=0, layers=("com", "fgr", "pha"))


def test_train_model_writes_config_log_and_checkpoint_and_skips_a_finished_run(preset, tmp_path):
    plan = preset.models["rvm"]
    folder = tmp_path / "rvm"
    result = train_model("rvm", plan, folder, preset="tiny", seed=3, source=TrainingSource("smoke"),
                         quiet=True, workers=1)
    assert result.steps == 4 and result.resumed_from == 0
    assert sorted(p.name for p in folder.iterdir()) == [CHECKPOINT, CONFIG, LOG]
    rows = list(csv.DictReader(open(folder / LOG)))
    assert [r["step"] for r in rows] == ["1", "2", "3", "4"]
    assert list(rows[0]) == ["step", "stage", "loss", "pha_l1", "pha_laplacian", "pha_coherence", "fgr_l1",
                             "fgr_coherence", "seg_bce", "lr_backbone", "lr_aspp", "lr_decoder", "lr_refiner",
                             "seconds"]
    assert float(rows[0]["lr_decoder"]) == 2e-3
    config = json.loads((folder / CONFIG).read_text())
    assert config["model"] == "rvm" and config["seed"] == 3 and config["data"]["recipe"] == "smoke"
    stamp = (folder / CHECKPOINT).stat().st_mtime_ns
    again = train_model("rvm", plan, folder, preset="tiny", seed=3, source=TrainingSource("smoke"), quiet=True)
    assert again.resumed_from == 4 and (folder / CHECKPOINT).stat().st_mtime_ns == stamp
    with pytest.raises(BadInput, match="another 'seed'.*--force"):
        train_model("rvm", plan, folder, preset="tiny", seed=4, source=TrainingSource("smoke"), quiet=True)


def test_init_from_starts_a_model_from_another_models_trained_weights(preset, tmp_path):
    # seed 000: convlstm begins from BGMv2's weights, all but what differs in shape
    from dataclasses import replace

    from safetensors.torch import load_file

    plan = replace(preset.models["convlstm"], init_from="bgmv2", stages=preset.models["convlstm"].stages[:1])
    plan = replace(plan, stages=(replace(plan.stages[0], steps=1),))
    with pytest.raises(BadInput, match="train bgmv2 first"):
        train_model("convlstm", plan, tmp_path / "convlstm", preset="tiny", seed=3, source=TrainingSource("smoke"),
                    quiet=True)
    train_model("bgmv2", preset.models["bgmv2"], tmp_path / "bgmv2", preset="tiny", seed=3,
                source=TrainingSource("smoke"), quiet=True)
    trainer = Trainer("convlstm", plan, seed=3, source=TrainingSource("smoke"), device="cpu", rank=0, world=1,
                      workers=1)
    from mbench.baselines.train import transfer

    transfer(trainer.model, "convlstm", "bgmv2", tmp_path / "bgmv2" / CHECKPOINT)
    bgm, own = load_file(tmp_path / "bgmv2" / CHECKPOINT), trainer.model.state_dict()
    shared = [k for k in own if k in bgm and bgm[k].shape == own[k].shape]
    assert len(shared) > 0.9 * len([k for k in own if ".lstm" not in k])
    assert all(torch.equal(own[k], bgm[k]) for k in shared)
    first = "backbone.features.0.0.weight"
    assert own[first].shape[1] == 3 and bgm[first].shape[1] == 6  # 3 input channels instead of 6
