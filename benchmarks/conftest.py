"""Benchmarks print what they measured in the terminal summary, even under ``-q``."""

from __future__ import annotations

import pytest

_REPORT = pytest.StashKey[list]()


@pytest.fixture
def bench_report(request) -> list:
    """Lines a benchmark wants shown after the run (ops/s, ratios against a baseline)."""
    return request.config.stash.setdefault(_REPORT, [])


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(_REPORT, [])
    if lines:
        terminalreporter.section("k1sim benchmarks")
        for line in lines:
            terminalreporter.write_line(line)
