"""Double annotation (training/annotation.py): reading passes, agreement, conflicts and the merge."""

from __future__ import annotations

import json

import pytest

from clausewise.files import read_jsonl, write_jsonl
from clausewise_cli.main import main
from training.annotation import agreement, load_passes, merge_passes, read_pass, write_agreement

SEGMENTS = [
    {"id": f"001-{i:04d}", "doc": "001_shop", "start": 10 * i, "end": 10 * i + 9, "kind": "clause", "heading": None,
     "text": text}
    for i, text in enumerate(["We use cookies.", "Email us at privacy@shop.example.", "We keep data for a year."])
]  # fmt: skip
PASS_A = [
    {"id": "001-0000", "labels": ["cookies_tracking"]},
    {"id": "001-0001", "labels": ["contact"]},
    {"id": "001-0002", "labels": ["data_retention", "data_collection"]},
]
PASS_B = [
    {"id": "001-0000", "labels": ["cookies_tracking"]},
    {"id": "001-0001", "labels": ["contact", "user_access"]},
    {"id": "001-0002", "labels": ["data_collection", "data_retention", "data_retention"]},
]


@pytest.fixture()
def folder(tmp_path):
    """An annotation folder: segments/, pass_a/ and pass_b/ that disagree on one clause."""
    for name, rows in (("segments", SEGMENTS), ("pass_a", PASS_A), ("pass_b", PASS_B)):
        (tmp_path / name).mkdir()
        write_jsonl(tmp_path / name / "part1.jsonl", rows)
    return tmp_path


def test_passes_are_read_in_taxonomy_order_and_compared(folder, taxonomy):
    passes = load_passes(folder, taxonomy)
    assert passes.a["001-0002"] == passes.b["001-0002"] == ("data_collection", "data_retention")
    assert [d["id"] for d in passes.disagreements] == ["001-0001"]
    assert passes.disagreements[0]["pass_b"] == ["user_access", "contact"]


def test_agreement_counts_kappa_and_exact_matches(folder, taxonomy):
    passes = load_passes(folder, taxonomy)
    stats = agreement(passes.a, passes.b, passes.ids, taxonomy)
    assert stats["clauses"] == 3 and stats["exact_match"] == round(2 / 3, 3)
    assert stats["per_label"]["contact"] == {"kappa": 1.0, "pass_a": 1, "pass_b": 1}
    assert stats["per_label"]["user_access"]["pass_a"] == 0 and stats["per_label"]["user_access"]["pass_b"] == 1
    assert stats["per_label"]["user_access"]["kappa"] == 0.0
    assert stats["micro_f1"] == round(2 * 4 / (4 + 5), 3)  # 4 shared positives, 4 in A, 5 in B


def test_write_agreement_writes_both_files(folder, taxonomy):
    stats = write_agreement(load_passes(folder, taxonomy), taxonomy, folder)
    assert json.loads((folder / "agreement.json").read_text()) == stats
    assert [r["id"] for r in read_jsonl(folder / "disagreements.jsonl")] == ["001-0001"]


def test_merge_takes_agreed_labels_and_the_adjudication(folder, taxonomy):
    passes = load_passes(folder, taxonomy)
    rows = merge_passes(passes, [{"id": "001-0001", "labels": ["contact"], "rule": "R3"}], taxonomy)
    assert [r["labels"] for r in rows] == [["cookies_tracking"], ["contact"], ["data_collection", "data_retention"]]
    assert rows[0] == {**{k: SEGMENTS[0][k] for k in ("id", "doc", "text", "heading", "start", "end", "kind")},
                       "labels": ["cookies_tracking"]}  # fmt: skip


def test_merge_refuses_an_open_disagreement_and_an_unknown_label(folder, taxonomy):
    passes = load_passes(folder, taxonomy)
    with pytest.raises(ValueError, match=r"1 disagreement\(s\) not adjudicated, e.g. \['001-0001'\]; add a line"):
        merge_passes(passes, [], taxonomy)
    with pytest.raises(ValueError, match=r"adjudicated 001-0001: unknown label\(s\) \['Contact!'\]"):
        merge_passes(passes, [{"id": "001-0001", "labels": ["Contact!"]}], taxonomy)


def test_a_pass_with_conflicting_or_missing_lines_is_rejected(folder, taxonomy):
    write_jsonl(folder / "pass_a" / "part2.jsonl", [{"id": "001-0000", "labels": ["general"]}])
    with pytest.raises(ValueError, match=r"part2\.jsonl:1: id 001-0000 labelled twice in this pass"):
        read_pass(folder / "pass_a", taxonomy)
    (folder / "pass_a" / "part2.jsonl").unlink()
    write_jsonl(folder / "pass_b" / "part1.jsonl", PASS_B[:2])
    with pytest.raises(ValueError, match=r"pass_b has no labels for 1 clause\(s\), e.g. \['001-0002'\]"):
        load_passes(folder, taxonomy)


def test_annotate_command_writes_the_merged_label_file(folder, tmp_path, capsys):
    write_jsonl(folder / "adjudicated.jsonl", [{"id": "001-0001", "labels": ["contact"], "rule": "R3"}])
    out = tmp_path / "merged.jsonl"
    assert main(["annotate", "agreement", "--annotation", str(folder)]) == 0
    assert "3 clauses, micro-F1" in capsys.readouterr().out
    assert main(["annotate", "merge", "--annotation", str(folder), "--out", str(out)]) == 0
    assert f"wrote 3 clauses to {out} (1 adjudicated)" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 0
    (folder / "adjudicated.jsonl").write_text("", encoding="utf-8")
    assert main(["annotate", "merge", "--annotation", str(folder), "--out", str(out)]) == 2
    assert "not adjudicated" in capsys.readouterr().err
