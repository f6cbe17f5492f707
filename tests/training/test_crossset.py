"""Within-set and cross-set evaluation."""

import json

import training.crossset as crossset
from tests.utils import tiny_config, toy_records


def test_cross_set_evaluation_trains_on_one_set_and_scores_the_other(tiny_base, taxonomy, tmp_path, monkeypatch):
    seeds, authored = tmp_path / "seeds.jsonl", tmp_path / "authored"
    authored.mkdir()
    seeds.write_text("".join(json.dumps(r.to_json()) + "\n" for r in toy_records(2)))
    other = [r.__class__(**{**r.__dict__, "id": "a" + r.id, "doc": "a" + r.doc}) for r in toy_records(4)]
    (authored / "a.jsonl").write_text("".join(json.dumps(r.to_json()) + "\n" for r in other))
    monkeypatch.setattr(crossset, "LABEL_SETS", {"seeds": seeds, "authored": authored})
    rows = crossset.run(["cross", "within", "union"], taxonomy, tiny_config(tiny_base), 2, tmp_path / "out" / "run")
    assert [r["name"] for r in rows] == [
        "seeds->authored",
        "authored->seeds",
        "authored-cv",
        "union-cv:seeds",
        "union-cv:authored",
    ]
    assert [r["clauses"] for r in rows] == [52, 26, 52, 26, 52]
    assert all(0 <= r["macro_f1"] <= 1 for r in rows)
    report = (tmp_path / "out" / "latest" / "report.md").read_text()
    assert "| seeds->authored | seeds | authored |" in report and "Per-label F1" in report
