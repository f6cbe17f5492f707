"""The served model and its replacement without a restart.

    swap = ModelSwap("clause-classifier:latest", load_served)
    served = swap.current             # take it once per request: the request finishes on this model
    swapped, message = swap.check()   # a newer `latest` in the store? load it, then switch atomically

`check` runs on the service's poll loop (every CLAUSEWISE_RELOAD_S seconds) and on POST /admin/reload
(localhost only). Only a reference that follows `latest` is watched; a pinned version is served as
is. A model that fails to load is logged and the old one keeps serving; the same broken tag is not
retried until the store points elsewhere.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("clausewise.models")


@dataclass(frozen=True)
class Served:
    """One loaded model: its tag, the scorer, and what GET /labels says about it."""

    tag: str
    model: Any
    score: Callable[[list[str], list[str | None]], Any]  # one function per model, so the batcher can group by it
    info: dict = field(default_factory=dict)


def follows_latest(ref: str) -> bool:
    """Whether a model reference names `latest` (or no version), so a newer promotion should be picked up."""
    return ":" not in ref or ref.endswith(":latest")


class ModelSwap:
    """Holds the served model; `check` replaces it by the store's newer `latest`, never half-way."""

    def __init__(self, ref: str, load: Callable[[str], Served], resolve: Callable[[str], str] | None = None):
        self.ref = ref
        self._load = load
        self._resolve = resolve or _resolve_tag
        self._lock = threading.Lock()
        self.current: Served = load(self._resolve(ref))
        self.failed: dict[str, str] = {}  # tag -> why it could not be loaded
        self.swaps = 0

    def check(self) -> tuple[bool, str]:
        """Load and switch to the store's `latest` when it differs from the served tag; (swapped, message)."""
        if not follows_latest(self.ref):
            return False, f"{self.ref} is pinned; serving {self.current.tag}"
        with self._lock:  # one load at a time; requests keep reading self.current meanwhile
            try:
                tag = self._resolve(self.ref)
            except Exception as exc:  # the store is unreadable right now: keep serving
                log.warning("cannot resolve %s: %s; still serving %s", self.ref, exc, self.current.tag)
                return False, f"cannot resolve {self.ref}: {exc}"
            if tag == self.current.tag:
                return False, f"serving {tag}, the newest"
            if tag in self.failed:
                return False, f"{tag} failed to load ({self.failed[tag]}); still serving {self.current.tag}"
            try:
                new = self._load(tag)
            except Exception as exc:
                self.failed[tag] = f"{type(exc).__name__}: {exc}"
                log.error("loading %s failed (%s); still serving %s", tag, self.failed[tag], self.current.tag)
                return False, f"{tag} failed to load ({self.failed[tag]}); still serving {self.current.tag}"
            old, self.current = self.current.tag, new  # one reference assignment: atomic for readers
            self.swaps += 1
            log.warning("now serving %s (was %s)", tag, old)
            return True, f"now serving {tag} (was {old})"


def _resolve_tag(ref: str) -> str:
    import bentoml

    return str(bentoml.models.get(ref).tag)
