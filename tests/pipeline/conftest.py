"""A customer base whose every customer's persona is known, for the update tests.

The project reads ONE customer-level file (``customers.csv``: an id and four RFM-like features),
rewritten whenever the base changes. Each persona is a log-normal cloud around its typical
customer; the clouds are far apart (centres at least a factor 2 apart on some feature, spread
15%), so the segment a customer belongs to is known without doubt: a customer's segment is that
of their persona, and a customer whose persona changes must change segment.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

FEATURES = ["recency_days", "frequency", "monetary", "sessions"]

#: The typical customer of each persona, one value per feature of FEATURES.
PERSONAS: dict[str, tuple[float, float, float, float]] = {
    "champions": (5, 20, 2000, 20),
    "loyal": (20, 8, 500, 8),
    "at_risk": (300, 5, 250, 1),
    "bargain_hunters": (10, 12, 150, 15),
    "browsers": (400, 1, 30, 25),
    # Never in a base at first: the persona that appears later, far from every other one
    # (rare, very large baskets).
    "big_ticket": (60, 2, 6000, 3),
}

#: Personas present from the start.
FIRST_PERSONAS = ["champions", "loyal", "at_risk", "bargain_hunters", "browsers"]

#: Standard deviation of each feature's logarithm within a persona (about 15%).
SPREAD = 0.15


@dataclass
class PersonaBase:
    """The customers of a project folder, their personas and features; writes customers.csv.

    Every change draws from one seeded generator, so two copies changed the same way hold the
    same data.
    """

    folder: Path
    rng: np.random.Generator
    personas: pd.Series  # customer id -> persona
    features: pd.DataFrame  # customer id -> FEATURES
    next_number: int = 1

    @property
    def csv(self) -> Path:
        return self.folder / "customers.csv"

    def draw(self, persona: str, n: int) -> np.ndarray:
        """``n`` customers of ``persona``: log-normal around its typical customer."""
        centre = np.log(np.asarray(PERSONAS[persona], dtype=np.float64))
        return np.exp(centre + self.rng.normal(scale=SPREAD, size=(n, len(FEATURES))))

    def add(self, counts: Mapping[str, int]) -> list[str]:
        """New customers, ``counts[persona]`` of each; returns their ids."""
        ids: list[str] = []
        rows: list[np.ndarray] = []
        personas: list[str] = []
        for persona, n in counts.items():
            new = [f"C{self.next_number + i:05d}" for i in range(n)]
            self.next_number += n
            ids += new
            personas += [persona] * n
            rows.append(self.draw(persona, n))
        frame = pd.DataFrame(np.vstack(rows), index=ids, columns=FEATURES)
        labels = pd.Series(personas, index=ids, dtype=object)
        if self.personas.empty:
            self.personas, self.features = labels, frame
        else:
            self.personas = pd.concat([self.personas, labels])
            self.features = pd.concat([self.features, frame])
        return ids

    def move(
        self, n: int, *, among: Iterable[str], source: str | None = None, to: str | None = None
    ) -> pd.DataFrame:
        """Move ``n`` existing customers to another persona (features drawn afresh from it).

        ``source``/``to`` fix the persona moved from/to; otherwise each mover goes to a random
        persona of ``among`` other than their own. Returns ``customer_id, from, to``.
        """
        targets = list(among)
        eligible = pd.Series(True, index=self.personas.index)
        if source is not None:
            eligible &= self.personas == source
        if to is not None:
            eligible &= self.personas != to  # a mover changes persona
        pool = self.personas.index[eligible]
        movers = self.rng.choice(np.sort(pool.to_numpy()), size=n, replace=False)
        rows = []
        for customer in movers:
            before = str(self.personas[customer])
            after = to or str(self.rng.choice([p for p in targets if p != before]))
            self.personas[customer] = after
            self.features.loc[customer] = self.draw(after, 1)[0]
            rows.append((str(customer), before, after))
        return pd.DataFrame(rows, columns=["customer_id", "from", "to"])

    def drop(self, n: int) -> list[str]:
        """``n`` customers leave; returns their ids."""
        gone = self.rng.choice(np.sort(self.personas.index.to_numpy()), size=n, replace=False)
        self.personas = self.personas.drop(gone)
        self.features = self.features.drop(gone)
        return [str(c) for c in gone]

    def jitter(self, scale: float) -> None:
        """Every customer's features change a little (relative noise of ``scale``)."""
        noise = np.exp(self.rng.normal(scale=scale, size=self.features.shape))
        self.features = self.features * noise

    def write(self) -> Path:
        """Write customers.csv (ids in a shuffled order, values rounded as an export would)."""
        order = self.rng.permutation(len(self.features))
        frame = self.features.iloc[order].round(2).rename_axis("customer_id").reset_index()
        frame.to_csv(self.csv, index=False)
        return self.csv

    def copy_to(self, folder: Path) -> PersonaBase:
        """A copy in ``folder``: the files (store included) and the same state."""
        shutil.copytree(self.folder, folder, dirs_exist_ok=True)
        clone = copy.deepcopy(self)
        clone.folder = folder
        return clone


def write_project(
    folder: Path,
    *,
    update: Mapping[str, Any] | None = None,
    model: Mapping[str, Any] | None = None,
    name: str = "segmentation.yaml",
) -> Path:
    """The project file of a PersonaBase folder.

    The k sweep skips the gap statistic and bootstrap stability (they only add evidence for
    choosing k, which is clear here) so that each fit takes seconds. ``update`` holds the
    drift thresholds; the defaults are left alone unless a test sets one.
    """
    data: dict[str, Any] = {
        "project": "persona-base",
        "seed": 7,
        "sources": {
            "customers": {
                "kind": "csv",
                "path": "customers.csv",
                "key": "customer_id",
                "role": "attributes",
            }
        },
        "features": {"attributes": {"numeric": list(FEATURES)}},
        "model": {"k_max": 8, "gap_refs": 0, "stability_boots": 0, **(model or {})},
        "store": {"url": "runs.db", "auto_publish": True},
    }
    if update:
        data["update"] = dict(update)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def persona_segments(personas: pd.Series, assignments: pd.DataFrame) -> dict[str, int]:
    """The segment holding most customers of each persona in a run's assignments."""
    segment = assignments.set_index("customer_id")["segment_id"]
    both = pd.DataFrame({"persona": personas, "segment": segment}).dropna()
    return {str(p): int(group.mode().iloc[0]) for p, group in both.groupby("persona")["segment"]}


def new_base(folder: Path, counts: Mapping[str, int], seed: int = 0) -> PersonaBase:
    """A PersonaBase of ``counts[persona]`` customers per persona (files not yet written)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = PersonaBase(
        folder=folder,
        rng=np.random.default_rng(seed),
        personas=pd.Series(dtype=object),
        features=pd.DataFrame(columns=FEATURES, dtype=np.float64),
    )
    base.add(counts)
    return base
