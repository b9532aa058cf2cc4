"""Keep the current segments or refit them: a decision from drift measures, with its reasons."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from user_segmentation.errors import ModelError
from user_segmentation.track.drift import SHARE_COLUMNS, DriftReport

logger = logging.getLogger(__name__)

Action = Literal["keep", "refit"]


@dataclass(frozen=True)
class DriftThresholds:
    """Levels at which a drift measure calls for a refit (each compared with ``≥``).

    Attributes
    ----------
    psi_moderate : float
        PSI of a feature worth a note: 0.1.
    psi_major : float
        PSI of a feature that calls for a refit: 0.25.
    share_total_variation : float
        Total variation distance between segment mixes that calls for a refit: 0.1, i.e. a
        tenth of the customers would have to change segment to restore the fitted mix.
        Sampling alone moves it by about a hundredth for a few thousand customers.
    margin_decay : float
        Relative fall of the median margin to the next segment that calls for a refit: 0.25,
        the typical customer a quarter closer to a segment boundary than when fitted, which
        is what data filling the gaps between segments does.
    far_share : float
        Share of new customers beyond the reference's far quantile (99%) that calls for a
        refit: 0.05, five times the 1% expected when nothing changed, and far above its
        sampling noise (±0.3 percentage points for 1,000 customers).

    Examples
    --------
    >>> DriftThresholds().psi_major
    0.25
    """

    # The PSI levels are the rule of thumb of credit-scorecard monitoring (N. Siddiqi,
    # "Credit Risk Scorecards", Wiley 2006): below 0.1 no significant shift, 0.1 to 0.25 a
    # moderate shift worth watching, 0.25 and above a major shift.
    psi_moderate: float = 0.1
    psi_major: float = 0.25
    share_total_variation: float = 0.1
    margin_decay: float = 0.25
    far_share: float = 0.05

    def __post_init__(self) -> None:
        if not 0 < self.psi_moderate <= self.psi_major:
            raise ModelError(
                f"need 0 < psi_moderate ≤ psi_major, got {self.psi_moderate} and {self.psi_major}"
            )
        for name in ("share_total_variation", "margin_decay", "far_share"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ModelError(f"{name} must lie in (0, 1], got {value}")


@dataclass(frozen=True)
class Decision:
    """What to do with the current segments, and why.

    Attributes
    ----------
    action : {"keep", "refit"}
        Keep the current model, or fit the segments again.
    reasons : list of str
        For a refit, every measure that reached its threshold; for a keep, each measure
        against its threshold. Plain sentences naming the feature or segment and value.
    notes : list of str
        Moderate shifts worth watching that do not call for a refit.
    """

    action: Action
    reasons: list[str]
    notes: list[str] = field(default_factory=list)


def decide(report: DriftReport, thresholds: DriftThresholds | None = None) -> Decision:
    """Decide from a drift report whether the segments still fit the customers.

    A refit is called for when any measure reaches its threshold: a feature's PSI at the major
    level, the total variation of segment shares, the decay of the median margin, or the
    share of customers far from every centroid. Missing measures are skipped.

    Parameters
    ----------
    report : DriftReport
        The measures (see :func:`~user_segmentation.track.drift.drift_report`).
    thresholds : DriftThresholds, optional
        Default :class:`DriftThresholds`.

    Returns
    -------
    Decision
        ``"refit"`` with the measures that called for it, or ``"keep"``.

    Raises
    ------
    ModelError
        If the report holds no measure at all.

    Examples
    --------
    >>> import pandas as pd
    >>> from user_segmentation.track.drift import SHARE_COLUMNS, DriftReport
    >>> psi = pd.DataFrame({"feature": ["monetary", "recency"], "kind": ["numeric"] * 2,
    ...                     "psi": [0.31, 0.12], "n_bins": [10, 10]})
    >>> d = decide(DriftReport(psi=psi, far_share=0.01))
    >>> d.action, d.reasons
    ('refit', ['PSI of monetary 0.31 ≥ 0.25'])
    >>> d.notes
    ['PSI of recency 0.12 ≥ 0.1 (moderate shift, below the 0.25 refit level)']
    """
    t = thresholds or DriftThresholds()
    has_psi = len(report.psi) > 0
    measures = (report.shares, report.margin_decay, report.far_share)
    if not has_psi and all(m is None for m in measures):
        raise ModelError("the drift report holds no measure to decide on")
    refit: list[str] = []
    keep: list[str] = []
    notes: list[str] = []

    if report.far_share is not None:
        q = report.far_quantile
        beyond = "" if report.far_distance is None else f" (distance > {report.far_distance:.3g})"
        text = (
            f"{report.far_share:.1%} of new customers lie farther from every centroid than "
            f"{q * 100:g}% of the fitted customers{beyond}: far share {report.far_share:.3g}"
        )
        if report.far_share >= t.far_share:
            refit.append(f"{text} ≥ {t.far_share:g}")
        else:
            keep.append(f"{text} < {t.far_share:g}")

    if has_psi:
        rows = report.psi.sort_values(["psi", "feature"], ascending=[False, True])
        for feature, value in zip(
            rows["feature"].to_numpy(), rows["psi"].to_numpy(dtype=np.float64), strict=True
        ):
            if value >= t.psi_major:
                refit.append(f"PSI of {feature} {value:.3g} ≥ {t.psi_major:g}")
            elif value >= t.psi_moderate:
                notes.append(
                    f"PSI of {feature} {value:.3g} ≥ {t.psi_moderate:g} "
                    f"(moderate shift, below the {t.psi_major:g} refit level)"
                )
        top_psi, top_feature = float(rows["psi"].to_numpy()[0]), rows["feature"].to_numpy()[0]
        if top_psi < t.psi_major:
            keep.append(f"largest PSI {top_psi:.3g} (on {top_feature}) < {t.psi_major:g}")

    if report.shares is not None:
        tvd = report.shares.total_variation
        table = report.shares.table
        at = int(np.abs(table["shift"].to_numpy()).argmax())
        seg, before, after = (table[c].to_numpy()[at] for c in SHARE_COLUMNS[:3])
        text = (
            f"segment shares moved by a total variation of {tvd:.3g} (largest: segment "
            f"{int(seg)} from {float(before):.1%} to {float(after):.1%})"
        )
        if tvd >= t.share_total_variation:
            refit.append(f"{text} ≥ {t.share_total_variation:g}")
        else:
            keep.append(
                f"segment shares moved by a total variation of {tvd:.3g} < "
                f"{t.share_total_variation:g}"
            )

    if report.margin_decay is not None:
        decay = report.margin_decay
        text = f"median margin to the next segment fell by {decay:.1%}: margin decay {decay:.3g}"
        if decay >= t.margin_decay:
            refit.append(f"{text} ≥ {t.margin_decay:g}")
        else:
            keep.append(f"margin decay {decay:.3g} < {t.margin_decay:g}")

    decision = Decision("refit", refit, notes) if refit else Decision("keep", keep, notes)
    logger.info("drift decision: %s (%s)", decision.action, "; ".join(decision.reasons))
    return decision
