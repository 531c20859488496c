"""Presets: the shipped files load and carry the seeds' settings; bad presets are refused clearly."""

from __future__ import annotations

import pytest

from mbench.baselines import SPECS
from mbench.baselines.presets import SHIPPED, load_preset
from mbench.errors import BadInput


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_presets_configure_all_four_models(name):
    preset = load_preset(name)
    assert set(preset.models) == set(SPECS)
    for plan in preset.models.values():
        assert plan.total_steps > 0 and plan.stages


def test_paper_preset_has_the_seeds_settings():
    paper = load_preset("paper")
    rvm = paper.models["rvm"]
    s1, s2, s3, s4 = rvm.stages
    assert rvm.optimizer == "adam" and rvm.backbone == "mobilenetv3" and rvm.options == {}
    assert (s1.main.seq_len, s1.main.size_range, s1.main.batch) == (15, (256, 512), 4)
    assert s1.learning_rates == {"backbone": 1e-4, "aspp": 2e-4, "decoder": 2e-4, "refiner": 2e-4}
    assert s2.main.seq_len == 50 and s2.learning_rates["backbone"] == 5e-5 and s2.learning_rates["decoder"] == 1e-4
    assert s3.hr.forward == {"downsample_ratio": 0.25} and s3.hr.seq_len == 6 and s3.hr.size_range == (1024, 2048)
    assert s3.learning_rates["refiner"] == 2e-4 and s3.learning_rates["backbone"] == 1e-5
    assert s4.learning_rates["decoder"] == 5e-5
    assert all(s.segmentation for s in rvm.stages)
    lstm = paper.models["convlstm"]
    assert lstm.optimizer == "adamw" and lstm.amp and lstm.backbone == "resnet50" and lstm.init_from == "bgmv2"
    assert (lstm.stages[0].main.batch, lstm.stages[0].main.seq_len, lstm.stages[0].main.size) == (4, 8, (224, 224))
    assert lstm.stages[0].learning_rates == {"backbone": 1e-4, "aspp": 5e-4, "decoder": 5e-4}
    bgm = paper.models["bgmv2"]
    assert bgm.optimizer == "adam" and [s.main.forward["refine"] for s in bgm.stages] == [False, True]
    assert bgm.stages[0].main.batch == 8 and bgm.stages[0].learning_rates["aspp"] == 5e-4
    mem = paper.models["attention_memory"]
    assert [s.main.size for s in mem.stages] == [(512, 512), (512, 288), (1920, 1080)]
    assert mem.stages[0].main.seq_len == 1 and mem.stages[2].main.seq_len == 7
    assert mem.stages[0].learning_rates["backbone"] == 1e-4 and mem.stages[0].learning_rates["decoder"] == 2e-4
    assert mem.stages[2].learning_rates["refiner"] == 2e-4 and mem.stages[2].learning_rates["decoder"] == 1e-5


