"""Speed, memory and quality benchmarks that print figures (not tests)."""
