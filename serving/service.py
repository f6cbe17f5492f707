"""BentoML service: POST /classify, POST /analyze, POST /compare, GET /labels.

    bentoml serve serving.service:Clausewise --host 127.0.0.1 --port 3000

One process holds the model; concurrent requests are batched fairly by serving.batcher (one model
call at a time on a worker thread, chunks of every waiting request in turn; the event loop stays free
for HTTP). The environment (names and defaults in clausewise.settings, read once at start):
CLAUSEWISE_MODEL picks the stored model (default clause-classifier:latest); a reference that follows
`latest` is re-checked every CLAUSEWISE_RELOAD_S seconds (default 10; 0 = only on POST /admin/reload
from localhost) and a newly promoted model is swapped in without a restart (serving.models).
CLAUSEWISE_DEVICE is auto (CUDA if available), cpu or cuda; CLAUSEWISE_BACKEND is auto (int8 ONNX
Runtime on CPU, torch on CUDA), onnx or torch; CLAUSEWISE_BODY_TIMEOUT_S (default 30) bounds the time a
client may take to send its body; CLAUSEWISE_BATCH_CHUNK (default 16; 0 = whole requests) is the
fair-scheduling chunk.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, cast

import bentoml
from bentoml.models import BentoModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route

from clausewise.analysis import distinct_inputs, label_policy, read_policy, scoring_inputs
from clausewise.bentoml_private import swagger_page
from clausewise.context_scores import ContextStack
from clausewise.language import MODEL_LANGUAGE, detect, english_warning, warm_up
from clausewise.model_dir import FINE_TUNED, ModelInfo
from clausewise.segment import SegmentationStopped, rough_text_chars
from clausewise.settings import (
    CALL_ITEMS,
    CONTENDED_ITEMS,
    MAX_ANALYZE_CLAUSES,
    MAX_BODY_BYTES,
    MAX_POLICY_CHARS,
    MAX_TEXTS,
    SCORE_BATCH,
    SEGMENT_TIMEOUT_S,
    Settings,
    far_over,
)
from clausewise.training_status import read_status
from serving.compare_api import compared, too_many_clauses, too_much_text
from serving.errors import ConformingErrors
from serving.limits import BodySizeLimit
from serving.models import ModelSwap, Served
from serving.schemas import (
    EXAMPLE_CLAUSES,
    EXAMPLE_POLICY,
    EXAMPLE_POLICY_NEW,
    AnalyzeResponse,
    ClassifiedClause,
    ClassifyResponse,
    ClauseText,
    CompareResponse,
    LabelScore,
    PolicyText,
    Threshold,
)

SETTINGS = Settings.from_env()  # CLAUSEWISE_* variables, read once when the service starts
MODEL_TAG = SETTINGS.model
DEVICE = SETTINGS.device
BACKEND = SETTINGS.backend  # auto: int8 ONNX on CPU, torch on CUDA
BODY_TIMEOUT_S = SETTINGS.body_timeout_s  # whole body must arrive within this
RELOAD_S = SETTINGS.reload_s  # how often the store is checked for a newer model
BATCH_CHUNK = SETTINGS.batch_chunk  # clauses per fair-scheduling chunk; 0 = whole requests
log = logging.getLogger("clausewise.service")

# GET /labels and POST /admin/reload are plain routes (BentoML APIs are POST-only); set when the service starts.
_SWAP: list[ModelSwap] = []


async def get_labels(_: Request) -> JSONResponse:
    """The served model (tag, kind, taxonomy, thresholds, held-out figures) and the background training, if any."""
    if not _SWAP:
        return JSONResponse(
            {"error": "the model is still loading; retry shortly"}, status_code=503, headers={"Retry-After": "5"}
        )
    swap = _SWAP[0]
    status = read_status()
    return JSONResponse(
        {
            **swap.current.info,
            "model": swap.current.tag,
            "serving": {"reference": swap.ref, "swaps": swap.swaps, "failed": swap.failed},
            "training": asdict(status) if status else None,
        }
    )


async def admin_reload(request: Request) -> JSONResponse:
    """Check the store for a newer model now and swap to it; allowed from this machine only."""
    client = request.client.host if request.client else ""
    if client not in ("127.0.0.1", "::1", "localhost"):
        return JSONResponse(
            {"error": f"/admin/reload is allowed from localhost only, not from {client}"}, status_code=403
        )
    if not _SWAP:
        return JSONResponse(
            {"error": "the model is still loading; retry shortly"}, status_code=503, headers={"Retry-After": "5"}
        )
    swapped, message = await asyncio.to_thread(_SWAP[0].check)
    return JSONResponse({"model": _SWAP[0].current.tag, "swapped": swapped, "message": message})


PAGE = Path(__file__).parent / "static" / "index.html"


async def index_page(_: Request) -> FileResponse:
    """The annotation page: paste a policy, see its clauses highlighted."""
    return FileResponse(PAGE, media_type="text/html")


async def docs_page(_: Request) -> FileResponse:
    """BentoML's own OpenAPI page, moved from / to /docs (its assets are relative, so they resolve)."""
    return FileResponse(swagger_page(), media_type="text/html")


