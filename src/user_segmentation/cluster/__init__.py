"""cluster stage: fit segments with canonical, row-order-independent ids.

k-means (full, mini-batch, bisecting), Ward (exact, or two-step above a size threshold),
Gaussian mixture, HDBSCAN and k-prototypes (numeric + categorical) on a preprocessed
matrix; the :class:`Segmenter` estimator over them; canonical relabelling; matching ids
between labelings; nearest-centroid assignment and per-customer confidence; folding
segments that are too small into their neighbours.
"""

from user_segmentation.cluster.assign import nearest_two
from user_segmentation.cluster.bisecting import fit_bisecting_kmeans
from user_segmentation.cluster.canonical import align_to, canonical_labels
from user_segmentation.cluster.checks import check_k, row_order, validate_matrix
from user_segmentation.cluster.confidence import centroid_confidence, relative_margin
from user_segmentation.cluster.dendrogram import dendrogram_data
from user_segmentation.cluster.density import fit_hdbscan
from user_segmentation.cluster.kmeans import fit_kmeans
from user_segmentation.cluster.minibatch import fit_minibatch_kmeans
from user_segmentation.cluster.mixed import fit_kprototypes
from user_segmentation.cluster.mixture import fit_gaussian_mixture
from user_segmentation.cluster.result import NOISE, Clustering
from user_segmentation.cluster.segmenter import Segmenter
from user_segmentation.cluster.small import merge_small_segments
from user_segmentation.cluster.ward import fit_ward
from user_segmentation.cluster.weighted_ward import cut_linkage, weighted_ward_linkage

__all__ = [
    "NOISE",
    "Clustering",
    "Segmenter",
    "align_to",
    "canonical_labels",
    "centroid_confidence",
    "check_k",
    "cut_linkage",
    "dendrogram_data",
    "fit_bisecting_kmeans",
    "fit_gaussian_mixture",
    "fit_hdbscan",
    "fit_kmeans",
    "fit_kprototypes",
    "fit_minibatch_kmeans",
    "fit_ward",
    "merge_small_segments",
    "nearest_two",
    "relative_margin",
    "row_order",
    "validate_matrix",
    "weighted_ward_linkage",
]
