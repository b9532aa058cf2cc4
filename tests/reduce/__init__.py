"""Tests of the reduce stage."""
