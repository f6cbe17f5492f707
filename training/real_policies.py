"""Real privacy policies from Open Terms Archive's versions repositories (ODC-By 1.0), with provenance.

    clausewise import-real /path/to/contrib-versions --repo OpenTermsArchive/contrib-versions

`labels/real/sources.jsonl` lists every document (doc id, split, service, repository, commit, path,
date of the version, licence, sha256 of the text); the importer re-extracts each text from a local
clone at its commit, checks its hash, writes `labels/real/<split>/docs/<doc>.md` and rewrites
`labels/real/NOTICE.md`. Rerunning it changes nothing when the repository has not been rewritten.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from clausewise.files import read_jsonl, write_jsonl, write_text_atomic
from training.data import LABELS_DIR

REAL_DIR = LABELS_DIR / "real"
SOURCES_FILE = REAL_DIR / "sources.jsonl"
SPLITS = ("train", "heldout")
LICENCE = "ODC-By-1.0"
ATTRIBUTION = "Open Terms Archive contributors"
# Services kept for outside checks: never in labels/, training, validation or the held-out set.
RESERVED_SERVICES = (
    "LibraryThing",
    "HSBC",
    "Hugging Face",
    "FedEx",
    "Wordfeud",
    "Nissan",
    "Overleaf",
    "Aetna",
    "Mozilla",
    "Thunderbird",
    "Yahoo",
    "Vimeo",
    "IMDb",
    "Quora",
    "Criteo",
    "Bandcamp",
    "ProtonMail",
    "Proton Mail",
    "Airbnb",
    "Atlassian",
    "BBC",
    "Spotify",
    "TikTok",
    "Reddit",
)
# Services of the same companies as the reserved ones (their documents share the reserved text).
RESERVED_FAMILY = ("Firefox", "MDN Plus", "ProtonVPN", "Proton VPN")
NOT_HELDOUT = ("Alibaba.com",)  # seed 003's company: training only


@dataclass(frozen=True)
class Source:
    """Where one real policy comes from: enough to fetch the same bytes again and to attribute them."""

    doc: str
    split: str
    service: str
    repo: str
    commit: str
    path: str
    date: str
    licence: str
    sha256: str

    def docs_path(self, real_dir: Path = REAL_DIR) -> Path:
        return real_dir / self.split / "docs" / f"{self.doc}.md"


def is_reserved(service: str) -> bool:
    """True for a service reserved for outside checks, or of the same company as one."""
    name = service.casefold()
    return any(r.casefold() in name for r in RESERVED_SERVICES + RESERVED_FAMILY)


def check_sources(sources: list[Source]) -> list[str]:
    """Every problem with a source list: reserved services, bad splits, duplicate ids or services."""
    problems, docs, services = [], set(), set()
    for s in sources:
        if is_reserved(s.service):
            problems.append(f"{s.doc}: {s.service} is reserved for outside checks; remove it")
        if s.split not in SPLITS:
            problems.append(f"{s.doc}: split {s.split!r}, expected one of {', '.join(SPLITS)}")
        if s.split == "heldout" and s.service in NOT_HELDOUT:
            problems.append(f"{s.doc}: {s.service} may not be in the held-out set")
        if s.doc in docs:
            problems.append(f"{s.doc}: duplicate document id")
        if s.service.casefold() in services:
            problems.append(f"{s.doc}: service {s.service} is listed twice")
        docs.add(s.doc)
        services.add(s.service.casefold())
    return problems


def read_sources(path: Path = SOURCES_FILE) -> list[Source]:
    """The source list, one JSON object a line."""
    return [Source(**row) for row in read_jsonl(path)]


def write_sources(sources: list[Source], path: Path = SOURCES_FILE) -> None:
    write_jsonl(path, [asdict(s) for s in sorted(sources, key=lambda s: s.doc)])


def real_training_docs(path: Path = SOURCES_FILE) -> set[str]:
    """Ids of the real policies in the training split (empty when there is no source list)."""
    return {s.doc for s in read_sources(path) if s.split == "train"} if path.is_file() else set()


def _git(git_dir: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(git_dir), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {git_dir}: {done.stderr.strip()}")
    return done.stdout


def version_of(git_dir: Path, path: str, commit: str = "HEAD") -> tuple[str, str]:
    """The commit that recorded the version of `path` current at `commit`, and its date (ISO 8601)."""
    out = _git(git_dir, "log", "-1", "--format=%H%x09%cI", commit, "--", path).strip()
    if not out:
        raise FileNotFoundError(f"{path} has no history in {git_dir}")
    sha, date = out.split("\t")
    return sha, date


def read_version(git_dir: Path, commit: str, path: str) -> str:
    return _git(git_dir, "show", f"{commit}:{path}")


def new_source(git_dir: Path, repo: str, path: str, doc: str, split: str) -> Source:
    """A source entry for the current version of `path` in a local clone of `repo`."""
    commit, date = version_of(git_dir, path)
    text = read_version(git_dir, commit, path)
    return Source(
        doc=doc,
        split=split,
        service=path.split("/")[0],
        repo=repo,
        commit=commit,
        path=path,
        date=date,
        licence=LICENCE,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def import_documents(git_dir: Path, repo: str, sources: list[Source], real_dir: Path = REAL_DIR) -> list[Path]:
    """Write the text of every source from `repo` at its commit; raise if a text's hash differs."""
    problems = check_sources(sources)
    if problems:
        raise ValueError("; ".join(problems))
    written = []
    for s in sources:
        if s.repo != repo:
            continue
        text = read_version(git_dir, s.commit, s.path)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest != s.sha256:
            raise ValueError(
                f"{s.doc}: {s.repo}@{s.commit}:{s.path} has sha256 {digest}, expected {s.sha256}; "
                "the clone differs from the one the labels were made on"
            )
        out = s.docs_path(real_dir)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out, text)
        written.append(out)
    write_notice(sources, real_dir / "NOTICE.md")
    return written


def write_notice(sources: list[Source], path: Path) -> None:
    """The attribution file: licence, attribution line and one row per document."""
    lines = [
        "# Real privacy policies: sources and licence",
        "",
        f"The documents under `labels/real/*/docs/` are versions of privacy policies recorded by Open Terms "
        f"Archive and published under the Open Data Commons Attribution License (ODC-By 1.0). Attribution: "
        f'"{ATTRIBUTION}" (https://opentermsarchive.org). The texts are as published; the labels are ours '
        "(labels/GUIDELINES.md). `labels/real/sources.jsonl` holds the same facts plus each text's sha256; "
        "`clausewise import-real` re-extracts them.",
        "",
        "| doc | split | service | repository | commit | path | version date |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in sorted(sources, key=lambda s: s.doc):
        lines.append(f"| {s.doc} | {s.split} | {s.service} | {s.repo} | {s.commit[:12]} | {s.path} | {s.date[:10]} |")
    write_text_atomic(path, "\n".join(lines) + "\n")
