"""The row cache's key: k1sim's version plus the code that computes a row. Editing code
that only presents rows (the CLI, the report writers, the model's tables) keeps the cache
warm; editing the timing model, a row's measures, the arch or the point misses; and
``K1SIM_CACHE=off`` turns the cache off."""

import shutil
from pathlib import Path

import pytest

import k1sim
from k1sim.sweep import cache
from k1sim.sweep.cache import RowCache, hashed_sources, point_key, source_digest

PACKAGE = Path(k1sim.__file__).parent


@pytest.fixture
def copy(tmp_path):
    """A private copy of the k1sim sources to edit."""
    root = tmp_path / "k1sim"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def edit(path: Path) -> None:
    path.write_text(path.read_text() + "\n# an edit\n")


@pytest.mark.parametrize("rel", ["cli/run.py", "report/summary.py", "model/text.py",
                                 "sweep/plots.py", "sweep/tune/search.py"])
def test_editing_presentation_code_keeps_the_key(copy, rel):
    before = source_digest(copy, k1sim.__version__)
    edit(copy / rel)
    assert source_digest(copy, k1sim.__version__) == before


@pytest.mark.parametrize("rel", ["cores/timing.py", "memory/__init__.py", "simulator.py",
                                 "report/bound.py", "model/run.py", "sweep/point.py",
                                 "ir/builder.py", "model/kernels.py",
                                 "model/kernels_vector.py", "model/layers.py"])
def test_editing_code_that_computes_a_row_changes_the_key(copy, rel):
    before = source_digest(copy, k1sim.__version__)
    edit(copy / rel)
    assert source_digest(copy, k1sim.__version__) != before


def test_a_new_source_file_is_hashed_unless_listed_as_presentation(copy):
    before = source_digest(copy, k1sim.__version__)
    (copy / "cores" / "new_unit.py").write_text("X = 1\n")
    assert source_digest(copy, k1sim.__version__) != before
    assert copy / "cores" / "new_unit.py" in hashed_sources(copy)


def test_a_new_version_changes_the_key(copy):
    assert source_digest(copy, "1.0") != source_digest(copy, "1.1")


def test_a_docs_edit_keeps_a_sweep_warm_and_a_new_arch_or_point_misses(tmp_path):
    """End to end: the docs are outside the hashed sources, so a row found before an edit
    is found after it; another arch or another point is a miss."""
    docs = PACKAGE.parent / "docs"
    assert not any(p.is_relative_to(docs) for p in hashed_sources(PACKAGE))
    key = point_key("kernel", {"arch": "0xA064", "bm": 32})
    store = RowCache(tmp_path)
    store.put(key, {"cycles": 7})
    assert store.get(point_key("kernel", {"arch": "0xA064", "bm": 32})) == {"cycles": 7}
    assert store.get(point_key("kernel", {"arch": "0xA03C", "bm": 32})) is None
    assert store.get(point_key("kernel", {"arch": "0xA064", "bm": 64})) is None
    assert store.get(point_key("other kernel", {"arch": "0xA064", "bm": 32})) is None


def test_k1sim_cache_off_disables_every_row_cache(tmp_path, monkeypatch):
    store = RowCache(tmp_path)
    store.put("ab" * 32, {"x": 1})
    assert store.get("ab" * 32) == {"x": 1}
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    off = RowCache(tmp_path)
    assert off.get("ab" * 32) is None
    off.put("cd" * 32, {"x": 2})
    assert not (tmp_path / "cd").exists()
