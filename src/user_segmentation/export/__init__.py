"""export stage: hand a run's results to other tools, never the members of a too-small segment."""

from user_segmentation.export.members import member_table, write_members

__all__ = ["member_table", "write_members"]
