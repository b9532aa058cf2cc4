"""cluster stage: fit segments with canonical, row-order-independent ids.

k-means and Ward (exact, or two-step above a size threshold) on a preprocessed numeric
matrix; canonical relabelling; matching ids between labelings; nearest-centroid assignment.
"""

from user_segmentation.cluster.assign import nearest_two
from user_segmentation.cluster.canonical import align_to, canonical_labels
from user_segmentation.cluster.checks import check_k, row_order, validate_matrix
from user_segmentation.cluster.kmeans import fit_kmeans
from user_segmentation.cluster.result import Clustering
from user_segmentation.cluster.ward import fit_ward
from user_segmentation.cluster.weighted_ward import cut_linkage, weighted_ward_linkage

__all__ = [
    "Clustering",
    "align_to",
    "canonical_labels",
    "check_k",
    "cut_linkage",
    "fit_kmeans",
    "fit_ward",
    "nearest_two",
    "row_order",
    "validate_matrix",
    "weighted_ward_linkage",
]
