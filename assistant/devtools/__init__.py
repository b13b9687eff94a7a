"""Helpers for tests, benchmarks and CI smoke runs (no Qt, no network)."""
