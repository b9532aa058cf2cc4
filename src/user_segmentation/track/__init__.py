"""track stage: keep segments current across runs.

Measure how far new customers have drifted from the data a model was fitted on, decide whether
to keep the model or refit, match a refit's segments to the previous run's so ids stay stable
(with births, retirements, splits and merges), and tabulate every customer's move.
"""

from user_segmentation.track.decision import Decision, DriftThresholds, decide
from user_segmentation.track.drift import (
    DriftReport,
    ShareShift,
    drift_report,
    far_share,
    far_threshold,
    feature_psi,
    margin_decay,
    psi,
    share_shift,
)
from user_segmentation.track.matching import (
    SegmentMatch,
    SegmentMerge,
    SegmentSplit,
    default_max_distance,
    label_centroids,
    match_segments,
)
from user_segmentation.track.migration import GONE, NEW, TransitionMatrix, moves, transition_matrix

__all__ = [
    "GONE",
    "NEW",
    "Decision",
    "DriftReport",
    "DriftThresholds",
    "SegmentMatch",
    "SegmentMerge",
    "SegmentSplit",
    "ShareShift",
    "TransitionMatrix",
    "decide",
    "default_max_distance",
    "drift_report",
    "far_share",
    "far_threshold",
    "feature_psi",
    "label_centroids",
    "margin_decay",
    "match_segments",
    "moves",
    "psi",
    "share_shift",
    "transition_matrix",
]
