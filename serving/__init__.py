"""The clausewise BentoML service: classify clauses and analyse whole policies."""
