"""clausewise.files: the one JSONL reader and writer, and the atomic writer."""

from __future__ import annotations

import pytest

from clausewise.files import JsonlError, read_jsonl, write_jsonl, write_text_atomic


def test_jsonl_round_trip_keeps_unicode_and_skips_blank_lines(tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = [{"id": "a", "text": "données personnelles"}, {"id": "b", "labels": ["x", "y"]}]
    write_jsonl(path, rows)
    assert "données" in path.read_text(encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8") + "\n  \n", encoding="utf-8")
    assert read_jsonl(path) == rows


def test_bad_json_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 1}\n\n{"id": 2,\n', encoding="utf-8")
    with pytest.raises(JsonlError, match=r"bad\.jsonl:3: invalid JSON"):
        read_jsonl(path)


def test_a_line_that_is_not_an_object_is_an_error(tmp_path):
    path = tmp_path / "list.jsonl"
    path.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(JsonlError, match=r"list\.jsonl:1: expected a JSON object, found list"):
        read_jsonl(path)


def test_atomic_write_replaces_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "report.md"
    path.write_text("old", encoding="utf-8")
    write_text_atomic(path, "new\n")
    assert path.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_atomic_write_failure_keeps_the_old_file(tmp_path):
    target = tmp_path / "folder"
    target.mkdir()
    (target / "inside").write_text("x", encoding="utf-8")
    with pytest.raises(OSError):
        write_text_atomic(target, "text")  # cannot replace a non-empty folder with a file
    assert (target / "inside").read_text(encoding="utf-8") == "x"
    assert not list(tmp_path.glob(".*.tmp"))


def test_concurrent_atomic_writes_never_tear_or_fail(tmp_path):
    import threading

    path = tmp_path / "status.json"
    texts = [f'{{"writer": {i}, "pad": "{"x" * 5000}"}}' for i in range(8)]
    errors = []

    def writer(text: str) -> None:
        try:
            for _ in range(25):
                write_text_atomic(path, text)
        except OSError as exc:  # pragma: no cover - the failure this test guards against
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and path.read_text(encoding="utf-8") in texts
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]
