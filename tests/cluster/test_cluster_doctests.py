"""The examples in the cluster stage's docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "assign",
    "canonical",
    "checks",
    "kmeans",
    "result",
    "sorted_rows",
    "ward",
    "weighted_ward",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"user_segmentation.cluster.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
