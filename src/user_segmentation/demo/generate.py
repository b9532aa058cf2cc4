"""Deterministic demo data: a fictional online retailer whose customer data lives in five systems.

The same ``seed`` and ``n_customers`` always give byte-identical tables. The data is messy the
way real exports are: the customer id is written differently in each system, values are missing,
a few rows are duplicated, and not every customer appears in every source. Each customer's true
persona is written to a separate ground-truth file that the pipeline never reads.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from user_segmentation.demo.personas import (
    CATEGORIES,
    CHANNELS,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    PERSONAS,
    TIERS,
)

logger = logging.getLogger(__name__)

#: The day the demo's observation ends (fixed, so the demo never depends on today's date).
DEMO_AS_OF = date(2025, 12, 31)
#: How far back the order history goes.
HISTORY_DAYS = 730
#: First customer number; ids are 6-digit integers in the CRM.
FIRST_ID = 100_001


@dataclass(frozen=True)
class DemoFiles:
    """Where :func:`generate_demo` wrote each source and the ground truth."""

    crm: Path
    orders: Path
    engagement: Path
    support: Path
    loyalty: Path
    truth: Path

    def as_dict(self) -> dict[str, Path]:
        """Return ``{source name: path}`` for the five sources (ground truth excluded)."""
        return {
            "crm": self.crm,
            "orders": self.orders,
            "engagement": self.engagement,
            "support": self.support,
            "loyalty": self.loyalty,
        }


def generate_demo(
    out_dir: str | Path,
    n_customers: int = 20_000,
    *,
    seed: int = 42,
    as_of: date = DEMO_AS_OF,
    progress: Callable[[str], None] | None = None,
) -> DemoFiles:
    """Write the five demo sources and the ground-truth personas under ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write ``data/`` (the sources) and ``truth/`` (personas) into.
    n_customers
        Size of the customer base; about 15 order lines per customer are generated.
    seed
        Seed of the only random generator used.
    as_of
        Observation end: no event is dated after it.
    progress
        Called with a short message before each file is written.

    Returns
    -------
    DemoFiles
        Paths of the written files.

    Examples
    --------
    >>> import tempfile
    >>> files = generate_demo(tempfile.mkdtemp(), n_customers=300, seed=1)
    >>> sorted(files.as_dict())
    ['crm', 'engagement', 'loyalty', 'orders', 'support']
    """
    if n_customers < len(PERSONAS):
        raise ValueError(f"n_customers must be at least {len(PERSONAS)}, got {n_customers}")
    say = progress or (lambda _msg: None)
    out = Path(out_dir)
    data_dir, truth_dir = out / "data", out / "truth"
    data_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    end = pd.Timestamp(as_of) + pd.Timedelta(hours=23, minutes=59)

    base = _customers(rng, n_customers, end)
    files = DemoFiles(
        crm=data_dir / "crm_customers.csv",
        orders=data_dir / "orders.parquet",
        engagement=data_dir / "web_engagement.jsonl",
        support=data_dir / "support.db",
        loyalty=data_dir / "loyalty.xlsx",
        truth=truth_dir / "personas.csv",
    )
    say("orders")
    _orders(rng, base, end).to_parquet(files.orders, index=False)
    say("CRM customers")
    _crm(rng, base).to_csv(files.crm, index=False)
    say("web engagement")
    _engagement(rng, base, end).to_json(files.engagement, orient="records", lines=True)
    say("support tickets")
    _write_sqlite(_tickets(rng, base, end), files.support, "support_tickets")
    say("loyalty programme")
    _write_loyalty(_loyalty(rng, base, end), files.loyalty)
    base[["customer_id", "persona"]].to_csv(files.truth, index=False)
    logger.info("demo data for %d customers written to %s", n_customers, out)
    return files


def _customers(rng: np.random.Generator, n: int, end: pd.Timestamp) -> pd.DataFrame:
    """One row per customer: id, persona and the latent dates that drive every source."""
    shares = np.array([p.share for p in PERSONAS])
    counts = np.floor(shares / shares.sum() * n).astype(int)
    counts[0] += n - counts.sum()  # rounding remainder goes to the first persona
    persona_idx = rng.permutation(np.repeat(np.arange(len(PERSONAS)), counts))
    tenure = np.empty(n)
    recency = np.empty(n)
    buys = np.empty(n, dtype=bool)
    for i, p in enumerate(PERSONAS):
        m = persona_idx == i
        tenure[m] = rng.uniform(*p.tenure_days, m.sum())
        recency[m] = np.minimum(rng.uniform(*p.recency_days, m.sum()), tenure[m])
        buys[m] = rng.random(m.sum()) < p.buy_probability
    return pd.DataFrame(
        {
            "customer_id": np.arange(FIRST_ID, FIRST_ID + n),
            "persona_idx": persona_idx,
            "persona": np.array([p.name for p in PERSONAS])[persona_idx],
            "signup": end - pd.to_timedelta(tenure, unit="D"),
            "tenure": tenure,
            "recency": recency,
            "buys": buys,
        }
    )


def _orders(rng: np.random.Generator, base: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Order lines with returns as negative lines and a few exact duplicate rows."""
    idx = base["persona_idx"].to_numpy()
    rate = np.array([p.orders_per_year for p in PERSONAS])[idx]
    cap = np.array([p.max_orders or 10_000 for p in PERSONAS])[idx]
    first_day = np.minimum(base["tenure"].to_numpy(), HISTORY_DAYS)
    span_years = (first_day - base["recency"].to_numpy()) / 365.0
    n_orders = 1 + rng.poisson(rate * span_years)
    n_orders = np.where(base["buys"].to_numpy(), np.minimum(n_orders, cap), 0)

    cust = np.repeat(np.arange(len(base)), n_orders)
    # The first order of each customer sits exactly at its recency; the others fall uniformly
    # between the start of its history and that last order.
    starts = np.cumsum(n_orders) - n_orders
    is_last = np.zeros(cust.size, dtype=bool)
    is_last[starts[n_orders > 0]] = True
    rec, first = base["recency"].to_numpy()[cust], first_day[cust]
    days_ago = np.where(is_last, rec, rec + rng.random(cust.size) * (first - rec))
    value = np.exp(
        np.log(np.array([p.order_value for p in PERSONAS])[idx[cust]])
        + np.array([p.order_value_sigma for p in PERSONAS])[idx[cust]]
        * rng.standard_normal(cust.size)
    )

    # Each order has 1-4 lines (1.5 on average); the order value is split between them.
    n_lines = 1 + np.minimum(rng.poisson(0.5, cust.size), 3)
    order_of_line = np.repeat(np.arange(cust.size), n_lines)
    weight = rng.random(order_of_line.size) + 0.2
    weight_sum = np.bincount(order_of_line, weights=weight)
    amount = np.round(value[order_of_line] * weight / weight_sum[order_of_line], 2)
    line_persona = idx[cust[order_of_line]]
    cat_weights = np.array([p.category_weights for p in PERSONAS])
    cat_cum = np.cumsum(cat_weights / cat_weights.sum(axis=1, keepdims=True), axis=1)
    category = (rng.random(order_of_line.size)[:, None] > cat_cum[line_persona]).sum(axis=1)
    items = 1 + rng.poisson(np.where(category == CATEGORIES.index("outlet"), 1.5, 0.4))

    # Order ids follow time, as a shop system numbers them.
    order_ts = end - pd.to_timedelta(days_ago, unit="D")
    order_rank = np.argsort(np.argsort(order_ts.to_numpy(), kind="stable"), kind="stable")
    lines = pd.DataFrame(
        {
            "order_id": np.char.add("SO", (1_000_000 + order_rank[order_of_line]).astype(str)),
            "customer_id": base["customer_id"].to_numpy()[cust[order_of_line]],
            "ordered_at": order_ts[order_of_line].floor("s"),
            "amount": amount,
            "items": items,
            "category": np.array(CATEGORIES)[np.minimum(category, len(CATEGORIES) - 1)],
        }
    )
    ret_p = np.array([p.return_probability for p in PERSONAS])[line_persona]
    returned = rng.random(len(lines)) < ret_p
    returns = lines[returned].copy()
    returns["amount"] = -returns["amount"]
    returns["items"] = -returns["items"]
    delay = pd.to_timedelta(rng.uniform(2, 30, len(returns)), unit="D")
    returns["ordered_at"] = (returns["ordered_at"] + delay).clip(upper=end).dt.floor("s")
    dupes = lines.sample(frac=0.002, random_state=int(rng.integers(2**31)))
    out = pd.concat([lines, returns, dupes], ignore_index=True)
    out = out.sort_values(["ordered_at", "order_id", "amount"], kind="stable", ignore_index=True)
    # The shop system pads customer numbers to 8 digits and stores them as text.
    out["customer_id"] = out["customer_id"].map("{:08d}".format)
    return out


