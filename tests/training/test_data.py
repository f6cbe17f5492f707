"""Label-file validation: every error names file, line, what was expected and what was found."""

import json

import pytest

from training.data import LabelFileError, check_files, data_hash, label_counts, load_records


def write(tmp_path, rows, name="set.jsonl"):
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def good(i=0, text=None, labels=("contact",)):
    return {"id": f"d-{i}", "doc": "d", "text": text or f"Write to us at office {i}.", "labels": list(labels)}


def problems_of(tmp_path, taxonomy, rows):
    _, problems = check_files([write(tmp_path, rows)], taxonomy)
    return [str(p) for p in problems]


def test_valid_file_loads_with_labels_in_taxonomy_order(tmp_path, taxonomy):
    path = write(tmp_path, [good(0, labels=("general",)), good(1, labels=("contact", "data_collection"))])
    records = load_records([path], taxonomy)
    assert [r.labels for r in records] == [("general",), ("data_collection", "contact")]


def test_rejects_unknown_label_and_lists_the_valid_ones(tmp_path, taxonomy):
    (msg,) = problems_of(tmp_path, taxonomy, [good(0, labels=("cookies",))])
    assert "set.jsonl:1:" in msg and "unknown label(s) ['cookies']" in msg and "cookies_tracking" in msg


def test_rejects_empty_text(tmp_path, taxonomy):
    (msg,) = problems_of(tmp_path, taxonomy, [good(0), {**good(1), "text": "   "}])
    assert "set.jsonl:2:" in msg and "empty text" in msg


def test_rejects_duplicate_ids_naming_the_first(tmp_path, taxonomy):
    (msg,) = problems_of(tmp_path, taxonomy, [good(0), {**good(1), "id": "d-0"}])
    assert "set.jsonl:2:" in msg and "duplicate id 'd-0'" in msg and "set.jsonl:1" in msg


def test_rejects_conflicting_duplicates_but_accepts_agreeing_ones(tmp_path, taxonomy):
    rows = [good(0, text="Same text."), {**good(1, text="same  TEXT."), "doc": "e"}]
    rows.append({**good(2, text="Same text.", labels=("general",)), "doc": "f"})
    (msg,) = problems_of(tmp_path, taxonomy, rows)
    assert "set.jsonl:3:" in msg and "conflicting duplicate" in msg and "['general']" in msg


def test_the_same_line_may_carry_other_labels_after_another_clause(tmp_path, taxonomy):
    # Rule 1: a continuation line carries what it continues, so context is the heading and the clause before.
    rows = [
        good(0, text="Request erasure", labels=("user_access",)),
        good(1, text="of your personal information.", labels=("user_access",)),
        good(2, text="Request restriction", labels=("user_choice",)),
        good(3, text="of your personal information.", labels=("user_choice",)),
    ]
    assert problems_of(tmp_path, taxonomy, rows) == []
    rows.append(good(4, text="Request erasure", labels=("user_access",)))
    rows.append(good(5, text="of your personal information.", labels=("user_choice",)))
    (msg,) = problems_of(tmp_path, taxonomy, rows)
    assert "set.jsonl:6:" in msg and "conflicting duplicate" in msg and "set.jsonl:2" in msg


def test_rejects_invalid_json_missing_fields_and_wrong_types(tmp_path, taxonomy):
    rows = [
        "{not json",
        {"id": "x", "text": "t", "labels": []},
        {**good(3), "labels": "contact"},
        {**good(4), "start": "7"},
    ]
    msgs = problems_of(tmp_path, taxonomy, rows)
    assert len(msgs) == 4
    assert "set.jsonl:1:" in msgs[0] and "invalid JSON" in msgs[0]
    assert "set.jsonl:2:" in msgs[1] and "missing field 'doc'" in msgs[1]
    assert "set.jsonl:3:" in msgs[2] and "must be a list of label names" in msgs[2]
    assert "set.jsonl:4:" in msgs[3] and "'start' must be int" in msgs[3]


def test_same_text_under_different_headings_may_carry_different_labels(tmp_path, taxonomy):
    rows = [
        {
            **good(0, text="1. Related to national security;"),
            "heading": "Collection exceptions",
            "labels": ["data_collection"],
        },
        {
            **good(1, text="1. Related to national security;"),
            "heading": "Sharing exceptions",
            "labels": ["third_party_sharing"],
        },
        {**good(2, text="1. Related to national security;"), "heading": "Sharing exceptions", "labels": ["general"]},
    ]
    (msg,) = problems_of(tmp_path, taxonomy, rows)
    assert "set.jsonl:3:" in msg and "same text and heading as" in msg and "set.jsonl:2" in msg


