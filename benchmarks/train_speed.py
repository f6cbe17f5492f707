"""Seconds per fine-tuning step of the default recipe and its cheaper variants, measured in one run.

    python -m benchmarks.train_speed --steps 80            # same batches for every variant, ratios to default

Each variant trains from the base model on the default training data for `--warmup` steps (not timed)
and then `--steps` timed steps; the batches are the same for every variant (same seed). Quality of a
variant needs a full run: `clausewise train --cv none --name exp-<variant> --<flag> <value>`.
"""

from __future__ import annotations

import argparse
import time

from clausewise import settings
from clausewise.taxonomy import load_taxonomy
from training.config import TrainConfig
from training.data import load_records
from training.train import fit

settings.offline()
VARIANTS: dict[str, dict] = {
    "default": {},
    "freeze 2 lowest layers": {"freeze_layers": 2},
    "freeze 3 lowest layers": {"freeze_layers": 3},
    "no section windows": {"paragraphs": False},
    "1 CPU thread": {"threads": 1},
}


class Enough(Exception):
    """Raised from on_step when the timed steps are done."""


def seconds_per_step(records, taxonomy, overrides: dict, warmup: int, steps: int) -> tuple[float, int]:
    """(seconds per timed step, steps of the whole run)."""
    marks: dict[int, float] = {}
    totals: list[int] = []

    def on_step(step: int, total: int) -> None:
        marks[step] = time.perf_counter()
        totals.append(total)
        if step == warmup + steps:
            raise Enough

    try:
        fit(records, taxonomy, TrainConfig(**overrides), progress=False, on_step=on_step)
    except Enough:
        pass
    return (marks[warmup + steps] - marks[warmup]) / steps, totals[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    records = load_records(None, taxonomy, TrainConfig().selection)
    rows = {name: seconds_per_step(records, taxonomy, o, args.warmup, args.steps) for name, o in VARIANTS.items()}
    base = rows["default"][0] * rows["default"][1]
    print("| variant | s/step | steps | whole run, relative to default |\n|---|---:|---:|---:|")
    for name, (s, total) in rows.items():
        print(f"| {name} | {s:.3f} | {total} | {s * total / base:.2f} |")


if __name__ == "__main__":
    main()
