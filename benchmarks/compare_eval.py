"""How well `clausewise.align`/`clausewise.compare` align real privacy-policy revisions, judged by hand (Open Terms Archive).

    python -m benchmarks.compare_eval sample [--seed 20261205] [--pairs 40] [--pga 10] [--model exp-real:latest]
    python -m benchmarks.compare_eval packets
    python -m benchmarks.compare_eval score pass_a.jsonl pass_b.jsonl --adjudicated adjudicated.jsonl

(--out FOLDER before the command: default labels/compare.) Protocol, as labels/compare/README.md tells it:
1. sample - one version pair of `<Service>/Privacy Policy.md` per service from the bare mirrors of
   OpenTermsArchive/contrib-versions and pga-versions (--pga of them from pga-versions), services in a
   seeded order, never a reserved one (training.real_policies.is_reserved, plus Alibaba.com), nor one
   sharing over half its clauses with a service already picked (Google Analytics = Google). A pair
   qualifies when the new version records a change of the document (not a refilter), both versions are
   readable English privacy policies (POLICY_WORDS thrice: not a captured help or error page), and
   `align` finds at least MIN_CHANGED clauses changed in words other than URLs, numbers and month names
   (reworded; or added or removed with 3 such words at least: no "Badge Check" icon captions), at most
   MAX_CHANGED of all aligned clauses changed and at most MAX_ONE_SIDED of either version's clauses
   removed or added: a real revision, not a date line, icon captions or link-token churn, nor a rewrite
   or a broken (truncated or padded) capture. Of up to TRIES consecutive version pairs (seeded
   order; versions two apart only when none qualifies) the one with most reworded clauses, up to 5, is
   taken: the sample leans to revisions with rewording, which the items need. `compare_texts` runs with
   the stored model; per version pair up to 5 "reworded" and 3 "unchanged" clause pairs are drawn
   (seeded): unchanged ones whose raw text differs (renumbered, re-punctuated) or that moved out of order
   first, random ones to fill - the unchanged sample is harder than the population, where most pairs are
   identical in place and trivially right.
2. packets - items.md shows every drawn clause pair OLD / NEW with an opaque id, in a seeded order
   across version pairs, without status or similarity (the judge answers blind); pair_<id>.md shows
   the word diff of the two versions, then the tool's summary; INSTRUCTIONS.md defines the answers.
3. Two judges answer independently (one JSONL file each); an adjudicator writes the final answer for
   every item or pair the passes disagree on (a pair: the merged list of changes).
4. score - precision of "reworded" (judged the same clause), precision of "unchanged" (same clause and
   no substantive change), summary recall (substantive changes the summary names, per topic), Wilson
   95% intervals; agreement of the first two passes (share of equal answers, Cohen's kappa on `same`).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.common import ROOT  # sets the offline flags (clausewise.settings.offline) before any model loads
from clausewise.files import read_jsonl, write_jsonl

OUT = ROOT / "labels" / "compare"
MIRRORS = Path(os.environ.get("OTA_MIRRORS", "/work/.mirror"))  # bare mirrors: <owner>+<name>/repo
REPOS = {
    "OpenTermsArchive/contrib-versions": "OpenTermsArchive+contrib-versions/repo",
    "OpenTermsArchive/pga-versions": "OpenTermsArchive+pga-versions/repo",
}
DOC = "Privacy Policy.md"
EXCLUDED = ("Alibaba.com",)  # reserved for outside checks besides training.real_policies.RESERVED_SERVICES
MIN_CHANGED, MAX_CHANGED = 2, 0.6
MAX_ONE_SIDED = 0.35  # share of a version's clauses removed (or added) beyond which a capture is truncated or padded
TRIES = 15  # version pairs tried per document before the next service
RECORDED = ("Update ", "Record new changes")  # commit subjects of a change of the document, not of its extraction
SAME_TEXT = 0.5  # share of clauses shared with an already picked document (one company's policy)
REWORDED_ITEMS, UNCHANGED_ITEMS = 5, 3
DIFF_LINES = 300
POLICY_WORDS = re.compile(
    r"personal (?:data|information)|your (?:data|information)|(?:information|data) (?:we|you)", re.I
)
DATE_WORD = re.compile(
    r"\d+(?:st|nd|rd|th)?|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
URL = re.compile(r"\(?(?:https?://|www\.)[^\s)]*\)?")
LICENCE = "ODC-By-1.0"


def git(repo: str, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(MIRRORS / REPOS[repo]), *args], capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} in {repo}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode("utf-8", errors="replace")


def documents(repo: str) -> dict[str, list[tuple[str, str, str]]]:
    """path -> [(commit, ISO date, subject)] oldest first, for every `<Service>/Privacy Policy.md` (no deletions)."""
    out = defaultdict(list)
    for line in git(
        repo, "log", "--diff-filter=ACMRT", "--format=@%H\t%cI\t%s", "--name-only", "--", f"*/{DOC}"
    ).splitlines():
        if line.startswith("@"):
            commit, date, subject = line[1:].split("\t", 2)
        elif line.count("/") == 1 and line.endswith("/" + DOC):
            out[line].append((commit, date, subject))
    return {p: v[::-1] for p, v in out.items() if len(v) >= 2}


def reserved(service: str) -> bool:
    from training.real_policies import is_reserved

    return is_reserved(service) or any(e.casefold() in service.casefold() for e in EXCLUDED)


def content(text: str) -> list[str]:
    """A clause's words that can carry a revision: no URLs (link-tracking tokens change on every capture),
    numbers or month names (a date line is no revision)."""
    from clausewise.align import normalise

    return [w for w in normalise(URL.sub(" ", text)).split() if not DATE_WORD.fullmatch(w)]


def qualifies(old, new) -> dict | None:
    """Alignment counts of two readable English versions when they differ like a real revision, else None:
    >= MIN_CHANGED clauses changed in words (`content`), <= MAX_CHANGED of all, <= MAX_ONE_SIDED one way."""
    from clausewise.align import align

    if old is None or new is None or old.language != "en" or new.language != "en":
        return None
    (a, _), (b, _) = old.model_inputs(), new.model_inputs()
    aligned = align(a, b)
    counts = Counter(p.status for p in aligned)
    real = sum(
        Counter(content(a[p.old])) != Counter(content(b[p.new]))
        if p.status == "reworded"
        else len(content(a[p.old] if p.new is None else b[p.new])) >= 3
        for p in aligned
        if p.status != "unchanged"
    )
    changed = len(aligned) - counts["unchanged"]
    one_sided = counts["removed"] > MAX_ONE_SIDED * len(a) or counts["added"] > MAX_ONE_SIDED * len(b)
    return dict(counts) if real >= MIN_CHANGED and changed <= MAX_CHANGED * len(aligned) and not one_sided else None


def find_pair(repo: str, path: str, versions: list, rng: random.Random) -> tuple | None:
    """(old, new, gap, texts) of the qualifying version pair with most reworded clauses (up to REWORDED_ITEMS)
    among TRIES tried in seeded order; versions two apart only when no consecutive pair qualifies."""
    from batch.documents import check_text
    from clausewise.analysis import read_policy

    cache: dict[str, tuple] = {}

    def read(commit):
        if commit not in cache:
            text = git(repo, "show", f"{commit}:{path}")
            policy = len(POLICY_WORDS.findall(text)) >= 3 and not check_text(text)  # not a help page or error
            cache[commit] = (text, read_policy(text) if policy else None)
        return cache[commit]

    for gap in (1, 2):
        tries = [
            (versions[i], versions[i + gap])
            for i in range(len(versions) - gap)
            if versions[i + gap][2].startswith(RECORDED)
        ]  # not a refilter: the document itself changed
        rng.shuffle(tries)
        best = None
        for old, new in tries[:TRIES]:
            (old_text, old_policy), (new_text, new_policy) = read(old[0]), read(new[0])
            if " ".join(old_text.split()) == " ".join(new_text.split()):
                continue
            if (counts := qualifies(old_policy, new_policy)) and (
                best is None or min(counts.get("reworded", 0), REWORDED_ITEMS) > best[0]
            ):
                best = (
                    min(counts.get("reworded", 0), REWORDED_ITEMS),
                    (old, new, gap, (old_text, new_text), new_policy),
                )
        if best:
            return best[1]
    return None


def overlap(a: set, b: set) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


def moved(unchanged: list[dict]) -> set[int]:
    """Old indices of the unchanged pairs out of order: not in the longest increasing run of old indices."""
    seq = [p["old"]["index"] for p in sorted(unchanged, key=lambda p: p["new"]["index"])]
    best, prev = [1] * len(seq), [-1] * len(seq)
    for j in range(len(seq)):
        for i in range(j):
            if seq[i] < seq[j] and best[i] + 1 > best[j]:
                best[j], prev[j] = best[i] + 1, i
    keep, k = set(), max(range(len(seq)), key=best.__getitem__, default=-1)
    while k >= 0:
        keep.add(seq[k])
        k = prev[k]
    return set(seq) - keep


def draw_items(pair_id: str, result: dict, headings: tuple, rng: random.Random) -> list[dict]:
    """Up to REWORDED_ITEMS reworded and UNCHANGED_ITEMS unchanged clause pairs, the harder unchanged first."""
    reworded = [p for p in result["pairs"] if p["status"] == "reworded"]
    unchanged = [p for p in result["pairs"] if p["status"] == "unchanged"]
    out_of_order = moved(unchanged)
    tiers = defaultdict(list)
    for p in unchanged:
        differs = " ".join(p["old"]["text"].split()) != " ".join(p["new"]["text"].split())
        tiers["text differs" if differs else "moved" if p["old"]["index"] in out_of_order else "random"].append(p)
    picked = [(p, "random") for p in rng.sample(reworded, min(REWORDED_ITEMS, len(reworded)))]
    for tier in ("text differs", "moved", "random"):
        room = UNCHANGED_ITEMS - sum(p["status"] == "unchanged" for p, _ in picked)
        picked += [(p, tier) for p in rng.sample(tiers[tier], min(room, len(tiers[tier])))]
    return [
        {
            "pair": pair_id,
            "status": p["status"],
            "similarity": p["similarity"],
            "pick": why,
            "old_index": p["old"]["index"],
            "new_index": p["new"]["index"],
            "old_heading": headings[0][p["old"]["index"]],
            "new_heading": headings[1][p["new"]["index"]],
            "old_text": p["old"]["text"],
            "new_text": p["new"]["text"],
        }
        for p, why in picked
    ]


def sample(args) -> int:
    from clausewise.align import normalise
    from clausewise.analysis import read_policy
    from clausewise.compare import compare_texts, summary_lines
    from clausewise_cli.compare import CachedScores, load_model

    rng, chosen, taken, kept = random.Random(args.seed), [], set(), []
    for repo, quota in (
        ("OpenTermsArchive/pga-versions", args.pga),
        ("OpenTermsArchive/contrib-versions", args.pairs - args.pga),
    ):
        docs = sorted(documents(repo).items())
        rng.shuffle(docs)
        found = 0
        for path, versions in docs:
            service = path.split("/")[0]
            if found == quota:
                break
            if reserved(service) or service.casefold() in taken:
                continue
            if (hit := find_pair(repo, path, versions, rng)) is None:
                continue
            keys = {normalise(t) for t in hit[4].model_inputs()[0]}
            if any(overlap(keys, k) > SAME_TEXT for k in kept):
                print(f"skipped {service}: the same text as a policy already picked", file=sys.stderr)
                continue
            chosen.append((repo, service, path, *hit[:4]))
            kept.append(keys)
            taken.add(service.casefold())
            found += 1
            print(f"picked {service} ({repo}) {hit[0][1][:10]} -> {hit[1][1][:10]}", file=sys.stderr)
    model = load_model(args.model)
    score, pairs, items = CachedScores(model), [], []
    for n, (repo, service, path, old, new, gap, (old_text, new_text)) in enumerate(
        sorted(chosen, key=lambda c: c[1].casefold()), 1
    ):
        pid = f"c{n:02d}"
        result = compare_texts(old_text, new_text, model, score)
        pairs.append(
            {
                "id": pid,
                "repo": repo,
                "service": service,
                "path": path,
                "old_commit": old[0],
                "new_commit": new[0],
                "old_date": old[1],
                "new_date": new[1],
                "gap": gap,
                "licence": LICENCE,
                "counts": result["counts"],
                "summary_lines": summary_lines(result),
            }
        )
        headings = tuple([c.heading for c in read_policy(t).clauses] for t in (old_text, new_text))
        items += draw_items(pid, result, headings, rng)
    rng.shuffle(
        items
    )  # ids in a seeded order across pairs and statuses, so neither the id nor the order tells the status
    items = [{"id": f"i{k:03d}", **item} for k, item in enumerate(items, 1)]
    args.out.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.out / "pairs.jsonl", pairs)
    write_jsonl(args.out / "items.jsonl", sorted(items, key=lambda i: i["id"]))
    by = Counter(i["status"] for i in items)
    print(
        f"{len(pairs)} pairs from {len({p['service'] for p in pairs})} services; items: "
        f"{by['reworded']} reworded, {by['unchanged']} unchanged -> {args.out}"
    )
    return 0


# --- packets ------------------------------------------------------------------------------------------
def word_diff(old: str, new: str) -> list[str]:
    """`git diff --word-diff=plain --no-index` of two texts, hunks only (no file header)."""
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp, "old.md"), Path(tmp, "new.md")
        a.write_text(old, encoding="utf-8")
        b.write_text(new, encoding="utf-8")
        done = subprocess.run(
            ["git", "diff", "--no-index", "--no-color", "--word-diff=plain", "-U1", str(a), str(b)], capture_output=True
        )
    if done.returncode not in (0, 1):
        raise RuntimeError(f"git diff --no-index failed: {done.stderr.decode(errors='replace').strip()}")
    lines = done.stdout.decode("utf-8", errors="replace").splitlines()
    start = next((k for k, line in enumerate(lines) if line.startswith("@@")), len(lines))
    return lines[start:]


def fenced(text: str) -> str:
    return "~~~~text\n" + text.strip("\n") + "\n~~~~"


def packets(args) -> int:
    from clausewise.taxonomy import load_taxonomy

    pairs, items = read_jsonl(args.out / "pairs.jsonl"), read_jsonl(args.out / "items.jsonl")
    where = args.out / "packets"
    where.mkdir(parents=True, exist_ok=True)
    service = {p["id"]: p["service"] for p in pairs}
    body = [
        "# Clause pairs: same clause? substantive change?",
        "",
        "Answer each item blind (INSTRUCTIONS.md). One JSONL line per item.",
        "",
    ]
    for i in items:
        body += [f"## {i['id']} ({i['pair']}, {service[i['pair']]})", ""]
        for side in ("old", "new"):
            under = f" (under the heading: {i[side + '_heading']})" if i[side + "_heading"] else ""
            body += [f"**{side.upper()}**{under}", "", fenced(i[side + "_text"]), ""]
    (where / "items.md").write_text("\n".join(body), encoding="utf-8")
    for p in pairs:
        old, new = (git(p["repo"], "show", f"{p[c]}:{p['path']}") for c in ("old_commit", "new_commit"))
        diff = word_diff(old, new)
        shown = diff[:DIFF_LINES]
        lines = [
            f"# {p['id']}: {p['service']}, {p['old_date'][:10]} -> {p['new_date'][:10]}",
            "",
            f"`{p['path']}` in https://github.com/{p['repo']} ({p['licence']}): old {p['old_commit']}, "
            f"new {p['new_commit']}. Full diff: `git diff --word-diff=plain {p['old_commit'][:12]} "
            f"{p['new_commit'][:12]} -- '{p['path']}'` in a clone.",
            "",
            "## What changed (word diff: [-removed-] {+added+}, one line of context)",
            "",
        ]
        if len(diff) > DIFF_LINES:
            lines += [
                f"**Diff truncated: {DIFF_LINES} of {len(diff)} lines shown; read the rest with the command above.**",
                "",
            ]
        lines += ["~~~~diff", *shown, "~~~~", ""]
        counts = ", ".join(f"{v} {k}" for k, v in p["counts"].items())
        lines += [
            "## The tool's summary (read it only after listing the changes)",
            "",
            *[f"- {s}" for s in p["summary_lines"]],
            "",
            f"Clauses: {counts}.",
            "",
        ]
        (where / f"pair_{p['id']}.md").write_text("\n".join(lines), encoding="utf-8")
    labels = [f"- `{lab.name}`: {lab.definition}" for lab in load_taxonomy().labels]
    (where / "INSTRUCTIONS.md").write_text(
        INSTRUCTIONS.format(labels="\n".join(labels), n_items=len(items), n_pairs=len(pairs)), encoding="utf-8"
    )
    print(f"wrote items.md ({len(items)} items), {len(pairs)} pair packets and INSTRUCTIONS.md to {where}")
    return 0


INSTRUCTIONS = """# Judging the policy comparison

