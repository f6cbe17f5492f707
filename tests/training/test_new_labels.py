"""Reading new labels: JSONL, CSV and Label Studio exports, and every bad input reported with file and row."""

from __future__ import annotations

import json

import pytest

from tests.utils import ls_task, write
from training.new_labels import label_file_format, read_new_labels


def test_jsonl_and_case_insensitive_labels(tmp_path, taxonomy):
    f = write(
        tmp_path / "new.jsonl",
        '{"text": "We use cookies.", "labels": ["Cookies_Tracking"]}\n'
        '{"text": "Call us.", "labels": ["CONTACT"], "heading": "Contact"}\n',
    )
    rows, report, problems = read_new_labels([f], taxonomy)
    assert not problems and report.formats == {str(f): "jsonl"}
    assert [(r.text, r.labels, r.heading) for r in rows] == [
        ("We use cookies.", ("cookies_tracking",), None),
        ("Call us.", ("contact",), "Contact"),
    ]
    assert rows[1].source == f"{f}:2"


def test_csv_with_joined_labels_and_with_one_column_per_label(tmp_path, taxonomy):
    joined = write(
        tmp_path / "a.csv",
        'text,labels\n"We keep logs for 30 days; then delete them.",data_retention;Data_Security\nHome | Cart,\n',
    )
    columns = write(
        tmp_path / "b.csv", "text,cookies_tracking,CHILDREN\nWe use cookies.,1,0\nKids under 13.,0,1\nNeither.,0,0\n"
    )
    rows, report, problems = read_new_labels([joined, columns], taxonomy)
    assert not problems and set(report.formats.values()) == {"csv"}
    assert [r.labels for r in rows] == [
        ("data_retention", "data_security"),
        (),
        ("cookies_tracking",),
        ("children",),
        (),
    ]


def test_format_is_detected_from_content_not_extension(tmp_path):
    assert label_file_format('[{"data": {"text": "x"}}]') == "label-studio"
    assert label_file_format('\ufeff{"text": "x", "labels": []}\n') == "jsonl"
    assert label_file_format("text,labels\nx,contact\n") == "csv"


def test_label_studio_full_export_drops_cancelled_takes_majority_and_reports_ties(tmp_path, taxonomy):
    tasks = [
        ls_task(1, "We use cookies.", (["Cookies_tracking"], False)),
        ls_task(
            2, "Children under 13.", (["children"], False), (["children", "contact"], False), (["children"], False)
        ),
        ls_task(3, "Cancelled only.", (["contact"], True)),
        ls_task(4, "Tied clause.", (["contact"], False), (["general"], False)),
        ls_task(5, "One cancelled, one kept.", (["general"], True), (["contact"], False)),
    ]
    f = write(tmp_path / "export.txt", json.dumps(tasks))
    rows, report, problems = read_new_labels([f], taxonomy)
    assert not problems and report.formats[str(f)] == "label-studio"
    assert {r.text: r.labels for r in rows} == {
        "We use cookies.": ("cookies_tracking",),
        "Children under 13.": ("children",),
        "One cancelled, one kept.": ("contact",),
    }
    assert any("task 3" in d and "no annotation left" in d for d in report.dropped)
    assert sum(": annotation " in d for d in report.dropped) == 2
    assert len(report.ties) == 1 and "task 4" in report.ties[0] and "['contact', 'general']" in report.ties[0]


def test_label_studio_json_min_export_with_two_annotators(tmp_path, taxonomy):
    rows_min = [
        {
            "id": 7,
            "text": "We share data with couriers.",
            "topic": {"choices": ["third_party_sharing"]},
            "annotator": 1,
        },
        {
            "id": 7,
            "text": "We share data with couriers.",
            "topic": {"choices": ["third_party_sharing", "data_use"]},
            "annotator": 2,
        },
        {"id": 7, "text": "We share data with couriers.", "topic": "Third_Party_Sharing", "annotator": 3},
        {"id": 8, "text": "Cookies.", "topic": ["cookies_tracking"]},
    ]
    f = write(tmp_path / "min.json", json.dumps(rows_min))
    rows, report, problems = read_new_labels([f], taxonomy)
    assert not problems and not report.ties
    assert [(r.text, r.labels) for r in rows] == [
        ("We share data with couriers.", ("third_party_sharing",)),
        ("Cookies.", ("cookies_tracking",)),
    ]


@pytest.mark.parametrize(
    "name,content,message",
    [
        (
            "a.jsonl",
            '{"text": "x", "labels": ["cookiez"]}\n',
            "unknown label(s) ['cookiez']; valid labels are: data_collection",
        ),
        ("b.jsonl", '{"text": "  ", "labels": []}\n', "empty text"),
        ("c.jsonl", '{"text": "ok", "labels": []}\n{"text": broken\n', "c.jsonl:2: invalid JSON"),
        ("d.csv", "text,labels\nfine,contact\n,contact\n", "d.csv:3: empty text"),
        ("e.csv", "text,cookies_tracking,spam\nx,1,0\n", "unknown column(s) ['spam']"),
        (
            "f.csv",
            "text,cookies_tracking\nx,maybe\n",
            "f.csv:2: label columns must be 0 or 1, found cookies_tracking='maybe'",
        ),
        ("g.csv", "words,labels\nx,contact\n", "needs a 'text' column"),
        ("h.csv", "text,labels\nx,contact,extra\n", "h.csv:2: expected 2 columns"),
        ("i.json", '[{"data": {"body": "x", "title": "y"}, "annotations": []}]', "no 'text' field"),
        (
            "j.json",
            '[{"data": {"text": "x"}, "annotations": [{"result": [{"type": "choices", "value": {"choices": ["Nope"]}}]}]}]',
            "unknown label(s) ['Nope']",
        ),
    ],
)
def test_every_bad_input_is_reported_with_file_and_row(tmp_path, taxonomy, name, content, message):
    f = write(tmp_path / name, content)
    _rows, _report, problems = read_new_labels([f], taxonomy)
    assert any(message in str(p) for p in problems), [str(p) for p in problems]
    assert all(str(p).startswith(str(f)) for p in problems)
