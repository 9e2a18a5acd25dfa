"""A module of the analysis tests' project; never built."""
