"""HTTP tests against a real `bentoml serve` on 127.0.0.1, with a tiny model in a temporary store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest

from clausewise.model import ClauseModel
from clausewise.settings import MAX_ANALYZE_CLAUSES, MAX_BODY_BYTES, MAX_POLICY_CHARS, MAX_TEXT_CHARS, MAX_TEXTS
from serving.schemas import EXAMPLE_CLAUSES
from tests.utils import BODY_TIMEOUT_S, ROOT, SEED_DOCS, TOY_TEXTS

SEED_004 = SEED_DOCS / "004_e8e6eb838ae425a6.txt"
pytestmark = pytest.mark.slow


def post(url: str, path: str, payload, timeout: float = 60, **kw) -> httpx.Response:
    return httpx.post(f"{url}{path}", json=payload, timeout=timeout, **kw)


def test_classify_returns_labels_scores_and_model_tag(server, stored_model, taxonomy):
    r = post(server, "/classify", {"texts": EXAMPLE_CLAUSES})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == stored_model and body["threshold"] == "per-label"
    assert [x["text"] for x in body["results"]] == EXAMPLE_CLAUSES
    for result in body["results"]:
        assert set(result["scores"]) == set(taxonomy.names)
        scores = [ls["score"] for ls in result["labels"]]
        assert scores == sorted(scores, reverse=True)


def test_classify_threshold_is_honoured(server, taxonomy):
    everything = post(server, "/classify", {"texts": ["We use cookies."], "threshold": 0.0}).json()
    assert {ls["label"] for ls in everything["results"][0]["labels"]} == set(taxonomy.names)
    nothing = post(server, "/classify", {"texts": ["We use cookies."], "threshold": 1.0}).json()
    assert nothing["results"][0]["labels"] == [] and nothing["threshold"] == "1.0"


def test_served_scores_equal_in_process_predictions(server, stored_model):
    import bentoml

    model = ClauseModel.load(bentoml.models.get(stored_model).path, device="cpu")
    texts = EXAMPLE_CLAUSES + ["Home | Cart", "Write to privacy@example.com."]
    served = post(server, "/classify", {"texts": texts}).json()["results"]
    local = model.scores(texts)
    for row, result in zip(local, served):
        assert np.allclose(row, [result["scores"][n] for n in model.labels], atol=1e-4)
    local_labels = model.predict(texts)
    assert [set(p) for p in local_labels] == [{ls["label"] for ls in r["labels"]} for r in served]


def test_analyze_reads_clauses_in_context_as_label_policy_does_in_process(server, stored_model):
    import bentoml

    from clausewise.analysis import label_policy, read_policy, scoring_inputs
    from clausewise.context_scores import ContextStack

    model = ClauseModel.load(bentoml.models.get(stored_model).path, device="cpu")
    assert ContextStack.of(model.info) is not None
    text = "## Sharing\n\nWe may share:\n\n- your email\n- your name\n\nWe use cookies. Ask us anything.\n"
    policy = read_policy(text)
    texts, contexts = scoring_inputs(policy, model.info)
    assert len(texts) == len(policy.scored_indices) + 2  # two paragraphs of two clauses: the list, the last
    local = label_policy(policy, model.scores(texts, contexts), model)["clauses"]
    served = post(server, "/analyze", {"text": text}).json()["clauses"]
    for mine, theirs in zip(local, served, strict=True):
        assert np.allclose([mine["scores"][n] for n in model.labels], [theirs["scores"][n] for n in model.labels])
        assert [x["label"] for x in mine["labels"]] == [x["label"] for x in theirs["labels"]]


def test_analyze_seed_004_offsets_slice_back_with_coverage(server, taxonomy):
    text = SEED_004.read_text(encoding="utf-8")
    r = post(server, "/analyze", {"text": text})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["clauses"]) > 300 and body["format"] == "text"
    for c in body["clauses"]:
        assert text[c["start"] : c["end"]] == c["text"]
    assert [c["label"] for c in body["coverage"]] == list(taxonomy.names)
    for cov in body["coverage"]:
        if cov["clauses"]:
            best = body["clauses"][cov["best_clause"]]
            assert any(ls["label"] == cov["label"] for ls in best["labels"])
    assert body["missing"] == [c["label"] for c in body["coverage"] if c["clauses"] == 0]


def test_analyze_html_policy(server):
    html = "<html><body><h1>Privacy</h1><p>We use <b>cookies</b>. Contact privacy@example.com.</p></body></html>"
    body = post(server, "/analyze", {"text": html}).json()
    assert body["format"] == "html"
    assert next(c["text"] for c in body["clauses"]) == "Privacy"
    assert all(html[c["start"] : c["end"]] == c["text"] for c in body["clauses"])


def test_labels_endpoint_serves_the_taxonomy(server, taxonomy):
    r = httpx.get(f"{server}/labels", timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert [x["name"] for x in body["labels"]] == list(taxonomy.names)
    assert set(body["thresholds"]) == set(taxonomy.names)
    assert body["context_stack"]["fitted_on"]["documents"] == 3
    assert set(body["context_stack"]["analyze_thresholds"]) == set(taxonomy.names)
    assert list(body["heldout"]) == ["real", "written"]  # the real-policy gate first
    assert 0 <= body["heldout"]["real"]["clauses"]["macro_f1"] <= 1 and "coverage" in body["heldout"]["written"]


def test_labels_names_the_model_kind_and_the_training_behind_it(server):
    import os

    from clausewise.training_status import TrainingStatus, status_path, write_status

    assert httpx.get(f"{server}/labels", timeout=10).json()["kind"] == "fine-tuned"
    write_status(
        TrainingStatus(
            state="running",
            name="clause-classifier",
            stage="fine-tune",
            step=400,
            total=1000,
            steps_per_s=2.0,
            eta_s=300.0,
            pid=os.getpid(),
        )
    )
    try:
        training = httpx.get(f"{server}/labels", timeout=10).json()["training"]
        assert training["state"] == "running" and training["step"] == 400 and training["eta_s"] == 300.0
    finally:
        status_path().unlink()
    assert httpx.get(f"{server}/labels", timeout=10).json()["training"] is None


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/docs.json"])
def test_bentoml_endpoints_stay_on(server, path):
    assert httpx.get(f"{server}{path}", timeout=10).status_code == 200


def test_openapi_shows_examples(server):
    spec = json.dumps(httpx.get(f"{server}/docs.json", timeout=10).json())
    assert EXAMPLE_CLAUSES[0] in spec and "/classify" in spec and "/analyze" in spec


def test_openapi_document_is_rewritten_by_serving_errors(server):
    """serving.errors.ConformingErrors finds BentoML's document (bentoml_private.openapi_path) and fixes it."""
    post = httpx.get(f"{server}/docs.json", timeout=10).json()["paths"]["/classify"]["post"]
    assert post["requestBody"]["required"] is True and {"408", "413"} <= set(post["responses"])


