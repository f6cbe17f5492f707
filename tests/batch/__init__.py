"""Tests of the batch package, one file per module."""
