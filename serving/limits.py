"""ASGI middleware refusing request bodies over a size limit before they are read into memory."""

from __future__ import annotations

import json


class BodySizeLimit:
    """413 when Content-Length exceeds `max_bytes`, or when a streamed body grows past it."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send) -> None:
        body = json.dumps(
            {"error": f"request body too large: the limit is {self.max_bytes} bytes; split the input"}
        ).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                return await self._refuse(send)
        received = 0
        too_big = False

        async def limited_receive():
            nonlocal received, too_big
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_big = True
                    raise ValueError("request body too large")
            return message

        try:
            return await self.app(scope, limited_receive, send)
        except ValueError:
            if too_big:
                return await self._refuse(send)
            raise
