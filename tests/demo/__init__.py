"""Tests of the demo stage."""
