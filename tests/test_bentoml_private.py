"""The one module on BentoML's private API: if an upgrade moves any of it, these fail first and loudly."""

from pathlib import Path

import bentoml

from clausewise.bentoml_private import models_dir, staging_store, swagger_page


def test_models_dir_is_the_store_bentoml_itself_writes_to(stored_model):
    assert models_dir().resolve() == Path(bentoml.models.get(stored_model).path).parents[1].resolve()


def test_a_staging_store_takes_a_created_model(tmp_path):
    with bentoml.models.create("staged-probe", _model_store=staging_store(tmp_path)) as model:
        Path(model.path_of("probe.txt")).write_text("x")
    assert (tmp_path / "staged-probe" / model.tag.version / "probe.txt").is_file()
    assert not (models_dir() / "staged-probe").exists()


def test_swagger_page_is_bentomls_openapi_html():
    page = swagger_page()
    assert page.is_file() and "swagger" in page.read_text(encoding="utf-8").lower()
