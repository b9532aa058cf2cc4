"""The run's customer table (one column per feature) to and from the store's long form.

Projects have different features, so the store keeps them in one fixed table with a row per
(customer, feature): a numeric value in ``value``, a categorical one in ``label``. Rows are
written feature by feature, each in the customer order of the wide table, so that reading
them back in ``row_order`` rebuilds the same table.

A feature is read back as categorical when any of its rows has a label; a categorical column
with no value at all therefore comes back numeric (all NaN), which loses nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from user_segmentation.errors import StoreError
from user_segmentation.store.schema import CUSTOMER_VALUE_COLUMNS

#: Key column of the wide customer table.
KEY = "customer_id"


def to_long(customers: pd.DataFrame) -> pd.DataFrame:
    """Turn the wide customer table into the store's long rows.

    Examples
    --------
    >>> wide = pd.DataFrame({"customer_id": ["a", "b"], "spend": [1.5, None],
    ...                      "region": ["north", None]})
    >>> to_long(wide)
      feature customer_id  value  label
    0   spend           a    1.5    NaN
    1   spend           b    NaN    NaN
    2  region           a    NaN  north
    3  region           b    NaN    NaN
    """
    if KEY not in customers.columns:
        raise StoreError(f"customer_values: the customer table has no {KEY!r} column")
    features = [c for c in customers.columns if c != KEY]
    n = len(customers)
    ids = customers[KEY].astype(str).to_numpy(dtype=object)
    values: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for name in features:
        column = customers[name]
        if is_numeric_dtype(column) and not is_bool_dtype(column):
            values.append(column.to_numpy(dtype=float, na_value=np.nan))
            labels.append(np.full(n, None, dtype=object))
        else:
            text = (
                column.astype(object)
                .where(column.notna(), None)
                .map(lambda v: None if v is None else str(v))
            )
            values.append(np.full(n, np.nan))
            labels.append(text.to_numpy(dtype=object))
    return pd.DataFrame(
        {
            "customer_id": np.tile(ids, len(features)),
            "feature": np.repeat(np.asarray(features, dtype=object), n),
            "value": np.concatenate(values) if values else np.empty(0),
            "label": np.concatenate(labels) if labels else np.empty(0, dtype=object),
        },
        columns=CUSTOMER_VALUE_COLUMNS,
    )


def to_wide(long: pd.DataFrame) -> pd.DataFrame:
    """Rebuild the wide customer table from long rows in the order they were written.

    Examples
    --------
    >>> wide = pd.DataFrame({"customer_id": ["a", "b"], "spend": [1.5, None],
    ...                      "region": ["north", None]})
    >>> to_wide(to_long(wide))
      customer_id  spend region
    0           a    1.5  north
    1           b    NaN    NaN
    """
    if long.empty:
        return pd.DataFrame(columns=[KEY])
    features = list(dict.fromkeys(long["feature"].tolist()))
    n = len(long) // len(features)
    ids = long[KEY].iloc[:n].to_numpy(dtype=object)
    out: dict[str, object] = {KEY: pd.Series(ids, dtype=str)}
    for i, name in enumerate(features):
        block = long.iloc[i * n : (i + 1) * n]
        if len(block) != n or (block[KEY].to_numpy(dtype=object) != ids).any():
            raise StoreError(
                f"customer_values: feature {name!r} does not hold one row per customer "
                "in the order written; the store is damaged"
            )
        labels = block["label"]
        if labels.notna().any():
            out[name] = pd.Series(labels.to_numpy(dtype=object), dtype=str)
        else:
            out[name] = pd.Series(block["value"].to_numpy(dtype=float))
    return pd.DataFrame(out)
