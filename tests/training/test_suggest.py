"""The labelling loop: uncertainty selection, Label Studio tasks and config, and the round trip into retrain."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from clausewise.analysis import analyze_thresholds, read_policy
from clausewise.taxonomy import Taxonomy
from clausewise_cli.main import main
from tests.utils import SEED_DOCS, toy_records, write
from training.new_labels import read_new_labels
from training.suggest import (
    FROM_NAME,
    TO_NAME,
    Candidate,
    build_tasks,
    candidates_from_jsonl,
    candidates_from_policy,
    closeness,
    label_config,
    scored_candidates,
    select_uncertain,
)

LABELS = ["cookies_tracking", "contact", "children"]
THRESHOLDS = [0.5, 0.2, 0.8]


def cand(text: str, given=None) -> Candidate:
    return Candidate(text, "H", "doc", "doc.txt", 0, len(text), 0, given)


# --- selection ------------------------------------------------------------------------------------
def test_closeness_is_one_on_the_threshold_and_zero_at_the_ends():
    assert closeness(0.2, 0.2) == 1.0 and closeness(0.0, 0.2) == 0.0 and closeness(1.0, 0.2) == 0.0
    assert closeness(0.6, 0.2) == pytest.approx(0.5) and closeness(0.1, 0.2) == pytest.approx(0.5)


def test_most_uncertain_first_torn_clauses_above_single_doubts_and_disagreements_first():
    cands = [
        cand("sure about cookies"),
        cand("one doubt about a contact line"),
        cand("torn between cookies and contact"),
        cand("a labelled clause the model reads otherwise", given=("children",)),
    ]
    rows = np.array([[0.99, 0.01, 0.01], [0.01, 0.21, 0.01], [0.52, 0.19, 0.01], [0.99, 0.01, 0.01]])
    picked = select_uncertain(cands, rows, LABELS, THRESHOLDS, top=3)
    assert [p.candidate.text for p in picked] == [cands[3].text, cands[2].text, cands[1].text]
    assert "the file says ['children']" in picked[0].reasons[0] and picked[0].chosen == ["cookies_tracking"]
    assert picked[1].chosen == ["cookies_tracking"] and picked[1].uncertainty > picked[2].uncertainty


def test_near_duplicates_are_suggested_once(taxonomy):
    cands = [
        cand("We use cookies (1)."),
        cand("we use COOKIES [2]"),
        cand("We use cookies to measure visits on our site."),
        cand("We use cookies to measure the visits on our site."),
        cand("Children may not register."),
    ]
    rows = np.full((len(cands), 3), 0.5)
    picked = select_uncertain(cands, rows, LABELS, THRESHOLDS, top=10)
    assert [p.candidate.text for p in picked] == [cands[0].text, cands[2].text, cands[4].text]
    with pytest.raises(ValueError, match="--top must be at least 1"):
        select_uncertain(cands, rows, LABELS, THRESHOLDS, top=0)


def test_policy_candidates_are_the_clauses_analyze_scores_with_their_offsets(tmp_path):
    text = "Privacy Policy\n1. Cookies\nWe use cookies to keep you signed in.\nHome | Cart | Help Center\n"
    path = write(tmp_path / "p.txt", text)
    cands = candidates_from_policy(path)
    policy = read_policy(text)
    assert [c.clause for c in cands] == policy.scored_indices and [c.text for c in cands] == policy.model_inputs()[0]
    assert all(text[c.start : c.end] == c.text and c.doc == "p" and c.policy == str(path) for c in cands)


def test_jsonl_candidates_skip_chrome_keep_labels_and_name_bad_lines(tmp_path):
    good = write(
        tmp_path / "c.jsonl",
        json.dumps(
            {
                "text": "We use cookies.",
                "labels": ["cookies_tracking"],
                "doc": "d1",
                "heading": "Cookies",
                "start": 3,
                "end": 18,
            }
        )
        + "\n"
        + json.dumps({"text": "Home | Cart", "kind": "chrome"})
        + "\n",
    )
    [c] = candidates_from_jsonl(good)
    assert (c.text, c.heading, c.doc, c.start, c.end, c.given) == (
        "We use cookies.",
        "Cookies",
        "d1",
        3,
        18,
        ("cookies_tracking",),
    )
    bad = write(tmp_path / "b.jsonl", '{"text": "ok"}\n{"txt": "no text"}\n')
    with pytest.raises(ValueError, match=r"b.jsonl:2: expected an object with a non-empty 'text'"):
        candidates_from_jsonl(bad)


def test_candidates_are_scored_in_context_as_analyze_scores_them(stored_model, taxonomy, tmp_path):
    import bentoml

    from clausewise.analysis import in_context, scoring_inputs
    from clausewise.context_scores import ContextStack
    from clausewise.model import ClauseModel
    from training.context_fit import scores_in_context
    from training.heldout import heldout_records
    from training.paragraphs import source_text

    model = ClauseModel.load(bentoml.models.get(stored_model).path)
    stack = ContextStack.of(model.info)
    assert stack is not None and analyze_thresholds(model.info) == stack.thresholds
    held = [r for r in heldout_records(taxonomy, "real") if r.doc.startswith("oth14")]
    text = source_text(held[0].doc)
    cands, rows = scored_candidates(model, write(tmp_path / "policy.md", text))
    policy = read_policy(text)
    served, _ = in_context(policy, model.scores(*scoring_inputs(policy, model.info)), model.info)
    assert [c.clause for c in cands] == policy.scored_indices and np.allclose(rows, served, atol=1e-5)
    assert not np.allclose(rows, model.scores(*policy.model_inputs(model.info.context)), atol=1e-3)  # not alone

    jsonl = write(tmp_path / "c.jsonl", "".join(json.dumps(r.to_json()) + "\n" for r in held))
    found, jrows = scored_candidates(model, jsonl)
    expected, _, _ = scores_in_context(model, held)
    kept = [i for i, r in enumerate(held) if r.kind != "chrome"]
    assert [c.text for c in found] == [held[i].text for i in kept]
    assert np.allclose(jrows, expected[kept], atol=1e-5)


# --- the Label Studio side -------------------------------------------------------------------------
def test_label_config_has_every_taxonomy_label_as_a_multiple_choice_with_its_definition(taxonomy):
    root = ET.fromstring(label_config(taxonomy))
    [choices] = root.iter("Choices")
    assert choices.get("choice") == "multiple" and choices.get("name") == FROM_NAME and choices.get("toName") == TO_NAME
    assert [(c.get("value"), c.get("hint")) for c in choices.iter("Choice")] == [
        (lab.name, lab.definition) for lab in taxonomy.labels
    ]
    [text] = root.iter("Text")
    assert text.get("name") == TO_NAME and text.get("value") == "$text"


def test_label_config_follows_the_taxonomy_file_and_escapes_definitions(tmp_path):
    tax = Taxonomy.from_dicts(
        [{"name": "kids", "definition": 'Children <13 & "minors"'}, {"name": "cookies", "definition": "x"}]
    )
    root = ET.fromstring(label_config(tax))
    assert [(c.get("value"), c.get("hint")) for c in root.iter("Choice")] == [
        ("kids", 'Children <13 & "minors"'),
        ("cookies", "x"),
    ]


def test_tasks_carry_the_clause_where_it_is_and_a_prediction_with_the_model_tag(taxonomy):
    cands = [cand("We use cookies."), cand("Nothing chosen here.")]
    rows = np.array([[0.6, 0.01, 0.01], [0.4, 0.01, 0.01]])
    tasks = build_tasks(select_uncertain(cands, rows, LABELS, THRESHOLDS, top=2), "clause-classifier:abc", taxonomy)
    assert tasks[0]["data"] == {
        "text": "We use cookies.",
        "heading": "H",
        "doc": "doc",
        "policy": "doc.txt",
        "start": 0,
        "end": 15,
        "clause": 0,
    }
    [pred] = tasks[0]["predictions"]
    assert pred["model_version"] == "clause-classifier:abc" and 0 <= pred["score"] <= 1
    assert pred["result"] == [
        {"from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices", "value": {"choices": ["cookies_tracking"]}}
    ]
    assert tasks[1]["predictions"][0]["result"] == []
    with pytest.raises(ValueError, match="does not define"):
        build_tasks(select_uncertain(cands, rows, ["made_up", "b", "c"], THRESHOLDS, top=1), "m:1", taxonomy)


# --- the loop: suggest -> (simulated) annotation -> export -> retrain --dry-run ---------------------
def annotate(tasks: list[dict], taxonomy) -> list[dict]:
    """What a Label Studio full JSON export of the tasks looks like once each is labelled: ids added,
    the annotator accepted the prediction, or replaced it with the first taxonomy label when it was empty."""
    out = []
    for i, task in enumerate(tasks, 1):
        result = task["predictions"][0]["result"] or [
            {"from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices", "value": {"choices": [taxonomy.names[0]]}}
        ]
        out.append(
            {
                "id": i,
                **task,
                "annotations": [
                    {
                        "id": 100 + i,
                        "completed_by": 1,
                        "was_cancelled": False,
                        "result": [{**r, "id": f"r{i}", "origin": "manual"} for r in result],
                    }
                ],
            }
        )
    return out


def json_min(export: list[dict]) -> list[dict]:
    """The same export as JSON_MIN: task data flat, the choices under the control's name."""
    rows = []
    for task in export:
        choices = task["annotations"][0]["result"][0]["value"]["choices"]
        rows.append(
            {
                **task["data"],
                "id": task["id"],
                "annotator": 1,
                "annotation_id": task["annotations"][0]["id"],
                "created_at": "2025-01-01T00:00:00Z",
                "updated_at": "2025-01-01T00:00:00Z",
                "lead_time": 3.2,
                FROM_NAME: choices if len(choices) > 1 else choices[0],
            }
        )
    return rows


