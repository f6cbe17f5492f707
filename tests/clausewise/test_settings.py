"""clausewise.settings: the environment read correctly, and every limit, size and variable name defined once."""

import argparse
import ast
import re
from pathlib import Path

import pytest

from clausewise import settings

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("clausewise", "clausewise_cli", "training", "serving", "batch")
SETTINGS_FILE = ROOT / "clausewise" / "settings.py"
ENV_NAMES = (
    settings.MODEL_ENV,
    settings.DEVICE_ENV,
    settings.BACKEND_ENV,
    settings.RELOAD_ENV,
    settings.BODY_TIMEOUT_ENV,
    settings.BATCH_CHUNK_ENV,
    *settings.OFFLINE_ENV,
)
# Module-level names only clausewise/settings.py may assign (anyone else doing so keeps a second copy).
DEFINED_ONCE = (
    "MAX_TEXTS",
    "MAX_TEXT_CHARS",
    "MAX_POLICY_CHARS",
    "MAX_ANALYZE_CLAUSES",
    "MAX_BODY_BYTES",
    "ROUGH_CHARS_FACTOR",
    "SEGMENT_TIMEOUT_S",
    "NOT_BLANK",
    "SPACE_CHARS",
    "CALL_ITEMS",
    "SCORE_BATCH",
    "CONTENDED_ITEMS",
    "PART_SIZE",
    "MODEL_NAME",
    "DEFAULT_TAG",
)


def _sources() -> list[Path]:
    return sorted(p for d in SOURCE_DIRS for p in (ROOT / d).rglob("*.py"))


def _constants(path: Path) -> list[object]:
    return [n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)]


@pytest.fixture
def clean_env(monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_when_unset(clean_env):
    assert settings.Settings.from_env() == settings.Settings(
        model="clause-classifier:latest",
        device="auto",
        backend="auto",
        reload_s=10.0,
        body_timeout_s=30.0,
        batch_chunk=16,
    )


def test_environment_overrides_every_setting(clean_env):
    clean_env.setenv("CLAUSEWISE_MODEL", "mine:v3")
    clean_env.setenv("CLAUSEWISE_DEVICE", "cpu")
    clean_env.setenv("CLAUSEWISE_BACKEND", "torch")
    clean_env.setenv("CLAUSEWISE_RELOAD_S", "0")
    clean_env.setenv("CLAUSEWISE_BODY_TIMEOUT_S", "2.5")
    clean_env.setenv("CLAUSEWISE_BATCH_CHUNK", "0")
    assert settings.Settings.from_env() == settings.Settings("mine:v3", "cpu", "torch", 0.0, 2.5, 0)
    assert settings.model_tag() == "mine:v3" and settings.device() == "cpu"
    assert settings.model_tag({}) == settings.DEFAULT_TAG  # an explicit mapping instead of os.environ


def test_empty_values_mean_the_default_and_bad_values_name_the_variable(clean_env):
    clean_env.setenv("CLAUSEWISE_MODEL", "  ")
    assert settings.model_tag() == settings.DEFAULT_TAG
    for name, reader in (
        ("CLAUSEWISE_RELOAD_S", settings.reload_s),
        ("CLAUSEWISE_BODY_TIMEOUT_S", settings.body_timeout_s),
        ("CLAUSEWISE_BATCH_CHUNK", settings.batch_chunk),
    ):
        clean_env.setenv(name, "soon")
        with pytest.raises(ValueError, match=name):
            reader()
        clean_env.delenv(name)
    clean_env.setenv("CLAUSEWISE_BATCH_CHUNK", "-1")
    with pytest.raises(ValueError, match="0 or more"):
        settings.batch_chunk()


def test_offline_sets_both_flags_unless_already_set():
    env = {"HF_HUB_OFFLINE": "0"}
    settings.offline(env)
    assert env == {"HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "1"}
    assert settings.offline_env() == {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def test_blank_and_far_over_as_serving_and_batch_use_them():
    assert settings.is_blank("") and settings.is_blank(" \t\n\u3000\ufeff\u00a0")
    assert not settings.is_blank("\x1c") and not settings.is_blank(" a ")  # ECMAScript whitespace, not str.isspace
    assert not settings.far_over(settings.ROUGH_CHARS_FACTOR * settings.MAX_POLICY_CHARS)
    assert settings.far_over(settings.ROUGH_CHARS_FACTOR * settings.MAX_POLICY_CHARS + 1)
    assert settings.far_over(31, max_chars=10)


def test_every_model_flag_defaults_to_clausewise_model(clean_env):
    from clausewise_cli.main import build_parser

    clean_env.setenv("CLAUSEWISE_MODEL", "mine:v3")
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    flags = {
        name: action
        for name, parser in sub.choices.items()
        for action in parser._actions
        if "--model" in action.option_strings
    }
    assert {"serve", "batch", "diff", "history", "suggest", "heldout"} <= set(flags)
    for name, action in flags.items():
        assert action.default == "mine:v3", name
        assert action.help.endswith("(default: $CLAUSEWISE_MODEL or clause-classifier:latest)"), name


def test_each_environment_variable_name_is_spelled_once():
    """As a string in code (a key, a lookup), each name appears in clausewise/settings.py only, once."""
    for name in ENV_NAMES:
        found = [(p.relative_to(ROOT), c) for p in _sources() for c in _constants(p) if c == name]
        assert found == [(SETTINGS_FILE.relative_to(ROOT), name)], name


def test_each_limit_and_batch_size_is_defined_once():
    pattern = re.compile(r"\b300_?000\b|\b11_?500_?000\b|clause-classifier\"")
    for path in _sources():
        text = path.read_text()
        if path != SETTINGS_FILE:
            assert not pattern.search(text), f"{path.relative_to(ROOT)} states a limit of clausewise.settings"
            assert not re.search(r"\b3 \* (max_chars|MAX_POLICY_CHARS)", text), path  # the rough pre-check
        assigned = {
            t.id
            for node in ast.parse(text).body
            if isinstance(node, (ast.Assign, ast.AnnAssign))
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(t, ast.Name)
        }
        defined = assigned & set(DEFINED_ONCE)
        assert defined == (set(DEFINED_ONCE) if path == SETTINGS_FILE else set()), (path.relative_to(ROOT), defined)
