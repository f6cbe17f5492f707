"""TrainConfig validation and its CLI."""

import argparse

import pytest

from training.config import ConfigError, TrainConfig, add_config_arguments, config_from_args


@pytest.mark.parametrize(
    "field,value,expected",
    [
        ("epochs", 0, "epochs must be an integer >= 1"),
        ("learning_rate", 2.0, "learning_rate must be a float in"),
        ("dropout", 1.0, "dropout must be a float in"),
        ("max_length", 4, "max_length must be an integer in"),
        ("pos_weight", "cubic", "pos_weight must be one of"),
        ("device", "tpu", "device must be one of"),
        ("val_fraction", 0.9, "val_fraction must be a float in"),
        ("selection", "everything", "selection must be one of seeds, authored, realistic, seeds"),
    ],
)
def test_bad_config_values_are_rejected(field, value, expected):
    with pytest.raises(ConfigError, match=expected):
        TrainConfig(**{field: value})


def test_one_context_at_most():
    with pytest.raises(ConfigError, match="use_heading must be false when lead_in is true"):
        TrainConfig(use_heading=True, lead_in=True)


def test_every_field_has_a_cli_flag():
    parser = argparse.ArgumentParser()
    add_config_arguments(parser)
    args = parser.parse_args(
        ["--epochs", "3", "--use-heading", "true", "--lead-in", "false", "--labels", "a.jsonl", "b.jsonl"]
    )
    config = config_from_args(args)
    assert config.epochs == 3 and config.use_heading is True and config.lead_in is False
    assert config.labels == ["a.jsonl", "b.jsonl"]
    with pytest.raises(SystemExit):
        parser.parse_args(["--use-heading", "maybe"])
