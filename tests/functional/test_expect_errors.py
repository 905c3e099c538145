"""expect (FORMAT.md 6): every refusal, from parsing and from evaluation, at its column."""

import pytest

from k1sim.errors import K1SimError
from k1sim.functional.expect import Expect, ExpectError, evaluate, parse_expect
from tests.functional.test_expect import A, C, ENV


def refused(text, env=None) -> ExpectError:
    with pytest.raises(ExpectError) as info:
        expect = parse_expect(text)
        if env is not None:
            evaluate(expect, env)
    return info.value


# -- parsing ---------------------------------------------------------------------------

def test_parse_gives_name_and_stripped_text():
    expect = parse_expect("  c = a @ b  ")
    assert isinstance(expect, Expect) and (expect.name, expect.text) == ("c", "c = a @ b")
    assert expect == parse_expect("c = a @ b")
    assert "_tree" not in repr(expect)
    assert issubclass(ExpectError, K1SimError)


def test_output_name_must_be_an_argument():
    err = refused("d = a + b", {"a": A, "b": A, "c": C})
    assert "'d' is not an argument" in str(err) and "arguments are a, b, c" in str(err)
    assert err.column == 1


def test_unknown_name_lists_the_arguments():
    err = refused("c = a + q", {"a": A, "c": C, "n": 2})
    assert str(err) == 'expect "c = a + q": unknown name \'q\' (col 9); arguments are a, c, n'
    assert err.column == 9
    assert "exp() is a function" in str(refused("c = exp", {"a": A, "c": C}))


# (text, words the message must contain, column)
REFUSED = [
    ("c = __import__('os')", "name '__import__' is not allowed", 5),
    ("c = __import__('os').system('x')", "attribute '.system' is not allowed", 21),
    ("c = a.__class__", "attribute '.__class__' is not allowed", 6),
    ("c = a.shape", "attribute '.shape' is not allowed (col 6); only '.T' is", 6),
    ("c = (a).shape", "attribute '.shape'", 8),
    ("c = ä.shape", "attribute '.shape'", 6),
    ("c = np.exp(a)", "attribute '.exp'", 7),
    ("c = exp.__globals__", "attribute '.__globals__'", 8),
    ("c = lambda: 1", "a lambda is not allowed", 5),
    ("c = sum(lambda: 1)", "a lambda is not allowed", 9),
    ("c = [x for x in a]", "a list comprehension is not allowed", 5),
    ("c = (x for x in a)", "a generator expression is not allowed", 5),
    ("c = open('f')", "unknown function 'open'", 5),
    ("c = foo(a)", "unknown function 'foo'", 5),
    ("c = a if b else c", "conditional expression 'if ... else' is not allowed", 7),
    ("c = a and b", "boolean operator 'and' is not allowed", 7),
    ("c = (a) or b", "boolean operator 'or' is not allowed", 9),
    ("c = f'{a}'", "an f-string is not allowed", 5),
    ("c = __builtins__", "name '__builtins__' is not allowed", 5),
    ("c = sum(a, axes=0)", "sum() takes no keyword 'axes' (col 12); it takes axis=", 12),
    ("c = tril(a, axis=0)", "it takes k=", 13),
    ("c = exp(a, k=1)", "exp() takes no keyword 'k' (col 12); it takes no keywords", 12),
    ("c = sum(a, 0, axis=1)", "sum() got 'axis' twice", 15),
    ("c = exp(a, b)", "too many arguments for exp()", 12),
    ("c = astype(a)", "astype() is missing 'dtype'", 5),
    ("c = sum(*a)", "a starred argument '*' is not allowed", 9),
    ("c = sum(**a)", "'**' arguments are not allowed", 9),
    ("c = astype(a, 'f8')", 'dtypes are "f16", "bf16", "f32", "f64", "i8", "i16", "i32", "i64"', 15),
    ("c = astype(a, s)", "astype() needs a dtype string", 15),
    ("c = a['x']", "string 'x' is not allowed", 7),
    ("c = a + 'x'", "a string is only the dtype of astype", 9),
    ("c = a[1.5]", "an index must be an integer, got 1.5", 7),
    ("c = tril(a, k=0.5)", "k must be an integer, got 0.5", 15),
    ("c = zeros((2, 1.5))", "a dimension must be an integer, got 1.5", 15),
    ("c = a % b", "operator '%' is not allowed", 7),
    ("c = a // b", "operator '//' is not allowed", 7),
    ("c = a < b < c", "chained comparison is not allowed (col 11); compare two values at a time", 11),
    ("c = a is b", "operator 'is' is not allowed", 7),
    ("c = not a", "operator 'not' is not allowed", 5),
    ("c = ~a", "operator '~' is not allowed", 5),
    ("c = (x := a)", "an assignment expression ':=' is not allowed", 6),
    ("c = True", "constant True is not allowed", 5),
    ("c = None", "constant None is not allowed", 5),
    ("c = 1j", "constant 1j is not allowed", 5),
    ("c = (a, b)", "a tuple is not a value", 5),
    ("c = [a]", "a list is not allowed", 5),
    ("c = {a}", "a set is not allowed", 5),
    ("c = {1: a}", "a dict is not allowed", 5),
    ("c = a.T(1)", "only functions can be called", 5),
    ("c = reshape", None, None),  # a bare function name parses; it is an unknown name at run
    ("c == a", "'==' compares; the expect needs a single '=' after its name", 3),
    ("a + b", "missing 'NAME ='", 1),
    ("c = ", "invalid syntax", 4),
    ("c = a $ b", "invalid syntax", 7),
    ("c[0] = a", "the left side must be the name of an output argument", 1),
    ("c = d = a", "more than one '='", 5),
    ("c += a", "an augmented assignment is not an expect", 1),
    ("import os", "an import is not an expect", 1),
    ("c = a; import os", "more than one statement", 8),
    ("__c = a", "name '__c' is not allowed", 1),
    ("c = a\n+ b", "a line break is not allowed", 6),
    ("", "the expect is empty", None),
    ("c = a\x00", "null bytes", None),
]


