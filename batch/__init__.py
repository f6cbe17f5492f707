"""Batch analysis of policy corpora on Ray Data (`clausewise batch`); needs the optional `batch` dependencies."""
