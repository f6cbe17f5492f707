"""Fine-tuning behind the quick model: the held-out gate, stop and resume, the status file, the serve decision."""

import subprocess
import sys

import bentoml
import pytest

import training.heldout
import training.train
from clausewise.model_dir import FINE_TUNED, QUICK, read_info
from clausewise.training_status import TrainingStatus, read_status, write_status
from clausewise_cli.serve import _current_fingerprint, start_background_training
from tests.utils import tiny_config, toy_records
from training.background import fine_tune_behind, gate
from training.registry import build_metadata, current_tag, store_model


def figures(real: float) -> dict:
    return {"real": {"clauses": {"macro_f1": real}}}


def test_gate_promotes_only_a_model_not_below_the_served_one():
    assert gate(figures(0.80), figures(0.70))[0]
    assert gate(figures(0.70), figures(0.70))[0]
    ok, why = gate(figures(0.69), figures(0.70))
    assert not ok and "0.690, below the served model's 0.700" in why
    assert gate(figures(0.5), None)[0]  # nothing to compare with
    assert not gate({}, figures(0.7))[0]  # a candidate without figures is never promoted


@pytest.fixture()
def served_quick(tiny_base, taxonomy):
    """A stored stand-in for the quick model under a fresh name, whose real held-out clause figure is 0.5."""
    from training.quick import fit_quick

    records = toy_records(2)
    config = tiny_config(tiny_base)
    result = fit_quick(records, taxonomy, config)
    name = f"bg-{id(result)}"
    store_model(result, build_metadata(result, taxonomy, records, config, None, figures(0.5)), name)
    return name, records, config


def run(name, records, taxonomy, config, monkeypatch, real_f1: float) -> tuple[str, list[str]]:
    monkeypatch.setattr(training.heldout, "evaluate_heldout_sets", lambda model, tax: figures(real_f1))
    monkeypatch.setattr(training.heldout, "summary_lines", lambda by_set: [f"real clauses {real_f1}"])
    said: list[str] = []
    return fine_tune_behind(name, records, taxonomy, config, said.append), said


def test_quick_model_is_a_normal_model_folder_with_its_kind(served_quick):
    name, _, _ = served_quick
    info = read_info(bentoml.models.get(f"{name}:latest").path)
    assert info.extra["kind"] == QUICK and len(info.thresholds) == len(info.labels)


def test_a_worse_fine_tuned_model_is_stored_but_not_served(served_quick, taxonomy, monkeypatch):
    name, records, config = served_quick
    before = current_tag(name)
    state, said = run(name, records, taxonomy, config, monkeypatch, real_f1=0.4)
    assert state == "rejected" and current_tag(name) == before
    status = read_status()
    assert status.state == "rejected" and "not promoted" in status.message and "0.400" in status.message
    kept = status.message.split()[0]
    assert read_info(bentoml.models.get(kept).path).extra["kind"] == FINE_TUNED  # kept, for rollback
    assert said[0].startswith("fine-tuning: starting from scratch")


def test_a_stopped_run_resumes_and_a_better_model_is_promoted(served_quick, taxonomy, monkeypatch):
    name, records, config = served_quick
    real_fit = training.train.fit

    def stopping_fit(*args, checkpoint, on_step, **kw):
        def step(s: int, total: int) -> None:
            on_step(s, total)
            if s == 3:
                checkpoint.stop.set()  # what SIGTERM does

        return real_fit(*args, checkpoint=checkpoint, on_step=step, **kw)

    monkeypatch.setattr(training.train, "fit", stopping_fit)
    state, said = run(name, records, taxonomy, config, monkeypatch, real_f1=0.6)
    assert state == "stopped" and read_status().state == "stopped" and "step 3 of" in said[-1]
    before = current_tag(name)

    monkeypatch.setattr(training.train, "fit", real_fit)
    state, said = run(name, records, taxonomy, config, monkeypatch, real_f1=0.6)
    assert said[0].startswith("fine-tuning: resuming from the checkpoint at step 3 of")
    assert state == "promoted" and current_tag(name) != before
    assert read_info(bentoml.models.get(f"{name}:latest").path).extra["kind"] == FINE_TUNED
    assert read_status().state == "promoted"


def test_status_of_a_vanished_process_reads_as_stopped(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    path = tmp_path / "status.json"
    write_status(TrainingStatus(state="running", step=10, total=100, pid=gone.pid, eta_s=60.0), path)
    status = read_status(path)
    assert status.state == "stopped" and status.eta_s is None and "resumes" in status.message
    assert read_status(tmp_path / "none.json") is None


def test_serve_starts_no_training_behind_a_fine_tuned_or_rejected_model(served_quick, taxonomy, monkeypatch):
    name, records, config = served_quick
    write_status(TrainingStatus(state="rejected", message="x not promoted", fingerprint=_current_fingerprint()))
    assert start_background_training(name) is None  # the same data and settings failed the gate already
    run(name, records, taxonomy, config, monkeypatch, real_f1=0.9)  # now latest is fine-tuned
    assert start_background_training(name) is None


def test_stopping_serve_stops_the_training_gracefully_or_by_force(tmp_path, monkeypatch):
    import clausewise_cli.serve as serve_cli

    marker = tmp_path / "saved"
    graceful = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import signal, sys, time, pathlib\n"
                f"signal.signal(signal.SIGTERM, lambda *_: (pathlib.Path({str(marker)!r}).write_text('checkpoint'), sys.exit(0)))\n"
                "print('ready', flush=True)\n"
                "time.sleep(60)\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert graceful.stdout.readline().strip() == "ready"
    serve_cli.stop_background_training(graceful)
    assert graceful.returncode == 0 and marker.read_text() == "checkpoint"  # it saved, then exited

    monkeypatch.setattr(serve_cli, "STOP_GRACE_S", 1)
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\ntime.sleep(60)\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stubborn.stdout.readline().strip() == "ready"
    serve_cli.stop_background_training(stubborn)
    assert stubborn.returncode == -9  # killed after the grace period
