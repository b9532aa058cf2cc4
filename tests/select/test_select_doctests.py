"""The examples in the select stage's docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["consensus", "silhouette", "sweep"])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"user_segmentation.select.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
