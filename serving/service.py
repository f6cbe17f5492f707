"""BentoML service: POST /classify, POST /analyze, GET /labels.

    bentoml serve serving.service:Clausewise --host 127.0.0.1 --port 3000

One process holds the model; concurrent requests are batched adaptively by serving.batcher (one
model call at a time on a worker thread, the event loop stays free for HTTP). CLAUSEWISE_MODEL picks the stored model (default
clause-classifier:latest, `clausewise.model_dir.DEFAULT_TAG`); CLAUSEWISE_DEVICE is auto (CUDA if available), cpu or cuda;
CLAUSEWISE_BACKEND is auto (int8 ONNX Runtime on CPU, torch on CUDA), onnx or torch;
CLAUSEWISE_BODY_TIMEOUT_S (default 30) bounds the time a client may take to send its body.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import bentoml
from bentoml.models import BentoModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route

from clausewise.bentoml_private import swagger_page
from clausewise.model_dir import DEFAULT_TAG
from clausewise.analysis import label_policy, read_policy
from clausewise.language import MODEL_LANGUAGE, detect, english_warning, warm_up
from clausewise.segment import rough_text_chars
from serving.errors import ConformingErrors
from serving.limits import BodySizeLimit
from serving.schemas import (
    EXAMPLE_CLAUSES,
    EXAMPLE_POLICY,
    MAX_BODY_BYTES,
    MAX_POLICY_CHARS,
    MAX_TEXTS,
    AnalyzeResponse,
    ClassifiedClause,
    ClassifyResponse,
    ClauseText,
    LabelScore,
    PolicyText,
    Threshold,
)

MODEL_TAG = os.environ.get("CLAUSEWISE_MODEL", DEFAULT_TAG)
DEVICE = os.environ.get("CLAUSEWISE_DEVICE", "auto")
BACKEND = os.environ.get("CLAUSEWISE_BACKEND", "auto")  # auto: int8 ONNX on CPU, torch on CUDA
BODY_TIMEOUT_S = float(os.environ.get("CLAUSEWISE_BODY_TIMEOUT_S", "30"))  # whole body must arrive within this
SCORE_BATCH = 32  # clauses per forward pass inside one adaptive batch
MAX_BATCH_ITEMS = 128  # clauses gathered from concurrent requests into one model call


# GET /labels is a plain route: BentoML APIs are POST-only. Filled in when the service starts.
_LABELS: dict = {}


async def get_labels(_: Request) -> JSONResponse:
    """The served model's taxonomy: names, definitions, examples and tuned thresholds."""
    if not _LABELS:
        return JSONResponse({"error": "the model is still loading; retry shortly"}, status_code=503)
    return JSONResponse(_LABELS)


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
    ]
)


def too_much_text(found: int, qualifier: str = "") -> str:
    return (f"the input holds {qualifier}{found} characters of policy text (markup and page chrome not counted); "
            f"the limit is {MAX_POLICY_CHARS}: send one policy at a time, or split it")


@bentoml.service(name="clausewise", workers=1, traffic={"timeout": 120, "max_concurrency": 512})
@bentoml.asgi_app(labels_app, path="/")
class Clausewise:
    """Privacy-policy clause classifier: labels with scores for clauses or whole policies."""

    bento_model = BentoModel(MODEL_TAG)

    def __init__(self) -> None:
        from clausewise.model import ClauseModel
        from serving.batcher import MicroBatcher

        meta = self.bento_model.info.metadata
        self.tag = str(self.bento_model.tag)
        self.model = ClauseModel.load(self.bento_model.path, device=DEVICE, backend=BACKEND)
        self.labels: list[str] = self.model.labels
        self.batcher = MicroBatcher(self._score_batch, max_items=MAX_BATCH_ITEMS)
        warm_up()  # the language model loads now, not on the first request
        _LABELS.update({"model": self.tag, "backend": self.model.backend, "labels": meta["taxonomy"],
                        "thresholds": dict(zip(self.labels, self.model.info.thresholds)),
                        "heldout": meta.get("heldout_metrics") or {}})

    def _score_batch(self, texts: list[str], headings: list[str | None]):
        """One model call over clauses gathered from concurrent requests (runs on the worker thread)."""
        return self.model.scores(texts, headings, batch_size=SCORE_BATCH)

    async def _score(self, texts: list[str], headings: list[str | None]) -> list[list[float]]:
        return (await self.batcher.score(texts, headings)).tolist()

    def _result(self, text: str, row: list[float], threshold: float | None) -> dict:
        chosen = [LabelScore(label=n, score=s) for n, s in self.model.chosen(row, threshold)]
        return {"text": text, "labels": chosen, "scores": dict(zip(self.labels, row))}

    @bentoml.api
    async def classify(
        self,
        texts: list[ClauseText] = bentoml.Field(min_length=1, max_length=MAX_TEXTS, examples=[EXAMPLE_CLAUSES]),
        threshold: Threshold = None,
    ) -> ClassifyResponse:
        """Labels and scores for each clause; `threshold` overrides the tuned per-label thresholds."""
        rows = await self._score(texts, [None] * len(texts))
        languages = [detect(t)[0] for t in texts]
        foreign = [f"{i} ({lang})" for i, (lang, t) in enumerate(zip(languages, texts)) if lang != MODEL_LANGUAGE]
        warnings = [f"text(s) {', '.join(foreign)} are not in English, but the model reads English only: "
                    "their labels are unreliable"] if foreign else []
        return ClassifyResponse(
            model=self.tag,
            threshold="per-label" if threshold is None else str(threshold),
            results=[ClassifiedClause(**self._result(t, r, threshold), language=lang)
                     for t, r, lang in zip(texts, rows, languages)],
            warnings=warnings,
        )

    @bentoml.api
    async def analyze(self, text: PolicyText = bentoml.Field(examples=[EXAMPLE_POLICY])) -> AnalyzeResponse:
        """Segment a whole policy (plain text, markdown or HTML page) and label every clause; chrome gets no labels."""
        rough = rough_text_chars(text)
        if rough > 3 * MAX_POLICY_CHARS:  # far over: refuse before the (slower) segmentation
            raise bentoml.exceptions.InvalidArgument(too_much_text(rough, "at least "))
        policy = await asyncio.to_thread(read_policy, text)  # a large page must not hold up the event loop
        if (found := policy.text_chars) > MAX_POLICY_CHARS:
            raise bentoml.exceptions.InvalidArgument(too_much_text(found))
        language = policy.language
        texts, headings = policy.model_inputs()
        rows = await self._score(texts, headings) if texts else []
        warning = english_warning(language)
        return AnalyzeResponse(model=self.tag, format=policy.format, language=language,
                               warnings=[warning] if warning else [], **label_policy(policy, rows, self.model))


Clausewise.add_asgi_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES, body_timeout_s=BODY_TIMEOUT_S)
Clausewise.add_asgi_middleware(ConformingErrors)
