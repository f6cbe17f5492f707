"""Tests of the clausewise_cli package, one file per module."""
