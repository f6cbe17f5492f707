"""The context stack fitted on whole documents and applied to held-out records as /analyze applies it."""

import numpy as np

from clausewise.analysis import in_context, read_policy, scoring_inputs
from clausewise.context_scores import FEATURES
from clausewise.model_dir import CONTEXT_STACK
from tests.utils import tiny_config, toy_records
from training.context_fit import document_layouts, fit_context_stack, scores_in_context
from training.heldout import evaluate_heldout, heldout_records, summary_line
from training.paragraphs import source_text
from training.train import fit, whole_documents


def test_layouts_follow_document_order_and_leave_chrome_out(taxonomy):
    records = [r for r in heldout_records(taxonomy, "real") if r.doc.startswith(("oth06", "oth14"))]
    layouts = document_layouts(records[::-1])  # any input order: each document comes back in text order
    assert len(layouts) == 2
    for idx, layout in layouts:
        starts = [records[::-1][i].start for i in idx]
        assert starts == sorted(starts) and len(layout.heading) == len(idx)
        assert all(records[::-1][i].kind != "chrome" for i in idx)
        assert layout.joined  # real documents have paragraphs of several clauses


def test_a_fitted_stack_is_what_analyze_applies_and_the_gate_reports_it_beside_the_plain_model(tiny_base, taxonomy):
    model = fit(toy_records(2), taxonomy, tiny_config(tiny_base), progress=False).predictor()
    real = heldout_records(taxonomy, "real")
    fitting = [r for r in real if r.doc.startswith(("oth01", "oth02", "oth03", "oth04", "oth05", "oth07"))]
    stack = fit_context_stack(model, fitting, seed=1)
    assert np.asarray(stack.weights).shape == (len(taxonomy.names), len(FEATURES))
    assert len(stack.thresholds) == len(taxonomy.names) and stack.fitted_on["documents"] == 6
    assert stack == fit_context_stack(model, fitting, seed=1)  # seeded
    only = stack.fitted_on["clause_only"]  # labels context did not help out of fold: the clause's own score
    absent = {n for n in taxonomy.names if not any(n in r.labels for r in fitting)}
    assert absent <= set(only)
    for j, name in enumerate(taxonomy.names):
        if name in only:
            assert stack.weights[j] == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0] and stack.bias[j] == 0.0

    model.info.extra[CONTEXT_STACK] = stack.to_dict()
    held = [r for r in real if r.doc.startswith("oth14")]
    rows, cut, plain = scores_in_context(model, held)
    assert cut.tolist() == stack.thresholds and not np.allclose(rows, plain)
    policy = read_policy(source_text(held[0].doc))
    served, served_cut = in_context(policy, model.scores(*scoring_inputs(policy, model.info)), model.info)
    assert served_cut == stack.thresholds and np.allclose(served, rows[[r.kind != "chrome" for r in held]], atol=1e-5)

    figures = evaluate_heldout(model, taxonomy, held)
    assert set(figures["without_context"]) == {"clauses", "paragraphs_analyze", "coverage"}
    assert "without the context stack: clauses" in summary_line(figures)
    del model.info.extra[CONTEXT_STACK]
    assert "without_context" not in evaluate_heldout(model, taxonomy, held)


def test_a_stack_is_fitted_only_on_whole_validation_documents():
    records = toy_records(8)
    by_doc = lambda docs: [r for r in records if r.doc in docs]  # noqa: E731
    assert whole_documents(by_doc({"doc0", "doc1", "doc2"}), by_doc({f"doc{k}" for k in range(3, 8)}))
    assert not whole_documents(by_doc({"doc0"}), by_doc({"doc6", "doc7"}))  # too few documents
    assert not whole_documents(records[::2], records[1::2])  # random clauses: documents shared
