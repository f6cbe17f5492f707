"""The held-out gate: figures at clause, paragraph and document level, on a tiny model."""

from tests.utils import tiny_config, toy_records
from training.heldout import evaluate_heldout, heldout_records, summary_line
from training.train import fit


def test_heldout_figures_cover_clauses_paragraphs_coverage_and_threshold_variants(tiny_base, taxonomy):
    result = fit(toy_records(2), taxonomy, tiny_config(tiny_base), progress=False)
    records = [r for r in heldout_records(taxonomy) if r.doc.startswith(("h01", "h02"))]
    m = evaluate_heldout(result.predictor(), taxonomy, records)
    assert m["clauses"]["n"] == len(records)
    assert 10 < m["paragraphs_classify"]["n"] < len(records)  # paragraphs group several clauses
    assert m["paragraphs_classify"]["n"] == m["paragraphs_analyze"]["n"]
    assert m["coverage"]["documents"] == 2 and 0 <= m["coverage"]["accuracy"] <= 1
    assert set(m["threshold_variants"]) == {"0.5", "once", "bagged"}
    assert "held-out macro-F1: clauses" in summary_line(m)


def test_heldout_paragraphs_are_the_documents_own_blocks(taxonomy):
    from training.paragraphs import paragraphs, source_text

    records = [r for r in heldout_records(taxonomy) if r.doc.startswith("h05")]
    paras = paragraphs(records, taxonomy.names)
    text = source_text(records[0].doc)
    assert all(text[p.start : p.end] == p.text for p in paras)
    assert sum(p.id.endswith("+1") for p in paras) < len(paras)  # some blocks hold several clauses
    for p in paras:
        inside = [r for r in records if p.start <= r.start and r.end <= p.end]
        assert set(p.labels) == {label for r in inside for label in r.labels}
