"""A module of the analysis tests' local package; never built."""
