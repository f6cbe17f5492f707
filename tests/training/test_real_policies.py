"""Real policies: the importer (provenance, hashes, NOTICE), the reserved services, and the set as committed."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import replace

import pytest

from training.real_policies import (
    REAL_DIR,
    check_sources,
    import_documents,
    is_reserved,
    new_source,
    read_sources,
    real_training_docs,
)


def git(cwd, *args):
    subprocess.run(
        ["git", "-C", str(cwd), *args],
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "PATH": "/usr/bin:/bin",
        },
    )


@pytest.fixture
def versions_repo(tmp_path):
    """A tiny versions repository with two versions of one privacy policy."""
    repo = tmp_path / "versions"
    (repo / "Acme").mkdir(parents=True)
    git(repo, "init", "-q")
    policy = repo / "Acme" / "Privacy Policy.md"
    policy.write_text("# Privacy Policy\n\nWe collect your email.\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "Record Acme Privacy Policy")
    policy.write_text("# Privacy Policy\n\nWe collect your email and phone number.\n", encoding="utf-8")
    git(repo, "commit", "-qam", "Record new changes of Acme Privacy Policy")
    return repo


def test_import_writes_the_version_at_its_commit_checks_its_hash_and_attributes_it(versions_repo, tmp_path):
    source = new_source(versions_repo, "OpenTermsArchive/test-versions", "Acme/Privacy Policy.md", "r001_acme", "train")
    assert len(source.commit) == 40 and source.date[:4].isdigit() and source.licence == "ODC-By-1.0"
    out = tmp_path / "real"
    (written,) = import_documents(versions_repo, source.repo, [source], out)
    assert written == out / "train" / "docs" / "r001_acme.md"
    assert written.read_text(encoding="utf-8").endswith("email and phone number.\n")
    notice = (out / "NOTICE.md").read_text(encoding="utf-8")
    assert "ODC-By 1.0" in notice and "Open Terms Archive contributors" in notice and source.commit[:12] in notice
    # Rerunning changes nothing; a clone that differs is refused with the reason.
    assert import_documents(versions_repo, source.repo, [source], out) == [written]
    with pytest.raises(ValueError, match=r"has sha256 .* expected"):
        import_documents(versions_repo, source.repo, [replace(source, sha256="0" * 64)], out)


def test_reserved_services_and_bad_source_lists_are_refused():
    base = dict(split="train", repo="r", commit="c", path="p", date="d", licence="l", sha256="s")
    from training.real_policies import Source

    sources = [
        Source(doc="r001_a", service="Spotify", **base),
        Source(doc="r002_b", service="Firefox", **base),
        Source(doc="r002_b", service="Acme", **base),
        Source(doc="r003_c", service="acme", **base),
        Source(doc="rh01_d", service="Alibaba.com", **{**base, "split": "heldout"}),
    ]
    problems = "\n".join(check_sources(sources))
    assert "Spotify is reserved" in problems and "Firefox is reserved" in problems
    assert "duplicate document id" in problems and "service acme is listed twice" in problems
    assert "Alibaba.com may not be in the held-out set" in problems
    assert is_reserved("Proton Mail") and is_reserved("Hugging Face") and not is_reserved("Signal")


def test_the_committed_real_set_has_provenance_for_every_document_and_no_reserved_service():
    sources = read_sources()
    assert not check_sources(sources)
    train = [s for s in sources if s.split == "train"]
    heldout = [s for s in sources if s.split == "heldout"]
    assert len(train) >= 100 and len(heldout) >= 25
    assert {s.doc for s in train} == real_training_docs()
    assert not {s.service for s in train} & {s.service for s in heldout}
    for s in sources:
        text = s.docs_path().read_text(encoding="utf-8")
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == s.sha256, s.doc
        assert s.repo.startswith("OpenTermsArchive/") and len(s.commit) == 40
    assert sorted(p.stem for p in REAL_DIR.glob("*/docs/*.md")) == sorted(s.doc for s in sources)