def _crm(rng: np.random.Generator, base: pd.DataFrame) -> pd.DataFrame:
    """CRM export: plain integer ids (some with stray spaces), missing values, duplicates."""
    n = len(base)
    idx = base["persona_idx"].to_numpy()
    age_lo = np.array([p.age_range[0] for p in PERSONAS])[idx]
    age_hi = np.array([p.age_range[1] for p in PERSONAS])[idx]
    age = rng.integers(age_lo, age_hi + 1).astype(float)
    age[rng.random(n) < 0.05] = np.nan
    ch_w = np.array([p.channel_weights for p in PERSONAS])
    ch_cum = np.cumsum(ch_w / ch_w.sum(axis=1, keepdims=True), axis=1)
    channel = (rng.random(n)[:, None] > ch_cum[idx]).sum(axis=1)
    country = rng.choice(len(COUNTRIES), size=n, p=np.array(COUNTRY_WEIGHTS) / sum(COUNTRY_WEIGHTS))
    gender = rng.choice(
        np.array(["F", "M", "X", ""], dtype=object), size=n, p=[0.5, 0.43, 0.02, 0.05]
    )
    ids = base["customer_id"].astype(str).to_numpy().astype(object)
    spaced = rng.random(n) < 0.02
    ids[spaced] = np.char.add(" ", ids[spaced].astype(str)).astype(object)
    crm = pd.DataFrame(
        {
            "customer_id": ids,
            "signup_date": base["signup"].dt.strftime("%Y-%m-%d"),
            "country": np.array(COUNTRIES)[country],
            "age": pd.array(age, dtype="Int64"),
            "gender": gender,
            "acquisition_channel": np.array(CHANNELS)[np.minimum(channel, len(CHANNELS) - 1)],
            "marketing_opt_in": np.where(rng.random(n) < 0.7, "yes", "no"),
        }
    )
    # 1% of customers never made it into the CRM (guest checkouts); 0.5% of rows exported twice.
    crm = crm[rng.random(n) >= 0.01]
    crm = pd.concat([crm, crm.sample(frac=0.005, random_state=int(rng.integers(2**31)))])
    return crm.sample(frac=1.0, random_state=int(rng.integers(2**31))).reset_index(drop=True)


