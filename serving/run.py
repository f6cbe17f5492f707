"""Start `bentoml serve` for the clausewise service (`clausewise serve` calls this).

Serving never trains: with no model stored it says so and how to train one (`make serve` runs
`clausewise serve --train-if-missing`, which stores the quick model first).
"""

from __future__ import annotations

import os
import sys

from clausewise.settings import DEVICE_ENV, MODEL_ENV, offline_env


def model_is_stored(tag: str) -> bool:
    import bentoml
    from bentoml.exceptions import NotFound

    try:
        bentoml.models.get(tag)
        return True
    except NotFound:
        return False


def server_argv(host: str, port: int, device: str, model: str) -> tuple[list[str], dict[str, str]]:
    """The `bentoml serve` command line and environment for the service on host:port."""
    env = {**os.environ, DEVICE_ENV: device, MODEL_ENV: model, **offline_env()}
    argv = [sys.executable, "-m", "bentoml", "serve", "serving.service:Clausewise", "--host", host, "--port", str(port)]
    return argv, env


def serve(host: str, port: int, device: str, model: str) -> int:
    """Replace this process with `bentoml serve` on host:port; 2 when the model is not stored."""
    if not model_is_stored(model):
        print(
            f"error: model {model} is not in the store ({os.environ.get('BENTOML_HOME', '~/bentoml')}); "
            f"train one with `clausewise serve --train-if-missing` (or `make serve`), "
            f"`bentoml models list` shows what is stored",
            file=sys.stderr,
        )
        return 2
    argv, env = server_argv(host, port, device, model)
    print(f"Serving {model} on http://{host}:{port} (device {device})", flush=True)
    os.execve(sys.executable, argv, env)
    return 0  # not reached
