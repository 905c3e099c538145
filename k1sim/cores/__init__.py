"""Timing model: cores (issue 4)."""