def _engagement(rng: np.random.Generator, base: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Monthly web/app activity for the last 12 months; ids written as float-looking text."""
    months = pd.period_range(end=end.to_period("M"), periods=12, freq="M")
    n, m = len(base), len(months)
    idx = base["persona_idx"].to_numpy()
    month_end = months.to_timestamp(how="end").to_numpy()
    signed_up = base["signup"].to_numpy()[:, None] <= month_end[None, :]
    activity = rng.gamma(16.0, 1 / 16, size=(n, 1))  # a customer's own level, around 1
    sess_mean = np.array([p.sessions_per_month for p in PERSONAS])[idx][:, None] * activity
    sessions = rng.poisson(np.broadcast_to(sess_mean, (n, m))) * signed_up
    pages = rng.poisson(sessions * np.array([p.pages_per_session for p in PERSONAS])[idx][:, None])
    carts = rng.poisson(
        sessions * np.array([p.cart_adds_per_session for p in PERSONAS])[idx][:, None]
    )
    open_rate = np.array([p.email_open_rate for p in PERSONAS])[idx][:, None]
    opens = rng.binomial(8, np.broadcast_to(open_rate, (n, m))) * signed_up
    click_rate = np.array([p.email_click_rate for p in PERSONAS])[idx][:, None]
    clicks = rng.binomial(opens, np.broadcast_to(click_rate, (n, m)))
    active = (sessions > 0) | (opens > 0)
    ci, mi = np.nonzero(active)
    ids = np.char.add(base["customer_id"].to_numpy()[ci].astype(str), ".0")
    return pd.DataFrame(
        {
            "customer_id": ids,
            "month": months.strftime("%Y-%m").to_numpy()[mi],
            "sessions": sessions[ci, mi],
            "page_views": pages[ci, mi],
            "cart_adds": carts[ci, mi],
            "email_opens": opens[ci, mi],
            "email_clicks": clicks[ci, mi],
        }
    )


def _tickets(rng: np.random.Generator, base: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Support tickets over the last year, integer customer ids, some without a rating."""
    idx = base["persona_idx"].to_numpy()
    years = np.minimum(base["tenure"].to_numpy(), 365) / 365
    n_t = rng.poisson(np.array([p.tickets_per_year for p in PERSONAS])[idx] * years)
    cust = np.repeat(np.arange(len(base)), n_t)
    opened = end - pd.to_timedelta(rng.uniform(0, 365, cust.size) * years[cust], unit="D")
    topics = np.array(["delivery", "return", "payment", "product", "account"])
    satisfaction = rng.integers(1, 6, cust.size).astype(float)
    satisfaction[rng.random(cust.size) < 0.3] = np.nan
    t = pd.DataFrame(
        {
            "customer_id": base["customer_id"].to_numpy()[cust],
            "opened_at": opened.floor("s").strftime("%Y-%m-%d %H:%M:%S"),
            "channel": rng.choice(["email", "chat", "phone"], cust.size),
            "topic": topics[rng.integers(0, len(topics), cust.size)],
            "satisfaction": satisfaction,
        }
    ).sort_values(["opened_at", "customer_id"], kind="stable", ignore_index=True)
    t.insert(0, "ticket_id", np.arange(1, len(t) + 1))
    return t


def _loyalty(rng: np.random.Generator, base: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Loyalty members: tier and points; member ids are text with trailing spaces."""
    idx = base["persona_idx"].to_numpy()
    enrolled = rng.random(len(base)) < np.array([p.loyalty_enrolment for p in PERSONAS])[idx]
    tw = np.array([p.tier_weights for p in PERSONAS])
    tier_cum = np.cumsum(tw / tw.sum(axis=1, keepdims=True), axis=1)
    tier = np.minimum((rng.random(len(base))[:, None] > tier_cum[idx]).sum(axis=1), len(TIERS) - 1)
    points = np.round(rng.gamma(2.0, 250 * (tier + 1)))
    since = base["signup"] + pd.to_timedelta(
        rng.uniform(0, 1, len(base)) * base["tenure"].to_numpy() * 0.5, unit="D"
    )
    members = pd.DataFrame(
        {
            "member_id": np.char.add(base["customer_id"].to_numpy().astype(str), "  "),
            "tier": np.array(TIERS)[tier],
            "points_balance": points.astype(int),
            "enrolled_on": since.clip(upper=end).dt.date,
        }
    )
    return members[enrolled].reset_index(drop=True)


def _write_sqlite(table: pd.DataFrame, path: Path, name: str) -> None:
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as con:
        table.to_sql(name, con, index=False)
    con.close()


def _write_loyalty(members: pd.DataFrame, path: Path) -> None:
    """An Excel workbook with the member list and a notes sheet, as such exports usually have."""
    notes = pd.DataFrame(
        {"note": ["Export of the loyalty programme", "Tiers: Bronze < Silver < Gold < Platinum"]}
    )
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        members.to_excel(xl, sheet_name="members", index=False)
        notes.to_excel(xl, sheet_name="notes", index=False)
