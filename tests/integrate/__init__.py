"""Tests of the integrate stage."""
