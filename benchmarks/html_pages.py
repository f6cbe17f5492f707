"""Time and peak memory of the HTML path (segmentation, chrome, language) on 1, 4 and 10 MB saved pages.

    python -m benchmarks.html_pages [--sizes 1 4 10] [--repeats 3] [--before REV]

Each page is seed 004 wrapped by benchmarks.pages.make_page. With --before REV, the segmenter of that
git revision runs on the same pages in the same process, so "before/after" is a ratio measured in one
run. Peak memory is tracemalloc's peak of Python allocations during one analysis, in MB.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchmarks.pages import make_page, policy_html
from clausewise.analysis import read_policy

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "labels" / "seeds" / "docs" / "004_e8e6eb838ae425a6.txt"


def old_segmenter(rev: str):
    """The segmenter as it was at `rev` (clausewise/segment.py, or the clausewise/segment/ package with
    clausewise/text.py), imported under a separate top-level name."""
    tree = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", rev, "clausewise/"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    root = Path(tempfile.mkdtemp())
    wanted = [f for f in tree if f.startswith("clausewise/segment") or f == "clausewise/text.py"]
    for name in wanted:
        blob = subprocess.run(["git", "show", f"{rev}:{name}"], cwd=ROOT, check=True, capture_output=True).stdout
        target = root / name.replace("clausewise/", "clausewise_before/", 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob.replace(b"from clausewise.", b"from clausewise_before."))
    (root / "clausewise_before" / "__init__.py").touch()
    sys.path.insert(0, str(root))
    return importlib.import_module("clausewise_before.segment").segment


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 4, 10], help="page sizes in MB")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", default=None, help="git revision whose segmenter to compare with")
    args = parser.parse_args(argv)
    article = policy_html(SEED.read_text(encoding="utf-8"))
    before = old_segmenter(args.before) if args.before else None
    _ = read_policy("<p>warm up the language model and pysbd.</p>").language
    print(
        "| page | bytes | clauses (policy / chrome) | analysis s (median) | s per MB | peak Python MB |"
        + (" before s | after/before |" if before else "")
    )
    print("|---:|---:|---|---:|---:|---:|" + ("---:|---:|" if before else ""))
    for mb in args.sizes:
        page = make_page(article, int(mb * 1_000_000), seed=int(mb))
        size = len(page.encode("utf-8"))
        policy = read_policy(page)
        chrome = sum(c.kind == "chrome" for c in policy.clauses)
        seconds = timed(lambda page=page: read_policy(page).language, args.repeats)
        tracemalloc.start()
        _ = read_policy(page).language
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        row = (
            f"| {mb:g} MB | {size:,} | {len(policy.clauses) - chrome} / {chrome} | {seconds:.2f} | "
            f"{seconds / (size / 1e6):.3f} | {peak:.0f} |"
        )
        if before:
            b = timed(lambda page=page: before(page), args.repeats)
            row += f" {b:.2f} | {seconds / b:.2f} |"
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
