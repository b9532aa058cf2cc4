"""The planted personas' parameters are consistent with how the generator uses them."""

from __future__ import annotations

import pytest

from user_segmentation.demo.personas import (
    CATEGORIES,
    CHANNELS,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    PERSONAS,
    TIERS,
    Persona,
)


def test_shares_sum_to_one_and_names_are_unique() -> None:
    assert sum(p.share for p in PERSONAS) == pytest.approx(1.0)
    assert len({p.name for p in PERSONAS}) == len(PERSONAS)


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.name)
def test_persona_parameters_are_valid(persona: Persona) -> None:
    for low, high in (persona.recency_days, persona.tenure_days, persona.age_range):
        assert 0 <= low <= high
    for p in (
        persona.buy_probability,
        persona.return_probability,
        persona.email_open_rate,
        persona.email_click_rate,
        persona.loyalty_enrolment,
    ):
        assert 0 <= p <= 1
    assert persona.order_value > 0 and persona.order_value_sigma > 0
    assert persona.max_orders is None or persona.max_orders >= 1
    assert len(persona.tier_weights) == len(TIERS) and sum(persona.tier_weights) > 0
    assert len(persona.channel_weights) == len(CHANNELS) and sum(persona.channel_weights) > 0
    assert len(persona.category_weights) == len(CATEGORIES) and sum(persona.category_weights) > 0
    assert all(w >= 0 for w in (*persona.tier_weights, *persona.channel_weights))


def test_country_weights_match_countries() -> None:
    assert len(COUNTRY_WEIGHTS) == len(COUNTRIES)
    assert sum(COUNTRY_WEIGHTS) == pytest.approx(1.0)
