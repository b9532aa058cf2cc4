"""select stage: choose the number of segments, with evidence.

A k sweep scores k-means for each k — inertia (Kneedle elbow), silhouette (exact, or sampled
with a confidence interval), Davies-Bouldin, Calinski-Harabasz, the gap statistic, the
Gaussian-mixture BIC and bootstrap stability — recommends k by a documented consensus, and
grades the recommendation (plausible range, structure strength, confidence).
"""

from user_segmentation.select.bic import bic_choice, mixture_bic
from user_segmentation.select.consensus import kneedle_elbow, mean_ranks, recommend_k
from user_segmentation.select.estimator import KSelector
from user_segmentation.select.gap import gap_choice, gap_statistic
from user_segmentation.select.silhouette import (
    SilhouetteSweep,
    canonical_sample,
    silhouette,
    silhouette_many,
    silhouette_sweep,
)
from user_segmentation.select.stability import Stability, bootstrap_stability, stability_sweep
from user_segmentation.select.sweep import KSelection, sweep_k
from user_segmentation.select.verdict import Verdict, judge, silhouette_structure

__all__ = [
    "KSelection",
    "KSelector",
    "SilhouetteSweep",
    "Stability",
    "Verdict",
    "bic_choice",
    "bootstrap_stability",
    "canonical_sample",
    "gap_choice",
    "gap_statistic",
    "judge",
    "kneedle_elbow",
    "mean_ranks",
    "mixture_bic",
    "recommend_k",
    "silhouette",
    "silhouette_many",
    "silhouette_structure",
    "silhouette_sweep",
    "stability_sweep",
    "sweep_k",
]
