"""The only place that touches BentoML's private modules; tests/test_bentoml_private.py fails loudly on an upgrade.

    models_dir()            # the model store folder ($BENTOML_HOME/models, as BentoML itself resolves it)
    staging_store(root)     # a second model store at `root`, for candidates built outside the served one
    swagger_page()          # BentoML's own OpenAPI (Swagger UI) page, which the service moves to /docs

BentoML 1.4 has no public API for any of the three.
"""

from __future__ import annotations

from pathlib import Path


def models_dir() -> Path:
    """The folder of BentoML's local model store."""
    from bentoml._internal.configuration.containers import BentoMLContainer

    return Path(BentoMLContainer.model_store.get()._path)


def staging_store(root: Path):
    """A BentoML ModelStore rooted at `root`; pass it to bentoml.models.create(..., _model_store=...)."""
    from bentoml._internal.models.model import ModelStore

    return ModelStore(root)


def swagger_page() -> Path:
    """The HTML file of BentoML's Swagger UI page (its assets are relative, so it works from /docs)."""
    import _bentoml_impl.server as server_pkg

    return Path(server_pkg.__file__).parent / "main-openapi.html"