Work alone: do not look at another judge's answers, at `items.jsonl`/`pairs.jsonl` (they hold what the tool
claimed) or run the tool. Write one JSONL file (UTF-8, one object a line) with every answer below.

## Definitions

- **Same clause**: the NEW clause is a version of the OLD one - the same provision, possibly reworded,
  renumbered, moved, or with words added or removed. **Different clause**: another provision, even if on
  the same topic or sharing many words (two different bullet points of one list are different clauses).
- **Substantive change**: the change alters what data, purpose, recipient, right, retention period,
  choice, security measure, jurisdiction, contact or date of effect the clause states. Typos,
  formatting, renumbering, punctuation, capitalisation and link (URL) changes are not substantive;
  nor is a rephrasing that says the same thing.

## Part 1: clause pairs (`items.md`, {n_items} items)

For each item: is NEW the same clause as OLD? If so, does it change anything substantive?

    {{"item": "i001", "same": true, "substantive": false, "note": "renumbered only"}}
    {{"item": "i002", "same": false, "substantive": null, "note": "different bullet of the sharing list"}}

`substantive` is true or false when `same` is true, null when it is false. `note` is optional, short.
A fragment (a sentence cut in two, a bare section number, a table cell, menu text) is judged the same
way - same when NEW is a version of the same text as OLD - with a note saying it is a fragment. The
heading shown above a clause is context only; a changed heading alone does not make a different clause.

