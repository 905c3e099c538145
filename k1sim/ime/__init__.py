"""Timing model: ime (issue 4)."""
