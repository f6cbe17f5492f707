"""`clausewise import-real`: re-extract the real policies listed in labels/real/sources.jsonl from a clone."""

from __future__ import annotations

import argparse
from pathlib import Path

from training.real_policies import SOURCES_FILE, import_documents, read_sources


def add_import_real(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "git_dir", type=Path, help="a local clone (or bare mirror) of an Open Terms Archive versions repository"
    )
    p.add_argument(
        "--repo",
        required=True,
        help="its GitHub name as recorded in the sources, e.g. OpenTermsArchive/contrib-versions",
    )
    p.add_argument("--sources", type=Path, default=SOURCES_FILE, help=f"the source list (default {SOURCES_FILE})")


def import_real(args: argparse.Namespace) -> int:
    if not args.git_dir.exists():
        raise FileNotFoundError(f"{args.git_dir} does not exist; clone the versions repository first")
    sources = read_sources(args.sources)
    if not any(s.repo == args.repo for s in sources):
        repos = sorted({s.repo for s in sources})
        raise ValueError(
            f"no source in {args.sources} comes from {args.repo}; the repositories listed are {', '.join(repos)}"
        )
    written = import_documents(args.git_dir, args.repo, sources, args.sources.parent)
    print(f"wrote {len(written)} documents from {args.repo} (sha256 checked) and {args.sources.parent / 'NOTICE.md'}")
    return 0
