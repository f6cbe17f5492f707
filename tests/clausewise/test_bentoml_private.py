"""The one module on BentoML's private API: if an upgrade moves any of it, these fail first and loudly.

Each test checks one thing clausewise/bentoml_private.py (and through it training/registry.py and
serving/) relies on, against the installed BentoML: a keyword, the file store's layout and how it
resolves `latest`, the path of the OpenAPI document, the Swagger page, and the shape of what the
serving/errors.py middleware rewrites.
"""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path

import bentoml
import pytest

from clausewise.bentoml_private import (
    create_in_store,
    latest_file,
    models_dir,
    openapi_path,
    staging_store,
    swagger_page,
    version_dir,
)


def test_models_dir_is_the_store_bentoml_itself_writes_to(stored_model):
    assert models_dir().resolve() == Path(bentoml.models.get(stored_model).path).parents[1].resolve()


def test_create_still_takes_the_private_model_store_keyword():
    param = inspect.signature(bentoml.models.create).parameters.get("_model_store")
    assert param is not None and param.kind is inspect.Parameter.KEYWORD_ONLY, (
        "bentoml.models.create lost `_model_store=`: rewrite create_in_store in clausewise/bentoml_private.py"
    )


def test_a_staging_store_takes_a_created_model_where_version_dir_says(tmp_path):
    with create_in_store(tmp_path, "staged-probe", metadata={"k": 1}) as model:
        Path(model.path_of("probe.txt")).write_text("x")
    tag = str(model.tag)
    assert (version_dir(tmp_path, tag) / "probe.txt").is_file()
    assert (version_dir(tmp_path, tag) / "model.yaml").is_file()
    assert latest_file(tmp_path, "staged-probe").read_text().strip() == model.tag.version  # BentoML wrote it there
    assert staging_store(tmp_path).get(tag).info.metadata == {"k": 1}
    assert not (models_dir() / "staged-probe").exists()


def test_latest_file_is_what_a_store_resolves_latest_through(tmp_path):
    tags = []
    for _ in range(2):
        with create_in_store(tmp_path, "latest-probe") as model:
            pass
        tags.append(model.tag)
    store = staging_store(tmp_path)
    assert store.get("latest-probe:latest").tag == tags[1]
    latest_file(tmp_path, "latest-probe").write_text(tags[0].version)
    assert store.get("latest-probe:latest").tag == tags[0]


def test_promotion_by_rename_and_latest_file_is_seen_by_the_public_api(tmp_path):
    """What training/registry.py does: stage, rename the folder into the store, rewrite `latest`."""
    name = "promote-probe"
    with bentoml.models.create(name) as first:
        pass
    assert bentoml.models.get(f"{name}:latest").tag == first.tag
    with create_in_store(tmp_path / "staging", name, metadata={"staged": True}) as staged:
        pass
    tag = str(staged.tag)
    os.rename(version_dir(tmp_path / "staging", tag), version_dir(models_dir(), tag))
    assert bentoml.models.get(f"{name}:latest").tag == first.tag  # moved in, not yet served
    assert bentoml.models.get(tag).info.metadata == {"staged": True}
    latest_file(models_dir(), name).write_text(staged.tag.version)
    assert bentoml.models.get(f"{name}:latest").tag == staged.tag  # no caching: the next lookup follows it
    assert {str(m.tag) for m in bentoml.models.list(name)} == {str(first.tag), tag}


# --- the HTTP app: a probe service built the way `bentoml serve` builds the real one ------------------------------
SEEN: list[str] = []


class Recorder:
    """An ASGI middleware that records the paths it sees (what serving/errors.py's middleware relies on)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            SEEN.append(scope["path"])
        await self.app(scope, receive, send)


@bentoml.service(name="private-probe")
class Probe:
    @bentoml.api
    def echo(self, text: str) -> str:
        return text


Probe.add_asgi_middleware(Recorder)


@pytest.fixture(scope="module")
def client():
    from starlette.testclient import TestClient

    with TestClient(Probe.to_asgi()) as c:
        yield c


def test_openapi_document_is_served_at_openapi_path_through_the_middlewares(client):
    SEEN.clear()
    r = client.get(openapi_path())
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert [openapi_path()] == SEEN, "an add_asgi_middleware middleware must see the OpenAPI request"
    post = r.json()["paths"]["/echo"]["post"]  # what serving.errors.fix_openapi edits
    assert "requestBody" in post and "400" in {str(k) for k in post["responses"]}


def test_swagger_page_is_what_bentoml_serves_and_its_assets_are_relative(client):
    page = swagger_page()
    assert page.is_file() and "swagger" in page.read_text(encoding="utf-8").lower()
    assert client.get("/").content == page.read_bytes()
    assets = re.findall(r'(?:src|href)="\./([^"]+)"', page.read_text(encoding="utf-8"))
    assert assets and all(client.get(f"/{a}").status_code == 200 for a in assets), assets
    initializer = client.get("/static_content/swagger-initializer.js").text
    assert f'"./{openapi_path().lstrip("/")}"' in initializer, "the page no longer fetches the document we rewrite"


def test_validation_errors_are_400_with_pydantics_error_list_as_detail(client):
    r = client.post("/echo", json={"text": 5})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body["error"], str)
    assert isinstance(body["detail"], list) and {"loc", "msg"} <= set(body["detail"][0])  # serving.errors.detail_text
