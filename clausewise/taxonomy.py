"""The label taxonomy, loaded from labels/taxonomy.yaml: the one place label names live.

from clausewise.taxonomy import load_taxonomy
tax = load_taxonomy()          # labels/taxonomy.yaml of this checkout
tax.names                      # ('data_collection', 'data_use', ...)
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TAXONOMY = REPO_ROOT / "labels" / "taxonomy.yaml"
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Label:
    """One label: its name, one-line definition, an included and an excluded example."""

    name: str
    definition: str
    includes: str = ""
    excludes: str = ""
    opp115: str = ""


@dataclass(frozen=True)
class Taxonomy:
    """An ordered set of labels; the order is the order of the model's outputs."""

    labels: tuple[Label, ...]
    source: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def index(self, name: str) -> int:
        return self.names.index(name)

    def canonical(self, name: str) -> str | None:
        """The label name matching `name` case-insensitively (spaces/hyphens as `_`), or None."""
        key = re.sub(r"[\s\-]+", "_", name.strip().lower())
        return key if key in self.names else None

    def to_dicts(self) -> list[dict[str, str]]:
        return [asdict(label) for label in self.labels]

    @classmethod
    def from_dicts(cls, items: list[dict], source: str = "") -> Taxonomy:
        """Build and validate a taxonomy from a list of label mappings."""
        where = source or "taxonomy"
        if not isinstance(items, list) or not items:
            raise TaxonomyError(f"{where}: expected a non-empty list under 'labels', found {items!r:.80}")
        labels: list[Label] = []
        seen: set[str] = set()
        for i, item in enumerate(items, 1):
            if not isinstance(item, dict) or "name" not in item or "definition" not in item:
                raise TaxonomyError(
                    f"{where}: label #{i} must be a mapping with at least 'name' and 'definition', found {item!r:.80}"
                )
            name = str(item["name"])
            if not _NAME_RE.match(name):
                raise TaxonomyError(
                    f"{where}: label #{i} name {name!r} must be lower_snake_case (letters, digits, underscores)"
                )
            if name in seen:
                raise TaxonomyError(f"{where}: label {name!r} is defined twice")
            seen.add(name)
            known = {"name", "definition", "includes", "excludes", "opp115"}
            unknown = set(item) - known
            if unknown:
                raise TaxonomyError(
                    f"{where}: label {name!r} has unknown keys {sorted(unknown)}; allowed: {sorted(known)}"
                )
            labels.append(Label(**{k: str(v) for k, v in item.items()}))
        return cls(tuple(labels), source)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy YAML file (default: labels/taxonomy.yaml)."""
    path = Path(path) if path else DEFAULT_TAXONOMY
    if not path.is_file():
        raise TaxonomyError(f"taxonomy file {path} does not exist")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or "labels" not in doc:
        raise TaxonomyError(f"{path}: expected a mapping with a 'labels' list at the top level")
    return Taxonomy.from_dicts(doc["labels"], str(path))
