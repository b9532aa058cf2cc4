"""The planted personas of the demo retailer: who they are and how they behave.

Every number here is a generator parameter, not a fact about real customers. The personas are
chosen to be the ones a marketing team names (champions, at-risk, ...) so that tests can check
that the pipeline finds them again (the ground truth is written beside the data).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    """Behaviour parameters of one planted persona.

    Ranges are ``(low, high)`` for uniform draws; rates are per year or per month as named.
    """

    name: str
    share: float  # fraction of the customer base
    orders_per_year: float  # purchase rate while active (Poisson)
    max_orders: int | None  # cap on lifetime orders (new customers, browsers)
    buy_probability: float  # chance of having ordered at all
    order_value: float  # median order value in EUR (log-normal)
    order_value_sigma: float
    recency_days: tuple[int, int]  # days between the last order and the observation end
    tenure_days: tuple[int, int]  # days between sign-up and the observation end
    return_probability: float  # chance that an order line is returned
    sessions_per_month: float
    pages_per_session: float
    cart_adds_per_session: float
    email_open_rate: float  # share of the 8 monthly newsletters opened (opted-in customers)
    email_click_rate: float  # share of opened newsletters clicked
    tickets_per_year: float
    loyalty_enrolment: float  # chance of being a loyalty member
    tier_weights: tuple[float, float, float, float]  # Bronze, Silver, Gold, Platinum
    age_range: tuple[int, int]
    channel_weights: tuple[float, float, float, float, float]  # see CHANNELS
    category_weights: tuple[float, float, float, float, float, float]  # see CATEGORIES


CHANNELS = ("organic_search", "paid_social", "email_referral", "affiliate", "marketplace")
CATEGORIES = ("fashion", "home", "electronics", "beauty", "sports", "outlet")
COUNTRIES = ("DE", "FR", "GB", "ES", "IT", "NL", "US")
COUNTRY_WEIGHTS = (0.24, 0.17, 0.2, 0.11, 0.1, 0.08, 0.1)
TIERS = ("Bronze", "Silver", "Gold", "Platinum")

PERSONAS: tuple[Persona, ...] = (
    Persona(
        name="champions",
        share=0.10,
        orders_per_year=20,
        max_orders=None,
        buy_probability=1.0,
        order_value=110,
        order_value_sigma=0.25,
        recency_days=(2, 12),
        tenure_days=(400, 1500),
        return_probability=0.03,
        sessions_per_month=20,
        pages_per_session=6,
        cart_adds_per_session=0.5,
        email_open_rate=0.7,
        email_click_rate=0.3,
        tickets_per_year=0.4,
        loyalty_enrolment=0.95,
        tier_weights=(0.0, 0.05, 0.35, 0.6),
        age_range=(32, 52),
        channel_weights=(0.35, 0.1, 0.35, 0.05, 0.15),
        category_weights=(0.3, 0.2, 0.2, 0.15, 0.15, 0.0),
    ),
    Persona(
        name="loyal_regulars",
        share=0.18,
        orders_per_year=8,
        max_orders=None,
        buy_probability=1.0,
        order_value=55,
        order_value_sigma=0.25,
        recency_days=(10, 40),
        tenure_days=(365, 1500),
        return_probability=0.04,
        sessions_per_month=7,
        pages_per_session=5,
        cart_adds_per_session=0.4,
        email_open_rate=0.45,
        email_click_rate=0.15,
        tickets_per_year=0.5,
        loyalty_enrolment=0.8,
        tier_weights=(0.1, 0.45, 0.4, 0.05),
        age_range=(30, 60),
        channel_weights=(0.4, 0.1, 0.3, 0.1, 0.1),
        category_weights=(0.25, 0.3, 0.1, 0.2, 0.15, 0.0),
    ),
    Persona(
        name="big_ticket_occasionals",
        share=0.10,
        orders_per_year=2,
        max_orders=None,
        buy_probability=1.0,
        order_value=600,
        order_value_sigma=0.25,
        recency_days=(10, 90),
        tenure_days=(365, 1500),
        return_probability=0.08,
        sessions_per_month=6,
        pages_per_session=14,
        cart_adds_per_session=0.2,
        email_open_rate=0.2,
        email_click_rate=0.05,
        tickets_per_year=1.2,
        loyalty_enrolment=0.5,
        tier_weights=(0.3, 0.5, 0.2, 0.0),
        age_range=(38, 65),
        channel_weights=(0.5, 0.05, 0.05, 0.1, 0.3),
        category_weights=(0.05, 0.35, 0.55, 0.0, 0.05, 0.0),
    ),
    Persona(
        name="bargain_hunters",
        share=0.17,
        orders_per_year=10,
        max_orders=None,
        buy_probability=1.0,
        order_value=18,
        order_value_sigma=0.25,
        recency_days=(4, 25),
        tenure_days=(200, 1500),
        return_probability=0.18,
        sessions_per_month=12,
        pages_per_session=7,
        cart_adds_per_session=0.8,
        email_open_rate=0.55,
        email_click_rate=0.45,
        tickets_per_year=1.5,
        loyalty_enrolment=0.7,
        tier_weights=(0.6, 0.35, 0.05, 0.0),
        age_range=(19, 36),
        channel_weights=(0.1, 0.35, 0.1, 0.4, 0.05),
        category_weights=(0.2, 0.05, 0.05, 0.1, 0.05, 0.55),
    ),
    Persona(
        name="new_customers",
        share=0.12,
        orders_per_year=6,
        max_orders=2,
        buy_probability=1.0,
        order_value=60,
        order_value_sigma=0.25,
        recency_days=(1, 30),
        tenure_days=(5, 75),
        return_probability=0.05,
        sessions_per_month=6,
        pages_per_session=6,
        cart_adds_per_session=0.4,
        email_open_rate=0.5,
        email_click_rate=0.15,
        tickets_per_year=1.0,
        loyalty_enrolment=0.3,
        tier_weights=(1.0, 0.0, 0.0, 0.0),
        age_range=(20, 45),
        channel_weights=(0.2, 0.5, 0.05, 0.15, 0.1),
        category_weights=(0.3, 0.15, 0.15, 0.2, 0.15, 0.05),
    ),
    Persona(
        name="at_risk",
        share=0.15,
        orders_per_year=6,
        max_orders=None,
        buy_probability=1.0,
        order_value=50,
        order_value_sigma=0.25,
        recency_days=(250, 550),
        tenure_days=(700, 1500),
        return_probability=0.06,
        sessions_per_month=0.4,
        pages_per_session=4,
        cart_adds_per_session=0.2,
        email_open_rate=0.04,
        email_click_rate=0.05,
        tickets_per_year=0.8,
        loyalty_enrolment=0.6,
        tier_weights=(0.4, 0.45, 0.15, 0.0),
        age_range=(28, 62),
        channel_weights=(0.35, 0.15, 0.2, 0.15, 0.15),
        category_weights=(0.25, 0.25, 0.15, 0.15, 0.15, 0.05),
    ),
    Persona(
        name="browsers",
        share=0.18,
        orders_per_year=0.5,
        max_orders=1,
        buy_probability=0.15,
        order_value=35,
        order_value_sigma=0.25,
        recency_days=(90, 600),
        tenure_days=(90, 1500),
        return_probability=0.05,
        sessions_per_month=25,
        pages_per_session=9,
        cart_adds_per_session=0.6,
        email_open_rate=0.3,
        email_click_rate=0.08,
        tickets_per_year=0.2,
        loyalty_enrolment=0.1,
        tier_weights=(1.0, 0.0, 0.0, 0.0),
        age_range=(18, 40),
        channel_weights=(0.3, 0.4, 0.05, 0.1, 0.15),
        category_weights=(0.35, 0.15, 0.2, 0.2, 0.1, 0.0),
    ),
)

# Which RFM segment names fit each persona's intent, for checking generated names. The RFM grid
# sees only recency, frequency and spend relative to this base, so the mapping follows what each
# persona does:
# - champions, loyal regulars and new customers have their own grid names; a new customer
#   who is not among the very most recent is "Promising" (R 4, FM 1);
# - bargain hunters buy often and recently but cheaply: "Potential loyalist" or "Loyal";
# - big-ticket occasionals buy rarely but big: "Loyal", "Potential loyalist" or
#   "Need attention" (a middling recency in a base where most buy monthly);
# - at-risk customers have lapsed: "At risk", "About to sleep", "Can't lose them", or
#   "Hibernating", the grid's name for lapsed customers of middling value (the demo's
#   at-risk persona orders six €50 baskets a year, not a top spender);
# - browsers have (almost) never bought: "Lost" or "Hibernating".
PERSONA_NAMES: dict[str, frozenset[str]] = {
    "champions": frozenset({"Champions"}),
    "loyal_regulars": frozenset({"Loyal"}),
    "new_customers": frozenset({"New", "Promising"}),
    "bargain_hunters": frozenset({"Potential loyalist", "Loyal"}),
    "big_ticket_occasionals": frozenset({"Loyal", "Potential loyalist", "Need attention"}),
    "at_risk": frozenset({"At risk", "About to sleep", "Can't lose them", "Hibernating"}),
    "browsers": frozenset({"Lost", "Hibernating"}),
}
