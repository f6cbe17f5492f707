"""Retrain: every input format, every validation error, the merge, the promotion rule, rollback, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clausewise_cli.main import main as cli
from tests.utils import ROOT, ls_task, toy_records, write
from training.data import check_files
from training.label_merge import conflicts, plan_merge
from training.new_labels import read_new_labels
from training.retrain import decide, is_heldout


def main(args: list[str]) -> int:
    return cli(["retrain", *args])


# --- merge and promotion rule --------------------------------------------------------------------
def test_conflicting_duplicates_inside_the_input_are_rejected(tmp_path, taxonomy):
    f = write(
        tmp_path / "n.jsonl",
        '{"text": "We use cookies.", "labels": ["cookies_tracking"]}\n'
        '{"text": "we  use cookies.", "labels": ["contact"]}\n'
        '{"text": "We use cookies.", "labels": ["cookies_tracking"]}\n',
    )
    rows, _, _ = read_new_labels([f], taxonomy)
    found = conflicts(rows)
    assert len(found) == 1 and "conflicting duplicate" in str(found[0]) and "n.jsonl:1" in str(found[0])


def test_merge_plan_adds_updates_and_reports_unchanged(tmp_path, taxonomy):
    existing = toy_records(1)
    cookie = existing[0]
    f = write(
        tmp_path / "n.jsonl",
        "".join(
            json.dumps(r) + "\n"
            for r in [
                {"text": cookie.text, "labels": list(cookie.labels)},
                {"text": existing[4].text.upper(), "labels": ["contact", "user_access"]},
                {"text": "A brand new clause about retention.", "labels": ["data_retention"]},
            ]
        ),
    )
    rows, _, _ = read_new_labels([f], taxonomy)
    plan = plan_merge(rows, existing)
    assert plan.unchanged == [cookie.id]
    assert [(old.id, new) for old, new, _ in plan.updated] == [(existing[4].id, ("user_access", "contact"))]
    assert [(r.text, r.labels, r.doc) for r in plan.added] == [
        ("A brand new clause about retention.", ("data_retention",), "added-n")
    ]


def test_promotion_rule_both_ways():
    current = {"tag": "m:old", "cv": {"macro_f1": 0.60}, "heldout": {"macro_f1": 0.50}}
    assert decide(current, {"cv": {"macro_f1": 0.595}, "heldout": {"macro_f1": 0.55}}, 0.01)[0] is True
    ok, why = decide(current, {"cv": {"macro_f1": 0.58}, "heldout": {"macro_f1": 0.9}}, 0.01)
    assert ok is False and "cv macro-F1 0.580 < current 0.600" in why
    assert decide(current, {"cv": None, "heldout": {"macro_f1": 0.45}}, 0.01)[0] is False
    assert decide({"tag": None}, {"heldout": None}, 0.01) == (True, "no model is served yet")


def test_heldout_slice_is_fixed_and_about_a_fifth():
    texts = [f"clause number {i} about something" for i in range(1000)]
    picked = [t for t in texts if is_heldout(t)]
    assert 150 < len(picked) < 250 and picked == [t for t in texts if is_heldout(t)]


# --- the command, end to end on a tiny model ------------------------------------------------------
@pytest.fixture()
def workspace(tmp_path, tiny_base, taxonomy):
    """A labels folder with toy seeds and a tiny model stored as `rt-<n>:latest` in the test store."""
    from training.config import TrainConfig
    from training.registry import build_metadata, store_model
    from training.train import fit

    labels = tmp_path / "labels"
    (labels / "seeds").mkdir(parents=True)
    records = toy_records(2)
    (labels / "seeds" / "seeds.jsonl").write_text("".join(json.dumps(r.to_json()) + "\n" for r in records))
    name = f"rt-{tmp_path.name[-12:].replace('_', '-').lower()}"
    config = TrainConfig(base_model=str(tiny_base), epochs=1)
    result = fit(records, taxonomy, config, progress=False)
    tag = store_model(result, build_metadata(result, taxonomy, records, config, None), name=name)
    new = tmp_path / "export.json"
    tasks = [
        ls_task(i, f"{t} (new {i})", ([lab], False))
        for i, (lab, t) in enumerate(
            [
                (lab, t)
                for lab, ts in [
                    ("cookies_tracking", ["Cookies store your cart.", "Beacons count visits."]),
                    ("contact", ["Email privacy@shop.example.", "Phone 555-0100 for help."]),
                ]
                for t in ts
            ]
            * 3
        )
    ]
    new.write_text(json.dumps(tasks))
    args = [
        "--labels-dir",
        str(labels),
        "--selection",
        "seeds",
        "--base-model",
        str(tiny_base),
        "--epochs",
        "1",
        "--cv",
        "none",
        "--name",
        name,
        # Tiny one-epoch models score noisily on a few held-out clauses, so these runs promote whatever
        # they train; the rule itself is tested in test_promotion_rule_both_ways and with --tolerance -2.
        "--tolerance",
        "1",
    ]
    return {"labels": labels, "name": name, "tag": tag, "new": new, "args": args, "tmp": tmp_path}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.jsonl"))}


def test_dry_run_changes_nothing(workspace, capsys):
    from training.registry import current_tag

    before = snapshot(workspace["labels"])
    assert main([str(workspace["new"]), *workspace["args"], "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "merge: 12 new clause(s), 0 update(s)" in out and "Nothing was changed" in out
    assert snapshot(workspace["labels"]) == before and current_tag(workspace["name"]) == workspace["tag"]


def test_the_library_takes_options_returns_results_and_prints_nothing(workspace, tiny_base, capsys):
    from training.config import TrainConfig
    from training.retrain import RetrainOptions, prepare_retrain, run_retrain

    config = TrainConfig(base_model=str(tiny_base), epochs=1, selection="seeds")
    options = RetrainOptions(
        [workspace["new"]], config, workspace["labels"], cross_validate=False, dry_run=True, name=workspace["name"]
    )
    prepared = prepare_retrain(options)
    assert not prepared.problems and len(prepared.plan.added) == 12 and prepared.current_tag == workspace["tag"]
    assert run_retrain(prepared).status == "dry-run"
    empty = write(workspace["tmp"] / "empty.json", "[]")  # a Label Studio export without tasks
    with pytest.raises(ValueError, match="no labelled clauses in the input"):
        prepare_retrain(RetrainOptions([empty], config, workspace["labels"], name=workspace["name"]))
    assert capsys.readouterr() == ("", "")


def test_invalid_input_changes_nothing(workspace, capsys):
    bad = write(workspace["tmp"] / "bad.csv", "text,labels\nok,contact\nfine,Cookiez\n")
    before = snapshot(workspace["labels"])
    assert main([str(workspace["new"]), str(bad), *workspace["args"]]) == 2
    err = capsys.readouterr().err
    assert "bad.csv:3: labels: unknown label(s) ['Cookiez']" in err and "nothing was changed" in err
    assert snapshot(workspace["labels"]) == before


def test_a_merge_that_would_break_the_label_files_changes_nothing(workspace, capsys):
    taken = toy_records(2)[0].id
    clash = write(
        workspace["tmp"] / "clash.jsonl", json.dumps({"id": taken, "text": "A new clause.", "labels": []}) + "\n"
    )
    before = snapshot(workspace["labels"])
    assert main([str(clash), *workspace["args"]]) == 2
    err = capsys.readouterr().err
    assert f"duplicate id {taken!r}" in err and "nothing was changed" in err
    assert snapshot(workspace["labels"]) == before and not list(workspace["labels"].glob(".*.tmp"))


def test_retrain_cross_validates_the_candidate_like_training_does(workspace, capsys):
    import bentoml

    from training.registry import current_tag

    assert main([str(workspace["new"]), *workspace["args"], "--cv", "folds"]) == 0
    out = capsys.readouterr().out
    assert "| cross-validation (documents held out) | - | leave-one-document-out over 3 documents" in out
    cv = bentoml.models.get(current_tag(workspace["name"])).info.metadata["cv_metrics"]
    assert cv["protocol"].startswith("leave-one-document-out over 3 documents")
    assert {"transformer", "transformer_threshold_0.5", "baseline"} <= set(cv) and 0 <= cv["transformer"][
        "macro_f1"
    ] <= 1


def test_retrain_promotes_then_refuses_a_worse_candidate_then_force_and_rollback(workspace, capsys, taxonomy):
    import bentoml

    from training.registry import current_tag

    name, first = workspace["name"], workspace["tag"]
    assert main([str(workspace["new"]), *workspace["args"]]) == 0
    out = capsys.readouterr().out
    assert (
        "| | current | candidate |" in out
        and "held-out new labels micro-F1" in out
        and "| cross-validation (documents held out) |" in out
        and "promoted" in out
    )
    second = current_tag(name)
    assert second != first and bentoml.models.get(first)  # the old model stays in the store
    added, problems = check_files([workspace["labels"] / "added.jsonl"], taxonomy)
    assert not problems and len(added) == 12
    meta = bentoml.models.get(second).info.metadata
    assert meta["retrain"]["previous"] == first and meta["n_clauses"] == len(toy_records(2)) + 12 - len(
        meta["retrain"]["heldout"]
    )

    # a candidate must beat the current model by 2.0 macro-F1 here: impossible, so it is refused
    r1, r2 = [r for r in toy_records(2) if is_heldout(r.text)][:2]  # relabelled clauses that are held out
    relabel = write(workspace["tmp"] / "relabel.jsonl", json.dumps({"text": r1.text, "labels": ["general"]}) + "\n")
    assert main([str(relabel), *workspace["args"], "--tolerance", "-2"]) == 3
    out = capsys.readouterr().out
    assert "not promoted" in out and f"update {r1.id}" in out and current_tag(name) == second
    assert main([str(relabel), *workspace["args"]]) == 0  # merged already: nothing new, no training
    assert "nothing new" in capsys.readouterr().out and current_tag(name) == second
    relabel2 = write(workspace["tmp"] / "relabel2.jsonl", json.dumps({"text": r2.text, "labels": ["general"]}) + "\n")
    assert main([str(relabel2), *workspace["args"], "--tolerance", "-2", "--force"]) == 0
    third = current_tag(name)
    assert third not in (first, second) and "forced" in capsys.readouterr().out

    assert cli(["rollback", "--name", name]) == 0
    assert current_tag(name) == second and f"now {second}" in capsys.readouterr().out
    assert cli(["rollback", first, "--name", name]) == 0 and current_tag(name) == first
    assert cli(["rollback", f"{name}:doesnotexist", "--name", name]) == 2


# `clausewise retrain` with one step replaced by a pause: "training" (labels merged, before the fit) or
# "promotion" (candidate moved into the store, before `latest` is replaced). The test kills it there.
PAUSING_RETRAIN = """
import sys, time
import training.registry, training.retrain
from clausewise_cli.main import main

