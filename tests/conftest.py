"""Fixtures shared by the integration tests: generated demo projects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from user_segmentation.demo.generate import generate_demo
from user_segmentation.demo.project import write_demo_project


@pytest.fixture(scope="session")
def make_demo(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int, int], Path]:
    """Generate (once per size and seed) a demo project and return its segmentation.yaml."""
    made: dict[tuple[int, int], Path] = {}

    def make(n_customers: int, seed: int = 42) -> Path:
        if (n_customers, seed) not in made:
            folder = tmp_path_factory.mktemp(f"demo_{n_customers}_{seed}")
            generate_demo(folder, n_customers, seed=seed)
            made[(n_customers, seed)] = write_demo_project(folder, seed=seed)
        return made[(n_customers, seed)]

    return make