## Part 2: version pairs (`pair_cNN.md`, {n_pairs} packets)

Read the word diff (`[-removed-]`, `{{+added+}}`) and list every substantive change (definition above) of
the new version against the old: one entry per change (a new paragraph on a new purpose is one change; the
same edit repeated in several places is one change). Give each the taxonomy label of its topic. Only then
read the tool's summary below the diff and mark whether it names the change: `named_in_summary` is true
when a summary line reports that topic as changed (added, removed or reworded clause there, new topic,
or no longer covered) in a way that covers this change; quoting the clause is not required.

    {{"pair": "c01", "changes": [{{"what": "adds sharing with advertising partners", "topic": "third_party_sharing", "named_in_summary": true}}]}}
    {{"pair": "c02", "changes": []}}

An empty list means no substantive change. Where the diff is truncated, read the rest in a clone.

## Topic labels (labels/taxonomy.yaml)

{labels}
"""


# --- score --------------------------------------------------------------------------------------------
def wilson(k: int, n: int, z: float = 1.96) -> str:
    if n == 0:
        return "-"
    p, d = k / n, 1 + z * z / n
    mid, half = (p + z * z / (2 * n)) / d, z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return f"{p:.3f} [{max(0.0, mid - half):.3f}, {min(1.0, mid + half):.3f}]"


def kappa(a: list[bool], b: list[bool]) -> float:
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return 1.0 if pe == 1 else (po - pe) / (1 - pe)


def answers(path: Path, items: set, pairs: set, topics: set) -> tuple[dict, dict]:
    """(item id -> (same, substantive), pair id -> sorted [(topic, named)]) of one answer file, checked."""
    got_items, got_pairs = {}, {}
    for n, row in enumerate(read_jsonl(path), 1):
        at = f"{path}:{n}"
        if "item" in row:
            same, sub = row.get("same"), row.get("substantive")
            if (
                row["item"] not in items
                or not isinstance(same, bool)
                or (sub is not None and not isinstance(sub, bool))
                or (same and sub is None)
            ):
                raise ValueError(
                    f"{at}: expected a known item, same true/false, substantive true/false (null if not same)"
                )
            got_items[row["item"]] = (same, sub if same else None)
        elif "pair" in row:
            changes = row.get("changes")
            if row["pair"] not in pairs or not isinstance(changes, list):
                raise ValueError(f"{at}: expected a known pair and a list of changes")
            for c in changes:
                if c.get("topic") not in topics or not isinstance(c.get("named_in_summary"), bool):
                    raise ValueError(f"{at}: change {c} needs a taxonomy topic and named_in_summary true/false")
            got_pairs[row["pair"]] = sorted((c["topic"], c["named_in_summary"]) for c in changes)
        else:
            raise ValueError(f"{at}: a line needs an 'item' or a 'pair' key")
    return got_items, got_pairs


def settle(passes: list[dict], adjudicated: dict) -> tuple[dict, list[str]]:
    """Final answers: adjudicated where given, else the passes' common answer; ids left unsettled."""
    final, open_ = {}, []
    for key in sorted(set(adjudicated).union(*passes)):
        given = [p[key] for p in passes if key in p]
        if key in adjudicated:
            final[key] = adjudicated[key]
        elif len(given) == len(passes) and all(g == given[0] for g in given):
            final[key] = given[0]
        else:
            open_.append(key)
    return final, open_


