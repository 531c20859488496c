"""Dataset labels and protocol cards: tables are named by labels, joined by ground-truth hash or
label, and never mix cards."""

from __future__ import annotations

import json
import shutil

import pytest
from leaderboard_helpers import write_evaluation

from mbench.errors import BadInput
from mbench.leaderboard import tables
from mbench.leaderboard.board import Options, compute_board
from mbench.leaderboard.store import group_tables, load_store

CARD = {"name": "rvm", "version": "1", "source": "PeterL1n/RobustVideoMatting @ 53d74c6, evaluation/evaluate_lr.py",
        "region": "whole frame", "metrics": ["mad"], "higher_is_better": [],
        "rules": {"scales": {"mad": 1000}, "reading": "gray8"}, "quirks": []}


def values(level):
    return {f"c{i}": {"mad": [level + 0.01 * i, level + 0.02 * i]} for i in range(6)}


def evaluation(root, name, level, *, gt, card=None, gt_hash=None, dataset=None):
    method = {"name": name, **({"dataset": dataset} if dataset else {})}
    folder = write_evaluation(root / name, values(level), gt=gt, method=method)
    if card is not None or gt_hash is not None:
        summary = json.loads((folder / "summary.json").read_text())
        summary.update({"protocol": {"name": card["name"], "version": card["version"]}, "card": card,
                        "gt_hash": gt_hash})
        (folder / "summary.json").write_text(json.dumps(summary))
    return folder


def board(store):
    return compute_board(group_tables(load_store(store)), Options(resamples=200))


def test_the_same_label_at_two_paths_is_one_table_named_by_the_label(tmp_path):
    evaluation(tmp_path, "A", 1.0, gt="/home/alice/secret/VM8K/valid", dataset="VideoMatte8K valid")
    evaluation(tmp_path, "B", 2.0, gt="/mnt/bob/copy/valid", dataset="VideoMatte8K valid")
    (result,) = board(tmp_path)
    assert [r.name for r in result.rows] == ["A", "B"]
    assert result.title.startswith("VideoMatte8K valid \u00b7 convention rvm")
    md, csv_text = tables.markdown([result], Options(resamples=200)), tables.to_csv([result])
    for text in (md, csv_text, tables.latex([result], Options(resamples=200))):
        assert "/home/alice" not in text and "/mnt/bob" not in text


def test_a_synth_manifest_names_the_table(tmp_path):
    for where in ("one", "two"):
        (tmp_path / where / "valid").mkdir(parents=True)
        (tmp_path / where / "manifest.json").write_text(json.dumps({"recipe": {"name": "smoke"}, "seed": 3}))
    evaluation(tmp_path / "store", "A", 1.0, gt=str(tmp_path / "one" / "valid"))
    evaluation(tmp_path / "store", "B", 2.0, gt=str(tmp_path / "two" / "valid"))
    (result,) = board(tmp_path / "store")
    assert result.table.label == "smoke/valid (seed 3)" and len(result.rows) == 2


def test_without_any_label_only_the_folder_names_show(tmp_path):
    evaluation(tmp_path, "A", 1.0, gt="/home/alice/private/VM8K/valid")
    (result,) = board(tmp_path)
    assert result.table.label == "VM8K/valid"
    assert "/home/alice" not in result.title


def test_the_ground_truth_hash_joins_tables_whatever_the_labels(tmp_path):
    evaluation(tmp_path, "A", 1.0, gt="/x/a", card=CARD, gt_hash="ab" * 32, dataset="name one")
    evaluation(tmp_path, "B", 2.0, gt="/y/b", card=CARD, gt_hash="ab" * 32, dataset="name two")
    evaluation(tmp_path, "C", 3.0, gt="/x/a", card=CARD, gt_hash="cd" * 32, dataset="name three")
    results = board(tmp_path)
    assert sorted(len(r.rows) for r in results) == [1, 2]
    joined = next(r for r in results if len(r.rows) == 2)
    assert joined.table.gt_hash == "ab" * 32 and joined.table.label == "name one"
    assert "protocol rvm v1" in joined.title


