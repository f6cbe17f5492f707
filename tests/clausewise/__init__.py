"""Tests of the clausewise package, one file per module."""
