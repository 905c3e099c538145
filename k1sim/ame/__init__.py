"""Timing model: ame (issue 4)."""
