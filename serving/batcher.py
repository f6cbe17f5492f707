"""Adaptive micro-batching inside one process: concurrent requests share one model call.

    batcher = MicroBatcher(model.scores)
    rows = await batcher.score(texts, headings)     # from any coroutine on the event loop

One worker thread runs the model, so calls never compete for the CPU cores. While it runs, new
requests queue; the next call takes everything queued (up to `max_items` clauses, whole requests
only), so batches grow with load and a lone request waits for nothing.
"""

from __future__ import annotations

import asyncio
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

ScoreFn = Callable[[list[str], list[str | None]], np.ndarray]


@dataclass
class _Pending:
    texts: list[str]
    headings: list[str | None]
    future: asyncio.Future = field(repr=False)


class MicroBatcher:
    """Coalesces concurrent `score` calls into batched calls of `fn` on a single worker thread."""

    def __init__(self, fn: ScoreFn, max_items: int = 128):
        self.fn = fn
        self.max_items = max_items
        self._queue: deque[_Pending] = deque()
        self._ready: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clausewise-model")

    async def score(self, texts: list[str], headings: list[str | None]) -> np.ndarray:
        """Scores for these texts, shape (len(texts), n_labels), computed together with other callers'."""
        if not texts:
            raise ValueError("score() needs at least one text")
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._ready = asyncio.Event()
            self._task = loop.create_task(self._run(self._ready), name="clausewise-batcher")
        pending = _Pending(list(texts), list(headings), loop.create_future())
        self._queue.append(pending)
        self._ready.set()
        return await pending.future

    async def _run(self, ready: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue:
                ready.clear()
                await ready.wait()
            batch = [self._queue.popleft()]
            size = len(batch[0].texts)
            while self._queue and size + len(self._queue[0].texts) <= self.max_items:
                item = self._queue.popleft()
                batch.append(item)
                size += len(item.texts)
            batch = [p for p in batch if not p.future.done()]  # callers that went away
            if not batch:
                continue
            texts = [t for p in batch for t in p.texts]
            headings = [h for p in batch for h in p.headings]
            try:
                rows = await loop.run_in_executor(self._executor, self.fn, texts, headings)
            except Exception as exc:  # every caller of this batch gets the error
                for p in batch:
                    if not p.future.done():
                        p.future.set_exception(exc)
                continue
            offset = 0
            for p in batch:
                n = len(p.texts)
                if not p.future.done():
                    p.future.set_result(rows[offset : offset + n])
                offset += n

    def close(self) -> None:
        """Stop the batching task and the worker thread."""
        if self._task is not None:
            self._task.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)
