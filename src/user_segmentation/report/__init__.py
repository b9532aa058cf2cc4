"""Report stage: Plotly figures of a run and its self-contained HTML report.

Everything here reads a :class:`~user_segmentation.records.RunRecord` and nothing else.
"""

from user_segmentation.report.cards import segment_cards_html
from user_segmentation.report.figures import (
    dendrogram_figure,
    k_selection_figure,
    pca_scatter_figure,
    profile_heatmap_figure,
    segment_sizes_figure,
    stability_figure,
    stratified_sample,
)
from user_segmentation.report.html import render_report, report_html
from user_segmentation.report.traits import defining_traits, format_std_diff, format_trait
from user_segmentation.report.variables import (
    comparison_figure,
    distribution_figure,
    radar_figure,
    variable_explorer_figure,
)

__all__ = [
    "comparison_figure",
    "defining_traits",
    "dendrogram_figure",
    "distribution_figure",
    "format_std_diff",
    "format_trait",
    "k_selection_figure",
    "pca_scatter_figure",
    "profile_heatmap_figure",
    "radar_figure",
    "render_report",
    "report_html",
    "segment_cards_html",
    "segment_sizes_figure",
    "stability_figure",
    "stratified_sample",
    "variable_explorer_figure",
]
