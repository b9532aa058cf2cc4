"""The default-size demo: the pipeline finds the planted personas again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from user_segmentation.config import load_config
from user_segmentation.demo.personas import PERSONA_NAMES, PERSONAS
from user_segmentation.pipeline.run import RunResult, run_project
from user_segmentation.profile.names import base_name
from user_segmentation.store import RunStore


@pytest.fixture(scope="module")
def default_run(make_demo: Callable[[int], Path]) -> RunResult:
    return run_project(load_config(make_demo(20_000)))


@pytest.mark.slow
def test_recommended_k_is_within_one_of_the_planted_personas(default_run: RunResult) -> None:
    assert abs(default_run.record.selection["recommended_k"] - len(PERSONAS)) <= 1


@pytest.mark.slow
def test_segments_recover_the_personas(default_run: RunResult) -> None:
    truth_file = default_run.report_path.parent / "truth" / "personas.csv"
    truth = pd.read_csv(truth_file, dtype=str).set_index("customer_id")["persona"]
    a = default_run.record.assignments
    # Customers are the CRM's and the order system's; every one of them has a planted persona.
    personas = truth.reindex(a["customer_id"])
    assert personas.notna().all()
    assert adjusted_rand_score(personas, a["segment_id"]) >= 0.8


@pytest.mark.slow
def test_store_has_one_assignment_per_customer(default_run: RunResult) -> None:
    with RunStore(default_run.store_url) as store:
        stored = store.load_run(default_run.run_id)
    assert len(stored.assignments) == default_run.record.meta["n_customers"]
    assert stored.assignments["customer_id"].is_unique
    assert stored.meta["silhouette_method"] == "sampled"  # 20,000 customers > exact threshold
    assert stored.meta["silhouette_sample_size"] == 10_000
    assert stored.meta["hierarchical_method"] == "two-step"
    assert stored.model["preprocessor"]["feature_names_out"]  # model state stored as data


@pytest.mark.slow
def test_report_is_written(default_run: RunResult) -> None:
    html = default_run.report_path.read_text(encoding="utf-8")
    assert "demo-retailer" in html
    assert 'src="http' not in html


@pytest.mark.slow
def test_segments_are_named_ruled_and_given_an_action(default_run: RunResult) -> None:
    segments = default_run.record.segments
    # Every segment's rule picks it out with precision ≥ 0.8 (issue bar), measured on all.
    assert (segments["rule_precision"] >= 0.8).all(), segments[["name", "rule_precision"]]
    assert segments["rule"].str.len().gt(0).all()
    assert segments["action"].str.len().gt(0).all()
    assert segments["name"].is_unique
    # At least 5 of the 7 planted personas land mostly in a segment whose RFM name fits.
    truth_file = default_run.report_path.parent / "truth" / "personas.csv"
    truth = pd.read_csv(truth_file, dtype=str).set_index("customer_id")["persona"]
    a = default_run.record.assignments
    table = pd.crosstab(truth.reindex(a["customer_id"]).to_numpy(), a["segment_id"].to_numpy())
    names = dict(zip(segments["segment_id"], segments["name"], strict=True))
    matched = {
        who: base_name(names[int(table.loc[who].idxmax())]) in PERSONA_NAMES[who]
        for who in table.index
    }
    assert sum(matched.values()) >= 5, matched