@pytest.mark.parametrize("text, words, column", REFUSED, ids=[t for t, _, _ in REFUSED])
def test_refused_constructs(text, words, column):
    if words is None:
        assert parse_expect(text).name == "c"
        return
    err = refused(text)
    message = str(err)
    assert message.startswith(f'expect "{text.strip()}": ' if "\n" not in text
                              else 'expect "c = a + b": ')
    assert words in message
    assert err.column == column
    if column is not None:
        assert f"(col {column})" in message
    # every refusal says what is allowed
    assert "; " in message.split(f"(col {column})" if column else ": ", 1)[1]


def test_refusals_name_the_language():
    message = str(refused("c = a % b"))
    for part in ("+ - * / @ **", ".T", "indexing and slicing", "exp", "softmax", "astype", "ones"):
        assert part in message
    assert "functions are exp, log, sqrt, tanh, abs" in str(refused("c = open('f')"))


def test_deep_nesting_is_an_error_not_a_crash():
    assert "nested" in str(refused("c = " + "(" * 300 + "a" + ")" * 300))
    assert "nested too deeply" in str(refused("c = " + "a + " * 40000 + "a"))


# -- evaluation errors point at the node -------------------------------------------------

@pytest.mark.parametrize("text, words, column", [
    ("c = a @ a", "operands of '@' have shapes (3, 4) and (3, 4)", 7),
    ("c = a + b", "operands of '+' have shapes (3, 4) and (4, 5), which do not broadcast", 7),
    ("c = a < b", "operands of '<' have shapes (3, 4) and (4, 5)", 7),
    ("c = a[5]", "indexing shape (3, 4)", 7),
    ("c = a[a]", "an index must be an integer, got an array of shape (3, 4)", 7),
    ("c = a[s]", "an index must be an integer, got 1.5", 7),
    ("c = a[:s]", "a slice bound must be an integer, got 1.5", 8),
    ("c = sum(a, 3)", "sum() failed: axis 3 is out of bounds", 5),
    ("c = tril(a[0])", "needs an array of at least 2 dimensions, got shape (4,)", 5),
    ("c = reshape(a, (5, 5))", "reshape() failed", 5),
    ("c = max(a[:0])", "max() failed", 5),
    ("c = zeros(1e30)", "zeros() failed", 5),
    ("c = triu(a, k=s)", "k must be an integer, got 1.5", 15),
])
def test_evaluation_errors(text, words, column):
    err = refused(text, ENV)
    assert words in str(err) and err.column == column and f"(col {column})" in str(err)


def test_non_numeric_argument_is_an_error():
    assert "argument 'a' is not numeric" in str(refused("c = a", {"a": "x", "c": 0}))
