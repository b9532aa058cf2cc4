"""Read declared sources (CSV, Parquet, Excel, JSON, SQL) into pandas DataFrames.

A file source may also be gzip- or zip-compressed, a folder of Parquet files, or a glob
pattern whose files are stacked; an Excel source may stack all its sheets and a JSON source
may flatten nested objects into columns.

Every failure is raised as one of the package's own errors (:class:`~user_segmentation.errors.
SourceError`, :class:`~user_segmentation.errors.EmptyInputError`,
:class:`~user_segmentation.errors.SchemaError`) naming the file, sheet, line or column involved.
"""

from __future__ import annotations

from user_segmentation.sources.fingerprint import file_fingerprint, source_fingerprint
from user_segmentation.sources.limits import DEFAULT_MAX_UNCOMPRESSED_BYTES
from user_segmentation.sources.read import SOURCE_KINDS, SourceKind, read_source

__all__ = [
    "DEFAULT_MAX_UNCOMPRESSED_BYTES",
    "SOURCE_KINDS",
    "SourceKind",
    "file_fingerprint",
    "read_source",
    "source_fingerprint",
]