def test_round_trip_suggest_annotate_export_retrain_dry_run(stored_model, taxonomy, tiny_base, tmp_path, capsys):
    out = tmp_path / "tasks.json"
    assert (
        main(
            [
                "suggest",
                str(SEED_DOCS / "004_e8e6eb838ae425a6.txt"),
                "--top",
                "20",
                "--output",
                str(out),
                "--model",
                stored_model,
            ]
        )
        == 0
    )
    assert f"wrote 20 Label Studio tasks to {out}" in capsys.readouterr().out
    tasks = json.loads(out.read_text())
    assert len(tasks) == 20 and len({t["data"]["text"] for t in tasks}) == 20
    for t in tasks:
        [pred] = t["predictions"]
        assert pred["model_version"] == stored_model and ":latest" not in pred["model_version"]
        assert all(set(r["value"]["choices"]) <= set(taxonomy.names) for r in pred["result"])
        assert t["data"]["doc"] == "004_e8e6eb838ae425a6" and t["data"]["end"] > t["data"]["start"]
    scores = [t["predictions"][0]["score"] for t in tasks]
    assert scores == sorted(scores)  # most uncertain (lowest score) first

    export = annotate(tasks, taxonomy)
    for name, content in (("export.json", export), ("export_min.json", json_min(export))):
        path = write(tmp_path / name, json.dumps(content))
        rows, report, problems = read_new_labels([path], taxonomy)
        assert problems == [] and report.formats[str(path)] == "label-studio" and len(rows) == 20
        assert [(r.text, r.heading, r.doc) for r in rows] == [
            (t["data"]["text"], t["data"]["heading"], t["data"]["doc"]) for t in tasks
        ]
        assert all(r.labels for r in rows)

    labels = tmp_path / "labels"
    (labels / "seeds").mkdir(parents=True)
    (labels / "seeds" / "seeds.jsonl").write_text("".join(json.dumps(r.to_json()) + "\n" for r in toy_records(1)))
    capsys.readouterr()
    assert (
        main(
            [
                "retrain",
                str(tmp_path / "export.json"),
                "--labels-dir",
                str(labels),
                "--selection",
                "seeds",
                "--base-model",
                str(tiny_base),
                "--cv",
                "none",
                "--dry-run",
            ]
        )
        == 0
    )
    said = capsys.readouterr().out
    assert "export.json=label-studio" in said and "merge: 20 new clause(s)" in said and "Nothing was changed" in said


def test_suggest_and_label_config_from_the_command_line(stored_model, taxonomy, tmp_path, capsys):
    jsonl = write(tmp_path / "c.jsonl", "".join(json.dumps(r.to_json()) + "\n" for r in toy_records(1)))
    out = tmp_path / "t.json"
    assert main(["suggest", str(jsonl), "--top", "5", "-o", str(out), "--model", stored_model]) == 0
    assert len(json.loads(out.read_text())) == 5
    assert main(["suggest", str(tmp_path / "nope.txt"), "--model", stored_model]) == 2
    assert "neither a file nor a folder" in capsys.readouterr().err
    assert main(["suggest", str(jsonl), "--top", "0", "--model", stored_model]) == 2
    assert main(["label-config"]) == 0
    xml = capsys.readouterr().out
    assert all(f'<Choice value="{n}"' in xml for n in taxonomy.names) and 'choice="multiple"' in xml
