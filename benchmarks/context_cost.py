"""What the context stack costs /analyze: whole policies analysed in process with the stack and without it.

    python -m benchmarks.context_cost [--model clause-classifier:latest (DEFAULT_TAG)] [--repeats 3]

Each policy of labels/real/heldout/docs is read, scored (scoring_inputs: clauses, plus the paragraphs
of several clauses when the stack is on) and labelled (label_policy), as /analyze does; the two
settings alternate within one run, so the ratio holds on any machine. Prints inputs and seconds.
"""

from __future__ import annotations

import argparse
import copy
import time

from benchmarks.common import ROOT, model_path
from clausewise.model_dir import DEFAULT_TAG

DOCS = ROOT / "labels" / "real" / "heldout" / "docs"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_TAG)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    from clausewise.analysis import label_policy, read_policy, scoring_inputs
    from clausewise.model import ClauseModel
    from clausewise.model_dir import CONTEXT_STACK

    stacked = ClauseModel.load(model_path(args.model))
    if CONTEXT_STACK not in stacked.info.extra:
        raise SystemExit(f"{args.model} has no context stack: nothing to compare")
    plain = copy.copy(stacked)
    plain.info = copy.deepcopy(stacked.info)
    del plain.info.extra[CONTEXT_STACK]
    policies = [read_policy(p.read_text(encoding="utf-8")) for p in sorted(DOCS.iterdir()) if p.is_file()]
    best = {"without": float("inf"), "with": float("inf")}
    inputs = {"without": 0, "with": 0}
    for _ in range(args.repeats):
        for name, model in (("without", plain), ("with", stacked)):
            start, count = time.perf_counter(), 0
            for policy in policies:
                texts, contexts = scoring_inputs(policy, model.info)
                label_policy(policy, model.scores(texts, contexts), model)
                count += len(texts)
            best[name], inputs[name] = min(best[name], time.perf_counter() - start), count
    for name in ("without", "with"):
        print(f"{name} the context stack: {inputs[name]} inputs for {len(policies)} policies, {best[name]:.1f} s")
    print(
        f"ratio: {best['with'] / best['without']:.2f}x the time, {inputs['with'] / inputs['without']:.2f}x the inputs"
    )


if __name__ == "__main__":
    main()
