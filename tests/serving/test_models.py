"""Model swap without a restart: a newer `latest` is loaded then switched to; a failed load keeps the old one."""

from __future__ import annotations

import threading
import time

import pytest

from serving.models import ModelSwap, Served, follows_latest


class Store:
    """A fake model store: `latest` points at a tag; loading some tags fails."""

    def __init__(self, latest: str):
        self.latest = latest
        self.broken: set[str] = set()
        self.loads: list[str] = []

    def resolve(self, ref: str) -> str:
        return self.latest if follows_latest(ref) else ref

    def load(self, tag: str) -> Served:
        self.loads.append(tag)
        if tag in self.broken:
            raise OSError(f"{tag}: model.onnx is missing")
        return Served(tag, model=object(), score=lambda texts, headings: [[0.0]] * len(texts))


def test_a_newly_promoted_model_is_swapped_in_and_a_request_keeps_the_one_it_started_with():
    store = Store("clf:v1")
    swap = ModelSwap("clf:latest", store.load, store.resolve)
    started_with = swap.current  # what a request in flight holds
    assert swap.check() == (False, "serving clf:v1, the newest")
    store.latest = "clf:v2"
    swapped, message = swap.check()
    assert swapped and swap.current.tag == "clf:v2" and "was clf:v1" in message
    assert started_with.tag == "clf:v1" and swap.swaps == 1


def test_a_model_that_fails_to_load_is_logged_and_the_old_one_keeps_serving(caplog):
    store = Store("clf:v1")
    swap = ModelSwap("clf:latest", store.load, store.resolve)
    store.latest, store.broken = "clf:v2", {"clf:v2"}
    swapped, message = swap.check()
    assert not swapped and swap.current.tag == "clf:v1" and "model.onnx is missing" in message
    assert "loading clf:v2 failed" in caplog.text
    swap.check()
    assert store.loads.count("clf:v2") == 1  # not retried until the store points elsewhere
    store.latest = "clf:v3"
    assert swap.check()[0] and swap.current.tag == "clf:v3"


def test_a_pinned_version_is_never_swapped():
    store = Store("clf:v2")
    swap = ModelSwap("clf:v1", store.load, store.resolve)
    assert swap.check() == (False, "clf:v1 is pinned; serving clf:v1") and swap.current.tag == "clf:v1"


def test_concurrent_checks_load_the_new_model_once():
    store = Store("clf:v1")
    slow_load = store.load

    def load(tag):
        time.sleep(0.05)
        return slow_load(tag)

    swap = ModelSwap("clf:latest", load, store.resolve)
    store.latest = "clf:v2"
    threads = [threading.Thread(target=swap.check) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.loads == ["clf:v1", "clf:v2"] and swap.swaps == 1


@pytest.mark.parametrize(
    "ref, follows",
    [("clause-classifier", True), ("clause-classifier:latest", True), ("clause-classifier:abc123", False)],
)
def test_which_references_follow_latest(ref, follows):
    assert follows_latest(ref) is follows
