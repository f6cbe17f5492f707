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


def test_a_lone_request_larger_than_max_items_is_scored_in_calls_of_max_items_in_order():
    model = RecordingModel(delay=0)

    async def main():
        batcher = MicroBatcher(model, max_items=8)
        rows = await batcher.score([str(i) for i in range(20)], [None] * 20)
        batcher.close()
        return rows

    rows = asyncio.run(main())
    assert rows[:, 0].tolist() == [len(str(i)) for i in range(20)] and model.calls == [8, 8, 4]


def test_a_small_request_is_served_between_chunks_of_a_big_one():
    model = RecordingModel(delay=0.01)
    finished: list[str] = []

    async def main():
        batcher = MicroBatcher(model, max_items=64, chunk=8, contended_items=16)

        async def call(name, n):
            rows = await batcher.score([f"{name}{i}" for i in range(n)], [None] * n)
            finished.append(name)
            return rows

        big = asyncio.create_task(call("big", 400))
        await asyncio.sleep(0.005)  # the first call of the big request is running
        small = await call("small", 1)
        calls_when_small_done = len(model.calls)
        rows = await big
        batcher.close()
        return small, rows, calls_when_small_done

    small, big_rows, calls = asyncio.run(main())
    assert finished == ["small", "big"] and calls <= 2  # not after the big request's ~20 calls
    assert small[:, 0].tolist() == [6.0] and big_rows[:, 0].tolist() == [len(f"big{i}") for i in range(400)]
    assert model.calls[0] == 64 and model.calls[1] == 16  # alone: max_items; contended: capped, small one in it


def test_whole_requests_mode_keeps_the_old_behaviour():
    model = RecordingModel(delay=0)

    async def main():
        batcher = MicroBatcher(model, max_items=8, chunk=0)
        rows = await batcher.score([str(i) for i in range(20)], [None] * 20)
        batcher.close()
        return rows

    assert asyncio.run(main()).shape == (20, 2) and model.calls == [20]


def test_a_cancelled_big_request_frees_its_remaining_chunks():
    model = RecordingModel(delay=0.02)

    async def main():
        batcher = MicroBatcher(model, max_items=10)
        big = asyncio.create_task(batcher.score([f"t{i}" for i in range(1000)], [None] * 1000))
        await asyncio.sleep(0.03)
        big.cancel()
        await asyncio.sleep(0.1)
        after = await batcher.score(["kept"], [None])
        batcher.close()
        return after

    assert asyncio.run(main())[0, 0] == 4.0
    assert sum(model.calls) < 100  # far from the 1,000 clauses of the cancelled request


def test_each_request_is_scored_by_the_function_it_came_with_never_mixed_in_one_call():
    old, new = RecordingModel(delay=0.01), RecordingModel(delay=0.01)
    new_fn = lambda texts, headings: new(texts, headings) * 0 - 1  # noqa: E731  (rows of -1)

    async def main():
        batcher = MicroBatcher(old, max_items=8, chunk=4, contended_items=8)
        first = asyncio.create_task(batcher.score([f"a{i}" for i in range(30)], [None] * 30))
        await asyncio.sleep(0.005)
        second = asyncio.create_task(batcher.score([f"b{i}" for i in range(30)], [None] * 30, new_fn))
        return await first, await second

    a, b = asyncio.run(main())
    assert (a[:, 0] > 0).all() and (b == -1).all()
    assert sum(old.calls) == 30 and sum(new.calls) == 30


def test_a_failing_batch_fails_its_callers_and_the_next_batch_still_works():
    model = RecordingModel(fail_on="boom")

    async def main():
        batcher = MicroBatcher(model)
        first = await asyncio.gather(
            batcher.score(["boom"], [None]), batcher.score(["fine"], [None]), return_exceptions=True
        )
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
