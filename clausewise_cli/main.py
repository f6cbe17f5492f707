"""`clausewise <command>`: every command of the project behind one console script and one error handler.

clausewise --help
clausewise serve --train-if-missing      # what `make serve` runs
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from clausewise_cli import annotate, batch, compare, real, retrain, serve, suggest, train


@dataclass(frozen=True)
class Command:
    """One subcommand: its help line, how it declares its flags, and what it runs."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {
    "validate": Command("check label files and print per-label counts", annotate.add_validate, annotate.validate),
    "segment": Command("split policies into clause records for labelling", annotate.add_segment, annotate.segment),
    "import-real": Command(
        "re-extract the real policies of labels/real/sources.jsonl from a versions repository",
        real.add_import_real,
        real.import_real,
    ),
    "annotate": Command(
        "agreement between two labelling passes, or merge them", annotate.add_annotate, annotate.annotate
    ),
    "train": Command("train the classifier and store it as the served model", train.add_train, train.train),
    "evaluate": Command(
        "cross-validate (whole documents held out) and write a report; stores nothing",
        train.add_evaluate,
        train.evaluate,
    ),
    "heldout": Command(
        "score a stored model on the held-out sets, real then written (clauses, paragraphs, coverage)",
        train.add_heldout,
        train.heldout,
    ),
    "crossset": Command("within-set and cross-set evaluation of the label sets", train.add_crossset, train.crossset),
    "suggest": Command(
        "the clauses the model is least sure of, as pre-annotated Label Studio tasks",
        suggest.add_suggest,
        suggest.suggest,
    ),
    "label-config": Command(
        "the Label Studio labelling config (XML) for the taxonomy", suggest.add_label_config, suggest.label_config
    ),
    "retrain": Command(
        "merge new labels, retrain, promote only a model that is not worse", retrain.add_retrain, retrain.retrain
    ),
    "rollback": Command("serve the previously promoted model again", retrain.add_rollback, retrain.rollback),
    "serve": Command("serve the stored model over HTTP (BentoML)", serve.add_serve, serve.serve),
    "batch": Command("label a corpus of policies on Ray Data into Parquet (resumable)", batch.add_batch, batch.batch),
    "diff": Command("compare two versions of a policy: what changed, per topic", compare.add_diff, compare.diff),
    "history": Command("per-topic changes over a document's versions in git", compare.add_history, compare.history),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clausewise", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, cmd in COMMANDS.items():
        p = sub.add_parser(name, help=cmd.help, description=cmd.help)
        cmd.add_arguments(p)
        p.set_defaults(run=cmd.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse, run the command, and turn expected failures into one line on stderr and exit code 2.

    The offline flags are already set: importing clausewise_cli calls clausewise.settings.offline().
    """
    args = build_parser().parse_args(argv)
    from bentoml.exceptions import BentoMLException

    try:
        return args.run(args)
    except (ValueError, FileNotFoundError, RuntimeError, BentoMLException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
