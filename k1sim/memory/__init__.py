"""Timing model: memory (issue 4)."""
