"""Tests of the features stage."""
