"""Shared helpers: the seed clauses and the stored model's folder."""

from __future__ import annotations

from pathlib import Path

import psutil

from clausewise import settings
from clausewise.files import read_jsonl

settings.offline()

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "labels" / "seeds" / "docs"


def seed_clauses() -> list[str]:
    """Every clause text of labels/seeds.jsonl, in file order."""
    return [row["text"] for row in read_jsonl(ROOT / "labels" / "seeds" / "seeds.jsonl")]


def model_path(tag: str) -> Path:
    import bentoml

    return Path(bentoml.models.get(tag).path)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def rss_mib(pid: int) -> float:
    """Summed resident memory of a process and its children."""
    root = psutil.Process(pid)
    total = 0
    for p in [root] + root.children(recursive=True):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20
