"""The taxonomy file: thirteen labels with definitions, and bad files rejected with the reason."""

import pytest

from clausewise.taxonomy import Taxonomy, TaxonomyError, load_taxonomy


def test_taxonomy_has_thirteen_labels_with_definitions(taxonomy):
    assert len(taxonomy) == 13
    assert all(label.definition and label.includes and label.excludes and label.opp115 for label in taxonomy.labels)
    assert taxonomy.canonical("Cookies Tracking") == "cookies_tracking"
    assert taxonomy.canonical("nope") is None


def test_bad_taxonomy_files_are_rejected(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("labels:\n  - name: Bad Name\n    definition: x\n")
    with pytest.raises(TaxonomyError, match="lower_snake_case"):
        load_taxonomy(path)
    path.write_text("labels:\n  - name: a\n    definition: x\n  - name: a\n    definition: y\n")
    with pytest.raises(TaxonomyError, match="defined twice"):
        load_taxonomy(path)
    with pytest.raises(TaxonomyError, match="does not exist"):
        load_taxonomy(tmp_path / "missing.yaml")
    assert Taxonomy.from_dicts([{"name": "a", "definition": "x"}]).names == ("a",)
