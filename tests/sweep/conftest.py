"""The sweep tests need pandas (a dependency since sweeps landed); a developer venv made
before then skips them until ``pip install -e ".[test,plot]"`` runs again. CI installs
into a fresh venv, so it always runs them."""

import pytest

pytest.importorskip("pandas")