BAD_INPUTS = [
    ("/classify", {"texts": []}, "at least 1 item"),
    ("/classify", {"texts": ["   "]}, "empty or only whitespace"),
    ("/classify", {"texts": ["x"] * (MAX_TEXTS + 1)}, f"at most {MAX_TEXTS} items"),
    ("/classify", {"texts": ["x" * (MAX_TEXT_CHARS + 1)]}, f"at most {MAX_TEXT_CHARS} characters"),
    ("/classify", {"texts": "not a list"}, "valid array"),
    ("/classify", {"texts": [1, 2]}, "valid string"),
    ("/classify", {"texts": ["ok"], "threshold": 1.5}, "less than or equal to 1"),
    ("/classify", {"texts": ["ok"], "threshold": -0.1}, "greater than or equal to 0"),
    ("/classify", {}, "Field required"),
    ("/analyze", {"text": ""}, "at least 1 character"),
    ("/analyze", {"text": " \n "}, "empty or only whitespace"),
    ("/analyze", {"text": "We keep logs for a year. " * 13_000}, f"holds {24 * 13_000} characters of policy text"),
    ("/analyze", {"text": "word " * (MAX_POLICY_CHARS)}, f"holds at least {MAX_POLICY_CHARS * 5}"),
    ("/analyze", {"text": 42}, "valid string"),
    (
        "/analyze",
        {"text": "".join(f"We keep log {i} for a year. " for i in range(MAX_ANALYZE_CLAUSES + 1))},
        f"holds {MAX_ANALYZE_CLAUSES + 1} distinct clauses to score; the limit is {MAX_ANALYZE_CLAUSES}",
    ),
]


