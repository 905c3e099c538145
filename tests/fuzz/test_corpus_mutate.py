"""The scale fuzzing job (tests/fuzz/corpus_mutate.py) on a small budget: mutants are
reproducible, outcomes are counted, and an exception that is not a K1SimError is
reported as a bug with the mutant saved. The full job runs outside the default suite:
``python -m tests.fuzz.corpus_mutate --files 10000 --kernels 1000``."""

import io

from tests.fuzz import corpus_mutate as fuzz

LIMITS = {"parse": 10.0, "run": 60.0}


def test_corpus_covers_tests_kernels_and_docs():
    names = [name for name, _ in fuzz.corpus()]
    assert any(n.startswith("tests/corpus/") for n in names)
    assert any(n.startswith("kernels/") for n in names)


def test_mutants_are_reproducible():
    files = fuzz.corpus()
    pool = ["%x", ","]
    assert fuzz.mutant(3, 7, "parse", files, pool) == fuzz.mutant(3, 7, "parse", files, pool)
    assert fuzz.mutant(3, 7, "parse", files, pool) != fuzz.mutant(3, 8, "parse", files, pool)


def test_a_small_job_ends_every_mutant_in_a_module_result_or_k1sim_error(tmp_path):
    out = io.StringIO()
    assert fuzz.run(80, 3, 1, 0, LIMITS, tmp_path, out) == 0
    text = out.getvalue()
    assert "parse: 80 mutants: " in text and "run: 3 mutants: " in text and "bugs: 0" in text
    assert not list(tmp_path.iterdir())


def test_an_unexpected_exception_is_reported_and_saved(tmp_path, monkeypatch):
    from k1sim.ir import parser

    def broken(data, filename="<bytes>"):
        raise IndexError("list index out of range")
    monkeypatch.setattr(parser, "parse_bytes", broken)  # the forked worker inherits it
    out = io.StringIO()
    assert fuzz.run(5, 0, 1, 0, LIMITS, tmp_path, out) == 1
    text = out.getvalue()
    assert "parse: 5 mutants: BUG 5" in text and "IndexError: list index out of range" in text
    assert len(list(tmp_path.glob("parse-*.xsmt"))) == 5
