"""The examples in the profile stage's docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["profiles"])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"user_segmentation.profile.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
