"""ASGI middleware bounding request bodies in size and in time, before they are read into memory.

Too large (Content-Length over the limit, or a streamed body growing past it): 413 at once.
Too slow (the whole body not received within `body_timeout_s` of the request start): 408, so a
client that stalls or drips its body cannot hold a connection and a concurrency slot for long.
"""

from __future__ import annotations

import asyncio
import json
import time

from clausewise.settings import BODY_TIMEOUT_S


class BodySizeLimit:
    """413 when the body exceeds `max_bytes`; 408 when it has not fully arrived after `body_timeout_s`."""

    def __init__(self, app, max_bytes: int, body_timeout_s: float = BODY_TIMEOUT_S):
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout_s = body_timeout_s

    async def _refuse(self, send, status: int, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _too_large(self) -> str:
        return f"request body too large: the limit is {self.max_bytes} bytes; split the input"

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                return await self._refuse(send, 413, self._too_large())
        deadline = time.monotonic() + self.body_timeout_s
        received = 0
        body_done = False
        refused = False

        async def refuse(status: int, message: str) -> dict:
            # Answer here, then tell the app the client went away: it stops without answering.
            # (Raising instead would reach BentoML's error handler, which answers 500.)
            nonlocal refused
            refused = True
            await self._refuse(send, status, message)
            return {"type": "http.disconnect"}

        async def limited_receive():
            nonlocal received, body_done
            if refused:
                return {"type": "http.disconnect"}
            if body_done:  # after the body only a disconnect can come: no deadline
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                return await refuse(
                    408, f"request body not received within {self.body_timeout_s:g} s; send the whole body at once"
                )
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    return await refuse(413, self._too_large())
                body_done = not message.get("more_body", False)
            return message

        async def guarded_send(message):
            if not refused:  # after a refusal the app's own answer, if any, is dropped
                await send(message)

        return await self.app(scope, limited_receive, guarded_send)
