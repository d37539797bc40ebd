"""Benchmarks kept in the repository (see docs/benchmarks.md)."""
