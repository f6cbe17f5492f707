"""Serve clausewise on 127.0.0.1:3000, training the default model first if the store has none.

    python -m serving.run [--host 127.0.0.1] [--port 3000] [--device auto|cpu|cuda]
"""

from __future__ import annotations

import argparse
import os
import sys

from serving.service import MODEL_TAG


def model_is_stored(tag: str) -> bool:
    import bentoml
    from bentoml.exceptions import NotFound

    try:
        bentoml.models.get(tag)
        return True
    except NotFound:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000, help="port (default: 3000)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default=os.environ.get("CLAUSEWISE_DEVICE", "auto"),
                        help="where the model runs (default: auto = CUDA if available)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not model_is_stored(MODEL_TAG):
        if MODEL_TAG != "clause-classifier:latest":
            print(f"error: model {MODEL_TAG} (CLAUSEWISE_MODEL) is not in the store; `bentoml models list` shows what is",
                  file=sys.stderr)
            return 2
        print("No clause-classifier in the model store: training the default model first (about 10 minutes on 2 CPU cores).")
        from training.train import main as train_main

        code = train_main(["--cv", "none"])
        if code:
            return code
    os.environ["CLAUSEWISE_DEVICE"] = args.device
    cmd = [sys.executable, "-m", "bentoml", "serve", "serving.service:Clausewise", "--host", args.host, "--port", str(args.port)]
    print(f"Serving {MODEL_TAG} on http://{args.host}:{args.port} (device {args.device})", flush=True)
    os.execv(sys.executable, cmd)


if __name__ == "__main__":
    sys.exit(main())
