"""Round trips over every ``.xsmt`` file in the repository, and op coverage of the corpus.

Every file under ``tests/`` and ``kernels/`` parses, prints back to a module equal to
itself in the custom and in the generic form, and printing is idempotent. Files that
exercise errors opt out with a line starting ``// expected-error`` (MLIR's lit spelling).

``tests/corpus/`` together uses every registered op, each in its custom form (where it
has one) and in MLIR's generic form.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import k1sim
from k1sim.ir import launch, registry

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"


def _is_valid_example(path: Path) -> bool:
    return not any(line.startswith("// expected-error")
                   for line in path.read_text(encoding="utf-8").splitlines())


FILES = sorted(p for d in ("tests", "kernels") for p in (ROOT / d).rglob("*.xsmt")
               if _is_valid_example(p))
CORPUS_FILES = sorted(CORPUS.glob("*.xsmt"))


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.fixture(scope="module")
def parsed() -> dict:
    """Each file parsed once; a parse error is reported by the test that needs the module."""
    return {}


def _module(parsed: dict, path: Path):
    if path not in parsed:
        parsed[path] = k1sim.parse_file(path)
    return parsed[path]


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_custom_form_round_trips(parsed, path):
    m = _module(parsed, path)
    text = m.to_text()
    again = k1sim.parse(text, f"{path.name} (printed)")
    assert again == m
    assert again.to_text() == text, "printing the reparsed module must give the same text"


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_generic_form_round_trips(parsed, path):
    m = _module(parsed, path)
    text = m.to_text(generic=True)
    again = k1sim.parse(text, f"{path.name} (printed generic)")
    assert again == m
    assert again.to_text(generic=True) == text
    assert again.to_text() == m.to_text(), "generic and custom text describe one module"


def test_corpus_is_large_enough():
    assert len(CORPUS_FILES) >= 16, [p.name for p in CORPUS_FILES]


@pytest.mark.parametrize("path", CORPUS_FILES, ids=_id)
def test_corpus_file_is_a_runnable_kernel(parsed, path):
    """Corpus files are clean: a comment header, no warnings, one kernel, launch metadata."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("//"), "each corpus file opens with a comment saying what it covers"
    m = _module(parsed, path)
    assert m.warnings == []
    kernel = launch.select_kernel(m)
    launch.kernel_args(kernel)
    launch.launch_grid(m)


# -- op coverage ------------------------------------------------------------------

_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*')


def _code(text: str) -> str:
    """The text without comments (strings are kept: generic op names are strings)."""
    return _STRING_OR_COMMENT.sub(lambda m: m.group(0) if m.group(0)[0] == '"' else "", text)


@pytest.fixture(scope="module")
def corpus_code() -> str:
    return "\n".join(_code(p.read_text(encoding="utf-8")) for p in CORPUS_FILES)


def _all_ops() -> set[str]:
    registry.load_all()
    return set(registry.OPS)


def test_corpus_uses_every_registered_op(parsed):
    used = {op.name for p in CORPUS_FILES for op in _module(parsed, p).walk()}
    ops = _all_ops()
    assert sorted(ops - used) == [], "ops no corpus file uses"
    assert sorted(used - ops) == [], "ops used but not registered"


def _custom_spelling(name: str) -> re.Pattern:
    # The bare op name as a word: not inside a string, not a prefix of a longer name.
    return re.compile(r'(?<![\w."])' + re.escape(name) + r"(?=\s|$)", re.M)


@pytest.mark.parametrize("name", sorted(_all_ops()))
def test_corpus_spells_op_in_generic_form(corpus_code, name):
    found = f'"{name}"(' in corpus_code
    assert found, f'no corpus file writes "{name}"(…)'


@pytest.mark.parametrize("name", sorted(n for n in _all_ops() if registry.OPS[n].parse))
def test_corpus_spells_op_in_custom_form(corpus_code, name):
    found = _custom_spelling(name).search(corpus_code) is not None
    assert found, f"no corpus file writes {name} …"


def test_ops_without_custom_form_are_generic_only(corpus_code):
    generic_only = sorted(n for n in _all_ops() if registry.OPS[n].parse is None)
    assert generic_only == ["tt.reduce", "xsmt_async.mbarrier_alloc",
                            "xsmt_async.mbarrier_arrive", "xsmt_async.mbarrier_release",
                            "xsmt_async.mbarrier_wait"]
    custom = [n for n in generic_only if _custom_spelling(n).search(corpus_code)]
    assert custom == [], "these ops have no custom form"


def test_corpus_spells_bare_return(corpus_code):
    found = _custom_spelling("return").search(corpus_code) is not None
    assert found, "no func.func ends in a bare `return`"
