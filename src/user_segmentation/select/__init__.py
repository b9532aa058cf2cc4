"""select stage: choose the number of segments, with evidence.

A k sweep scores k-means for each k (inertia, silhouette, Davies-Bouldin, Calinski-Harabasz)
and recommends k by a documented consensus of the criteria.
"""

from user_segmentation.select.consensus import kneedle_elbow, mean_ranks, recommend_k
from user_segmentation.select.silhouette import silhouette, silhouette_many
from user_segmentation.select.sweep import KSelection, sweep_k

__all__ = [
    "KSelection",
    "kneedle_elbow",
    "mean_ranks",
    "recommend_k",
    "silhouette",
    "silhouette_many",
    "sweep_k",
]
