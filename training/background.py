"""Fine-tuning behind a served quick model: progress in the status file, checkpoints, a held-out gate.

    outcome = fine_tune_behind(name, records, taxonomy, config, say=print)   # "promoted", "rejected", ...

`make serve` starts this in a separate process (`clausewise train --background`) while the quick model
answers. The run resumes from its checkpoint when one matches; SIGTERM or Ctrl-C make it save and stop.
When done it is scored on the held-out sets and promoted to `name:latest` (the service swaps it in
without a restart) only if its real held-out clause macro-F1 is not below the served model's; else it
is kept in the store, unpromoted, and the quick model stays.
"""

from __future__ import annotations

import os
import signal
import time
from collections import deque
from collections.abc import Callable

from clausewise.taxonomy import Taxonomy
from clausewise.training_status import TrainingStatus, training_dir, write_status
from training.checkpoint import Checkpointer, TrainingStopped, fingerprint
from training.config import TrainConfig
from training.data import LabelRecord

STATUS_EVERY_S = 5.0
SAY_EVERY_S = 60.0
RATE_WINDOW = 200  # steps the measured rate is averaged over


class StepRate:
    """Steps per second measured over the last RATE_WINDOW steps of this run, and the time left at that rate."""

    def __init__(self) -> None:
        self.times: deque[tuple[float, int]] = deque(maxlen=RATE_WINDOW)

    def add(self, step: int) -> None:
        self.times.append((time.monotonic(), step))

    @property
    def per_s(self) -> float:
        if len(self.times) < 2:
            return 0.0
        (t0, s0), (t1, s1) = self.times[0], self.times[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0

    def eta_s(self, step: int, total: int) -> float | None:
        return (total - step) / self.per_s if self.per_s > 0 else None


def minutes(seconds: float | None) -> str:
    return "?" if seconds is None else f"{max(1, round(seconds / 60))} min"


def real_clause_f1(heldout: dict | None) -> float | None:
    """The gate's figure: macro-F1 on the real held-out clauses, or None when not measured."""
    try:
        return float(heldout["real"]["clauses"]["macro_f1"])  # type: ignore[index]
    except (KeyError, TypeError):
        return None


def gate(candidate: dict, served: dict | None) -> tuple[bool, str]:
    """Promote when the candidate's real held-out clause macro-F1 is not below the served model's."""
    new, old = real_clause_f1(candidate), real_clause_f1(served)
    if new is None:
        return False, "the candidate has no real held-out figures; it cannot be compared"
    if old is None:
        return True, f"real held-out clauses {new:.3f}; the served model has no figure to compare"
    verdict = "not below" if new >= old else "below"
    return new >= old, f"real held-out clauses {new:.3f}, {verdict} the served model's {old:.3f}"


def fine_tune_behind(
    name: str, records: list[LabelRecord], taxonomy: Taxonomy, config: TrainConfig, say: Callable[[str], None]
) -> str:
    """Fine-tune, then gate and promote; returns the final state ("promoted", "rejected", "stopped")."""
    ckpt = Checkpointer(training_dir() / "checkpoint.pt", fingerprint(records, taxonomy, config))
    previous = {sig: signal.signal(sig, lambda *_: ckpt.stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return _run(name, records, taxonomy, config, say, ckpt)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run(
    name: str,
    records: list[LabelRecord],
    taxonomy: Taxonomy,
    config: TrainConfig,
    say: Callable[[str], None],
    ckpt: Checkpointer,
) -> str:
    """fine_tune_behind's work, with its stop signals in place."""
    from training.heldout import evaluate_heldout_sets, summary_lines
    from training.registry import build_metadata, current_tag, keep, promote, stage, stored_metadata
    from training.train import fit

    state, why = ckpt.load()
    status = TrainingStatus(
        state="running",
        name=name,
        stage="fine-tune",
        pid=os.getpid(),
        started=time.time(),
        resumed_from=state["step"] if state else 0,
        total=state["total"] if state else 0,
        fingerprint=ckpt.fingerprint,
    )
    say(f"fine-tuning: resuming from the {why}" if state else f"fine-tuning: starting from scratch ({why})")
    write_status(status)
    rate, last = StepRate(), {"status": 0.0, "say": time.monotonic()}

    def on_step(step: int, total: int) -> None:
        rate.add(step)
        now = time.monotonic()
        status.step, status.total, status.steps_per_s = step, total, round(rate.per_s, 3)
        status.eta_s = rate.eta_s(step, total)
        if now - last["status"] >= STATUS_EVERY_S:
            write_status(status)
            last["status"] = now
        if now - last["say"] >= SAY_EVERY_S:
            say(
                f"fine-tuning: step {step}/{total} ({100 * step // total}%), {rate.per_s:.2f} steps/s measured "
                f"here, about {minutes(status.eta_s)} left"
            )
            last["say"] = now

    try:
        result = fit(records, taxonomy, config, progress=False, checkpoint=ckpt, on_step=on_step)
    except TrainingStopped as stop:
        status.state, status.eta_s = "stopped", None
        status.message = f"{stop}; the next `make serve` resumes it"
        write_status(status)
        say(f"fine-tuning {status.message}")
        return status.state
    status.stage, status.eta_s = "evaluating", None
    write_status(status)
    heldout = evaluate_heldout_sets(result.predictor(), taxonomy)
    for line in summary_lines(heldout):
        say(f"fine-tuned model, {line}")
    served = current_tag(name)
    ok, reason = gate(heldout, stored_metadata(served).get("heldout_metrics") if served else None)
    status.stage = "storing"
    write_status(status)
    tag, _ = stage(result, build_metadata(result, taxonomy, records, config, None, heldout), name)
    if ok:
        promote(tag, f"fine-tuned behind the quick model: {reason}")
        status.state, status.message = "promoted", f"{tag} promoted ({reason})"
    else:
        keep(tag)
        status.state = "rejected"
        status.message = f"{tag} stored but not promoted ({reason}); `clausewise rollback {tag}` serves it anyway"
    status.step = status.total
    write_status(status)
    ckpt.clear()
    say(f"fine-tuning done: {status.message}")
    return status.state
