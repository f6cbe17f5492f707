"""Adaptive, fair micro-batching inside one process: concurrent requests share model calls.

    batcher = MicroBatcher(model.scores)
    rows = await batcher.score(texts, headings)           # from any coroutine on the event loop
    rows = await batcher.score(texts, headings, other)    # scored by another model (a swap in progress)

One worker thread runs the model, so calls never compete for the CPU cores. Each request is cut into
chunks of `chunk` clauses. A request alone gets model calls of up to `max_items` clauses (batches
grow with load, a lone request waits for nothing); while several wait, each call takes one chunk of
each in turn, fewest remaining clauses first, up to `contended_items`, so a one-clause request is
served between two chunks of a long policy instead of after all of it. A caller that goes away
(disconnect, timeout) frees its remaining chunks. `chunk=0` keeps whole requests together (the
behaviour before fair scheduling, kept for the benchmark's comparison).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from clausewise.settings import BATCH_CHUNK, CALL_ITEMS, CONTENDED_ITEMS

ScoreFn = Callable[[list[str], list[str | None]], np.ndarray]


@dataclass
class _Request:
    fn: ScoreFn
    texts: list[str]
    headings: list[str | None]
    future: asyncio.Future = field(repr=False)
    next: int = 0  # first clause not yet handed to a model call
    done: int = 0  # clauses scored
    rows: list[np.ndarray] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return len(self.texts) - self.next


class MicroBatcher:
    """Coalesces concurrent `score` calls into fair, batched calls of a scoring function on one thread."""

    def __init__(
        self,
        fn: ScoreFn,
        max_items: int = CALL_ITEMS,
        chunk: int = BATCH_CHUNK,
        contended_items: int = CONTENDED_ITEMS,
    ):
        if max_items < 1 or chunk < 0 or contended_items < 1:
            raise ValueError(
                f"max_items and contended_items must be >= 1 and chunk >= 0; found {max_items}, "
                f"{contended_items}, {chunk}"
            )
        self.fn = fn
        self.max_items = max_items
        self.chunk = chunk
        self.contended_items = contended_items
        self._queue: deque[_Request] = deque()
        self._ready: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clausewise-model")

    async def score(self, texts: list[str], headings: list[str | None], fn: ScoreFn | None = None) -> np.ndarray:
        """Scores for these texts, shape (len(texts), n_labels), computed together with other callers'."""
        if not texts:
            raise ValueError("score() needs at least one text")
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._ready = asyncio.Event()
            self._task = loop.create_task(self._run(self._ready), name="clausewise-batcher")
        request = _Request(fn or self.fn, list(texts), list(headings), loop.create_future())
        self._queue.append(request)
        assert self._ready is not None
        self._ready.set()
        return await request.future

    def _take(self, request: _Request, limit: int) -> tuple[_Request, int, int]:
        start = request.next
        request.next = min(len(request.texts), start + limit)
        return request, start, request.next

    def _next_call(self) -> list[tuple[_Request, int, int]]:
        """The slices (request, start, end) of the next model call; all share one scoring function."""
        waiting = [r for r in self._queue if r.remaining and not r.future.done()]
        if not waiting:
            return []
        fn = waiting[0].fn  # the oldest request's model first; requests of another model wait a call
        waiting = [r for r in waiting if r.fn is fn]
        if self.chunk == 0:  # whole requests, oldest first, as many as fit (at least one)
            picked = [self._take(waiting[0], waiting[0].remaining)]
            size = picked[0][2] - picked[0][1]
            for r in waiting[1:]:
                if size + r.remaining > self.max_items:
                    break
                picked.append(self._take(r, r.remaining))
                size += r.remaining
            return picked
        if len(waiting) == 1:
            return [self._take(waiting[0], self.max_items)]
        waiting.sort(key=lambda r: r.remaining)  # fewest remaining first; stable, so older first on ties
        picked, size = [], 0
        while size < self.contended_items and any(r.remaining for r in waiting):
            for r in waiting:
                room = self.contended_items - size
                if r.remaining and room > 0:
                    picked.append(self._take(r, min(self.chunk, room)))
                    size += picked[-1][2] - picked[-1][1]
        return picked

    async def _run(self, ready: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while True:
            # Callers that went away free their chunks; finished requests leave the queue.
            self._queue = deque(r for r in self._queue if not r.future.done())
            call = self._next_call()
            if not call:
                ready.clear()
                await ready.wait()
                continue
            fn = call[0][0].fn
            texts = [t for r, a, b in call for t in r.texts[a:b]]
            headings = [h for r, a, b in call for h in r.headings[a:b]]
            try:
                rows = await loop.run_in_executor(self._executor, fn, texts, headings)
            except Exception as exc:  # every caller in this call gets the error
                for r, _a, _b in call:
                    if not r.future.done():
                        r.future.set_exception(exc)
                continue
            offset = 0
            for r, a, b in call:
                r.rows.append(rows[offset : offset + (b - a)])
                r.done += b - a
                offset += b - a
                if r.done == len(r.texts) and not r.future.done():
                    r.future.set_result(np.concatenate(r.rows) if len(r.rows) > 1 else r.rows[0])

    def close(self) -> None:
        """Stop the batching task and the worker thread."""
        if self._task is not None:
            self._task.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)
