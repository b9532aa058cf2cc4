"""Choosing k from the sweep's evidence: one vote per criterion, ties broken by mean rank."""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from kneed import KneeLocator
from scipy.stats import rankdata

logger = logging.getLogger(__name__)

#: The indices that rank every k, with the direction in which each is better.
_INDICES = {"silhouette": "max", "davies_bouldin": "min", "calinski_harabasz": "max"}
_NAMES = {
    "elbow": "elbow",
    "silhouette": "silhouette",
    "davies_bouldin": "Davies-Bouldin",
    "calinski_harabasz": "Calinski-Harabasz",
    "gap": "gap statistic",
    "bic": "mixture BIC",
}


def kneedle_elbow(ks: Sequence[int], inertia: Sequence[float]) -> int | None:
    """The elbow of the inertia curve by Kneedle (convex, decreasing), or ``None``.

    Parameters
    ----------
    ks : sequence of int
        Increasing numbers of segments.
    inertia : sequence of float
        Within-segment sum of squares at each k.

    Returns
    -------
    int or None
        The elbow k; ``None`` when Kneedle finds none or there are fewer than 3 points.

    Examples
    --------
    >>> kneedle_elbow([2, 3, 4, 5, 6, 7], [1000, 400, 100, 90, 82, 75])
    4
    >>> kneedle_elbow([2, 3], [10.0, 5.0]) is None
    True
    """
    x = np.asarray(ks, dtype=np.float64)
    y = np.asarray(inertia, dtype=np.float64)
    if x.size < 3 or np.ptp(y) == 0:
        return None
    with warnings.catch_warnings():
        # kneed warns "No knee/elbow found"; that outcome is reported through the return value.
        warnings.simplefilter("ignore")
        knee = KneeLocator(x, y, curve="convex", direction="decreasing").knee
    return None if knee is None else round(float(knee))


def mean_ranks(scores: pd.DataFrame) -> np.ndarray:
    """Mean rank of each row of ``scores`` over silhouette, Davies-Bouldin and Calinski-Harabasz.

    Rank 1 is best for each index (highest silhouette, lowest Davies-Bouldin, highest
    Calinski-Harabasz); ties share the average rank.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"silhouette": [0.5, 0.7], "davies_bouldin": [0.9, 0.6],
    ...                   "calinski_harabasz": [300.0, 200.0]})
    >>> mean_ranks(s).round(3).tolist()
    [1.667, 1.333]
    """
    ranks = [
        rankdata(-scores[col].to_numpy() if sense == "max" else scores[col].to_numpy())
        for col, sense in _INDICES.items()
    ]
    return np.mean(ranks, axis=0)


def recommend_k(
    scores: pd.DataFrame,
    elbow_k: int | None,
    *,
    extra_votes: Mapping[str, int] | None = None,
    silhouette_note: str = "",
) -> tuple[int, dict[str, int], str]:
    """Recommend a number of segments by consensus of the criteria.

    Each criterion votes for the k it prefers: silhouette (highest), Davies-Bouldin (lowest),
    Calinski-Harabasz (highest) and, when Kneedle finds one, the elbow of the inertia curve.
    Optional further criteria (``extra_votes``: the gap statistic, the Gaussian-mixture BIC)
    vote too; a gap vote for k = 1 ("no structure") cannot win but counts against the others'
    agreement. The k with most votes wins; a tie goes to the k with the best mean rank across
    the three indices, then to the smaller k (the simpler segmentation).

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per k with columns ``k``, ``silhouette``, ``davies_bouldin``,
        ``calinski_harabasz``.
    elbow_k : int or None
        The Kneedle elbow, or ``None`` when there is none (the elbow then does not vote).
    extra_votes : mapping, optional
        ``{"gap": k, "bic": k}`` — votes of criteria computed outside ``scores``.
    silhouette_note : str, default ""
        Words inserted after the silhouette value in the rationale, e.g. ``"sampled"``.

    Returns
    -------
    recommended_k : int
        The chosen k.
    votes : dict
        ``{criterion: preferred k}``; ``"elbow"`` is absent when there is no elbow.
    rationale : str
        Two to three sentences citing the numbers.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"k": [2, 3, 4], "silhouette": [0.40, 0.62, 0.51],
    ...                   "davies_bouldin": [0.95, 0.58, 0.71],
    ...                   "calinski_harabasz": [900.0, 1400.0, 1500.0]})
    >>> k, votes, text = recommend_k(s, 3)
    >>> k, votes
    (3, {'elbow': 3, 'silhouette': 3, 'davies_bouldin': 3, 'calinski_harabasz': 4})
    >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
    k=3 is recommended by 3 of 4 criteria (elbow, silhouette, Davies-Bouldin). At k=3:
    silhouette 0.620 (highest), Davies-Bouldin 0.580 (lowest), Calinski-Harabasz 1,400.0
    (highest at k=4). The Kneedle elbow of the inertia curve is at k=3.
    """
    ks = [int(k) for k in scores["k"]]
    votes: dict[str, int] = {}
    if elbow_k is not None:
        votes["elbow"] = int(elbow_k)
    for col, sense in _INDICES.items():
        values = scores[col].to_numpy(dtype=np.float64)
        votes[col] = ks[np.argmax(values) if sense == "max" else np.argmin(values)]
    votes.update({name: int(k) for name, k in (extra_votes or {}).items()})

    tally = Counter(votes.values())
    most = max(tally[k] for k in ks)
    tied = [k for k in ks if tally[k] == most]
    ranks = dict(zip(ks, mean_ranks(scores).tolist(), strict=True))
    chosen = min(tied, key=lambda k: (ranks[k], k))

    voters = [_NAMES[name] for name, k in votes.items() if k == chosen]
    if len(tied) == 1:
        first = (
            f"k={chosen} is recommended by {most} of {len(votes)} criteria ({', '.join(voters)})."
        )
    else:
        others = [k for k in tied if k != chosen]
        first = (
            f"k={chosen} is recommended: it ties with "
            f"{', '.join(f'k={k}' for k in others)} at {most} of {len(votes)} votes "
            f"({', '.join(voters)}) and has the best mean rank across the three indices "
            f"({ranks[chosen]:.2f} vs {', '.join(f'{ranks[k]:.2f}' for k in others)})."
        )
    row = scores.loc[scores["k"] == chosen].iloc[0]
    note = f", {silhouette_note}" if silhouette_note else ""
    second = (
        f"At k={chosen}: silhouette {row['silhouette']:.3f}"
        f" ({_best_word('highest', votes['silhouette'], chosen)}{note}),"
        f" Davies-Bouldin {row['davies_bouldin']:.3f}"
        f" ({_best_word('lowest', votes['davies_bouldin'], chosen)}),"
        f" Calinski-Harabasz {row['calinski_harabasz']:,.1f}"
        f" ({_best_word('highest', votes['calinski_harabasz'], chosen)})."
    )
    if elbow_k is None:
        third = "Kneedle found no elbow in the inertia curve, so the elbow did not vote."
    else:
        third = f"The Kneedle elbow of the inertia curve is at k={elbow_k}."
    for name in ("gap", "bic"):
        if name in votes:
            third += f" The {_NAMES[name]} prefers k={votes[name]}."
    logger.info("recommended k=%d (votes %s)", chosen, votes)
    return chosen, votes, f"{first} {second} {third}"


def _best_word(word: str, best_k: int, chosen: int) -> str:
    return word if best_k == chosen else f"{word} at k={best_k}"
