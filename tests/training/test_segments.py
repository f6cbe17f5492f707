"""Clause records of the labelled documents: re-segmenting every document gives the labelled ids and offsets."""

import pytest

from clausewise_cli.main import main
from tests.utils import ROOT, SEED_DOCS
from training.data import load_records
from training.segments import PolicyPathError, policy_files, segment_document


@pytest.mark.parametrize(
    "selection, folder",
    [
        ("authored", "authored/docs"),
        ("realistic", "realistic/docs"),
        ("real", "real/train/docs"),
        (None, "real/heldout/docs"),
    ],
)
def test_labels_point_into_their_documents_and_match_segmentation(taxonomy, selection, folder):
    docs = {p.stem: p for p in policy_files([ROOT / "labels" / folder])}
    records = (
        load_records(None, taxonomy, selection=selection)
        if selection
        else load_records([ROOT / "labels" / "real" / "heldout"], taxonomy)
    )
    assert {r.doc for r in records} == set(docs)
    for doc, path in docs.items():
        rows = [r for r in records if r.doc == doc]
        text = path.read_text(encoding="utf-8")
        assert all(text[r.start : r.end] == r.text for r in rows)
        assert [(s["id"], s["start"], s["end"]) for s in segment_document(path)] == [
            (r.id, r.start, r.end) for r in rows
        ]


def test_seed_labels_point_into_the_seed_documents_and_match_segmentation(taxonomy):
    records = load_records(None, taxonomy, selection="seeds")
    by_doc = {}
    for r in records:
        by_doc.setdefault(r.doc, []).append(r)
    for doc, rows in by_doc.items():
        text = (SEED_DOCS / f"{doc}.txt").read_text(encoding="utf-8")
        assert all(text[r.start : r.end] == r.text for r in rows)
        # Ids are stable: re-segmenting the seed gives the same ids and spans.
        assert [(s["id"], s["start"], s["end"]) for s in segment_document(SEED_DOCS / f"{doc}.txt")] == [
            (r.id, r.start, r.end) for r in rows
        ]


def test_a_path_that_is_neither_file_nor_folder_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(PolicyPathError, match=r"nope\.md is neither a file nor a folder; give policy files"):
        policy_files([tmp_path / "nope.md"])
    assert main(["segment", str(tmp_path / "nope.md"), "--out", str(tmp_path / "out")]) == 2
    assert "nope.md is neither a file nor a folder" in capsys.readouterr().err
