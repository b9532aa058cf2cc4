"""The project file ``segmentation.yaml``: load, validate, resolve paths.

Only the pipeline and the front ends import this module; the analysis stages take plain
arguments. Unknown keys are errors (a typo must not silently fall back to a default), and every
error names the offending key path, e.g. ``model.k_max: Input should be greater than 2``.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from user_segmentation.errors import ConfigError

SourceKind = Literal["csv", "parquet", "excel", "jsonl", "json", "sql"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExcludeConfig(_Strict):
    """A declared rule: rows matching it are excluded from the source and counted."""

    column: str
    reason: str
    starts_with: str | None = None
    at_most: float | None = None
    equals: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_test(self) -> ExcludeConfig:
        given = [self.starts_with is not None, self.at_most is not None, bool(self.equals)]
        if sum(given) != 1:
            raise ValueError("give exactly one of 'starts_with', 'at_most' or 'equals'")
        return self


class SourceConfig(_Strict):
    """One data source and how to read it."""

    kind: SourceKind
    path: str | None = None
    url: str | None = None
    table: str | None = None
    query: str | None = None
    sheet: str | int | None = Field(
        default=None, description="sheet name or 0-based position; '*' stacks every sheet"
    )
    header_row: int | None = Field(default=None, ge=1, description="Excel: 1-based header row")
    member: str | None = Field(default=None, description="zip archives: the file inside to read")
    flatten: dict[str, str] = Field(
        default_factory=dict, description="JSON: {column: dotted.path} for nested fields"
    )
    key: str | None = Field(
        description="customer id column as named in the source; null: one customer per row, "
        "identified by its row number"
    )
    role: Literal["attributes", "transactions", "events"]
    columns: dict[str, str] = Field(default_factory=dict, description="rename map: old -> new")
    encoding: str | None = None
    sep: str | None = None
    decimal: str = "."
    thousands: str | None = None
    leading_zeros: Literal["keep", "strip"] = "keep"
    key_case: Literal["keep", "upper", "lower"] = "keep"
    drop_duplicates: bool = True
    latest_by: str | None = None
    exclude: list[ExcludeConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _location(self) -> SourceConfig:
        if self.kind == "sql":
            if not (self.url or self.path):
                raise ValueError(
                    "a sql source needs 'url' (SQLAlchemy URL) or 'path' (SQLite file)"
                )
            if bool(self.table) == bool(self.query):
                raise ValueError("a sql source needs exactly one of 'table' or 'query'")
        elif not self.path:
            raise ValueError(f"a {self.kind} source needs 'path'")
        if self.key is None and self.role != "attributes":
            raise ValueError(
                f"key: null (row number as id) only suits role 'attributes', not '{self.role}'"
            )
        return self


class TransactionsConfig(_Strict):
    """Which source is the transaction log and which columns play which role."""

    source: str
    order: str
    timestamp: str
    timestamp_format: str | None = Field(
        default=None,
        description="strptime format of text timestamps, e.g. '%d/%m/%Y %H:%M' (add %z for "
        "offsets); default ISO 8601 — day-first or month-first is never guessed",
    )
    amount: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    category: str | None = Field(
        default=None, description="product category: adds share_* features"
    )
    top_categories: int = Field(default=5, ge=1, le=50)
    windows: list[int] = Field(default_factory=list, description="e.g. [90, 180, 365] days")
    returns: Literal["net", "exclude"] = "net"
    lifetimes_period: Literal["D", "W", "M"] | None = Field(
        default=None, description="add the lifetimes summary (lifetimes_*) in days/weeks/months"
    )

    @field_validator("windows")
    @classmethod
    def _windows(cls, v: list[int]) -> list[int]:
        if any(w <= 0 for w in v) or len(set(v)) != len(v):
            raise ValueError("windows must be distinct positive numbers of days")
        return v

    @model_validator(mode="after")
    def _amount(self) -> TransactionsConfig:
        if not self.amount and not (self.quantity and self.unit_price):
            raise ValueError("give 'amount', or both 'quantity' and 'unit_price'")
        return self


class EventsConfig(_Strict):
    """Per-customer aggregates of an event source."""

    source: str
    sum: list[str] = Field(default_factory=list)
    mean: list[str] = Field(default_factory=list)
    count_as: str | None = None


class AttributesConfig(_Strict):
    """Attribute columns (from attribute sources) used as features."""

    numeric: list[str] = Field(default_factory=list)
    categorical: list[str] = Field(default_factory=list)
    dates: dict[str, str | None] = Field(default_factory=dict)
    booleans: list[str] = Field(
        default_factory=list, description="yes/no columns (yes/no, y/n, true/false, 1/0)"
    )
    ranges: dict[str, tuple[float | None, float | None]] = Field(
        default_factory=dict,
        description="valid range of numeric attributes, {column: [min, max]}, both included; "
        "null leaves a side open",
    )
    out_of_range: Literal["missing", "error"] = Field(
        default="missing",
        description="a value outside its range: made missing (then imputed) and counted in the "
        "data-quality report, or an error",
    )

    @model_validator(mode="after")
    def _ranges(self) -> AttributesConfig:
        for col, (lo, hi) in self.ranges.items():
            if col not in self.numeric:
                raise ValueError(
                    f"ranges: '{col}' is not a numeric attribute (list it under numeric); "
                    f"numeric attributes are {self.numeric}"
                )
            if lo is None and hi is None:
                raise ValueError(f"ranges.{col}: give a min, a max or both (null: no bound)")
            if any(b is not None and not math.isfinite(b) for b in (lo, hi)):
                raise ValueError(f"ranges.{col}: bounds must be finite numbers or null")
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"ranges.{col}: min ({lo:g}) is above max ({hi:g})")
        return self


class FeaturesConfig(_Strict):
    """What to engineer, and which features form the segmentation basis."""

    transactions: TransactionsConfig | None = None
    events: list[EventsConfig] = Field(default_factory=list)
    attributes: AttributesConfig = Field(default_factory=AttributesConfig)
    model: list[str] | None = Field(
        default=None,
        description="features the segments are built on; the rest only describe them. "
        "Default: every numeric feature",
    )
    log: list[str] = Field(default_factory=list)
    currency_symbols: list[str] = Field(
        default_factory=list, description="stripped from numbers written as text, e.g. ['£']"
    )
    date_floor: date = Field(
        default=date(1970, 1, 2),
        description="earlier dates are placeholders (1970-01-01, Excel's 1900): treated as missing",
    )
    timezone: str = Field(
        default="UTC",
        description="IANA time zone of timestamps and dates written without an offset, e.g. "
        "'Europe/Berlin'; everything is converted to UTC",
    )
    skew_threshold: float | None = 1.0
    skew_transform: Literal["yeo-johnson", "log"] = Field(
        default="yeo-johnson",
        description="how columns skewed beyond skew_threshold are transformed before scaling",
    )
    impute: Literal["median", "error"] = "median"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {v!r}; use an IANA name such as 'Europe/Berlin'"
            ) from None
        return v


class IntegrateConfig(_Strict):
    """How sources are joined."""

    population: list[str] | None = Field(
        default=None, description="sources whose customers form the base (default: the first)"
    )
    priority: list[str] = Field(
        default_factory=list,
        description="attribute sources, most trusted first, for columns several of them have",
    )
    min_coverage: float = Field(
        default=0.01,
        ge=0.0,
        le=1.0,
        description="a source outside the population that has fewer of the base's customers "
        "than this share is refused (ids that do not match, e.g. padded or prefixed)",
    )


class ReduceConfig(_Strict):
    """Dimension reduction."""

    variance: float = Field(default=0.9, gt=0, le=1)


class ModelConfig(_Strict):
    """Choosing k and clustering."""

    k: int | Literal["auto"] = "auto"
    k_min: int = Field(default=2, ge=2)
    k_max: int = Field(default=10, ge=2)
    primary: Literal["kmeans", "ward"] = "kmeans"
    n_init: int = Field(default=10, ge=1)
    min_segment_share: float = Field(
        default=0.01,
        ge=0,
        lt=0.5,
        description="a k whose smallest segment holds less than this share of customers "
        "(and fewer than 2) is not recommended",
    )
    silhouette_exact_max: int = Field(default=10_000, ge=100)
    silhouette_sample_size: int = Field(default=10_000, ge=100)
    ward_exact_max: int = Field(default=10_000, ge=10)
    gap_refs: int = Field(
        default=10, ge=0, description="reference data sets of the gap statistic (0: skip it)"
    )
    bic: bool = Field(default=True, description="compare k by Gaussian-mixture BIC too")
    stability_boots: int = Field(
        default=10, ge=0, description="bootstrap resamples per k for stability (0: skip it)"
    )
    evidence_sample_size: int = Field(
        default=5_000,
        ge=100,
        description="rows sampled for the gap statistic, BIC and stability (they refit often)",
    )

    @field_validator("k")
    @classmethod
    def _k(cls, v: int | str) -> int | str:
        if isinstance(v, int) and v < 2:
            raise ValueError("k must be 'auto' or an integer ≥ 2")
        return v

    @model_validator(mode="after")
    def _range(self) -> ModelConfig:
        if self.k_max < self.k_min:
            raise ValueError(f"k_max ({self.k_max}) is below k_min ({self.k_min})")
        return self


class StoreConfig(_Strict):
    """Where runs are kept."""

    url: str = "segmentation.db"
    auto_publish: bool = Field(
        default=False,
        description="publish every new run at once; otherwise it is a candidate until "
        "`segment publish RUN` (readers show the latest run until one is published)",
    )


class ProfileConfig(_Strict):
    """How segments are described."""

    names: dict[int, str] = Field(
        default_factory=dict,
        description="your own segment names by id; they replace generated ones",
    )
    playbook: str | None = Field(
        default=None,
        description="YAML file of 'segment name: action' lines extending the built-in playbook",
    )
    min_segment_size: int = Field(
        default=50,
        ge=1,
        description="smallest segment whose member list may be exported (privacy guard)",
    )
    small_segments: Literal["flag", "merge"] = Field(
        default="flag",
        description="segments under min_segment_size: flag them (kept, members never "
        "exported) or merge their customers into the nearest other segment",
    )


class UpdateConfig(_Strict):
    """When `segment update` keeps the current model and when it refits (see the README)."""

    psi_moderate: float = Field(default=0.1, gt=0, description="PSI noted as a moderate shift")
    psi_major: float = Field(default=0.25, gt=0, description="PSI of a feature that refits")
    share_total_variation: float = Field(
        default=0.1, gt=0, le=1, description="total shift of segment shares that refits"
    )
    margin_decay: float = Field(
        default=0.25, gt=0, description="relative fall of the median assignment margin that refits"
    )
    far_share: float = Field(
        default=0.05,
        gt=0,
        le=1,
        description="share of customers beyond the model's 99th-percentile distance that refits",
    )
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="renamed columns in new data for `segment assign`: {new name: model name}",
    )


class ReportConfig(_Strict):
    """Where the HTML report is written."""

    path: str = "report.html"


class ProjectConfig(_Strict):
    """The whole project file."""

    project: str = "segmentation"
    seed: int = 42
    as_of: date | datetime | None = Field(
        default=None, description="observation end; default: the last transaction's day"
    )
    sources: dict[str, SourceConfig]
    integrate: IntegrateConfig = Field(default_factory=IntegrateConfig)
    features: FeaturesConfig = Field(default_factory=FeaturesConfig)
    reduce: ReduceConfig = Field(default_factory=ReduceConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    profile: ProfileConfig = Field(default_factory=ProfileConfig)
    update: UpdateConfig = Field(default_factory=UpdateConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    _base_dir: Path = PrivateAttr(default=Path("."))

    @property
    def base_dir(self) -> Path:
        """Folder of the project file; relative paths are resolved against it."""
        return self._base_dir

    @model_validator(mode="after")
    def _references(self) -> ProjectConfig:
        if not self.sources:
            raise ValueError("at least one source is needed")
        names = set(self.sources)
        refs: list[tuple[str, str]] = [
            ("integrate.population", n) for n in self.integrate.population or []
        ]
        refs += [("integrate.priority", n) for n in self.integrate.priority]
        if self.features.transactions:
            refs.append(("features.transactions.source", self.features.transactions.source))
        refs += [
            (f"features.events[{i}].source", e.source) for i, e in enumerate(self.features.events)
        ]
        for where, name in refs:
            if name not in names:
                raise ValueError(f"{where}: unknown source '{name}'; sources are {sorted(names)}")
        return self

    def resolve(self, path: str) -> Path:
        """A path from the project file, relative to the file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    def store_url(self) -> str:
        """The store as an SQLAlchemy URL (a bare path is a SQLite file beside the project file)."""
        url = self.store.url
        return url if "://" in url else f"sqlite:///{self.resolve(url).resolve()}"

    def as_of_datetime(self) -> datetime | None:
        """``as_of`` as the end of that day when a date was given."""
        if self.as_of is None or isinstance(self.as_of, datetime):
            return self.as_of
        return datetime.combine(self.as_of, time(23, 59, 59))

    def fingerprint(self) -> str:
        """sha256 of the configuration's content (paths as written), for run records.

        Settings left at their defaults are left out, so a later version that adds a setting
        does not change the fingerprint of an unchanged project.
        """
        text = json.dumps(self.model_dump(mode="json", exclude_defaults=True), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def load_config(path: str | Path) -> ProjectConfig:
    """Read and validate a project file.

    Raises
    ------
    ConfigError
        Naming the file and the key path of every problem found.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "segmentation.yaml"
    >>> _ = f.write_text("sources:\\n  crm: {kind: csv, path: c.csv, key: id, role: attributes}\\n")
    >>> load_config(f).model.k
    'auto'
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(
            f"{p}: project file not found (create one with 'segment init' or 'segment demo')"
        )
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: expected a mapping of settings at the top level")
    return parse_config(raw, base_dir=p.resolve().parent, origin=str(p))


def parse_config(raw: dict[str, Any], *, base_dir: Path, origin: str = "config") -> ProjectConfig:
    """Validate an already-parsed mapping (see :func:`load_config`)."""
    try:
        cfg = ProjectConfig.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(part) for part in err["loc"]) or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling)"
            problems.append(f"{loc}: {msg}")
        raise ConfigError(f"{origin}: " + "; ".join(problems)) from exc
    cfg._base_dir = base_dir
    return cfg