def test_repeated_clauses_are_scored_once_and_answered_in_full(server):
    text = "We keep logs for a year. " * 11_900  # 297,500 characters in one paragraph, under the text limit
    r = post(server, "/analyze", {"text": text}, timeout=120)
    assert r.status_code == 200, r.text[:300]
    clauses = r.json()["clauses"]
    assert len(clauses) == 11_900 and len({json.dumps(c["scores"], sort_keys=True) for c in clauses}) == 1


@pytest.mark.parametrize("path,payload,message", BAD_INPUTS, ids=[m for _, _, m in BAD_INPUTS])
def test_bad_input_answers_4xx_with_a_message(server, path, payload, message):
    r = post(server, path, payload)
    assert 400 <= r.status_code < 500 and message in r.text


def test_invalid_json_and_invalid_utf8_answer_400(server):
    for body in (b"{not json", b'{"texts": ["caf\xe9"]}'):
        r = httpx.post(f"{server}/classify", content=body, headers={"content-type": "application/json"}, timeout=10)
        assert r.status_code == 400 and "Invalid JSON" in r.text


def test_oversized_body_is_refused_with_413(server):
    r = httpx.post(
        f"{server}/analyze",
        content=b"x" * (MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 413 and str(MAX_BODY_BYTES) in r.text
    assert post(server, "/classify", {"texts": ["still serving"]}).status_code == 200


def test_streamed_oversized_body_is_refused_with_413(server):
    def chunks():  # chunked transfer: no Content-Length to check up front
        for _ in range(MAX_BODY_BYTES // 100_000 + 2):
            yield b"x" * 100_000

    r = httpx.post(f"{server}/analyze", content=chunks(), headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 413 and str(MAX_BODY_BYTES) in r.text


def test_a_client_that_stalls_its_body_gets_408_and_frees_the_connection(server):
    import socket
    import time

    host, port = server.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=BODY_TIMEOUT_S + 20) as sock:
        sock.sendall(
            b"POST /classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"texts": ['
        )  # and then nothing more
        answer = b""
        while chunk := sock.recv(4096):  # the server closes the connection after answering
            answer += chunk
        answer = answer.decode()
    assert answer.startswith("HTTP/1.1 408") and "not received within" in answer
    assert BODY_TIMEOUT_S - 0.5 <= time.monotonic() - started < BODY_TIMEOUT_S + 10
    assert post(server, "/classify", {"texts": ["still serving"]}).status_code == 200


def test_64_concurrent_requests_all_answered_with_their_own_input(server):
    texts = [[f"Clause number {i}: we use cookies.", f"Write to office {i}."] for i in range(64)]

    def call(pair):
        return pair, post(server, "/classify", {"texts": pair})

    with ThreadPoolExecutor(max_workers=64) as pool:
        results = list(pool.map(call, texts))
    for pair, r in results:
        assert r.status_code == 200, r.text
        assert [x["text"] for x in r.json()["results"]] == pair


def test_short_mixed_load_loses_nothing(server):
    """A bounded burst: 96 /classify and 12 /analyze requests from 24 threads, all answered in full."""
    policy = SEED_DOCS.glob("*.txt")
    text = sorted(policy, key=lambda p: p.stat().st_size)[2].read_text(encoding="utf-8")
    jobs = [
        ("classify", {"texts": [f"Load clause {i}.{k}: we share data with couriers." for k in range(i % 5 + 1)]})
        for i in range(96)
    ] + [("analyze", {"text": text})] * 12

    def call(job):
        return job, post(server, f"/{job[0]}", job[1])

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(call, jobs))
    for (endpoint, body), r in results:
        assert r.status_code == 200, r.text
        if endpoint == "classify":
            assert [x["text"] for x in r.json()["results"]] == body["texts"]
        else:
            clauses = r.json()["clauses"]
            assert clauses and all(text[c["start"] : c["end"]] == c["text"] for c in clauses)


def test_bentofile_packs_the_default_model():
    import yaml

    from clausewise.model_dir import DEFAULT_TAG

    assert yaml.safe_load((ROOT / "bentofile.yaml").read_text())["models"] == [DEFAULT_TAG]


def test_bentoml_build_packs_the_service_and_model_offline(stored_model):
    env = {**os.environ, "CLAUSEWISE_MODEL": stored_model}
    r = subprocess.run(
        [sys.executable, "-m", "bentoml", "build", "--output", "tag"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    import bentoml

    bento = bentoml.get("clausewise:latest")
    assert stored_model in {str(m.tag) for m in bento.info.models}
    src = Path(bento.path) / "src"
    assert (src / "serving" / "service.py").exists() and not (src / "tests").exists() and not (src / "labels").exists()


def real_page(size: int) -> tuple[str, list[str]]:
    """Seed 004 as a saved page of about `size` bytes, and the policy clause texts it must yield."""
    from benchmarks.pages import make_page, policy_html
    from clausewise.segment import plain_text, segment

    article = policy_html(SEED_004.read_text(encoding="utf-8"))
    bare = segment(f'<main><article class="policy"><h1>Privacy Policy</h1>\n{article}\n</article></main>', "html")
    return make_page(article, size, seed=size), [plain_text(c.text) for c in bare if c.kind != "chrome"]


@pytest.mark.parametrize("size", [300_000, 5_000_000])
def test_saved_pages_are_analysed_with_the_policy_found_and_the_wrapper_unlabelled(server, size):
    from benchmarks.pages import WRAPPER_SENTENCES
    from clausewise.segment import plain_text

    page, expected = real_page(size)
    r = post(server, "/analyze", {"text": page}, timeout=180)
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    scored = [c for c in body["clauses"] if c["kind"] != "chrome"]
    assert [plain_text(c["text"]) for c in scored] == expected
    assert all(c["labels"] == [] and c["scores"] == {} for c in body["clauses"] if c["kind"] == "chrome")
    assert not [w for w in WRAPPER_SENTENCES if any(w[:40] in c["text"] for c in scored)]
    assert body["language"] == "en" and body["warnings"] == []
    assert all(page[c["start"] : c["end"]] == c["text"] for c in body["clauses"])


def test_a_twelve_megabyte_body_is_refused_with_413(server):
    r = httpx.post(
        f"{server}/analyze", content=b"x" * 12_000_000, headers={"content-type": "application/json"}, timeout=60
    )
    assert r.status_code == 413 and str(MAX_BODY_BYTES) in r.text


def test_a_chinese_policy_is_answered_with_its_language_and_a_warning(server):
    from tests.utils import CHINESE_POLICY

    body = post(server, "/analyze", {"text": CHINESE_POLICY}).json()
    assert body["language"] == "zh" and body["warnings"] and "English only" in body["warnings"][0]
    r = post(
        server, "/classify", {"texts": [CHINESE_POLICY.splitlines()[2], "We use cookies to remember your login."]}
    ).json()
    assert [x["language"] for x in r["results"]] == ["zh", "en"] and "0 (zh)" in r["warnings"][0]


def test_an_english_seed_has_no_warning(server):
    body = post(server, "/analyze", {"text": SEED_004.read_text(encoding="utf-8")}).json()
    assert body["language"] == "en" and body["warnings"] == []


COMPARE_CLAUSES = [t for texts in TOY_TEXTS.values() for t in texts]


def numbered(clauses: list[str], marker: str = "{}. ") -> str:
    return "Privacy Policy\n" + "\n".join(marker.format(k + 1) + c for k, c in enumerate(clauses))


def test_compare_a_shuffled_renumbered_copy_has_no_change(server, stored_model, taxonomy):
    import random

    shuffled = list(COMPARE_CLAUSES)
    random.Random(1).shuffle(shuffled)
    old, new = numbered(COMPARE_CLAUSES), numbered(shuffled, "({}) ")
    r = post(server, "/compare", {"old": old, "new": new})
    assert r.status_code == 200, r.text
    body = r.json()
    n = len(COMPARE_CLAUSES) + 1  # and the title
    assert body["model"] == stored_model and body["format"] == {"old": "text", "new": "text"}
    assert body["counts"] == {"unchanged": n, "reworded": 0, "added": 0, "removed": 0}
    assert [s["label"] for s in body["summary"]] == list(taxonomy.names)
    assert "no substantive change" in " ".join(body["summary_lines"])
    for p in body["pairs"]:
        assert p["status"] == "unchanged" and p["similarity"] == 1.0
        assert old[p["old"]["start"] : p["old"]["end"]] == p["old"]["text"]
        assert new[p["new"]["start"] : p["new"]["end"]] == p["new"]["text"]
    # Indices are those of /analyze's clauses.
    analyzed = post(server, "/analyze", {"text": new}).json()["clauses"]
    assert all(analyzed[p["new"]["index"]]["text"] == p["new"]["text"] for p in body["pairs"])


def test_compare_finds_an_added_clause_with_its_labels(server):
    added = "We sell your browsing history to advertising networks."
    old = numbered(COMPARE_CLAUSES)
    new = numbered(COMPARE_CLAUSES[:5] + [added] + COMPARE_CLAUSES[5:])  # and everything after it renumbered
    body = post(server, "/compare", {"old": old, "new": new}).json()
    assert body["counts"] == {"unchanged": len(COMPARE_CLAUSES) + 1, "reworded": 0, "added": 1, "removed": 0}
    (pair,) = [p for p in body["pairs"] if p["status"] != "unchanged"]
    assert pair["status"] == "added" and pair["old"] is None and pair["similarity"] == 0.0
    assert pair["new"]["text"].endswith(added) and new[pair["new"]["start"] : pair["new"]["end"]] == pair["new"]["text"]
    assert set(pair["labels_added"]) == set(pair["new"]["labels"]) and pair["labels_removed"] == []
    assert [p["new"]["index"] for p in body["pairs"]] == sorted(p["new"]["index"] for p in body["pairs"])
    for s in body["summary"]:
        assert s["added"] == (s["label"] in pair["new"]["labels"])


TOO_LONG = "We keep logs for a year. " * 13_000
FAR_TOO_LONG = "word " * MAX_POLICY_CHARS
BAD_COMPARE = [
    ({"old": TOO_LONG, "new": "We use cookies."}, f"old: the input holds {24 * 13_000} characters of policy text"),
    ({"old": "We use cookies.", "new": TOO_LONG}, f"new: the input holds {24 * 13_000} characters of policy text"),
    ({"old": "We use cookies.", "new": FAR_TOO_LONG}, f"new: the input holds at least {MAX_POLICY_CHARS * 5}"),
    ({"old": FAR_TOO_LONG, "new": TOO_LONG}, f"old: the input holds at least {MAX_POLICY_CHARS * 5}"),
    (
        {
            "old": "".join(f"We keep log {i} for a year. " for i in range(2_600)),
            "new": "".join(f"We keep record {i} for a year. " for i in range(2_600)),
        },
        f"hold 5200 distinct clauses to score (old and new together, a clause in both counted once); the limit is "
        f"{MAX_ANALYZE_CLAUSES} for both sides together",
    ),
    ({"old": 42, "new": "We use cookies."}, "old: Input should be a valid string"),
    ({"old": "We use cookies.", "new": ["a list"]}, "new: Input should be a valid string"),
    ({"old": "We use cookies."}, "new: Field required"),
    ({"old": "We use cookies.", "new": " \n "}, "new: Value error, text is empty or only whitespace"),
    ({"old": "", "new": "We use cookies."}, "old: String should have at least 1 character"),
]


@pytest.mark.parametrize("payload,message", BAD_COMPARE, ids=[m[:40] for _, m in BAD_COMPARE])
def test_compare_bad_input_answers_4xx_naming_the_side(server, payload, message):
    r = post(server, "/compare", payload)
    assert 400 <= r.status_code < 500 and message in r.text, r.text


def test_compare_is_in_the_openapi_document(server):
    spec = httpx.get(f"{server}/docs.json", timeout=10).json()
    assert "/compare" in spec["paths"] and "CompareResponse" in json.dumps(spec)