def test_one_label_with_two_hashes_is_two_ground_truths_and_refused(tmp_path):
    """A hash covers only the targets (alpha, trimaps, flow), so one label with two hashes is two
    data sets: refused, naming both; a changed clip set gets the clip check's message."""
    evaluation(tmp_path, "A", 1.0, gt="/x/a", card=CARD, gt_hash="ab" * 32, dataset="VM valid")
    evaluation(tmp_path, "B", 2.0, gt="/y/b", card=CARD, gt_hash="ab" * 32, dataset="VM valid")
    (result,) = board(tmp_path)  # one hash at two paths: one table
    assert len(result.rows) == 2
    evaluation(tmp_path, "D", 2.0, gt="/x/a", card=CARD, gt_hash="cd" * 32, dataset="VM valid")
    with pytest.raises(BadInput, match="names two different ground truths"):
        board(tmp_path)
    shutil.rmtree(tmp_path / "D")
    folder = write_evaluation(tmp_path / "C", {"c0": {"mad": [1.0, 2.0]}}, gt="/x/a",
                              method={"name": "C", "dataset": "VM valid"})
    summary = json.loads((folder / "summary.json").read_text())
    summary.update({"protocol": {"name": "rvm", "version": "1"}, "card": CARD, "gt_hash": "ef" * 32})
    (folder / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(BadInput, match="different clip sets"):
        board(tmp_path)


def test_the_leaderboard_refuses_to_mix_cards(tmp_path):
    evaluation(tmp_path, "A", 1.0, gt="/x/a", card=CARD, gt_hash="ab" * 32)
    other = {**CARD, "rules": {**CARD["rules"], "reading": "full precision (--full-precision)"}}
    evaluation(tmp_path, "B", 2.0, gt="/x/a", card=other, gt_hash="ab" * 32)
    with pytest.raises(BadInput, match=r"protocol cards differ at rules.reading") as info:
        board(tmp_path)
    assert "\n" not in str(info.value)


def test_another_protocol_or_no_card_is_another_table(tmp_path):
    evaluation(tmp_path, "A", 1.0, gt="/x/a", card=CARD, gt_hash="ab" * 32, dataset="d")
    evaluation(tmp_path, "B", 2.0, gt="/x/a", card={**CARD, "version": "2"}, gt_hash="ab" * 32, dataset="d")
    evaluation(tmp_path, "C", 2.0, gt="/x/a", dataset="d")
    assert sorted(r.table.protocol for r in board(tmp_path)) == ["rvm", "rvm v1", "rvm v2"]


def test_the_card_is_printed_under_each_table_and_as_a_latex_footnote(tmp_path):
    evaluation(tmp_path, "A", 1.0, gt="/x/a", card=CARD, gt_hash="ab" * 32, dataset="d")
    (result,) = board(tmp_path)
    md = tables.markdown([result], Options(resamples=200))
    assert "Protocol rvm v1; source PeterL1n/RobustVideoMatting @ 53d74c6" in md
    assert "reading: gray8" in md and 'scales: {"mad": 1000}' in md
    tex = tables.latex([result], Options(resamples=200))
    footnote = next(line for line in tex.splitlines() if "\\footnotesize" in line)
    assert "Protocol rvm v1" in footnote and tex.index(footnote) > tex.index("\\end{tabular}")


def test_a_bad_dataset_label_in_method_json_is_bad_input(tmp_path):
    evaluation(tmp_path, "A", 1.0, gt="/x/a", dataset="two\nlines")
    with pytest.raises(BadInput, match='"dataset" must be one non-empty line'):
        board(tmp_path)


def test_the_method_card_shows_speed_and_memory_per_resolution(tmp_path):
    from mbench.leaderboard.site import method_card

    folder = evaluation(tmp_path, "A", 1.0, gt="/x/a", dataset="d")
    method = json.loads((folder / "method.json").read_text())
    method["speed"] = [{"size": [64, 48], "fps": 310.5, "peak_memory_mb": 12.25, "repeats": 3,
                        "statistic": "median", "device": "cpu", "threads": 2},
                       {"size": [1920, 1080], "fps": 1.5, "peak_memory_mb": 900.0, "repeats": 3}]
    (folder / "method.json").write_text(json.dumps(method))
    (result,) = board(tmp_path)
    card = method_card(result, result.rows[0], 0)
    assert "<td>64x48</td><td>310.5</td><td>12.25</td><td>cpu, 2 thread(s), median of 3 runs</td>" in card
    assert "<td>1920x1080</td><td>1.5</td><td>900</td>" in card
    assert "/x/a" not in card
