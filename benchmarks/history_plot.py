"""Plot a `clausewise history` table: clauses per topic over a document's versions, changes marked.

clausewise history REPO "GitLab/Privacy Policy.md" --out gitlab.csv --model exp-real:latest
python -m benchmarks.history_plot gitlab.csv docs/history-gitlab.png --title "GitLab privacy policy"
"""

from __future__ import annotations

import argparse
import csv
from datetime import datetime
from pathlib import Path


def read_rows(path: Path) -> list[dict]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def plot(rows: list[dict], out: Path, title: str, top: int = 8) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dates = [datetime.fromisoformat(str(r["date"])) for r in rows]
    labels = [k[len("coverage_") :] for k in rows[0] if k.startswith("coverage_")]
    series = {name: [int(r[f"coverage_{name}"]) for r in rows] for name in labels}
    shown = sorted(labels, key=lambda n: -max(series[n]))[:top]
    fig, (ax, bx) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    for name in shown:
        ax.step(dates, series[name], where="post", label=name.replace("_", " "))
    ax.set_ylabel("clauses with the label")
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=2, loc="upper left")
    changed = [int(r["added"]) + int(r["removed"]) + int(r["reworded"]) for r in rows]
    bx.bar(dates, changed, width=3, color="#555")
    bx.set_ylabel("clauses changed")
    fig.autofmt_xdate()
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("table", type=Path, help="a .csv or .parquet written by `clausewise history`")
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--title", default="", help="plot title")
    args = parser.parse_args()
    plot(read_rows(args.table), args.out, args.title or args.table.stem)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
