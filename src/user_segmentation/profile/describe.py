"""Each segment in words: a name, a rule that picks it out, and a suggested action."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from user_segmentation.profile.names import (
    apply_user_names,
    rfm_segment_names,
    segment_traits,
    trait_names,
)
from user_segmentation.profile.playbook import suggest_actions
from user_segmentation.profile.rules import segment_rules
from user_segmentation.profile.stats import segment_statistics

#: Feature names that make RFM naming possible (as the feature stage writes them).
RFM_COLUMNS = ("recency_days", "frequency", "monetary")

DESCRIPTION_COLUMNS = [
    "segment_id",
    "name",
    "traits",
    "rule",
    "rule_precision",
    "rule_recall",
    "action",
]


def describe_segments(
    features: pd.DataFrame,
    segment_ids: np.ndarray,
    *,
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
    playbook: Mapping[str, str],
    user_names: Mapping[int, str] | None = None,
    statistics: pd.DataFrame | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Name, traits, rule and action of every segment.

    Names follow the RFM grid when the features hold ``recency_days``, ``frequency`` and
    ``monetary`` (:func:`~user_segmentation.profile.names.rfm_segment_names`), otherwise the
    segments' most distinguishing significant traits
    (:func:`~user_segmentation.profile.names.trait_names`); ``user_names`` override either.
    The traits are the strongest significant differences from the rest of the base, from
    ``statistics`` (:func:`~user_segmentation.profile.stats.segment_statistics` of these
    features; computed here when not given). The rule is the best short path of a
    one-vs-rest surrogate tree over ``numeric`` and ``categorical``
    (:func:`~user_segmentation.profile.rules.segment_rules`), with its precision and recall
    measured on every customer. The action comes from ``playbook``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from user_segmentation.profile.playbook import load_playbook
    >>> f = pd.DataFrame({"spend": [1.0, 2.0, 1.5, 90.0, 95.0, 99.0]})
    >>> out = describe_segments(f, np.array([1, 1, 1, 2, 2, 2]), numeric=["spend"],
    ...                         playbook=load_playbook())
    >>> out["rule"].tolist(), out["rule_precision"].tolist()
    (['spend ≤ 46', 'spend > 46'], [1.0, 1.0])
    """
    stats = (
        segment_statistics(
            features, segment_ids, numeric=list(numeric), categorical=list(categorical)
        )
        if statistics is None
        else statistics
    )
    if all(c in features.columns for c in RFM_COLUMNS):
        names = rfm_segment_names(features, segment_ids)
    else:
        names = trait_names(stats)
    traits = segment_traits(stats)
    if user_names:
        names = apply_user_names(names, user_names)
    rules = {
        r.segment: r
        for r in segment_rules(
            features,
            segment_ids,
            columns=[*numeric, *categorical],
            random_state=random_state,
        )
    }
    actions = suggest_actions(names, playbook)
    ids = sorted(int(s) for s in np.unique(segment_ids))
    return pd.DataFrame(
        {
            "segment_id": np.asarray(ids, dtype=np.int64),
            "name": [names[s] for s in ids],
            "traits": [traits.get(s, "") for s in ids],
            "rule": [rules[s].text for s in ids],
            "rule_precision": [float(rules[s].precision) for s in ids],
            "rule_recall": [float(rules[s].recall) for s in ids],
            "action": [actions[s] for s in ids],
        },
        columns=DESCRIPTION_COLUMNS,
    )
