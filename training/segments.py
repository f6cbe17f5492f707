"""Clause records of policy documents, for labelling (`clausewise segment` writes them).

    clausewise segment                                  # labels/seeds/docs -> labels/annotation/segments
    clausewise segment labels/authored/docs/a07_*.md --out labels/annotation/authored/segments

Each record: id (document prefix + position), doc, start, end, kind, heading, text. Ids are
derived from document and position, so re-running on the same seeds gives the same ids.
"""

from __future__ import annotations

from pathlib import Path

from clausewise.segment import segment
from clausewise.taxonomy import REPO_ROOT

SEED_DOCS = REPO_ROOT / "labels" / "seeds" / "docs"  # the five seed policies, the project's source data


class PolicyPathError(FileNotFoundError):
    """A path given as a policy that is neither a file nor a folder; the message says what to give instead."""


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
    """Files named directly, plus the policy files inside any folder named, sorted; PolicyPathError otherwise."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += [f for f in p.iterdir() if f.suffix in POLICY_SUFFIXES]
        elif p.is_file():
            out.append(p)
        else:
            raise PolicyPathError(
                f"{p} is neither a file nor a folder; give policy files ({', '.join(POLICY_SUFFIXES)}) or folders of them"
            )
    return sorted(set(out))