def pause(*_args, **_kw):
    print(f"PAUSED AT {sys.argv[1]}", file=sys.stderr, flush=True)
    while True:
        time.sleep(1)

if sys.argv[1] == "training":
    training.retrain.fit = pause
else:
    training.registry._write_atomic = pause
sys.exit(main(["retrain", *sys.argv[2:]]))
"""


@pytest.mark.parametrize("point", ["training", "promotion"])
def test_killing_retrain_leaves_labels_store_and_served_model_valid(workspace, point, taxonomy):
    import bentoml

    from clausewise.model import ClauseModel
    from training.registry import current_tag

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSING_RETRAIN, point, str(workspace["new"]), *workspace["args"]],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 300
        for line in proc.stderr:
            if f"PAUSED AT {point}" in line or time.time() > deadline:
                break
        assert proc.poll() is None, "retrain ended before reaching the pause point"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    # labels: every file parses and validates
    records, problems = check_files(sorted(workspace["labels"].rglob("*.jsonl")), taxonomy)
    assert not problems and len(records) in (len(toy_records(2)), len(toy_records(2)) + 12)
    # store: every model lists and loads; latest is still the old model, and it loads
    assert current_tag(workspace["name"]) == workspace["tag"]
    assert all(m.info.metadata for m in bentoml.models.list(workspace["name"]))
    model = ClauseModel.load(bentoml.models.get(f"{workspace['name']}:latest").path)
    assert model.scores(["We use cookies."]).shape == (1, len(taxonomy))