def test_rejects_unknown_fields(tmp_path, taxonomy):
    (msg,) = problems_of(tmp_path, taxonomy, [{**good(0), "lables": ["contact"]}])
    assert "unknown field(s) ['lables']" in msg


def test_rejects_non_utf8_file(tmp_path, taxonomy):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"id": "a", "doc": "d", "text": "caf\xe9", "labels": []}\n')
    _, problems = check_files([path], taxonomy)
    assert "not valid UTF-8" in str(problems[0])


def test_load_records_raises_with_every_problem(tmp_path, taxonomy):
    path = write(tmp_path, [good(0, labels=("nope",)), {**good(1), "text": ""}])
    with pytest.raises(LabelFileError, match=r"2 problem\(s\)"):
        load_records([path], taxonomy)


def test_counts_and_hash(tmp_path, taxonomy):
    records = load_records([write(tmp_path, [good(0), good(1, labels=())])], taxonomy)
    counts = label_counts(records, taxonomy)
    assert counts["contact"] == 1 and counts["(none)"] == 1 and counts["general"] == 0
    assert data_hash(records, taxonomy) == data_hash(list(reversed(records)), taxonomy)
    changed = load_records([write(tmp_path, [good(0), good(1, labels=("general",))], "b.jsonl")], taxonomy)
    assert data_hash(changed, taxonomy) != data_hash(records, taxonomy)


def test_repository_label_sets_are_valid_and_large_enough(taxonomy):
    seeds = load_records(None, taxonomy, selection="seeds")
    assert len(seeds) >= 450 and len({r.doc for r in seeds}) == 5
    authored = load_records(None, taxonomy, selection="authored")
    assert len(authored) >= 1200 and len({r.doc for r in authored}) >= 30
    realistic = load_records(None, taxonomy, selection="realistic")
    assert len(realistic) >= 5000 and len({r.doc for r in realistic}) >= 100
    real = load_records(None, taxonomy, selection="real")
    assert len(real) >= 10000 and len({r.doc for r in real}) >= 100
    assert len(load_records(None, taxonomy, selection="written")) == len(seeds) + len(authored) + len(realistic)
    assert len(load_records(None, taxonomy, selection="all")) == len(seeds) + len(authored) + len(realistic) + len(real)
    for records in (seeds, authored, realistic, real):
        counts = label_counts(records, taxonomy)
        assert all(counts[name] >= 5 for name in taxonomy.names), counts


@pytest.mark.parametrize("name, clauses, docs", [("written", 600, 15), ("real", 3000, 25)])
def test_a_heldout_set_never_enters_a_training_selection(taxonomy, name, clauses, docs):
    from training.data import SELECTIONS
    from training.heldout import heldout_records

    heldout = heldout_records(taxonomy, name)
    assert len(heldout) >= clauses and len({r.doc for r in heldout}) >= docs
    held_docs, held_texts = {r.doc for r in heldout}, {r.text for r in heldout if len(r.text) > 60}
    for selection in SELECTIONS:
        training = load_records(None, taxonomy, selection=selection)
        assert not held_docs & {r.doc for r in training}
        # Statutory and vendor boilerplate recurs word for word across policies (GLBA form rows, the HIPAA
        # notice header, "We will not discriminate against you...", Google's advertising opt-out text);
        # anything beyond that would be a leak.
        shared = held_texts & {r.text for r in training}
        assert len(shared) <= 0.02 * len(held_texts), sorted(shared)


def test_the_same_line_may_carry_other_labels_in_another_labelled_set(tmp_path, taxonomy):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    menu = write(tmp_path / "a", [good(0, text="Contact us", labels=())])
    heading = write(tmp_path / "b", [good(1, text="Contact us", labels=("contact",))])
    assert not check_files([menu, heading], taxonomy)[1]
    again = write(tmp_path / "a", [good(2, text="Contact us", labels=("contact",))], "more.jsonl")
    assert "conflicting duplicate" in str(check_files([menu, again], taxonomy)[1][0])


def test_records_carry_their_lead_in_but_never_write_it(tmp_path, taxonomy):
    rows = [good(0, "We share data with:"), good(1, "- our payment processor"), good(2, "- our auditors")]
    records = load_records([write(tmp_path, rows)], taxonomy)
    assert [r.lead_in for r in records] == [None, "We share data with:", "We share data with:"]
    assert "lead_in" not in records[1].to_json()
