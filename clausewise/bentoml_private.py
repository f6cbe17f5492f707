"""The only place that touches BentoML's private API; tests/clausewise/test_bentoml_private.py fails loudly on an upgrade.

    models_dir()                       # the model store folder ($BENTOML_HOME/models, as BentoMLContainer resolves it)
    create_in_store(root, name, ...)   # bentoml.models.create into a second store at `root` (private `_model_store=`)
    version_dir(root, tag)             # <root>/<name>/<version>: where a file store keeps a model
    latest_file(root, name)            # <root>/<name>/latest: the file `name:latest` resolves through
    openapi_path()                     # where BentoML's HTTP app serves the OpenAPI document (/docs.json)
    swagger_page()                     # BentoML's own OpenAPI (Swagger UI) page, which the service moves to /docs

BentoML 1.4 has no public API for any of these; training/registry.py, serving/ and benchmarks/ call them.
"""

from __future__ import annotations

from pathlib import Path


def models_dir() -> Path:
    """The folder of BentoML's local model store."""
    from bentoml._internal.configuration.containers import BentoMLContainer

    return Path(BentoMLContainer.model_store.get()._path)


def staging_store(root: Path):
    """A BentoML ModelStore rooted at `root` (a file store with the layout of models_dir())."""
    from bentoml._internal.models.model import ModelStore

    return ModelStore(root)


def create_in_store(root: Path, name: str, **kwargs):
    """bentoml.models.create(name, **kwargs), but into the store at `root` instead of the served one."""
    import bentoml

    return bentoml.models.create(name, _model_store=staging_store(root), **kwargs)


def version_dir(root: Path, tag: str) -> Path:
    """The folder of model `tag` ("name:version") in the file store at `root`."""
    name, version = tag.split(":")
    return Path(root) / name / version


def latest_file(root: Path, name: str) -> Path:
    """The file holding the version that `name:latest` resolves to in the file store at `root`."""
    return Path(root) / name / "latest"


def openapi_path() -> str:
    """The path at which BentoML's HTTP app serves the service's OpenAPI document (and swagger_page() fetches)."""
    return "/docs.json"


def swagger_page() -> Path:
    """The HTML file of BentoML's Swagger UI page (its assets are relative, so it works from /docs)."""
    import _bentoml_impl.server as server_pkg

    return Path(server_pkg.__file__).parent / "main-openapi.html"
