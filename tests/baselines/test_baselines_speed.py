"""Speed and peak memory for method cards: warm-up excluded, median of repeats, the same protocol
for every model."""

from __future__ import annotations

import pytest
import torch

import mbench.baselines.speed as speed
from mbench.baselines import SPECS, build
from mbench.leaderboard.method import parse_method
from mbench.errors import BadInput

torch.set_num_threads(1)


@pytest.mark.parametrize("name", ["rvm", "bgmv2"])  # one recurrent model, one with a background
def test_every_model_is_measured_the_same_way(name):
    model = build(name, "mobilenetv2" if name in ("bgmv2", "convlstm") else None, width_mult=0.25)
    calls = []
    model.register_forward_pre_hook(lambda module, args: calls.append(1))
    spec = SPECS[name]
    forward = {"refine": False} if name == "bgmv2" else {}
    (entry,) = speed.measure(model, [(32, 32)], device="cpu", forward=forward, frames=2, warmup=1, repeats=2,
                             needs_background=spec.needs_background, recurrent=spec.recurrent)
    assert len(calls) == 1 + 2 * 2 + 2          # warm-up, timed runs, the memory frame pair
    assert entry["size"] == [32, 32] and entry["fps"] > 0 and entry["statistic"] == "median"
    assert entry["threads"] == torch.get_num_threads() and entry["device"] == "cpu"
    weights = sum(p.numel() * p.element_size() for p in model.parameters()) / 2**20
    assert entry["peak_memory_mb"] > weights      # weights plus activations


def test_the_figure_is_the_median_of_the_timed_runs(monkeypatch):
    ticks = iter([0.0, 1.0, 10.0, 10.5, 20.0, 24.0])   # runs of 1 s, 0.5 s and 4 s for 2 frames each
    monkeypatch.setattr(speed.time, "perf_counter", lambda: next(ticks))
    model = build("rvm", width_mult=0.25)
    fps = speed.frames_per_second(model, 16, 16, device="cpu", forward={}, needs_background=False,
                                  recurrent=True, frames=2, warmup=1, repeats=3)
    assert fps == 2.0                              # median of 2, 4 and 0.5 frames/s


def test_method_json_speed_entries_are_checked():
    ok = parse_method({"name": "m", "speed": [{"size": [512, 288], "fps": 12.5, "peak_memory_mb": 80.0}]},
                      "method.json")
    assert ok.speed[0]["fps"] == 12.5 and ok.to_json()["speed"][0]["size"] == [512, 288]
    with pytest.raises(BadInput, match='"speed" must be a list'):
        parse_method({"name": "m", "speed": [{"size": [512], "fps": 1.0}]}, "method.json")
    with pytest.raises(BadInput, match='"speed" must be a list'):
        parse_method({"name": "m", "speed": [{"size": [512, 288], "fps": 0}]}, "method.json")
