"""The project file: loading, validation messages naming key paths, path resolution."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from user_segmentation.config import ProjectConfig, load_config, parse_config
from user_segmentation.demo.project import write_demo_project
from user_segmentation.errors import ConfigError

MINIMAL = """\
sources:
  crm: {kind: csv, path: data/crm.csv, key: id, role: attributes}
"""

FULL = """\
project: shop
seed: 7
as_of: 2024-03-31
sources:
  crm: {kind: csv, path: data/crm.csv, key: id, role: attributes}
  orders: {kind: parquet, path: /abs/orders.parquet, key: cust, role: transactions,
           leading_zeros: strip}
  web: {kind: sql, url: "sqlite:///web.db", table: sessions, key: cid, role: events}
integrate:
  population: [crm, orders]
features:
  transactions: {source: orders, order: order_id, timestamp: ts, amount: amount}
  events:
    - {source: web, sum: [sessions], count_as: months}
  attributes: {numeric: [age], categorical: [country], dates: {signup: null}}
model: {k: 4, k_min: 2, k_max: 6}
"""


def _write(folder: Path, text: str, name: str = "segmentation.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, text))
    return str(err.value)


def test_minimal_file_loads_with_defaults(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, MINIMAL))
    assert isinstance(cfg, ProjectConfig)
    assert list(cfg.sources) == ["crm"]
    assert cfg.sources["crm"].leading_zeros == "keep"
    assert cfg.model.k == "auto"
    assert (cfg.model.k_min, cfg.model.k_max) == (2, 10)
    assert cfg.reduce.variance == 0.9
    assert cfg.as_of is None and cfg.as_of_datetime() is None
    assert cfg.integrate.population is None


def test_full_file_loads(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, FULL))
    assert cfg.project == "shop" and cfg.seed == 7
    assert cfg.as_of == date(2024, 3, 31)
    assert cfg.as_of_datetime() == datetime(2024, 3, 31, 23, 59, 59)
    assert cfg.sources["orders"].leading_zeros == "strip"
    assert cfg.features.transactions is not None
    assert cfg.features.transactions.source == "orders"
    assert cfg.features.events[0].count_as == "months"
    assert cfg.features.attributes.dates == {"signup": None}
    assert cfg.model.k == 4


def test_unknown_key_names_the_key_path(tmp_path: Path) -> None:
    msg = _error(tmp_path, MINIMAL + "model: {k_maxx: 3}\n")
    assert "segmentation.yaml" in msg
    assert "model.k_maxx" in msg
    assert "unknown key" in msg


def test_unknown_key_inside_a_source(tmp_path: Path) -> None:
    text = "sources:\n  crm: {kind: csv, path: c.csv, key: id, role: attributes, sheeet: 1}\n"
    assert "sources.crm.sheeet: unknown key" in _error(tmp_path, text)


def test_unknown_top_level_key(tmp_path: Path) -> None:
    assert "modle: unknown key" in _error(tmp_path, MINIMAL + "modle: {k: 3}\n")


def test_k_max_below_k_min(tmp_path: Path) -> None:
    msg = _error(tmp_path, MINIMAL + "model: {k_min: 5, k_max: 3}\n")
    assert "model" in msg
    assert "k_max (3) is below k_min (5)" in msg


def test_k_below_two(tmp_path: Path) -> None:
    assert "model.k" in _error(tmp_path, MINIMAL + "model: {k: 1}\n")


def test_variance_out_of_range_names_the_key(tmp_path: Path) -> None:
    assert "reduce.variance" in _error(tmp_path, MINIMAL + "reduce: {variance: 1.5}\n")


def test_unknown_source_in_features(tmp_path: Path) -> None:
    text = (
        MINIMAL + "features:\n  transactions: {source: ordrs, order: o, timestamp: t, amount: a}\n"
    )
    msg = _error(tmp_path, text)
    assert "features.transactions.source" in msg
    assert "'ordrs'" in msg


def test_unknown_source_in_events(tmp_path: Path) -> None:
    msg = _error(tmp_path, MINIMAL + "features:\n  events: [{source: wbe, sum: [x]}]\n")
    assert "features.events[0].source" in msg and "'wbe'" in msg


def test_unknown_source_in_population(tmp_path: Path) -> None:
    msg = _error(tmp_path, MINIMAL + "integrate: {population: [crn]}\n")
    assert "integrate.population" in msg and "'crn'" in msg


def test_transactions_need_an_amount(tmp_path: Path) -> None:
    text = (
        MINIMAL + "features:\n  transactions: {source: crm, order: o, timestamp: t, quantity: q}\n"
    )
    assert "unit_price" in _error(tmp_path, text)


@pytest.mark.parametrize(
    "source",
    [
        "{kind: sql, path: c.db, key: id, role: events}",
        "{kind: sql, path: c.db, key: id, role: events, table: t, query: 'select 1'}",
    ],
)
def test_sql_source_needs_exactly_one_of_table_or_query(tmp_path: Path, source: str) -> None:
    msg = _error(tmp_path, f"sources:\n  db: {source}\n")
    assert "sources.db" in msg
    assert "'table' or 'query'" in msg


def test_sql_source_needs_a_location(tmp_path: Path) -> None:
    msg = _error(tmp_path, "sources:\n  db: {kind: sql, table: t, key: id, role: events}\n")
    assert "sources.db" in msg and "url" in msg


def test_file_source_needs_a_path(tmp_path: Path) -> None:
    msg = _error(tmp_path, "sources:\n  crm: {kind: csv, key: id, role: attributes}\n")
    assert "sources.crm" in msg and "path" in msg


def test_no_sources(tmp_path: Path) -> None:
    assert "source" in _error(tmp_path, "sources: {}\n")
    assert "sources" in _error(tmp_path, "seed: 3\n")


def test_relative_paths_resolve_against_the_file_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "project", FULL)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(Path("..") / "project" / "segmentation.yaml")
    folder = path.parent.resolve()
    assert cfg.base_dir == folder
    assert cfg.resolve(cfg.sources["crm"].path or "") == folder / "data" / "crm.csv"
    assert cfg.resolve("/abs/orders.parquet") == Path("/abs/orders.parquet")
    assert cfg.store_url() == f"sqlite:///{folder / 'segmentation.db'}"


def test_store_url_passes_database_urls_through(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, MINIMAL + "store: {url: 'postgresql://h/db'}\n"))
    assert cfg.store_url() == "postgresql://h/db"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path)  # a folder is not a project file


def test_invalid_yaml(tmp_path: Path) -> None:
    msg = _error(tmp_path, "sources: [\n  crm: {kind: csv\n")
    assert "not valid YAML" in msg and "segmentation.yaml" in msg


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "segmentation.yaml"
    path.write_bytes(b"project: Espa\xf1a\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


@pytest.mark.parametrize("text", ["- a\n- b\n", "", "just text\n"])
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str) -> None:
    assert "mapping" in _error(tmp_path, text)


def test_config_is_frozen(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, MINIMAL))
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        cfg.seed = 3  # type: ignore[misc]


def test_fingerprint_is_content_based(tmp_path: Path) -> None:
    a = load_config(_write(tmp_path / "a", FULL))
    b = load_config(_write(tmp_path / "b", FULL))
    c = load_config(_write(tmp_path / "c", FULL.replace("seed: 7", "seed: 8")))
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != c.fingerprint()


def test_fingerprint_leaves_out_settings_at_their_default(tmp_path: Path) -> None:
    # A setting added by a later version, left at its default, keeps old fingerprints valid.
    plain = load_config(_write(tmp_path / "a", MINIMAL))
    spelled = load_config(_write(tmp_path / "b", MINIMAL + "seed: 42\n"))
    assert plain.seed == 42
    assert plain.fingerprint() == spelled.fingerprint()


def test_parse_config_names_the_origin() -> None:
    with pytest.raises(ConfigError, match=r"^inline: model\.k_maxx"):
        parse_config(
            {
                "sources": {"crm": {"kind": "csv", "path": "c", "key": "id", "role": "attributes"}},
                "model": {"k_maxx": 1},
            },
            base_dir=Path("."),
            origin="inline",
        )


def test_demo_project_file_loads(tmp_path: Path) -> None:
    path = write_demo_project(tmp_path, seed=5)
    cfg = load_config(path)
    assert cfg.seed == 5
    assert cfg.as_of == date(2025, 12, 31)
    assert set(cfg.sources) == {"crm", "orders", "engagement", "support", "loyalty"}
    assert cfg.sources["orders"].leading_zeros == "strip"
    assert cfg.sources["support"].kind == "sql"
    assert cfg.sources["loyalty"].sheet == "members"
    assert cfg.integrate.population == ["crm", "orders"]
    assert cfg.features.attributes.dates == {"signup_date": None}
    assert (
        cfg.resolve(cfg.sources["crm"].path or "")
        == tmp_path.resolve() / "data" / "crm_customers.csv"
    )


def test_exclude_rule_needs_exactly_one_test(tmp_path: Path) -> None:
    raw = {
        "sources": {
            "s": {
                "kind": "csv",
                "path": "s.csv",
                "key": "id",
                "role": "transactions",
                "exclude": [{"column": "q", "reason": "r", "at_most": 0, "starts_with": "C"}],
            }
        }
    }
    with pytest.raises(ConfigError, match=r"sources\.s\.exclude\.0.*exactly one"):
        parse_config(raw, base_dir=tmp_path)
