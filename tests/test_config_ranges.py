"""The project file's valid ranges of numeric attributes (features.attributes.ranges)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from user_segmentation.config import ProjectConfig, load_config, parse_config
from user_segmentation.errors import ConfigError


def _parse(attributes: dict[str, Any]) -> ProjectConfig:
    raw = {
        "sources": {"crm": {"kind": "csv", "path": "c.csv", "key": "id", "role": "attributes"}},
        "features": {"attributes": {"numeric": ["age", "income"], **attributes}},
    }
    return parse_config(raw, base_dir=Path("."))


def test_defaults_declare_no_range_and_make_out_of_range_values_missing() -> None:
    attrs = _parse({}).features.attributes
    assert attrs.ranges == {}
    assert attrs.out_of_range == "missing"


def test_ranges_read_from_yaml_with_open_bounds(tmp_path: Path) -> None:
    project = tmp_path / "segmentation.yaml"
    project.write_text(
        "sources:\n  crm: {kind: csv, path: c.csv, key: id, role: attributes}\n"
        "features:\n  attributes:\n    numeric: [age, income]\n"
        "    ranges: {age: [0, 120], income: [0, null]}\n    out_of_range: error\n",
        encoding="utf-8",
    )
    attrs = load_config(project).features.attributes
    assert attrs.ranges == {"age": (0.0, 120.0), "income": (0.0, None)}
    assert attrs.out_of_range == "error"


def test_equal_bounds_are_accepted() -> None:
    assert _parse({"ranges": {"age": [18, 18]}}).features.attributes.ranges["age"] == (18, 18)


def test_ranges_survive_the_fingerprint_round_trip() -> None:
    cfg = _parse({"ranges": {"age": [0, 120], "income": [None, 1e6]}})
    again = parse_config(
        yaml.safe_load(yaml.safe_dump(cfg.model_dump(mode="json"))), base_dir=Path(".")
    )
    assert again.fingerprint() == cfg.fingerprint()


def test_unknown_column_is_named_with_the_numeric_attributes() -> None:
    with pytest.raises(ConfigError) as err:
        _parse({"ranges": {"agee": [0, 120]}})
    msg = str(err.value)
    assert "features.attributes" in msg
    assert "'agee' is not a numeric attribute" in msg
    assert "['age', 'income']" in msg


def test_a_boolean_or_categorical_column_has_no_range() -> None:
    with pytest.raises(ConfigError, match="'vip' is not a numeric attribute"):
        _parse({"booleans": ["vip"], "ranges": {"vip": [0, 1]}})


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        ([130, 120], "ranges.age: min (130) is above max (120)"),
        ([None, None], "ranges.age: give a min, a max or both"),
        ([0, float("inf")], "ranges.age: bounds must be finite numbers or null"),
        ([float("nan"), 1], "ranges.age: bounds must be finite numbers or null"),
        ([0], "features.attributes.ranges.age"),
        (["young", 1], "features.attributes.ranges.age.0"),
    ],
)
def test_invalid_bounds_are_config_errors(bounds: list[Any], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        _parse({"ranges": {"age": bounds}})


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ConfigError, match=re.escape("features.attributes.out_of_range")):
        _parse({"out_of_range": "drop"})