def test_stage_values_inherit_from_model_then_train_table(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("""
[train]
steps = 7
batch = 3
size = [48, 32]
[models.rvm]
seq_len = 5
learning_rates = { backbone = 1e-3 }
forward = { downsample_ratio = 0.5 }
[[models.rvm.stages]]
name = "a"
[[models.rvm.stages]]
steps = 2
learning_rates = { decoder = 1e-2 }
forward = { downsample_ratio = 1.0 }
""")
    plan = load_preset(str(path)).models["rvm"]
    a, b = plan.stages
    assert (a.name, a.steps, a.main.batch, a.main.seq_len, a.main.size) == ("a", 7, 3, 5, (48, 32))
    assert a.learning_rates == {"backbone": 1e-3, "aspp": 2e-4, "decoder": 2e-4, "refiner": 2e-4}
    assert b.steps == 2 and b.learning_rates["backbone"] == 1e-3 and b.learning_rates["decoder"] == 1e-2
    assert b.main.forward == {"downsample_ratio": 1.0} and plan.predict == {"downsample_ratio": 1.0}
    assert plan.total_steps == 9


@pytest.mark.parametrize("text, fragments", [
    ("[train]\nstepz = 3\n[models.rvm]\n", ["unknown key 'train.stepz'", "valid keys: steps, batch"]),
    ("[models.rvm]\nwidth = 2\n", ["unknown key 'models.rvm.width'", "backbone"]),
    ("[models.rvm]\noptions = { depth = 2 }\n", ["models.rvm.options.depth", "width_mult"]),
    ("[models.rvm]\nlearning_rates = { encoder = 1e-3 }\n", ["models.rvm.learning_rates.encoder", "backbone, aspp"]),
    ("[models.rvm]\nforward = { refine = true }\n", ["models.rvm.forward.refine", "downsample_ratio"]),
    ("[models.nope]\n", ["unknown key 'models.nope'"]),
    ("[models.rvm]\nbackbone = 'resnet18'\n", ["models.rvm.backbone", "mobilenetv3, resnet50"]),
    ("[models.rvm]\nsteps = -1\n", ["'models.rvm.steps' must be an integer >= 0"]),
    ("[models.rvm]\nsize = [64]\n", ["'models.rvm.size' must be a pair"]),
    ("[models.rvm]\nsize_range = [32, 128]\nsize = [64, 64]\n", ["size_range"]),
    ("[models.bgmv2]\nsegmentation = true\n", ["bgmv2 has no segmentation head"]),
    ("[models.convlstm]\nbatch = 1\nseq_len = 1\n", ["batch * seq_len >= 2"]),
    ("[models.rvm]\n[[models.rvm.stages]]\nbackbone = 'resnet50'\n", ["models.rvm.stages[0].backbone"]),
    ("[train]\nsteps = 1\n", ["configures no model"]),
    ("[models.rvm]\ninit_from = 'rvm'\n", ["'models.rvm.init_from' must name another model"]),
    ("[train\n", ["malformed TOML"]),
    ("[train]\nthreads = -1\n[models.rvm]\n", ["'models.rvm.threads' must be an integer >= 0"]),
    ("[models.rvm]\n[[models.rvm.stages]]\nthreads = 2\n", ["unknown key 'models.rvm.stages[0].threads'"]),
    ("[models.rvm]\npredict = { downsample_ratio = 2 }\n", ["'models.rvm.predict.downsample_ratio'", "(0, 1]"]),
    ("[models.rvm]\nforward = { downsample_ratio = 'half' }\n", ["'models.rvm.forward.downsample_ratio'"]),
    ("[models.rvm]\n[[models.rvm.stages]]\nforward = { downsample_ratio = 0 }\n",
     ["'models.rvm.stages[0].forward.downsample_ratio'"]),
    ("[models.rvm]\nhr = { forward = { downsample_ratio = 1.5 } }\n", ["'models.rvm.hr.forward.downsample_ratio'"]),
    ("[models.bgmv2]\nforward = { refine = 1 }\n", ["'models.bgmv2.forward.refine' must be true or false"]),
    ("[models.bgmv2]\npredict = { refine = 'yes' }\n", ["'models.bgmv2.predict.refine' must be true or false"]),
])
def test_bad_presets_are_refused_naming_the_key(tmp_path, text, fragments):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(BadInput) as err:
        load_preset(str(path))
    message = str(err.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_auto_and_valid_forward_values_load(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text("[models.rvm]\npredict = { downsample_ratio = 'auto' }\n"
                    "[models.bgmv2]\nforward = { refine = false }\n")
    models = load_preset(str(path)).models
    assert models["rvm"].predict == {"downsample_ratio": "auto"}
    assert models["bgmv2"].predict == {"refine": False}


def test_unknown_preset_and_missing_model():
    with pytest.raises(BadInput, match="unknown preset.*smoke, quick, paper"):
        load_preset("fast")
    with pytest.raises(BadInput, match="no such|not found"):
        load_preset("missing/preset.toml")
    with pytest.raises(BadInput, match="does not configure model 'bgmv2'"):
        preset = load_preset("smoke")
        preset.models.pop("bgmv2")
        preset.plan("bgmv2")


def test_threads_come_from_train_or_model_table_and_apply_only_while_training_on_the_cpu(tmp_path):
    import torch

    from mbench.baselines.devices import cpu_threads

    path = tmp_path / "t.toml"
    path.write_text("[train]\nthreads = 1\n[models.rvm]\n[models.bgmv2]\nthreads = 3\n")
    models = load_preset(str(path)).models
    assert (models["rvm"].threads, models["bgmv2"].threads) == (1, 3)
    assert load_preset("paper").models["rvm"].threads == 0  # torch's default on a GPU machine
    before = torch.get_num_threads()
    with cpu_threads("cpu", 1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with cpu_threads("cuda:0", 1), cpu_threads("cpu", 0):
        assert torch.get_num_threads() == before