def score(args) -> int:
    from clausewise.taxonomy import load_taxonomy

    items = {i["id"]: i for i in read_jsonl(args.out / "items.jsonl")}
    pair_ids, topics = {p["id"] for p in read_jsonl(args.out / "pairs.jsonl")}, set(load_taxonomy().names)
    read = [answers(f, set(items), pair_ids, topics) for f in args.passes]
    adj_items, _adj_pairs = answers(args.adjudicated, set(items), pair_ids, topics)
    final_items, open_items = settle([r[0] for r in read], adj_items)
    rows = []
    for status, ok in (("reworded", lambda s, sub: s), ("unchanged", lambda s, sub: s and not sub)):
        judged = [final_items[k] for k, i in items.items() if i["status"] == status and k in final_items]
        rows.append(
            (
                f'precision of "{status}"' + (" (same clause)" if status == "reworded" else " (same, not substantive)"),
                sum(ok(*j) for j in judged),
                len(judged),
            )
        )
    judged = [
        final_items[k] for k, i in items.items() if i["status"] == "reworded" and k in final_items and final_items[k][0]
    ]
    rows.append(
        ('"reworded" and same: substantive change (not a metric)', sum(bool(j[1]) for j in judged), len(judged))
    )
    for tier in ("text differs", "moved", "random"):
        judged = [
            final_items[k]
            for k, i in items.items()
            if i["status"] == "unchanged" and i["pick"] == tier and k in final_items
        ]
        rows.append((f'  "unchanged", drawn as {tier}', sum(s and not sub for s, sub in judged), len(judged)))
    # Summary recall is measured per judge: each listed the substantive changes of every version pair on
    # their own, so their lists differ in granularity and need no adjudication; both figures are shown.
    for path, (_, judged_pairs) in zip(args.passes, read):
        changes = [c for v in judged_pairs.values() for c in v]
        rows.append((f"summary recall, judge {path.stem} (all topics)", sum(n for _, n in changes), len(changes)))
        for topic in load_taxonomy().names:
            named = [n for t, n in changes if t == topic]
            if named and sum(named) < len(named):
                rows.append((f"  {topic} (topics with a miss)", sum(named), len(named)))
    print("| measure | k / n | share [Wilson 95%] |\n|---|---:|---|")
    for name, k, n in rows:
        print(f"| {name} | {k} / {n} | {wilson(k, n)} |")
    if len(read) >= 2:
        (a_items, a_pairs), (b_items, b_pairs) = read[0], read[1]
        both = sorted(set(a_items) & set(b_items))
        both_pairs = sorted(set(a_pairs) & set(b_pairs))
        print(
            f"\nAgreement, {args.passes[0].name} vs {args.passes[1].name}\n\n| measure | share | n |\n|---|---:|---:|"
        )
        if both:
            print(
                f"| items: equal answer (same and substantive) | {sum(a_items[k] == b_items[k] for k in both) / len(both):.3f} | {len(both)} |"
            )
            print(
                f"| items: Cohen's kappa on same | {kappa([a_items[k][0] for k in both], [b_items[k][0] for k in both]):.3f} | {len(both)} |"
            )
        if both_pairs:
            equal_n = sum(len(a_pairs[k]) == len(b_pairs[k]) for k in both_pairs)
            print(
                f"| pairs: same number of substantive changes | {equal_n / len(both_pairs):.3f} | {len(both_pairs)} |"
            )
            print(
                f"| pairs: equal (topic, named) lists | {sum(a_pairs[k] == b_pairs[k] for k in both_pairs) / len(both_pairs):.3f} | {len(both_pairs)} |"
            )
    missing = (set(items) - set(final_items) - set(open_items), set().union(*(set(pair_ids) - set(r[1]) for r in read)))
    if open_items or any(missing):
        print(f"\nnot scored: need adjudication {open_items}; unanswered {sorted(missing[0] | missing[1])}")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.compare_eval", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=OUT, help="the folder of pairs.jsonl, items.jsonl and packets/")
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample", help="pick version pairs, run compare_texts, draw clause pairs")
    s.add_argument("--seed", type=int, default=20261205)
    s.add_argument("--pairs", type=int, default=40, help="version pairs in all (one per service)")
    s.add_argument("--pga", type=int, default=10, help="how many of them from pga-versions")
    s.add_argument("--model", default="exp-real:latest", help="the stored model compare_texts labels with")
    sub.add_parser("packets", help="write the judges' packets from pairs.jsonl and items.jsonl")
    c = sub.add_parser("score", help="precision, summary recall and agreement from judges' answers")
    c.add_argument("passes", nargs="+", type=Path, metavar="PASS_FILE")
    c.add_argument("--adjudicated", type=Path, required=True)
    args = ap.parse_args(argv)
    try:
        return {"sample": sample, "packets": packets, "score": score}[args.command](args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
