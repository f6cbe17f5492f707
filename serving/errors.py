"""ASGI middleware that makes the service's answers match its own OpenAPI document.

Found by schema fuzzing (tests/serving/test_service_fuzz.py): BentoML documents a 400 body as
{"error": string, "detail": string} but sends pydantic's error list as `detail`, and it documents
request bodies as optional although an empty body is refused. This middleware turns the error list
into one readable string ("texts.0: String should have at most 5000 characters"), adds Retry-After
to every 503 (busy or still loading: try again), and, in /docs.json, marks request bodies required and documents the 408 and 413 answers of serving/limits.py.
"""

from __future__ import annotations

import json

from clausewise.bentoml_private import openapi_path

JSON = b"application/json"


def detail_text(detail) -> str:
    """pydantic's [{"loc": [...], "msg": ...}] as 'loc: msg; loc: msg'."""
    if not isinstance(detail, list):
        return str(detail)
    parts = []
    for item in detail:
        if isinstance(item, dict):
            loc = ".".join(str(x) for x in item.get("loc", []))
            parts.append(f"{loc}: {item.get('msg', '')}" if loc else str(item.get("msg", "")))
        else:
            parts.append(str(item))
    return "; ".join(parts)


def fix_openapi(spec: dict) -> dict:
    """Request bodies of POST operations are required; 408 and 413 (serving/limits.py) are documented answers."""
    for path in spec.get("paths", {}).values():
        post = path.get("post")
        if not post or "requestBody" not in post:
            continue
        post["requestBody"]["required"] = True
        responses = post.setdefault("responses", {})
        bad = responses.get("400") or responses.get(400)
        if bad:
            responses.setdefault("408", {**bad, "description": "Request body not received in time"})
            responses.setdefault("413", {**bad, "description": "Request body too large"})
    return spec


class ConformingErrors:
    """Rewrites 400 bodies and the OpenAPI document (/docs.json); everything else streams through untouched."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        is_spec = scope.get("method") == "GET" and scope.get("path") == openapi_path()
        start: dict | None = None
        chunks: list[bytes] = []

        async def capture(message):
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] == 503 and not any(
                    k.lower() == b"retry-after" for k, _ in message.get("headers", [])
                ):
                    message = {**message, "headers": [*message.get("headers", []), (b"retry-after", b"5")]}
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                wanted = (is_spec and message["status"] == 200) or message["status"] == 400
                if wanted and content_type.startswith(JSON):
                    start = message
                    return None
                return await send(message)
            if start is None:
                return await send(message)
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return None
            body = b"".join(chunks)
            try:
                payload = json.loads(body)
                if is_spec and start["status"] == 200:
                    payload = fix_openapi(payload)
                elif isinstance(payload, dict) and "detail" in payload and not isinstance(payload["detail"], str):
                    payload["detail"] = detail_text(payload["detail"])
                body = json.dumps(payload).encode()
            except (ValueError, TypeError):
                pass  # not JSON after all: pass it on unchanged
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        return await self.app(scope, receive, capture)
