"""Tests of the serving package, one file per module."""
