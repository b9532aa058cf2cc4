"""The playbook: built-in actions for every name, a user's YAML over them, and lookups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import ConfigError
from user_segmentation.profile.names import RFM_NAMES, TRAIT_WORDS, rfm_segment_names
from user_segmentation.profile.playbook import (
    DEFAULT_KEY,
    DEFAULT_PLAYBOOK,
    load_playbook,
    suggest_actions,
)


def test_every_rfm_name_and_standard_trait_has_an_action() -> None:
    for name in RFM_NAMES:
        assert DEFAULT_PLAYBOOK[name].strip(), name
    assert DEFAULT_PLAYBOOK[DEFAULT_KEY].strip()
    for feature in ("recency_days", "frequency", "monetary", "avg_order_value"):
        for word in TRAIT_WORDS[feature]:
            assert word in DEFAULT_PLAYBOOK, word
    assert "discount" in DEFAULT_PLAYBOOK["At risk"].lower()


def test_default_playbook_is_a_copy() -> None:
    book = load_playbook()
    assert book == DEFAULT_PLAYBOOK
    book["Champions"] = "changed"
    assert load_playbook()["Champions"] != "changed"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "playbook.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_file_overrides_and_extends(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "# our own words\n"
        "at  RISK: Call within 48 hours\n"
        "Bargain hunters: 'Outlet preview: one day early'\n"
        "default: Ask the CRM team\n",
    )
    book = load_playbook(str(path))
    assert book["at  RISK"] == "Call within 48 hours"
    assert "At risk" not in book  # replaced, not duplicated
    assert book["Bargain hunters"] == "Outlet preview: one day early"
    assert book[DEFAULT_KEY] == "Ask the CRM team"
    assert book["Champions"] == DEFAULT_PLAYBOOK["Champions"]
    assert len(book) == len(DEFAULT_PLAYBOOK) + 1
    assert load_playbook(_write(tmp_path, "# nothing yet\n")) == DEFAULT_PLAYBOOK


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- At risk\n- Lost\n", r"must be a mapping .* found list"),
        ("At risk: 3\n", r"key 'At risk': the action must be text, found int 3"),
        ("At risk:\n", r"key 'At risk': the action must be text, found NoneType"),
        ("Lost: '   '\n", r"key 'Lost': the action is empty"),
        ("1: Call them\n", r"key 1: segment names must be non-empty text"),
        ("Lost: a\nlost: b\n", r"keys 'Lost' and 'lost' name the same segment"),
        ("At risk: [unclosed\n", r"not valid YAML at line \d+, column \d+"),
    ],
)
def test_bad_files_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_playbook(path)
    assert str(path) in str(info.value)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: playbook file not found"):
        load_playbook(tmp_path / "nope.yaml")
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("Lost: Espa\u00f1a\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1\.yaml: cannot read"):
        load_playbook(latin1)


def test_suggest_actions_maps_names_back() -> None:
    book = load_playbook()
    names = {
        1: "At risk · High spend",
        2: "Loyal #2",
        3: "Recent · Frequent",
        4: "High basket size · Recent",
        5: "Something else",
        6: "champions",
    }
    actions = suggest_actions(names, book)
    assert actions[1] == book["At risk"]
    assert actions[2] == book["Loyal"]
    assert actions[3] == book["Recent"]
    assert actions[4] == book["Recent"]  # first part unknown, the next one is
    assert actions[5] == book[DEFAULT_KEY]
    assert actions[6] == book["Champions"]
    assert list(actions) == [1, 2, 3, 4, 5, 6]
    assert suggest_actions({1: "x"}, {"Lost": "y"}) == {1: ""}


def test_a_full_name_entry_wins_over_its_base(tmp_path: Path) -> None:
    book = load_playbook(_write(tmp_path, "At risk · High spend: Call the VIP desk\n"))
    actions = suggest_actions({1: "At risk · High spend", 2: "At risk · Low spend"}, book)
    assert actions == {1: "Call the VIP desk", 2: DEFAULT_PLAYBOOK["At risk"]}


def test_generated_rfm_names_all_get_specific_actions() -> None:
    rng = np.random.default_rng(2)
    n = 300
    f = pd.DataFrame(
        {
            "recency_days": rng.uniform(1, 600, n),
            "frequency": rng.integers(1, 30, n),
            "monetary": rng.uniform(10, 3000, n),
        }
    )
    ids = rng.integers(1, 6, n)
    actions = suggest_actions(rfm_segment_names(f, ids), load_playbook())
    assert DEFAULT_PLAYBOOK[DEFAULT_KEY] not in actions.values()
