"""The `clausewise` command line: subcommands, shared error handling, training a user's taxonomy."""

import json

import bentoml

from clausewise_cli.main import main


def test_train_cli_rejects_bad_label_file_and_bad_config(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "doc": "d", "text": "x", "labels": ["nope"]}\n')
    assert main(["train", "--labels", str(bad), "--cv", "none"]) == 2
    assert "unknown label(s) ['nope']" in capsys.readouterr().err
    assert main(["train", "--epochs", "0", "--cv", "none"]) == 2
    assert "epochs must be an integer >= 1" in capsys.readouterr().err


def test_train_cli_trains_on_a_users_own_taxonomy(tiny_base, tmp_path):
    tax = tmp_path / "tax.yaml"
    tax.write_text(
        "labels:\n  - name: cookies\n    definition: cookie talk\n  - name: kids\n    definition: children\n"
    )
    rows = [
        {"id": f"{d}-{i}", "doc": f"d{d}", "text": t + f" ({d})", "labels": [lab]}
        for d in range(2)
        for i, (lab, t) in enumerate(
            [
                ("cookies", "We use cookies."),
                ("cookies", "Cookies track you."),
                ("kids", "Children under 13."),
                ("kids", "Minors need consent."),
            ]
        )
    ]
    data = tmp_path / "mine.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = [
        "--taxonomy",
        str(tax),
        "--labels",
        str(data),
        "--base-model",
        str(tiny_base),
        "--epochs",
        "1",
        "--name",
        "user-model",
        "--reports",
        str(tmp_path / "rep"),
    ]
    assert main(["train", *args]) == 0
    meta = bentoml.models.get("user-model:latest").info.metadata
    assert [t["name"] for t in meta["taxonomy"]] == ["cookies", "kids"] and meta["cv_metrics"]["transformer"][
        "macro_f1"
    ] >= 0
    assert (tmp_path / "rep" / "latest" / "report.md").exists()


def test_help_lists_every_subcommand_and_each_help_is_true(capsys):
    import pytest

    from clausewise_cli.main import COMMANDS

    with pytest.raises(SystemExit) as done:
        main(["--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and all(name in out for name in COMMANDS)
    for name in COMMANDS:
        with pytest.raises(SystemExit) as done:
            main([name, "--help"])
        assert done.value.code == 0 and f"usage: clausewise {name}" in capsys.readouterr().out


def test_train_if_missing_does_nothing_when_a_model_is_stored(stored_model, capsys):
    assert main(["train", "--if-missing", "--cv", "none"]) == 0
    assert f"{stored_model.split(':')[0]}:" in capsys.readouterr().out


def test_serve_refuses_a_model_that_is_not_stored(capsys):
    assert main(["serve", "--model", "clause-classifier:nosuchversion"]) == 2
    assert "is not in the store" in capsys.readouterr().err


def test_validate_checks_every_repository_label_set(capsys):
    assert main(["validate"]) == 0
    assert "OK" in capsys.readouterr().out


def test_console_script_is_installed():
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).parent / "clausewise"  # beside the interpreter, in the virtual environment
    assert exe.is_file(), "the clausewise console script is missing: reinstall the project (make setup)"
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "retrain" in out.stdout


def test_validate_prints_counts_and_fails_on_problems(tmp_path, capsys):
    ok = tmp_path / "ok.jsonl"
    ok.write_text(json.dumps({"id": "d-0", "doc": "d", "text": "Write to us.", "labels": ["contact"]}) + "\n")
    assert main(["validate", str(ok)]) == 0
    assert "contact" in capsys.readouterr().out
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "d-0", "doc": "d", "text": "Write to us.", "labels": ["x"]}) + "\n")
    assert main(["validate", str(bad)]) == 1
    assert "bad.jsonl:1: unknown label(s)" in capsys.readouterr().err
