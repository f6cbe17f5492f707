"""`clausewise diff` and `clausewise history` with the tiny stored model."""

from __future__ import annotations

import csv
import json
import os
import subprocess

import pytest

from clausewise_cli.main import main

OLD = "# Privacy\n\n1. We collect your email address.\n2. We do not sell your data.\n3. Contact us by email.\n"
NEW = (
    "<html><body><h1>Privacy</h1><ol><li>We collect your email address.</li><li>Contact us by email.</li>"
    "<li>We keep logs for 90 days.</li></ol></body></html>"
)


def test_diff_prints_the_summary_and_counts_and_json_parses(stored_model, tmp_path, capsys):
    old, new = tmp_path / "old.md", tmp_path / "new.html"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    assert main(["diff", str(old), str(new), "--model", stored_model]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "clauses: 3 unchanged, 0 reworded, 1 added, 1 removed (old 4, new 4)"
    assert main(["diff", str(old), str(new), "--model", stored_model, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["format"] == {"old": "text", "new": "html"} and result["counts"]["added"] == 1
    (added,) = [p for p in result["pairs"] if p["status"] == "added"]
    assert NEW[added["new"]["start"] : added["new"]["end"]] == "We keep logs for 90 days."


def test_diff_errors_say_what_to_do(stored_model, tmp_path, capsys):
    old = tmp_path / "old.md"
    old.write_text(OLD, encoding="utf-8")
    assert main(["diff", str(old), str(tmp_path / "missing.md"), "--model", stored_model]) == 2
    assert "missing.md is not a file" in capsys.readouterr().err
    assert main(["diff", str(old), str(old), "--model", "clause-classifier:nosuchversion"]) == 2
    err = capsys.readouterr().err
    assert "is not in the store" in err and "clausewise train" in err


def _git(repo, *args, date=None):
    env = {**os.environ, "GIT_AUTHOR_DATE": date or "", "GIT_COMMITTER_DATE": date or ""}
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
        env={k: v for k, v in env.items() if v},
    )


def versions_repo(tmp_path, docs=("Acme",)):
    """A git repository of three versions of each doc's privacy policy: 2 clauses, then 1 and 2 added."""
    repo = tmp_path / "versions"
    repo.mkdir()
    _git(repo, "init", "-q")
    added = ["We keep logs for 90 days.", "Children under 13 may not sign up.", "We use cookies on our pages."]
    texts = {d: [f"We collect your email address at {d}.", "Contact us by email."] for d in docs}
    for k, extra in enumerate([[], added[:1], added[1:]]):
        for d in docs:
            texts[d] = texts[d] + extra
            (repo / d).mkdir(exist_ok=True)
            (repo / d / "Privacy Policy.md").write_text("\n\n".join(texts[d]) + "\n", encoding="utf-8")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", f"v{k}", date=f"2024-0{k + 1}-01T00:00:00+00:00")
    return repo


def test_history_writes_one_row_per_version(stored_model, tmp_path, capsys):
    repo = versions_repo(tmp_path)
    out = tmp_path / "history.csv"
    assert main(["history", str(repo), "Acme/Privacy Policy.md", "--out", str(out), "--model", stored_model]) == 0
    assert "wrote 3 versions" in capsys.readouterr().out
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["date"][:10] for r in rows] == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert [int(r["added"]) for r in rows] == [0, 1, 2] and [int(r["clauses"]) for r in rows] == [2, 3, 5]
    assert [int(r["removed"]) + int(r["reworded"]) for r in rows] == [0, 0, 0]
    labels = [k.removeprefix("coverage_") for k in rows[0] if k.startswith("coverage_")]
    assert labels and all(f"added_{n}" in rows[0] and f"reworded_{n}" in rows[0] for n in labels)
    assert main(["history", str(repo), "Acme/Terms.md", "--out", str(out), "--model", stored_model]) == 2
    assert "Acme/Terms.md has no history" in capsys.readouterr().err


def test_history_of_several_documents_on_ray_data_equals_in_process(stored_model, tmp_path, capsys):
    pytest.importorskip("ray")
    repo = versions_repo(tmp_path, docs=("Acme", "Beta"))
    paths = ["Acme/Privacy Policy.md", "Beta/Privacy Policy.md", "Gone/Privacy Policy.md"]
    local, ray_out = tmp_path / "local.csv", tmp_path / "ray.csv"
    assert main(["history", str(repo), *paths[:2], "--out", str(local), "--model", stored_model]) == 0
    assert (
        main(["history", str(repo), *paths[:2], "--out", str(ray_out), "--model", stored_model, "--actors", "2"]) == 0
    )
    assert "wrote 6 versions of 2 document(s)" in capsys.readouterr().out
    assert ray_out.read_text(encoding="utf-8") == local.read_text(encoding="utf-8")
    assert main(["history", str(repo), *paths, "--out", str(ray_out), "--model", stored_model, "--actors", "1"]) == 2
    assert "Gone/Privacy Policy.md has no history" in capsys.readouterr().err  # checked before Ray starts
