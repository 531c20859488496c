"""Distributed data parallel: a 2-process CPU run (gloo) under torchrun, as CI runs it."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

from safetensors.torch import load_file
from tiny_presets import tiny_preset

from mbench.baselines import build

PRESET = tiny_preset(seed=1, steps=3, batch=1)


def test_two_process_cpu_training_under_torchrun(tmp_path):
    preset = tmp_path / "ddp.toml"
    preset.write_text(PRESET)
    out = tmp_path / "runs"
    env = dict(os.environ, OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           "-m", "mbench.baselines.train", "--model", "rvm", "--preset", str(preset),
                           "--out", str(out), "--quiet"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    folder = out / "rvm"
    config = json.loads((folder / "config.json").read_text())
    assert config["world_size"] == 2 and config["device"] == "cpu"
    rows = list(csv.DictReader(open(folder / "train_log.csv")))
    assert [r["step"] for r in rows] == ["1", "2", "3"] and all(float(r["seg_bce"]) > 0 for r in rows)
    weights = load_file(folder / "checkpoint.safetensors")
    fresh = build("rvm", width_mult=0.25, seed=1).state_dict()
    assert weights.keys() == fresh.keys()
    assert any(not weights[k].equal(fresh[k]) for k in fresh if k.endswith("weight"))  # it trained
    assert not (folder / "training_state.safetensors").exists()
