"""A hand-made store of two runs, small enough to check every number on paper.

Run 1 (published, so the dashboard shows it by default although run 2 is newer), 118
customers ``C001``..``C118``:

- segment 1 "Loyal": ``C001``..``C060`` (60 customers), spend 500 + i, visits 20, plan "gold";
- segment 2 "Bargain hunters": ``C061``..``C110`` (50), spend 100 + i, visits 8, plan "basic";
- segment 3 "Dormant": ``C111``..``C118`` (8, flagged small: its members are never listed),
  spend 10, visits 1, plan "basic".

The confidence of the j-th customer of a segment (j = 0, 1, ...) is ``(j % 20) / 20``, so in
segment 1 there are 3 customers at each of 0.00, 0.05, ..., 0.95: 30 of them at 0.5 or more.

Run 2 (a candidate made by ``segment update`` from run 1, with drift recorded): ``C001``..
``C005`` moved 1 → 2, ``C061``..``C063`` moved 2 → 1, ``C109`` and ``C110`` left, ``N001``..
``N004`` arrived in segment 1. Its transition matrix from run 1 is therefore:

    ======  ===  ===  ===  ====
    from    1    2    3    gone
    ======  ===  ===  ===  ====
    1       55   5    0    0
    2       3    45   0    2
    3       0    0    8    0
    new     4    0    0    0
    ======  ===  ===  ===  ====

and its sizes are 62 / 50 / 8 (120 customers).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from user_segmentation.profile.profiles import profile_table, statistics_record
from user_segmentation.profile.stats import segment_statistics
from user_segmentation.records import (
    ASSIGNMENT_COLUMNS,
    K_SCORE_COLUMNS,
    SEGMENT_COLUMNS,
    RunRecord,
)
from user_segmentation.store import RunStore

NAMES = {1: "Loyal", 2: "Bargain hunters", 3: "Dormant"}
RUN1_MEMBERS = {
    1: [f"C{i:03d}" for i in range(1, 61)],
    2: [f"C{i:03d}" for i in range(61, 111)],
    3: [f"C{i:03d}" for i in range(111, 119)],
}
RUN2_MEMBERS = {
    1: [f"C{i:03d}" for i in range(6, 61)]
    + ["C061", "C062", "C063"]
    + [f"N{i:03d}" for i in range(1, 5)],
    2: [f"C{i:03d}" for i in range(1, 6)] + [f"C{i:03d}" for i in range(64, 109)],
    3: RUN1_MEMBERS[3],
}
TRANSITIONS = [[55, 5, 0, 0], [3, 45, 0, 2], [0, 0, 8, 0], [4, 0, 0, 0]]
MIN_SIZE = 50
RATIONALE = "k=3 is recommended: the silhouette peaks there."
PSI = {"spend": 0.31, "visits": 0.12, "plan": 0.02}

APP = Path(__file__).resolve().parents[2] / "src/user_segmentation/dashboard/streamlit_app.py"


def _values(customer: str, segment: int, position: int) -> dict[str, object]:
    number = int(customer[1:])
    if segment == 1:
        return {"spend": 500.0 + number, "visits": 20.0, "plan": "gold"}
    if segment == 2:
        return {"spend": 100.0 + number, "visits": 8.0, "plan": "basic"}
    return {"spend": 10.0, "visits": 1.0, "plan": "basic"}


def make_run(members: dict[int, list[str]], *, update: bool) -> RunRecord:
    """One hand-made run with the given members per segment (see the module text)."""
    rows, customers = [], []
    for seg, ids in members.items():
        for j, customer in enumerate(ids):
            rows.append(
                {
                    "customer_id": customer,
                    "segment_id": seg,
                    "secondary_segment_id": seg,
                    "distance": 0.1,
                    "margin": 1.0,
                    "confidence": (j % 20) / 20,
                    "pc1": float(seg) + j / 100,
                    "pc2": float(-seg) + j / 200,
                    "pc3": float(seg % 2),
                }
            )
            customers.append({"customer_id": customer, **_values(customer, seg, j)})
    assignments = pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)
    table = pd.DataFrame(customers)
    ids = assignments["segment_id"].to_numpy()
    sizes = {seg: len(ids_) for seg, ids_ in members.items()}
    total = sum(sizes.values())
    revenue = {seg: float(table.loc[ids == seg, "spend"].sum()) for seg in members}
    segments = pd.DataFrame(
        {
            "segment_id": list(members),
            "name": [NAMES[s] for s in members],
            "size": [sizes[s] for s in members],
            "share": [sizes[s] / total for s in members],
            "stability": [0.9, 0.8, 0.7],
            "rule": ["spend > 400", "spend ≤ 400 and visits > 4", "visits ≤ 4"],
            "rule_precision": [1.0, 1.0, 1.0],
            "rule_recall": [1.0, 1.0, 1.0],
            "action": ["Reward them", "Send offers", "Win them back"],
            "traits": ["High spend", "Low spend", "Inactive"],
            "revenue": [revenue[s] for s in members],
            "revenue_share": [revenue[s] / sum(revenue.values()) for s in members],
            "value_index": [
                (revenue[s] / sum(revenue.values())) / (sizes[s] / total) for s in members
            ],
            "small": [int(sizes[s] < MIN_SIZE) for s in members],
        },
        columns=SEGMENT_COLUMNS,
    )
    statistics = statistics_record(
        segment_statistics(table, ids, numeric=["spend", "visits"], categorical=["plan"])
    )
    meta: dict[str, object] = {
        "project": "hand-made",
        "created_at": "2025-01-31T09:00:00+00:00" if not update else "2025-02-28T09:00:00+00:00",
        "n_customers": total,
        "k": 3,
        "primary_method": "kmeans",
        "seed": 7,
        "silhouette_method": "exact",
    }
    if update:
        meta["base_run_id"] = 1
        meta["update"] = {
            "decision": "refit",
            "reasons": ["spend drifted (PSI 0.31)"],
            "notes": [],
            "drift": {
                "psi": [
                    {"feature": f, "kind": "numeric", "psi": v, "n_bins": 10}
                    for f, v in PSI.items()
                ],
                "shares": {"segments": [], "total_variation": 0.04},
                "margin_decay": 0.02,
                "far_share": 0.01,
            },
        }
    k_scores = pd.DataFrame(
        {
            "k": [2, 3, 4, 5],
            "inertia": [90.0, 40.0, 35.0, 33.0],
            "silhouette": [0.5, 0.7, 0.6, 0.55],
            "davies_bouldin": [0.9, 0.5, 0.7, 0.8],
            "calinski_harabasz": [50.0, 90.0, 80.0, 70.0],
        }
    ).reindex(columns=K_SCORE_COLUMNS)
    record = RunRecord(
        meta=meta,
        quality={
            "sources": {
                "crm": {
                    "role": "attributes",
                    "rows_read": 120,
                    "rows_dropped": {"duplicate_rows": 2},
                    "rows_kept": 118,
                    "distinct_customers": 118,
                    "coverage": 1.0,
                    "key_changes": {"whitespace_stripped": 3},
                },
                "orders": {
                    "role": "transactions",
                    "rows_read": 900,
                    "rows_dropped": {},
                    "rows_kept": 900,
                    "coverage": 0.95,
                },
            },
            "population": {"sources": ["crm"], "customers": total},
            "feature_missing_share": {"visits": 0.0, "spend": 0.05},
            "preprocessing": {"dropped_features": {}, "transformed": {"spend": "log1p"}},
        },
        selection={"recommended_k": 3, "elbow_k": 3, "rationale": RATIONALE},
        model={"pca": {"explained_variance_ratio": [0.6, 0.3, 0.1]}},
        timings={"read": 0.1},
        k_scores=k_scores,
        assignments=assignments,
        segments=segments,
        profiles=profile_table(table, ids, numeric=["spend", "visits"], categorical=["plan"]),
        statistics=statistics,
        customers=table,
    )
    if update:
        previous = {c: s for s, ids_ in RUN1_MEMBERS.items() for c in ids_}
        current = {c: s for s, ids_ in members.items() for c in ids_}
        moved = [
            (c, previous.get(c), current.get(c))
            for c in sorted(set(previous) | set(current))
            if previous.get(c) != current.get(c)
        ]
        record.moves = pd.DataFrame(
            moved, columns=["customer_id", "from_segment", "to_segment"]
        ).astype({"from_segment": "Int64", "to_segment": "Int64"})
    return record


@pytest.fixture(scope="session")
def hand_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two-run store of the module text (run 1 published, run 2 a candidate)."""
    path = tmp_path_factory.mktemp("dashboard_store") / "runs.db"
    with RunStore(path) as store:
        store.save_run(make_run(RUN1_MEMBERS, update=False), publish=True)
        store.save_run(make_run(RUN2_MEMBERS, update=True))
    return path


@pytest.fixture(scope="session")
def one_run_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding run 1 only."""
    path = tmp_path_factory.mktemp("dashboard_one_run") / "runs.db"
    with RunStore(path) as store:
        store.save_run(make_run(RUN1_MEMBERS, update=False), publish=True)
    return path


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A clean environment for the app: no store or minimum size inherited from outside."""
    for name in list(os.environ):
        if name.startswith("SEGMENT_DASHBOARD_"):
            monkeypatch.delenv(name)
    yield monkeypatch


def segment_ids(members: dict[int, list[str]]) -> np.ndarray:
    """The segment id of every customer, in the order :func:`make_run` writes them."""
    return np.concatenate([np.full(len(ids), seg) for seg, ids in members.items()])
