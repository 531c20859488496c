"""Resume: a run stopped after N steps and resumed ends with the weights of an uninterrupted run (CPU)."""

from __future__ import annotations

import csv
import shutil

import pytest
import torch
from safetensors.torch import load_file
from tiny_presets import load_tiny, tiny_bgmv2, tiny_preset

from mbench.baselines.checkpoint import STATE_FILE, read_state
from mbench.baselines.data import TrainingSource
from mbench.baselines.train import CHECKPOINT, LOG, Interrupted, train_model
from mbench.errors import BadInput

torch.set_num_threads(1)

PRESET = tiny_preset(seed=5, steps=5, lr=1e-3, more=tiny_bgmv2(1e-3) + """
[[models.bgmv2.stages]]
steps = 3
forward = { refine = false }
[[models.bgmv2.stages]]
steps = 2
learning_rates = { default = 5e-4 }
forward = { refine = true }
""")


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    return load_tiny(tmp_path_factory.mktemp("preset"), "resume", PRESET)


def run(preset, name, folder, **kwargs):
    return train_model(name, preset.models[name], folder, preset="resume", seed=preset.seed,
                       source=TrainingSource("smoke"), quiet=True, workers=2, **kwargs)


def log_without_time(folder):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(open(folder / LOG))]


# bgmv2: dropout (global RNG) and a stage change after the checkpoint; rvm: recurrence and the
# interleaved segmentation steps (image/video alternation follows the step number), killed just
# as step 4 ends, before its checkpoint is written.
@pytest.mark.parametrize("name, stop", [("bgmv2", 3), ("rvm", 4)])
def test_stopped_and_resumed_training_ends_with_identical_weights(preset, tmp_path, name, stop):
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    run(preset, name, whole)
    with pytest.raises(Interrupted):
        run(preset, name, parts, stop_after=stop)  # a kill after `stop` steps, before any later save
    assert not (parts / CHECKPOINT).exists()
    tensors, meta = read_state(parts / STATE_FILE)
    assert meta["step"] == 2 and any(k.startswith("optimizer/") for k in tensors)
    result = run(preset, name, parts)
    assert result.resumed_from == meta["step"] and result.steps == 5
    assert not (parts / STATE_FILE).exists()
    a, b = load_file(whole / CHECKPOINT), load_file(parts / CHECKPOINT)
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, different[:5]
    assert log_without_time(whole) == log_without_time(parts)


def test_a_corrupt_or_foreign_training_checkpoint_is_bad_input(preset, tmp_path):
    with pytest.raises(Interrupted):
        run(preset, "bgmv2", tmp_path / "bgmv2", stop_after=3)
    with pytest.raises(Interrupted):
        run(preset, "rvm", tmp_path / "rvm", stop_after=3)
    # another model's checkpoint under this model's name
    shutil.copy(tmp_path / "bgmv2" / STATE_FILE, tmp_path / "rvm" / STATE_FILE)
    with pytest.raises(BadInput, match=f"{STATE_FILE}: backbone.features.0.0.weight has shape .* --force"):
        run(preset, "rvm", tmp_path / "rvm")
    # a truncated file
    state = tmp_path / "bgmv2" / STATE_FILE
    state.write_bytes(state.read_bytes()[:1000])
    with pytest.raises(BadInput, match="corrupt training checkpoint.*--force"):
        run(preset, "bgmv2", tmp_path / "bgmv2")
