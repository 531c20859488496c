"""Weights: official key lists, official numerics, safe loading, bad checkpoints."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

import mbench.baselines.weights as weights_module
from mbench.baselines import build, load_weights, save_weights
from mbench.errors import BadInput

torch.set_num_threads(1)
DATA = Path(__file__).parent / "data"
OFFICIAL = ["rvm_mobilenetv3", "rvm_resnet50", "bgmv2_mobilenetv2", "bgmv2_resnet50", "bgmv2_resnet101"]


def official_keys(name: str) -> dict[str, tuple[int, ...]]:
    """The official state-dict keys and shapes listed in ``data/<name>.txt``."""
    keys = {}
    for line in (DATA / f"{name}.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            key, shape = line.split()
            keys[key] = () if shape == "scalar" else tuple(int(s) for s in shape.split("x"))
    return keys


def model_for(name: str, **options) -> torch.nn.Module:
    model, backbone = name.split("_", 1)
    return build(model, backbone, **options)


@pytest.mark.parametrize("name", OFFICIAL)
def test_state_dict_names_and_shapes_are_the_official_ones(name, tmp_path):
    model = model_for(name)
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    official = official_keys(name)
    assert list(ours) == list(official)
    assert ours == official
    # A checkpoint written to the official list (as the releases are: a plain .pth state dict).
    generator = torch.Generator().manual_seed(1)
    checkpoint = {k: (torch.randn(s, generator=generator) if not k.endswith("num_batches_tracked")
                      else torch.tensor(7)) for k, s in official.items()}
    torch.save(checkpoint, tmp_path / f"{name}.pth")
    report = load_weights(model, tmp_path / f"{name}.pth")
    assert len(report.loaded) == len(official) and not report.missing
    for key, value in model.state_dict().items():
        assert torch.equal(value, checkpoint[key]), key


def test_wrapped_prefixed_and_safetensors_checkpoints_load(tmp_path):
    source = build("rvm", width_mult=0.25, seed=1)
    state = source.state_dict()
    torch.save({"state_dict": {f"module.{k}": v for k, v in state.items()}, "epoch": 3},
               tmp_path / "ddp.pt")
    save_weights(source, tmp_path / "model.safetensors", metadata={"model": "rvm"})
    save_weights(source, tmp_path / "model.pth")
    for file in ("ddp.pt", "model.safetensors", "model.pth"):
        target = build("rvm", width_mult=0.25, seed=2)
        load_weights(target, tmp_path / file)
        for key, value in target.state_dict().items():
            assert torch.equal(value, state[key]), (file, key)
    assert sorted(os.listdir(tmp_path)) == ["ddp.pt", "model.pth", "model.safetensors"]  # no temp left


def test_num_batches_tracked_may_be_absent(tmp_path):
    model = build("rvm", width_mult=0.25)
    torch.save({k: v for k, v in model.state_dict().items() if "num_batches_tracked" not in k},
               tmp_path / "old.pth")
    assert load_weights(model, tmp_path / "old.pth").loaded


def test_a_checkpoint_of_another_model_or_shape_is_bad_input(tmp_path):
    save_weights(build("rvm", width_mult=0.25), tmp_path / "rvm.safetensors")
    with pytest.raises(BadInput, match=r"backbone.features.0.0.weight has shape \(8, 3, 3, 3\) in the "
                                       r"checkpoint but \(8, 6, 3, 3\)") as info:
        load_weights(build("bgmv2", "mobilenetv2", width_mult=0.25), tmp_path / "rvm.safetensors")
    assert str(info.value).startswith(str(tmp_path / "rvm.safetensors"))
    with pytest.raises(BadInput, match="lacks backbone.conv1.weight"):
        load_weights(build("rvm", "resnet50", width_mult=0.25), tmp_path / "rvm.safetensors")
    with pytest.raises(BadInput, match=r"backbone.features.0.0.weight has shape \(8, 3, 3, 3\) in the "
                                       r"checkpoint but \(16, 3, 3, 3\)"):
        load_weights(build("rvm"), tmp_path / "rvm.safetensors")
    state = build("rvm", width_mult=0.25).state_dict()
    state["extra.weight"] = torch.zeros(1)
    torch.save(state, tmp_path / "extra.pth")
    with pytest.raises(BadInput, match="extra.weight"):
        load_weights(build("rvm", width_mult=0.25), tmp_path / "extra.pth")


def test_transfer_loads_the_shared_weights_and_reports_the_rest(tmp_path):
    save_weights(build("bgmv2", "mobilenetv2", width_mult=0.5, seed=1), tmp_path / "bgm.safetensors")
    target = build("convlstm", "mobilenetv2", width_mult=0.5)
    report = load_weights(target, tmp_path / "bgm.safetensors", strict=False)
    assert set(report.mismatched) == {"backbone.features.0.0.weight", "decoder.conv4.weight"}
    assert report.unexpected and all(k.startswith("refiner.") for k in report.unexpected)
    assert report.missing and all(".lstm" in k for k in report.missing)
    assert "aspp.project.0.weight" in report.loaded
    with pytest.raises(BadInput, match="shares no weights"):
        torch.save({"nothing.weight": torch.zeros(2)}, tmp_path / "none.pth")
        load_weights(target, tmp_path / "none.pth", strict=False)


@pytest.mark.parametrize("content, fragment", [
    (b"", "not a readable PyTorch checkpoint"),
    (b"garbage that is not a zip nor a pickle", "not a readable PyTorch checkpoint"),
])
def test_corrupt_torch_files_are_bad_input(tmp_path, content, fragment):
    (tmp_path / "bad.pth").write_bytes(content)
    with pytest.raises(BadInput, match=fragment) as info:
        load_weights(build("rvm", width_mult=0.25), tmp_path / "bad.pth")
    assert "\n" not in str(info.value) and "bad.pth" in str(info.value)


def test_truncated_checkpoints_are_bad_input(tmp_path):
    model = build("rvm", width_mult=0.25)
    save_weights(model, tmp_path / "m.pth")
    save_weights(model, tmp_path / "m.safetensors")
    for name, fragment in (("m.pth", "PyTorch"), ("m.safetensors", "safetensors")):
        data = (tmp_path / name).read_bytes()
        (tmp_path / name).write_bytes(data[: len(data) // 2])
        with pytest.raises(BadInput, match=fragment):
            load_weights(model, tmp_path / name)
    with pytest.raises(BadInput, match="no such checkpoint"):
        load_weights(model, tmp_path / "missing.pth")
    torch.save([torch.zeros(1)], tmp_path / "list.pth")
    with pytest.raises(BadInput, match="no state dict"):
        load_weights(model, tmp_path / "list.pth")


class Payload:
    """An arbitrary object whose unpickling would run code (create a folder)."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.makedirs, (self.marker,))


def test_pickles_with_arbitrary_objects_are_refused_without_running_them(tmp_path, monkeypatch):
    marker = tmp_path / "code-ran"
    state = dict(build("rvm", width_mult=0.25).state_dict())
    state["payload"] = Payload(str(marker))
    torch.save(state, tmp_path / "evil.pth")
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("weights_only"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(weights_module.torch, "load", spy)
    with pytest.raises(BadInput, match="refused"):
        load_weights(build("rvm", width_mult=0.25), tmp_path / "evil.pth")
    assert calls == [True]
    assert not marker.exists()
    # The payload is real: a plain (unsafe) load would have run it.
    real_load(tmp_path / "evil.pth", weights_only=False)
    assert marker.is_dir()
