"""How much to trust the chosen k: structure strength, agreement, stability, plausible range.

The recommended k always exists (someone has to pick one), but a tool that only ever says "k=4"
misleads on data without groups. The verdict grades the evidence with published readings:

* **structure** from the silhouette at the chosen k, after Kaufman & Rousseeuw (1990,
  *Finding Groups in Data*, ch. 2): > 0.70 strong, > 0.50 reasonable, > 0.25 weak ("could be
  artificial"), otherwise no substantial structure;
* **stability** from the bootstrap mean Jaccard of the chosen k's segments, after Hennig (2007,
  *Cluster-wise assessment of cluster stability*): ≥ 0.85 highly stable, ≥ 0.75 stable,
  below 0.6 the segments dissolve under resampling;
* **agreement**, the share of the criteria that voted for the chosen k.

The gap statistic preferring k = 1 is reported, but on its own it does not overrule a
reasonable silhouette: on the Mall customers tutorial data every index but the gap finds five
clear groups, while the gap's standard-error rules say 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Structure = Literal["strong", "reasonable", "weak", "none"]
Confidence = Literal["high", "medium", "low"]

#: Kaufman & Rousseeuw's silhouette readings, strongest first (lower bounds, exclusive).
_SILHOUETTE_READINGS: tuple[tuple[float, Structure], ...] = (
    (0.70, "strong"),
    (0.50, "reasonable"),
    (0.25, "weak"),
)
#: Hennig's Jaccard readings used here.
STABLE_JACCARD = 0.75
HIGHLY_STABLE_JACCARD = 0.85
DISSOLVED_JACCARD = 0.60


@dataclass(frozen=True)
class Verdict:
    """The graded recommendation.

    Attributes
    ----------
    recommended_k : int
        The consensus k.
    plausible_range : tuple of int
        Smallest and largest k (≥ 2) that any criterion preferred, the recommended k included.
    structure : str
        ``"strong"``, ``"reasonable"``, ``"weak"`` or ``"none"`` (silhouette reading).
    confidence : str
        ``"high"``, ``"medium"`` or ``"low"``.
    clear_structure : bool
        ``False`` when the data show no clear cluster structure: no substantial silhouette,
        or a weak one that the gap statistic (k = 1) or resampling (dissolving segments)
        does not support.
    summary : str
        One or two sentences saying the above in words.
    """

    recommended_k: int
    plausible_range: tuple[int, int]
    structure: Structure
    confidence: Confidence
    clear_structure: bool
    summary: str


def silhouette_structure(value: float) -> Structure:
    """Kaufman & Rousseeuw's reading of a mean silhouette.

    Examples
    --------
    >>> [silhouette_structure(v) for v in (0.8, 0.55, 0.3, 0.1)]
    ['strong', 'reasonable', 'weak', 'none']
    """
    for bound, name in _SILHOUETTE_READINGS:
        if value > bound:
            return name
    return "none"


def judge(
    recommended_k: int,
    votes: Mapping[str, int],
    silhouette: float,
    *,
    stability: float | None = None,
) -> Verdict:
    """Grade a recommended k from its silhouette, the criteria's votes and its stability.

    Parameters
    ----------
    recommended_k : int
        The consensus k.
    votes : mapping
        ``{criterion: preferred k}``; a ``"gap"`` vote of 1 means the gap statistic finds
        no cluster structure.
    silhouette : float
        Mean silhouette at ``recommended_k``.
    stability : float, optional
        Bootstrap mean Jaccard at ``recommended_k`` (``None`` when not computed).

    Returns
    -------
    Verdict

    Notes
    -----
    Confidence is *high* for strong or reasonable structure backed by at least half the
    criteria and (when measured) stable segments; *medium* for such structure without that
    backing, or for weak structure that at least half the criteria back and resampling finds
    highly stable; *low* otherwise.

    Examples
    --------
    >>> v = judge(5, {"silhouette": 5, "davies_bouldin": 5, "calinski_harabasz": 8, "gap": 1},
    ...           0.554, stability=0.9)
    >>> v.structure, v.confidence, v.clear_structure, v.plausible_range
    ('reasonable', 'high', True, (5, 8))
    >>> judge(3, {"silhouette": 3, "davies_bouldin": 2, "gap": 1}, 0.21).clear_structure
    False
    """
    structure = silhouette_structure(silhouette)
    agreement = sum(k == recommended_k for k in votes.values()) / max(len(votes), 1)
    backed = agreement >= 0.5
    if structure in ("strong", "reasonable"):
        stable = stability is None or stability >= STABLE_JACCARD
        confidence: Confidence = "high" if backed and stable else "medium"
    elif structure == "weak" and backed and stability is not None:
        confidence = "medium" if stability >= HIGHLY_STABLE_JACCARD else "low"
    else:
        confidence = "low"
    gap_says_none = votes.get("gap") == 1
    dissolves = stability is not None and stability < DISSOLVED_JACCARD
    clear = structure in ("strong", "reasonable") or (
        structure == "weak" and not gap_says_none and not dissolves
    )
    preferred = [k for k in votes.values() if k >= 2] + [recommended_k]
    span = (min(preferred), max(preferred))
    return Verdict(
        recommended_k=recommended_k,
        plausible_range=span,
        structure=structure,
        confidence=confidence,
        clear_structure=clear,
        summary=_summary(
            recommended_k, span, structure, confidence, clear, silhouette, stability, votes
        ),
    )


def _summary(
    k: int,
    span: tuple[int, int],
    structure: Structure,
    confidence: Confidence,
    clear: bool,
    silhouette: float,
    stability: float | None,
    votes: Mapping[str, int],
) -> str:
    reading = {
        "strong": "strong structure",
        "reasonable": "reasonable structure",
        "weak": "weak structure that could be artificial",
        "none": "no substantial structure",
    }[structure]
    first = (
        f"Confidence in k={k} is {confidence}: silhouette {silhouette:.3f} means {reading} "
        "(Kaufman & Rousseeuw)"
    )
    if stability is not None:
        first += f", and its segments' bootstrap mean Jaccard is {stability:.2f}"
        if stability >= HIGHLY_STABLE_JACCARD:
            first += " (highly stable)"
        elif stability >= STABLE_JACCARD:
            first += " (stable)"
        elif stability < DISSOLVED_JACCARD:
            first += " (the segments dissolve under resampling)"
        else:
            first += " (only partly stable)"
    first += "."
    plausible = f"k={span[0]}" if span[0] == span[1] else f"k={span[0]}–{span[1]}"
    second = f" Plausible range: {plausible}."
    if not clear:
        why = ["the silhouette is low"] if structure == "none" else []
        if votes.get("gap") == 1:
            why.append("the gap statistic prefers a single group")
        if stability is not None and stability < DISSOLVED_JACCARD:
            why.append("the segments are unstable")
        second += (
            f" No clear cluster structure: {', '.join(why) or 'the evidence is weak'}; treat the "
            "segments as a convenient partition of a continuum, not as natural groups."
        )
    elif votes.get("gap") == 1:
        second += (
            " The gap statistic prefers a single group, but the other indices find clear "
            "groups; the gap's standard-error rule is known to be conservative."
        )
    return first + second
