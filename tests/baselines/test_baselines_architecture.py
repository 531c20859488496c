"""``--weights`` builds the architecture a checkpoint holds (backbone, width, refiner), whatever
the preset says; a file that fits none is one line naming what differs."""

from __future__ import annotations

import json

import pytest
import torch

from mbench.baselines import build, save_weights
from mbench.baselines.architecture import checkpoint_architecture
from mbench.errors import BadInput

NO_CUDA = {"CUDA_VISIBLE_DEVICES": ""}


def official_file(path, name: str, backbone: str, **options):
    """A checkpoint in the releases' format: a plain torch.save of the official state dict."""
    torch.save(build(name, backbone, **options).state_dict(), path)
    return path


def test_the_official_width_and_backbone_are_found_whatever_the_preset(tmp_path):
    path = official_file(tmp_path / "rvm_mobilenetv3.pth", "rvm", "mobilenetv3")
    assert checkpoint_architecture("rvm", path, "mobilenetv3", {"width_mult": 0.25, "seed": 4}) == \
        ("mobilenetv3", {"width_mult": 1.0, "seed": 4})
    path = official_file(tmp_path / "rvm_resnet50.pth", "rvm", "resnet50", width_mult=0.5)
    assert checkpoint_architecture("rvm", path, "mobilenetv3", {"width_mult": 0.25}) == \
        ("resnet50", {"width_mult": 0.5})


def test_bgmv2_refiner_kernel_and_backbone_come_from_the_file(tmp_path):
    path = tmp_path / "bgm.safetensors"
    save_weights(build("bgmv2", "mobilenetv2", width_mult=0.25, refine_kernel_size=1), path)
    backbone, options = checkpoint_architecture(
        "bgmv2", path, "resnet50", {"width_mult": 0.5, "refine_mode": "full", "backbone_scale": 0.5})
    assert backbone == "mobilenetv2"
    assert options == {"width_mult": 0.25, "refine_mode": "full", "backbone_scale": 0.5,
                       "refine_kernel_size": 1}


def test_a_file_of_no_architecture_names_the_keys_that_differ(tmp_path):
    state = build("rvm", width_mult=0.25).state_dict()
    state["decoder.decode0.conv.0.weight"] = torch.zeros(3, 3, 3, 3)
    state["extra.weight"] = torch.zeros(1)
    torch.save(state, tmp_path / "odd.pth")
    with pytest.raises(BadInput) as info:
        checkpoint_architecture("rvm", tmp_path / "odd.pth", "mobilenetv3", {"width_mult": 0.25})
    message = str(info.value)
    assert message.startswith(str(tmp_path / "odd.pth"))
    assert "fits no rvm architecture" in message and "\n" not in message
    assert "closest, mobilenetv3 width 0.25" in message
    assert "decoder.decode0.conv.0.weight (3, 3, 3, 3) vs" in message and "extra.weight unexpected" in message


def test_readme_example_scores_an_official_format_checkpoint(cli, tmp_path):
    """``mbench run-baselines --weights rvm=rvm_mobilenetv3.pth --models rvm`` on a preset that
    trains a quarter-width rvm: the full-width checkpoint is built and scored as it is."""
    from test_baselines_cli import write_dataset

    data = write_dataset(tmp_path / "data", ("com", "fgr", "pha", "bgr"))
    weights = official_file(tmp_path / "rvm_mobilenetv3.pth", "rvm", "mobilenetv3")
    out = tmp_path / "runs"
    proc = cli("run-baselines", "--preset", "smoke", "--weights", f"rvm={weights}", "--models", "rvm",
               "--data", data, "--out", out, "--workers", "1", "--quiet", env=NO_CUDA)
    assert proc.returncode == 0, proc.stderr
    config = json.loads((out / "rvm" / "config.json").read_text())
    assert config["backbone"] == "mobilenetv3" and config["options"]["width_mult"] == 1.0
    assert (out / "rvm" / "eval" / "summary.json").is_file()
