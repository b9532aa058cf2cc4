"""Read declared sources (CSV, Parquet, Excel, JSON, SQL) into pandas DataFrames.

Every failure is raised as one of the package's own errors (:class:`~user_segmentation.errors.
SourceError`, :class:`~user_segmentation.errors.EmptyInputError`,
:class:`~user_segmentation.errors.SchemaError`) naming the file, sheet, line or column involved.
"""

from __future__ import annotations

from user_segmentation.sources.fingerprint import file_fingerprint
from user_segmentation.sources.read import SOURCE_KINDS, SourceKind, read_source

__all__ = ["SOURCE_KINDS", "SourceKind", "file_fingerprint", "read_source"]