labels_app = Starlette(
    routes=[
        Route("/", index_page, methods=["GET"]),
        Route("/docs", docs_page, methods=["GET"]),
        Route("/labels", get_labels, methods=["GET"]),
        Route("/admin/reload", admin_reload, methods=["POST"]),
    ]
)


def context_summary(info: ModelInfo) -> dict | None:
    """What GET /labels says of the model's context stack: what it was fitted on, the thresholds /analyze uses."""
    stack = ContextStack.of(info)
    if stack is None:
        return None
    return {"fitted_on": stack.fitted_on, "analyze_thresholds": dict(zip(info.labels, stack.thresholds))}


def load_served(tag: str) -> Served:
    """Load a stored model for serving (the int8 ONNX export on CPU), with what GET /labels says of it."""
    from clausewise.model import ClauseModel

    stored = bentoml.models.get(tag)
    model = ClauseModel.load(stored.path, device=DEVICE, backend=BACKEND)
    meta = stored.info.metadata
    info = {
        "backend": model.backend,
        "kind": model.info.extra.get("kind", FINE_TUNED),
        "labels": meta["taxonomy"],
        "thresholds": dict(zip(model.labels, model.info.thresholds)),
        "context_stack": context_summary(model.info),
        "heldout": meta.get("heldout_metrics") or {},
    }
    return Served(
        str(stored.tag), model, lambda texts, headings: model.scores(texts, headings, batch_size=SCORE_BATCH), info
    )


def _poll(swap: ModelSwap) -> None:
    """Check the store for a newer `latest` every RELOAD_S seconds (daemon thread)."""
    while True:
        time.sleep(RELOAD_S)
        try:
            swap.check()
        except Exception:  # never let the watcher die; check() logs its own failures
            log.exception("model check failed")


