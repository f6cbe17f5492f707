"""Model swap in a running service: POST /admin/reload picks up a newly promoted model, answers name the
tag that scored them, and a model that fails to load leaves the old one serving."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from clausewise.bentoml_private import models_dir

pytestmark = pytest.mark.slow
NAME = "swap-test"


def copy_version(source_tag: str) -> str:
    import bentoml

    source = bentoml.models.get(source_tag)
    with bentoml.models.create(NAME, metadata=source.info.metadata) as model:
        shutil.copytree(source.path, model.path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("model.yaml"))
    return str(model.tag)


def point_latest(tag: str) -> None:
    (models_dir() / NAME / "latest").write_text(tag.split(":")[1])


def test_a_promoted_model_is_served_without_restart_and_a_broken_one_is_not(stored_model):
    from benchmarks.local_server import local_server

    first, second, broken = (copy_version(stored_model) for _ in range(3))
    for f in Path(models_dir() / NAME / broken.split(":")[1]).glob("*.onnx"):
        f.unlink()  # a half-written model: the int8 export is missing
    for f in Path(models_dir() / NAME / broken.split(":")[1]).glob("*.safetensors"):
        f.unlink()
    point_latest(first)
    env = {"CLAUSEWISE_MODEL": f"{NAME}:latest", "CLAUSEWISE_DEVICE": "cpu", "CLAUSEWISE_RELOAD_S": "0"}
    log = Path(os.environ["BENTOML_HOME"]) / "swap.log"
    with local_server(env, log, ready_timeout=120) as (url, proc):

        def classify() -> str:
            r = httpx.post(f"{url}/classify", json={"texts": ["We use cookies."]}, timeout=60)
            assert r.status_code == 200, r.text
            return r.json()["model"]

        assert classify() == first and httpx.get(f"{url}/labels").json()["model"] == first
        nothing = httpx.post(f"{url}/admin/reload", timeout=60).json()
        assert nothing["swapped"] is False and nothing["model"] == first

        point_latest(second)
        r = httpx.post(f"{url}/admin/reload", timeout=60).json()
        assert r["swapped"] is True and r["model"] == second, r
        assert classify() == second
        assert httpx.get(f"{url}/labels").json()["serving"]["swaps"] == 1

        point_latest(broken)
        r = httpx.post(f"{url}/admin/reload", timeout=60).json()
        assert r["swapped"] is False and "failed to load" in r["message"] and r["model"] == second
        assert classify() == second and proc.poll() is None  # still serving the old model, no restart
    assert f"loading {broken} failed" in log.read_text()
