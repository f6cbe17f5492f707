"""`clausewise suggest` (the clauses to label next, as Label Studio tasks) and `clausewise label-config`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from clausewise import settings
from clausewise.taxonomy import load_taxonomy
from training.segments import POLICY_SUFFIXES


def add_suggest(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths",
        nargs="+",
        type=Path,
        help="policies (.txt, .md, .html, segmented as /analyze does) or clause JSONL files "
        "(label files or `clausewise segment` output), or folders of them",
    )
    p.add_argument("--top", type=int, default=50, help="how many clauses to suggest (default 50)")
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path("tasks.json"),
        help="Label Studio tasks JSON to write (default tasks.json)",
    )
    p.add_argument(
        "--model", default=settings.model_tag(), help=f"the stored model to score with {settings.MODEL_HELP}"
    )
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    p.add_argument("--taxonomy", default=None, help="taxonomy YAML (default labels/taxonomy.yaml)")


def _inputs(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix in (*POLICY_SUFFIXES, ".jsonl"))
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(
                f"{p} is neither a file nor a folder; give policy files, clause JSONL files or folders"
            )
    if not out:
        raise FileNotFoundError(f"no policy or JSONL files in {', '.join(map(str, paths))}")
    return out


def suggest(args: argparse.Namespace) -> int:
    import bentoml
    import numpy as np

    from clausewise.analysis import analyze_thresholds
    from clausewise.model import ClauseModel
    from training.suggest import build_tasks, scored_candidates, select_uncertain

    if args.top < 1:
        raise ValueError(f"--top must be at least 1, found {args.top}")
    taxonomy = load_taxonomy(args.taxonomy)
    stored = bentoml.models.get(args.model)
    model = ClauseModel.load(stored.path, device=args.device)
    extra = [n for n in model.labels if n not in taxonomy.names]
    if extra:
        raise ValueError(
            f"model {stored.tag} has labels {extra} that {taxonomy.source} does not define; "
            "pass the taxonomy it was trained with (--taxonomy)"
        )
    cands, parts = [], []
    for path in _inputs(args.paths):
        found, rows = scored_candidates(model, path)
        cands += found
        parts.append(rows)
    if not cands:
        raise ValueError("no clauses to score: the inputs hold only page chrome or nothing")
    picked = select_uncertain(cands, np.concatenate(parts), model.labels, analyze_thresholds(model.info), args.top)
    tasks = build_tasks(picked, str(stored.tag), taxonomy)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(
        f"scored {len(cands)} clauses with {stored.tag}; wrote {len(tasks)} Label Studio tasks to {args.output}"
        + ("" if len(tasks) == args.top else f" (fewer than --top {args.top}: near-duplicates and chrome skipped)")
    )
    for s in picked:
        c = s.candidate
        if c.start is not None:
            where = f"{c.doc}[{c.start}:{c.end}]"
        else:  # both readers number every candidate (clause); only JSONL lines may lack offsets
            where = f"{c.doc} line {c.clause + 1}" if c.clause is not None else c.doc
        print(f"  {s.uncertainty:5.2f}  {where}  {c.text[:60]!r}  {'; '.join(s.reasons)}")
    return 0


def add_label_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--taxonomy", default=None, help="taxonomy YAML (default labels/taxonomy.yaml)")
    p.add_argument("--output", "-o", type=Path, default=None, help="write the XML here (default: stdout)")


def label_config(args: argparse.Namespace) -> int:
    from training.suggest import label_config as build

    xml = build(load_taxonomy(args.taxonomy))
    if args.output:
        args.output.write_text(xml, encoding="utf-8")
        print(f"wrote the Label Studio labelling config to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(xml)
    return 0
