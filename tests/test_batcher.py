"""The in-process micro-batcher: concurrent callers share model calls and get their own rows back."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest

from serving.batcher import MicroBatcher


class RecordingModel:
    """Scores each text by its length; records every call's size and the thread it ran on."""

    def __init__(self, delay: float = 0.02, fail_on: str | None = None):
        self.calls: list[int] = []
        self.threads: set[int] = set()
        self.delay = delay
        self.fail_on = fail_on

    def __call__(self, texts, headings):
        self.threads.add(threading.get_ident())
        self.calls.append(len(texts))
        if self.fail_on in texts:
            raise RuntimeError("model failed")
        time.sleep(self.delay)
        return np.array([[len(t), 1.0 if h else 0.0] for t, h in zip(texts, headings)], dtype=np.float32)


def test_concurrent_callers_are_batched_and_get_their_own_rows():
    model = RecordingModel()

    async def main():
        batcher = MicroBatcher(model, max_items=64)
        requests = [[f"{'x' * (i + 1)}-{k}" for k in range(i % 3 + 1)] for i in range(40)]
        results = await asyncio.gather(*(batcher.score(r, ["h"] * len(r)) for r in requests))
        batcher.close()
        return requests, results

    requests, results = asyncio.run(main())
    for texts, rows in zip(requests, results):
        assert rows.shape == (len(texts), 2)
        assert rows[:, 0].tolist() == [len(t) for t in texts] and rows[:, 1].tolist() == [1.0] * len(texts)
    total = sum(map(len, requests))
    assert sum(model.calls) == total
    assert len(model.calls) < len(requests) / 4  # coalesced, not one call per request
    assert max(model.calls) <= 64 and len(model.threads) == 1


def test_a_request_larger_than_max_items_is_scored_whole():
    model = RecordingModel(delay=0)

    async def main():
        batcher = MicroBatcher(model, max_items=8)
        rows = await batcher.score([str(i) for i in range(20)], [None] * 20)
        batcher.close()
        return rows

    assert asyncio.run(main()).shape == (20, 2) and model.calls == [20]


def test_a_failing_batch_fails_its_callers_and_the_next_batch_still_works():
    model = RecordingModel(fail_on="boom")

    async def main():
        batcher = MicroBatcher(model)
        first = await asyncio.gather(batcher.score(["boom"], [None]), batcher.score(["fine"], [None]),
                                     return_exceptions=True)
        after = await batcher.score(["later"], [None])
        batcher.close()
        return first, after

    first, after = asyncio.run(main())
    assert all(isinstance(r, RuntimeError) for r in first)
    assert after[0, 0] == 5.0


def test_a_cancelled_caller_does_not_disturb_the_others():
    model = RecordingModel(delay=0.05)

    async def main():
        batcher = MicroBatcher(model)
        busy = asyncio.create_task(batcher.score(["first"], [None]))
        await asyncio.sleep(0.01)  # the model is now running "first"
        gone = asyncio.create_task(batcher.score(["gone"], [None]))
        kept = asyncio.create_task(batcher.score(["kept"], [None]))
        await asyncio.sleep(0)
        gone.cancel()
        rows = await kept
        await busy
        batcher.close()
        return rows

    assert asyncio.run(main())[0, 0] == 4.0
    assert sum(model.calls) == 2  # "gone" was never scored


def test_empty_input_is_refused():
    with pytest.raises(ValueError, match="at least one text"):
        asyncio.run(MicroBatcher(RecordingModel()).score([], []))
