"""Acceptance: six monthly updates of a customer base whose truth is known.

A project reads one customer-level file (see ``conftest.py``: five personas, far apart). Each
month the file is rewritten: every customer's features change a little, 1% of the customers
leave, 3% move to another persona, and 5% new customers arrive in the usual mix. In month 4 a
new persona (rare, very large baskets) appears: 10% more customers, far from every segment, and
some of the month's movers join it. ``segment update`` runs after each rewrite with the default
drift thresholds. It must keep the model while the base merely grows, refit when the new persona
appears, give the new persona a newly born id, keep every other persona's id, and record in
its ledger the moves that were simulated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pytest

from user_segmentation.config import load_config
from user_segmentation.errors import SegmentationError
from user_segmentation.pipeline.run import run_project
from user_segmentation.pipeline.update import UpdateResult, update_project
from user_segmentation.records import RunRecord

from .conftest import FIRST_PERSONAS, PersonaBase, new_base, persona_segments, write_project

pytestmark = pytest.mark.slow

MONTHS = [1, 2, 3, 4, 5, 6]
NEW_PERSONA = "big_ticket"
NEW_PERSONA_MONTH = 4
FIRST_COUNTS = {
    "champions": 225,
    "loyal": 375,
    "at_risk": 300,
    "bargain_hunters": 300,
    "browsers": 300,
}
GROWTH, MOVES, LEAVERS, NEW_PERSONA_SHARE = 0.05, 0.03, 0.01, 0.10
JITTER = 0.02  # month-to-month change of a customer who stays in their persona


@dataclass
class Month:
    """One month of the simulation: what was done to the base and what the update made."""

    personas: pd.Series  # customer id -> persona, after the month's changes
    movers: pd.DataFrame  # customer_id, from, to (personas)
    arrivals: list[str]
    leavers: list[str]
    update: UpdateResult | None = None
    record: RunRecord | None = None
    error: SegmentationError | None = None


@dataclass
class Simulation:
    first: RunRecord
    first_personas: pd.Series
    months: dict[int, Month] = field(default_factory=dict)

    def month(self, m: int) -> Month:
        """The month ``m``, failing the test if its update (or an earlier one) failed."""
        if m not in self.months:
            last = max(self.months)
            pytest.fail(f"month {m} never ran: the update of month {last} failed first")
        step = self.months[m]
        if step.error is not None:
            pytest.fail(f"the update of month {m} failed: {step.error}")
        return step

    def record(self, m: int) -> RunRecord:
        if m == 0:
            return self.first
        record = self.month(m).record
        assert record is not None
        return record

    def personas(self, m: int) -> pd.Series:
        return self.first_personas if m == 0 else self.month(m).personas


def _live_month(base: PersonaBase, month: int) -> Month:
    """Change the base as one month of business would, and rewrite the file."""
    present = [*FIRST_PERSONAS, *([NEW_PERSONA] if month >= NEW_PERSONA_MONTH else [])]
    n = len(base.personas)
    leavers = base.drop(round(LEAVERS * n))
    base.jitter(JITTER)
    movers = base.move(round(MOVES * n), among=present)
    usual = {p: round(GROWTH * c / sum(FIRST_COUNTS.values()) * n) for p, c in FIRST_COUNTS.items()}
    arrivals = base.add(usual)
    if month == NEW_PERSONA_MONTH:
        arrivals += base.add({NEW_PERSONA: round(NEW_PERSONA_SHARE * n)})
    base.write()
    return Month(base.personas.copy(), movers, arrivals, leavers)


@pytest.fixture(scope="module")
def simulation(tmp_path_factory: pytest.TempPathFactory) -> Simulation:
    base = new_base(tmp_path_factory.mktemp("simulation"), FIRST_COUNTS, seed=2024)
    base.write()
    config = load_config(write_project(base.folder))
    sim = Simulation(run_project(config).record, base.personas.copy())
    for m in MONTHS:
        step = _live_month(base, m)
        sim.months[m] = step
        try:
            step.update = update_project(config)
        except SegmentationError as exc:
            step.error = exc
            break
        assert step.update.result is not None  # the file changed: never skipped
        step.record = step.update.result.record
    return sim


def test_the_first_run_finds_one_segment_per_persona(simulation: Simulation) -> None:
    first = simulation.first
    segments = persona_segments(simulation.first_personas, first.assignments)
    assert first.meta["k"] == len(FIRST_PERSONAS)
    assert sorted(segments.values()) == list(range(1, len(FIRST_PERSONAS) + 1))


@pytest.mark.parametrize("month", MONTHS)
def test_a_refit_comes_with_the_new_persona_and_only_then(
    simulation: Simulation, month: int
) -> None:
    step = simulation.month(month)
    assert step.update is not None and step.update.decision is not None
    expected = "refit" if month == NEW_PERSONA_MONTH else "keep"
    assert step.update.decision.action == expected, step.update.decision.reasons


@pytest.mark.parametrize("month", MONTHS)
def test_unchanged_personas_keep_their_segment_ids(simulation: Simulation, month: int) -> None:
    before = persona_segments(simulation.first_personas, simulation.first.assignments)
    record = simulation.record(month)
    personas = simulation.personas(month)
    now = persona_segments(personas, record.assignments)
    assert {p: now[p] for p in FIRST_PERSONAS} == before
    names = record.segments.set_index("segment_id")["name"]
    first_names = simulation.first.segments.set_index("segment_id")["name"]
    assert {s: names[s] for s in before.values()} == {s: first_names[s] for s in before.values()}
    # Each persona is one segment, not merely its largest share.
    segment = record.assignments.set_index("customer_id")["segment_id"]
    expected = personas.map(now).reindex(segment.index)
    assert (segment == expected).mean() >= 0.99


@pytest.mark.parametrize("month", MONTHS)
def test_the_ledger_records_the_simulated_moves(simulation: Simulation, month: int) -> None:
    step = simulation.month(month)
    assert step.record is not None
    was = persona_segments(simulation.personas(month - 1), simulation.record(month - 1).assignments)
    now = persona_segments(step.personas, step.record.assignments)
    ledger = step.record.moves.set_index("customer_id")
    movers = step.movers.set_index("customer_id")
    expected = pd.DataFrame(
        {"from_segment": movers["from"].map(was), "to_segment": movers["to"].map(now)}
    )
    found = ledger.reindex(expected.index)
    agree = (found["from_segment"] == expected["from_segment"]) & (
        found["to_segment"] == expected["to_segment"]
    )
    assert agree.fillna(False).mean() >= 0.9, found[~agree.fillna(False)]
    arrivals = ledger[ledger["from_segment"].isna()]
    leavers = ledger[ledger["to_segment"].isna()]
    assert sorted(arrivals.index) == sorted(step.arrivals)
    assert sorted(leavers.index) == sorted(step.leavers)
    # Customers who stayed in their persona stay in their segment.
    stayed = ledger.index.difference(movers.index).difference(step.arrivals)
    stayed = stayed.difference(step.leavers)
    assert len(stayed) <= 0.01 * len(step.personas)


def test_the_new_persona_gets_a_newly_born_id(simulation: Simulation) -> None:
    step = simulation.month(NEW_PERSONA_MONTH)
    assert step.update is not None and step.update.match is not None and step.record is not None
    match = step.update.match
    ids_before = {int(i) for i in simulation.record(NEW_PERSONA_MONTH - 1).model["segment_ids"]}
    born = max(ids_before) + 1
    assert match.born == [born]
    assert match.retired == []
    assert persona_segments(step.personas, step.record.assignments)[NEW_PERSONA] == born
    assert step.record.meta["update"]["matching"]["born"] == [born]
    assert sorted(int(i) for i in step.record.model["segment_ids"]) == sorted([*ids_before, born])


def test_six_months_run_to_the_end(simulation: Simulation) -> None:
    assert all(simulation.month(m).record is not None for m in MONTHS)
