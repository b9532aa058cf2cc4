"""One error hierarchy for everything the tool refuses.

Every failure a user can cause (a bad file, a bad config key, too few customers) is raised as a
subclass of :class:`SegmentationError` with a message that names the file, column, row and value
involved, so the CLI can print it and exit without a traceback.
"""

from __future__ import annotations


class SegmentationError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code: int = 1


class SourceError(SegmentationError):
    """A source could not be read (missing, unreadable, malformed)."""

    exit_code = 2


class EmptyInputError(SourceError):
    """A source file is empty or holds a header but no data rows."""


class SchemaError(SegmentationError):
    """Data does not have the columns or types the configuration declares."""

    exit_code = 2


# DataQualityError and ModelError are also ValueErrors, so scikit-learn code (and users) that
# catch ValueError for bad input keep working with the estimators.
class DataQualityError(SegmentationError, ValueError):
    """Data was read but cannot be segmented as it is (NaN, inf, too few customers, ...)."""

    exit_code = 2


class ConfigError(SegmentationError):
    """The project file ``segmentation.yaml`` is missing, malformed or inconsistent."""

    exit_code = 3


class ModelError(SegmentationError, ValueError):
    """A model cannot be fitted or applied with the requested settings."""

    exit_code = 4


class StoreError(SegmentationError):
    """The run store cannot be opened, read or written."""

    exit_code = 5


class PrivacyError(SegmentationError):
    """A request would expose the members of a segment below the minimum size."""

    exit_code = 6
