"""Segment policies (the seeds, or authored documents) into clause records for labelling.

    python -m training.seeds segment [--seeds ../shared/seeds] [--out labels/annotation/segments]
    python -m training.seeds segment --seeds labels/authored/docs/a07_*.md --out labels/annotation/authored/segments

Each record: id (document prefix + position), doc, start, end, kind, heading, text. Ids are
derived from document and position, so re-running on the same seeds gives the same ids.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from clausewise.segment import segment
from clausewise.taxonomy import REPO_ROOT

DEFAULT_SEEDS = REPO_ROOT.parent / "shared" / "seeds"
DEFAULT_OUT = REPO_ROOT / "labels" / "annotation" / "segments"


def clause_id(doc: str, position: int) -> str:
    """Stable clause id: the document's numeric prefix and the clause position, e.g. '002-0042'."""
    return f"{doc.split('_')[0]}-{position:04d}"


def segment_document(path: Path) -> list[dict]:
    """Clause records of one seed document, in reading order."""
    doc = path.stem
    text = path.read_text(encoding="utf-8")
    return [
        {
            "id": clause_id(doc, i),
            "doc": doc,
            "start": c.start,
            "end": c.end,
            "kind": c.kind,
            "heading": c.heading,
            "text": c.text,
        }
        for i, c in enumerate(segment(text))
    ]


POLICY_SUFFIXES = (".txt", ".md", ".html")


def policy_files(paths: list[Path]) -> list[Path]:
    """Files named directly, plus the policy files inside any folder named, sorted."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += [f for f in p.iterdir() if f.suffix in POLICY_SUFFIXES]
        elif p.is_file():
            out.append(p)
        else:
            raise SystemExit(f"error: {p} is neither a file nor a folder")
    return sorted(set(out))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    seg = sub.add_parser("segment", help="write one JSONL of clause records per seed document")
    seg.add_argument("--seeds", type=Path, nargs="+", default=[DEFAULT_SEEDS],
                     help="policy files (.txt, .md, .html) or folders of them")
    seg.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in policy_files(args.seeds):
        records = segment_document(path)
        out = args.out / f"{path.stem}.jsonl"
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        print(f"{path.name}: {len(records)} clauses -> {out}")


if __name__ == "__main__":
    main()