@bentoml.service(name="clausewise", workers=1, traffic={"timeout": 120, "max_concurrency": 512})
@bentoml.asgi_app(labels_app, path="/")
class Clausewise:
    """Privacy-policy clause classifier: labels with scores for clauses or whole policies."""

    bento_model = BentoModel(MODEL_TAG)

    def __init__(self) -> None:
        from serving.batcher import MicroBatcher

        self.swap = ModelSwap(MODEL_TAG, load_served)
        self.batcher = MicroBatcher(
            self.swap.current.score, max_items=CALL_ITEMS, chunk=BATCH_CHUNK, contended_items=CONTENDED_ITEMS
        )
        warm_up()  # the language model loads now, not on the first request
        _SWAP[:] = [self.swap]
        if RELOAD_S > 0:
            threading.Thread(target=_poll, args=(self.swap,), name="clausewise-model-watch", daemon=True).start()

    async def _score(self, served: Served, pairs: list[tuple[str, str | None]], index: list[int]) -> list[list[float]]:
        """Scores by `served` (the model the request started with) of each distinct pair, back in input order."""
        rows = (await self.batcher.score([t for t, _ in pairs], [h for _, h in pairs], served.score)).tolist()
        return [rows[i] for i in index]

    @staticmethod
    def _result(model, text: str, row: list[float], threshold: float | None) -> dict:
        chosen = [LabelScore(label=n, score=s) for n, s in model.chosen(row, threshold)]
        return {"text": text, "labels": chosen, "scores": dict(zip(model.labels, row))}

    @bentoml.api
    async def classify(
        self,
        texts: list[ClauseText] = bentoml.Field(min_length=1, max_length=MAX_TEXTS, examples=[EXAMPLE_CLAUSES]),
        threshold: Threshold = None,
    ) -> ClassifyResponse:
        """Labels and scores for each clause; `threshold` overrides the tuned per-label thresholds."""
        served = self.swap.current
        rows = await self._score(served, *distinct_inputs(texts, [None] * len(texts)))
        languages = [detect(t)[0] for t in texts]
        foreign = [f"{i} ({lang})" for i, (lang, t) in enumerate(zip(languages, texts)) if lang != MODEL_LANGUAGE]
        warnings = (
            [
                f"text(s) {', '.join(foreign)} are not in English, but the model reads English only: "
                "their labels are unreliable"
            ]
            if foreign
            else []
        )
        return ClassifyResponse(
            model=served.tag,
            threshold="per-label" if threshold is None else str(threshold),
            results=[
                ClassifiedClause(**self._result(served.model, t, r, threshold), language=lang)
                for t, r, lang in zip(texts, rows, languages)
            ],
            warnings=warnings,
        )

    @bentoml.api
    async def analyze(self, text: PolicyText = bentoml.Field(examples=[EXAMPLE_POLICY])) -> AnalyzeResponse:
        """Segment a whole policy (plain text, markdown or HTML page) and label every clause; chrome gets no labels."""
        served = self.swap.current
        policy = await self._checked(text)
        texts, contexts = scoring_inputs(policy, served.model.info)
        n = len(policy.scored_indices)  # the clauses come first; a context stack's paragraphs ride along
        if (clauses := len(set(zip(texts[:n], contexts[:n])))) > MAX_ANALYZE_CLAUSES:
            raise bentoml.exceptions.InvalidArgument(
                f"the policy holds {clauses} distinct clauses to score; the limit is {MAX_ANALYZE_CLAUSES} per "
                "request: send it in parts (sections or pages)"
            )
        pairs, index = distinct_inputs(texts, contexts)
        language = policy.language
        rows = await self._score(served, pairs, index) if texts else []
        warning = english_warning(language)
        result = label_policy(policy, rows, served.model)  # plain dicts: pydantic validates them into the models
        return AnalyzeResponse.model_validate(
            {
                "model": served.tag,
                "format": policy.format,
                "language": language,
                "warnings": [warning] if warning else [],
                **result,
            }
        )

    @bentoml.api
    async def compare(
        self,
        old: PolicyText = bentoml.Field(examples=[EXAMPLE_POLICY]),
        new: PolicyText = bentoml.Field(examples=[EXAMPLE_POLICY_NEW]),
    ) -> CompareResponse:
        """Two versions aligned clause by clause (unchanged, reworded, added, removed), and what changed per topic."""
        served = self.swap.current
        old_policy, new_policy = await self._checked(old, "old"), await self._checked(new, "new")
        old_texts, old_contexts = scoring_inputs(old_policy, served.model.info)
        new_texts, new_contexts = scoring_inputs(new_policy, served.model.info)
        n_old, n_new = len(old_policy.scored_indices), len(new_policy.scored_indices)  # clauses first, as /analyze
        clauses = len(
            set(zip(old_texts[:n_old], old_contexts[:n_old])) | set(zip(new_texts[:n_new], new_contexts[:n_new]))
        )
        if clauses > MAX_ANALYZE_CLAUSES:
            raise bentoml.exceptions.InvalidArgument(too_many_clauses(clauses))
        pairs, index = distinct_inputs(old_texts + new_texts, old_contexts + new_contexts)
        rows = await self._score(served, pairs, index) if pairs else []
        result = await asyncio.to_thread(compared, old_policy, new_policy, rows, served.model)
        return CompareResponse(model=served.tag, **result)

    async def _checked(self, text: str, side: str | None = None):
        """An input read under the text limits (a rough bound first, then the text found); 400 names the side."""
        rough = rough_text_chars(text)
        if far_over(rough):  # far over: refuse before the (slower) segmentation
            raise bentoml.exceptions.InvalidArgument(too_much_text(rough, "at least ", side))
        policy = await self._read(text, side)
        if (found := policy.text_chars) > MAX_POLICY_CHARS:
            raise bentoml.exceptions.InvalidArgument(too_much_text(found, side=side))
        return policy

    @staticmethod
    async def _read(text: str, side: str | None = None):
        """Segment on a thread (the event loop stays free), stopped when the caller goes away or after
        SEGMENT_TIMEOUT_S seconds (503 with Retry-After)."""
        stop = threading.Event()
        deadline = time.monotonic() + SEGMENT_TIMEOUT_S
        try:
            return await asyncio.to_thread(read_policy, text, lambda: stop.is_set() or time.monotonic() > deadline)
        except SegmentationStopped as exc:
            raise bentoml.exceptions.ServiceUnavailable(
                (f"{side}: " if side else "")
                + f"segmenting this input took over {SEGMENT_TIMEOUT_S:.0f} s ({exc}); the service is busy or the "
                "input is unusually hard: retry later or send it in parts"
            ) from None
        finally:
            stop.set()  # the caller was cancelled (disconnect, timeout) or is done: stop the thread's work


# @bentoml.service made the class a Service (add_asgi_middleware); mypy, with bentoml untyped, sees the class.
cast(Any, Clausewise).add_asgi_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES, body_timeout_s=BODY_TIMEOUT_S)
cast(Any, Clausewise).add_asgi_middleware(ConformingErrors)
