"""Declared row-exclusion rules: cancellations, returns, non-sale lines — excluded and counted.

Real transaction logs mix sales with cancellations (Online Retail's invoices starting with
``C``), bad-debt adjustments (non-positive prices) and stock corrections. Which of them to drop is
a business decision, so it is declared per source, never guessed; every excluded row is counted
under the first rule that matched it, with a few examples for the data-quality report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from user_segmentation.errors import SchemaError

_EXAMPLES = 3


@dataclass(frozen=True)
class ExcludeRule:
    """Exclude rows whose ``column`` starts with a prefix, is at most a number, or is listed."""

    column: str
    reason: str
    starts_with: str | None = None
    at_most: float | None = None
    equals: tuple[str, ...] = ()

    def matches(self, values: pd.Series, origin: str) -> pd.Series:
        """Boolean mask of the rows this rule excludes (missing values never match)."""
        if self.starts_with is not None:
            text = values.astype("string").str.strip()
            return text.str.startswith(self.starts_with).fillna(False).astype(bool)
        if self.at_most is not None:
            numbers = pd.to_numeric(values, errors="coerce")
            bad = numbers.isna() & values.notna()
            if bad.any():
                row = int(bad.to_numpy().nonzero()[0][0])
                raise SchemaError(
                    f"{origin}: column '{self.column}', data row {row + 1}: "
                    f"{values.iloc[row]!r} is not a number (rule '{self.reason}')"
                )
            return (numbers <= self.at_most).fillna(False).astype(bool)
        text = values.astype("string").str.strip()
        return text.isin(list(self.equals)).fillna(False).astype(bool)


def apply_rules(
    frame: pd.DataFrame, rules: Sequence[ExcludeRule], origin: str
) -> tuple[pd.DataFrame, dict[str, int], dict[str, list[dict[str, str]]]]:
    """Drop the rows matched by ``rules``; return the kept rows, counts and examples by reason.

    Examples
    --------
    >>> lines = pd.DataFrame({"invoice": ["1", "C2", "3"], "price": [2.0, 2.0, 0.0]})
    >>> kept, counts, _ = apply_rules(lines, [
    ...     ExcludeRule("invoice", "cancelled invoice", starts_with="C"),
    ...     ExcludeRule("price", "non-positive price", at_most=0)], "sales.csv")
    >>> kept["invoice"].tolist(), counts
    (['1'], {'cancelled invoice': 1, 'non-positive price': 1})
    """
    counts: dict[str, int] = {}
    examples: dict[str, list[dict[str, str]]] = {}
    for rule in rules:
        if rule.column not in frame.columns:
            raise SchemaError(
                f"{origin}: exclude rule '{rule.reason}' names column '{rule.column}', "
                f"which is not among {list(frame.columns)}"
            )
        hit = rule.matches(frame[rule.column], origin)
        if hit.any():
            counts[rule.reason] = counts.get(rule.reason, 0) + int(hit.sum())
            sample = frame[hit].head(_EXAMPLES).astype("string").fillna("")
            rows = [{str(k): v for k, v in r.items()} for r in sample.to_dict("records")]
            examples.setdefault(rule.reason, []).extend(rows)
            frame = frame[~hit]
    return frame, counts, examples
