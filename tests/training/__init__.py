"""Tests of the training package, one file per module."""
