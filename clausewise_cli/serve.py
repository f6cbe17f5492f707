"""`clausewise serve`: the BentoML service on one host and port."""

from __future__ import annotations

import argparse
import os

from clausewise.model_dir import DEFAULT_TAG


def add_serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=3000, help="port (default: 3000)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default=os.environ.get("CLAUSEWISE_DEVICE", "auto"),
                   help="where the model runs (default: auto = CUDA if available)")
    p.add_argument("--model", default=os.environ.get("CLAUSEWISE_MODEL", DEFAULT_TAG),
                   help=f"stored model to serve (default: {DEFAULT_TAG})")


def serve(args: argparse.Namespace) -> int:
    from serving.run import serve as run_server

    return run_server(args.host, args.port, args.device, args.model)
