"""`clausewise serve`: the BentoML service on one host and port.

With --train-if-missing (what `make serve` runs): an empty store first gets the quick model (a trained
head on the frozen encoder, a few minutes), the service starts at once, and while the quick model is
served the fine-tuned default trains in a background process (`clausewise train --background`), which
the service swaps in when it passes the held-out gate. Stopping the server stops that training; the
next run resumes it from its checkpoint.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time

from clausewise import settings
from clausewise.model_dir import QUICK

STOP_GRACE_S = 30
QUICK_SELECTION = "real"  # what the quick model trains on (training.data.SELECTIONS)  # how long the background training may take to save its checkpoint when stopped


def add_serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=3000, help="port (default: 3000)")
    p.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default=settings.device(),
        help=f"where the model runs (default: ${settings.DEVICE_ENV} or auto = CUDA if available)",
    )
    p.add_argument(
        "--model",
        default=settings.model_tag(),
        help=f"stored model to serve {settings.MODEL_HELP}",
    )
    p.add_argument(
        "--train-if-missing",
        action="store_true",
        help="empty store: train the quick model first (minutes), then fine-tune the default in the "
        "background and swap it in when it passes the held-out gate (what `make serve` runs)",
    )


def serve(args: argparse.Namespace) -> int:
    from serving.run import model_is_stored, server_argv
    from serving.run import serve as run_server

    trainer = None
    if args.train_if_missing and (":" not in args.model or args.model.endswith(":latest")):
        name = args.model.split(":")[0]
        if not model_is_stored(args.model):
            store_quick_model(name)
        trainer = start_background_training(name)
    if trainer is None:
        return run_server(args.host, args.port, args.device, args.model)
    argv, env = server_argv(args.host, args.port, args.device, args.model)
    server = subprocess.Popen(argv, env=env)
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        return server.wait()
    finally:
        stop_background_training(trainer)


def store_quick_model(name: str) -> str:
    """Train, score on the held-out sets and store the quick model as `name:latest`; returns its tag."""
    from clausewise.taxonomy import load_taxonomy
    from training.config import TrainConfig
    from training.data import load_records
    from training.heldout import evaluate_heldout_sets, summary_lines
    from training.quick import fit_quick
    from training.registry import build_metadata, store_model

    # The real policies alone: the first answer within minutes (111 s measured, docs/first-run.md); the
    # fine-tuned default that follows also learns from the written sets.
    taxonomy, config = load_taxonomy(), TrainConfig(selection=QUICK_SELECTION)
    records = load_records(None, taxonomy, config.selection)
    print(
        f"No {name} in the model store: training the quick model first (the base encoder frozen, a head "
        f"trained on its embeddings of {len(records)} clauses); the fine-tuned model follows in the background.",
        flush=True,
    )
    started, told = time.monotonic(), [False]

    def progress(done: int, total: int) -> None:
        elapsed = time.monotonic() - started
        if not told[0] and elapsed > 10 and done:
            told[0] = True
            print(
                f"quick model: {100 * done // total}% of the clause tokens embedded in {elapsed:.0f} s: about "
                f"{(total - done) * elapsed / done:.0f} s more at the rate measured here",
                flush=True,
            )

    result = fit_quick(records, taxonomy, config, progress)
    heldout = evaluate_heldout_sets(result.predictor(), taxonomy)
    print("\n".join(f"quick model, {line}" for line in summary_lines(heldout)), flush=True)
    tag = store_model(
        result, build_metadata(result, taxonomy, records, config, None, heldout), name, reason="quick model (first run)"
    )
    print(f"stored {tag} in {time.monotonic() - started:.0f} s", flush=True)
    return tag


def start_background_training(name: str) -> subprocess.Popen | None:
    """Start `clausewise train --background` when `name:latest` is a quick model, unless the same data and
    settings were already fine-tuned and rejected by the gate; None when nothing needs training."""
    import bentoml

    from clausewise.model_dir import read_info
    from clausewise.training_status import read_status, training_dir

    served = bentoml.models.get(f"{name}:latest")
    if read_info(served.path).extra.get("kind") != QUICK:
        return None
    status = read_status()
    if status and status.state == "rejected" and status.fingerprint == _current_fingerprint():
        print(f"serving the quick model: {status.message}", flush=True)
        return None
    if status and status.active:
        print(f"fine-tuning is already running (pid {status.pid}); not starting another", flush=True)
        return None
    log = training_dir() / "train.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    print(
        f"{served.tag} is the quick model: fine-tuning the default model in the background "
        f"(progress below, in GET /labels and on the page; full log {log})",
        flush=True,
    )
    argv = [sys.executable, "-m", "clausewise_cli", "train", "--background", "--cv", "none", "--name", name]
    # Its own session, so Ctrl-C reaches only the server; this process stops the training (SIGTERM) itself.
    with open(log, "a", encoding="utf-8") as stderr:  # the child keeps its own copy of the file
        return subprocess.Popen(argv, start_new_session=True, stderr=stderr)


def stop_background_training(trainer: subprocess.Popen) -> None:
    """SIGTERM: the training saves its checkpoint and exits; killed if it takes longer than STOP_GRACE_S."""
    if trainer.poll() is not None:
        return
    print("stopping the background fine-tuning (it saves a checkpoint; the next `make serve` resumes it)", flush=True)
    trainer.terminate()
    try:
        trainer.wait(STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        trainer.kill()
        trainer.wait()


def _current_fingerprint() -> str:
    from clausewise.taxonomy import load_taxonomy
    from training.checkpoint import fingerprint
    from training.config import TrainConfig
    from training.data import load_records

    taxonomy, config = load_taxonomy(), TrainConfig()
    return fingerprint(load_records(None, taxonomy, config.selection), taxonomy, config)
