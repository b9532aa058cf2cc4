"""profile stage: what each segment is — sizes, profiles, statistics, rules, names, actions."""

from user_segmentation.profile.compare import compare_segments
from user_segmentation.profile.describe import describe_segments
from user_segmentation.profile.names import (
    apply_user_names,
    base_name,
    rfm_scores,
    rfm_segment_names,
    trait_names,
)
from user_segmentation.profile.playbook import DEFAULT_PLAYBOOK, load_playbook, suggest_actions
from user_segmentation.profile.profiles import profile_table, segment_table, statistics_record
from user_segmentation.profile.rules import SegmentRule, segment_rules
from user_segmentation.profile.stats import (
    segment_statistics,
    small_segments,
    top_distinguishing,
    value_shares,
)

__all__ = [
    "DEFAULT_PLAYBOOK",
    "SegmentRule",
    "apply_user_names",
    "base_name",
    "compare_segments",
    "describe_segments",
    "load_playbook",
    "profile_table",
    "rfm_scores",
    "rfm_segment_names",
    "segment_rules",
    "segment_statistics",
    "segment_table",
    "small_segments",
    "statistics_record",
    "suggest_actions",
    "top_distinguishing",
    "trait_names",
    "value_shares",
]
