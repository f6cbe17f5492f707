"""BodySizeLimit: 413 for bodies over the limit (declared or streamed), 408 for bodies that stall."""

from __future__ import annotations

import asyncio
import json

from serving.limits import BodySizeLimit


async def _echo_app(scope, receive, send):
    """Reads the whole body and answers 200 with its length."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def _call(app, chunks: list[bytes], headers: list[tuple[bytes, bytes]] | None = None, gap_s: float = 0.0):
    """Send `chunks` as the request body (waiting gap_s before each) and return (status, body)."""
    sent: list[dict] = []
    queue = list(chunks)

    async def receive():
        if gap_s:
            await asyncio.sleep(gap_s)
        body = queue.pop(0) if queue else b""
        return {"type": "http.request", "body": body, "more_body": bool(queue)}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/classify", "headers": headers or []}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body


def test_a_body_within_the_limit_reaches_the_app_whole():
    assert _call(BodySizeLimit(_echo_app, max_bytes=10), [b"12345", b"678"]) == (200, b"8")


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    status, body = _call(BodySizeLimit(_echo_app, max_bytes=10), [b"x"], [(b"content-length", b"11")])
    assert status == 413 and "10" in json.loads(body)["error"]


def test_a_streamed_body_growing_past_the_limit_is_refused():
    status, body = _call(BodySizeLimit(_echo_app, max_bytes=10), [b"123456", b"789012"])
    assert status == 413 and json.loads(body)["error"]


def test_a_body_that_stalls_past_the_deadline_gets_408():
    app = BodySizeLimit(_echo_app, max_bytes=1000, body_timeout_s=0.2)
    status, body = _call(app, [b"a", b"b", b"c", b"d"], gap_s=0.1)
    assert status == 408 and json.loads(body)["error"]
