"""The project file written by ``segment demo``: a commented example of every section."""

from __future__ import annotations

from pathlib import Path

from user_segmentation.demo.generate import DEMO_AS_OF

DEMO_PROJECT = """\
# segmentation.yaml — the project file of the demo retailer.
# Every path is relative to this file. Run it with:  segment run -c segmentation.yaml
project: demo-retailer
seed: {seed}
as_of: {as_of}            # observation end: recency is measured from here

sources:                   # five systems, five formats, one customer key
  crm:                     # CRM export: one row per customer
    kind: csv
    path: data/crm_customers.csv
    key: customer_id
    role: attributes
  orders:                  # shop orders: one row per order line, returns as negative lines
    kind: parquet
    path: data/orders.parquet
    key: customer_id
    role: transactions
    leading_zeros: strip   # the shop pads customer numbers to 8 digits
  engagement:              # web/app activity per customer and month
    kind: jsonl
    path: data/web_engagement.jsonl
    key: customer_id
    role: events
  support:                 # helpdesk tickets, a table in a SQLite database
    kind: sql
    path: data/support.db
    table: support_tickets
    key: customer_id
    role: events
  loyalty:                 # loyalty programme members (Excel; the workbook also has a notes sheet)
    kind: excel
    path: data/loyalty.xlsx
    sheet: members
    key: member_id
    role: attributes

integrate:
  population: [crm, orders]  # a customer is anyone in the CRM or with an order

features:
  transactions:            # RFM and purchase behaviour
    source: orders
    order: order_id
    timestamp: ordered_at
    amount: amount
  events:
    - source: engagement
      sum: [sessions, page_views, cart_adds, email_opens, email_clicks]
      count_as: active_months
    - source: support
      mean: [satisfaction]
      count_as: support_tickets
  attributes:
    numeric: [age, points_balance]
    categorical: [country, gender, acquisition_channel, marketing_opt_in, tier]
    dates: {{signup_date: null}}   # becomes days_since_signup_date (ISO dates)
  # The segmentation basis: behaviour. Every other feature only describes the segments.
  model: [recency_days, frequency, monetary, avg_order_value, sessions, page_views,
          cart_adds, email_opens, email_clicks, days_since_signup_date]
  log: [days_since_signup_date]  # skewed columns are log-scaled automatically; this one too
  impute: median

reduce:
  variance: 0.9            # keep the principal components explaining 90% of the variance

model:
  k: auto                  # or a number of segments
  k_min: 2
  k_max: 10
  primary: kmeans          # kmeans or ward; the other is fitted too, their agreement reported

profile:
  min_segment_size: 50     # smaller segments are flagged and their members never exported
  small_segments: flag     # flag, or merge them into the nearest other segment
  # names: {{1: VIP}}      # your own names for segment ids; they persist across runs

update:                    # `segment update`: when to keep the model and when to refit
  psi_major: 0.25          # a feature whose PSI reaches this refits (0.1 is noted as moderate)
  share_total_variation: 0.1  # total shift of segment shares that refits
  far_share: 0.05          # share of customers beyond the model's 99th-percentile distance

store:
  url: segmentation.db     # a SQLite file here, or a database URL
  auto_publish: true       # false: new runs wait for `segment publish RUN`

report:
  path: report.html
"""


def write_demo_project(folder: str | Path, *, seed: int = 42) -> Path:
    """Write ``segmentation.yaml`` for the demo data under ``folder`` and return its path."""
    path = Path(folder) / "segmentation.yaml"
    path.write_text(DEMO_PROJECT.format(seed=seed, as_of=DEMO_AS_OF.isoformat()), encoding="utf-8")
    return path
