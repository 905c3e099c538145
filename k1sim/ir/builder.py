"""Build ``.xsmt`` programs in Python, the way spine-triton's builtins would.

A ``Builder`` makes a module; ``Builder.kernel`` makes a public ``tt.func``
whose body is written with ``Kernel`` methods, one per Triton / ``smt``
builtin. Every op goes through the same ``finish`` + ``verify`` as a parsed op,
so a bad build fails with the verifier's message, located at the Python line
that built it. Python numbers are accepted where values are and become
``arith.constant`` ops, hoisted to the top of the function (where MLIR's
canonicalizer leaves them)::

    b = Builder(arch="0xA03C", num_threads=4, grid=(2, 1))
    with b.kernel("mm") as k:
        a = k.arg("a", ptr(f16), shape=(64, 64), init="randn")
        with k.range(0, 4, iter_args=[acc]) as loop:
            k.yield_(k.add(loop.args[0], 1.0))
    text = b.module.to_text()

Control flow: ``with k.range(...) as loop`` / ``with k.parallel(...)`` build
``scf.for`` (the body ends with ``k.yield_`` when there are ``iter_args``;
``loop.results`` afterwards); ``with k.if_(cond) as br:`` builds the then
branch and an optional ``with br.else_():`` right after it the else branch
(their ``k.yield_`` values become ``br.results``).
"""

from __future__ import annotations

import itertools
import re
import sys

from k1sim.errors import BuildError, VerifyError
from k1sim.ir import attrs as A
from k1sim.ir import registry
from k1sim.ir import types as T
from k1sim.ir.builder_ops import ArithOps, TritonOps, as_type
from k1sim.ir.builder_smt import SmtOps
from k1sim.ir.core import Block, FileLoc, Module, Operation, Region, Value
from k1sim.ir.types import bf16, f16, f32, f64, i1, i8, i16, i32, i64, index  # noqa: F401

__all__ = ["Builder", "Kernel", "ptr", "tensor", "as_type",
           "i1", "i8", "i16", "i32", "i64", "index", "f16", "bf16", "f32", "f64"]


def ptr(pointee, addrspace: int = 1) -> T.PtrType:
    """``!tt.ptr<pointee>``."""
    return T.PtrType(as_type(pointee), addrspace)


def tensor(shape, element) -> T.TensorType:
    """``tensor<shape x element>``."""
    return T.TensorType(tuple(int(d) for d in shape), as_type(element))


def caller_loc() -> FileLoc:
    """The user's Python file:line:col that called into the builder."""
    f = sys._getframe(1)
    while f.f_back is not None and f.f_globals.get("__name__", "").startswith(
            ("k1sim.ir.builder", "contextlib")):
        f = f.f_back
    col = 0
    positions = getattr(f.f_code, "co_positions", None)
    if positions is not None:
        pos = next(itertools.islice(positions(), f.f_lasti // 2, None), None)
        col = (pos[2] or 0) if pos else 0
    return FileLoc(f.f_code.co_filename, f.f_lineno, col)


_SSA_NAME = re.compile(r"[A-Za-z0-9_$.\-]+")


class Builder:
    """A module under construction: launch attributes (FORMAT.md section 3) and kernels."""

    def __init__(self, arch: str | None = None, num_threads: int | None = None, grid=None, *,
                 name: str | None = None, locations: bool = False):
        attrs = {}
        if arch is not None:
            attrs["tt.arch_id"] = A.StringAttr(arch)
        if num_threads is not None:
            attrs["tt.num_threads"] = A.IntAttr(num_threads, T.i32)
        if grid is not None:
            attrs["k1sim.grid"] = A.i32_array((grid,) if isinstance(grid, int) else grid)
        self.module = Module(attrs=attrs, name=name, filename="<built>")
        self.locations = locations

    def expect(self, *checks: str, rtol: float | None = None, atol: float | None = None) -> None:
        """Add ``k1sim.expect`` checks (``"c = a @ b"``) and their tolerances."""
        attrs = self.module.attrs
        old = attrs["k1sim.expect"].items if "k1sim.expect" in attrs else ()
        if checks:
            attrs["k1sim.expect"] = A.ArrayAttr(old + tuple(A.StringAttr(c) for c in checks))
        for key, tol in (("k1sim.rtol", rtol), ("k1sim.atol", atol)):
            if tol is not None:
                attrs[key] = A.FloatAttr(float(tol), T.f64)

    def kernel(self, name: str, public: bool = True) -> "Kernel":
        """A ``tt.func``; use as ``with b.kernel("mm") as k:`` (added to the module on exit)."""
        return Kernel(self, name, public)

    def loc(self) -> FileLoc | None:
        return caller_loc() if self.locations else None


class Kernel(ArithOps, TritonOps, SmtOps):
    """The body of one ``tt.func``: an insertion point and one method per builtin."""

    def __init__(self, builder: Builder, name: str, public: bool):
        self.builder = builder
        self.name = name
        self.public = public
        self.entry = Block()
        self.blocks = [self.entry]
        self.arg_attrs: list[A.DictAttr] = []
        self.loc = builder.loc()
        self._consts: dict = {}
        self._n_consts = 0
        self._open_if = None  # an scf.if whose else branch may still follow

    # -- function --------------------------------------------------------
    def __enter__(self) -> "Kernel":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            return False
        self.close_if()
        last = self.entry.terminator
        if last is None or last.name != "tt.return":
            self.entry.append(Operation("tt.return"))
        props = {"sym_visibility": A.StringAttr("public" if self.public else "private"),
                 "sym_name": A.StringAttr(self.name),
                 "function_type": A.TypeAttr(T.FunctionType(
                     tuple(a.type for a in self.entry.args), ()))}
        if self.arg_attrs:
            props["arg_attrs"] = A.ArrayAttr(tuple(self.arg_attrs))
        func = Operation("tt.func", props=props, regions=[Region([self.entry])], loc=self.loc)
        self.check(func)
        self.builder.module.ops.append(func)
        return False

    def arg(self, name: str, type, *, shape=None, init: str | None = None, value=None) -> Value:
        """A kernel argument with its k1sim attributes (shape/init for pointers, value for scalars)."""
        t = as_type(type)
        if isinstance(t, T.PtrType) and value is not None:
            raise BuildError(f"argument '{name}': value= is for scalar arguments, not {t}")
        if not isinstance(t, T.PtrType) and (shape is not None or init is not None):
            raise BuildError(f"argument '{name}': shape= and init= are for pointer arguments, "
                             f"not {t}")
        v = Value(t, self.entry, len(self.entry.args), _ssa_name(name), self.builder.loc())
        self.entry.args.append(v)
        attrs = {"k1sim.name": A.StringAttr(name)}
        if shape is not None:
            attrs["k1sim.shape"] = A.i64_array(shape)
        if init is not None:
            attrs["k1sim.init"] = A.StringAttr(init)
        if value is not None:
            attrs["k1sim.value"] = _scalar_attr(value, t)
        self.arg_attrs.append(A.DictAttr(tuple(attrs.items())))
        return v

    # -- emitting ops ----------------------------------------------------
    def op(self, name: str, operands=(), result_types=(), props=None, attrs=None,
           regions=()) -> Operation:
        """Emit any registered op at the insertion point, checked as the parser checks it."""
        self.close_if()
        op = self.make(name, operands, result_types, props, attrs, regions)
        self.blocks[-1].append(op)
        return op

    def emit(self, name: str, operands, result_type, props=None, attrs=None) -> Value:
        """Emit a one-result op and return its result."""
        return self.op(name, operands, [result_type], props, attrs).result

    def make(self, name: str, operands=(), result_types=(), props=None, attrs=None,
             regions=()) -> Operation:
        """A checked op that is not placed anywhere yet."""
        opdef = registry.lookup(name)
        if opdef is None:
            raise BuildError(registry.unknown_op_message(name))
        props, extra = dict(props or {}), {}
        for key, value in (attrs or {}).items():
            # What the parser does: an op's own attribute names are properties.
            if key in opdef.props and key not in props:
                props[key] = value
            else:
                extra[key] = value
        for key in opdef.required:
            if key not in props:
                raise BuildError(f"'{name}' needs the property '{key}'")
        for v in operands:
            if not isinstance(v, Value):
                raise BuildError(f"'{name}': operands must be values, got {v!r}")
        op = Operation(name, operands, result_types, props, extra, regions, self.builder.loc())
        self.check(op)
        return op

    def check(self, op: Operation) -> None:
        """Run the op's ``finish`` and ``verify``; unlocated errors name the Python line."""
        opdef = registry.lookup(op.name)
        try:
            if opdef.finish:
                opdef.finish(op)
            if opdef.verify:
                opdef.verify(op)
        except VerifyError as e:
            if e.line:
                raise
            where = caller_loc()
            raise VerifyError(e.message, filename=where.file, line=where.line,
                              column=where.col) from None

    # -- constants and coercion ------------------------------------------
    def const(self, value, dtype=T.i32, shape=None) -> Value:
        """``arith.constant``: a scalar, or a tensor (splat of one value, or every value)."""
        el = as_type(dtype)
        t = T.TensorType(tuple(shape), el) if shape is not None else el
        if isinstance(t, T.TensorType):
            values = tuple(_flat(value))
            if len(values) not in (1, t.numel):
                raise BuildError(f"a constant of {t} needs 1 or {t.numel} values, "
                                 f"got {len(values)}")
            attr = A.DenseAttr(tuple(_scalar_attr(v, el).value for v in values), t)
        else:
            attr = _scalar_attr(value, t)
        cached = self._consts.get(attr)
        if cached is not None:
            return cached
        op = self.make("arith.constant", (), [t], {"value": attr})
        op.result.name = _const_name(attr)
        op.parent = self.entry
        self.entry.ops.insert(self._n_consts, op)
        self._n_consts += 1
        self._consts[attr] = op.result
        return op.result

    def zeros(self, shape, dtype=T.f32) -> Value:
        return self.const(0, dtype, shape)

    def full(self, shape, value, dtype=T.f32) -> Value:
        return self.const(value, dtype, shape)

    def value(self, x, like: T.Type | None = None) -> Value:
        """``x`` as a value: a number becomes a constant of ``like`` (default i1/i32/f32)."""
        if isinstance(x, Value):
            return x
        if not isinstance(x, (bool, int, float)):
            raise BuildError(f"expected a value or a number, got {x!r}")
        if like is None:
            like = T.i1 if isinstance(x, bool) else T.i32 if isinstance(x, int) else T.f32
        shape = like.shape if isinstance(like, T.TensorType) else None
        return self.const(x, T.element_of(like), shape)

    def to_int(self, x, t: T.Type) -> Value:
        """``x`` as an integer scalar of type ``t`` (numbers become constants, values are cast)."""
        if not isinstance(x, Value):
            if not isinstance(x, int):
                raise BuildError(f"expected an integer or an integer value, got {x!r}")
            return self.const(x, t)
        if not isinstance(x.type, (T.IntType, T.IndexType)):
            raise BuildError(f"expected an integer scalar, got a value of type {x.type}")
        return self.cast(x, t)

    def pair(self, a, b) -> tuple[Value, Value]:
        """Two operands of one type: numbers take the other's type, scalars and tensors broadcast."""
        if not isinstance(a, Value):
            a = self.value(a, b.type if isinstance(b, Value) else None)
        b = self.value(b, a.type)
        ta, tb = a.type, b.type
        if ta == tb:
            return a, b
        a_t, b_t = isinstance(ta, T.TensorType), isinstance(tb, T.TensorType)
        if a_t and not b_t:
            return a, self.splat(b, ta.shape)
        if b_t and not a_t:
            return self.splat(a, tb.shape), b
        if a_t and b_t and ta.shape != tb.shape:
            shape = _broadcast_shape(ta, tb)
            return self.broadcast(a, shape), self.broadcast(b, shape)
        return a, b

    # -- control flow ----------------------------------------------------
    def range(self, lb, ub, step=1, iter_args=()) -> "Loop":
        """``scf.for``: ``with k.range(0, n, iter_args=[acc]) as loop:``."""
        return Loop(self, lb, ub, step, list(iter_args), {})

    def parallel(self, lb, ub, step=1) -> "Loop":
        """``smt.parallel``: ``scf.for … {bind_sub_block = true}`` over the stream's threads."""
        return Loop(self, lb, ub, step, [], {"bind_sub_block": A.BoolAttr(True)})

    def if_(self, cond) -> "If":
        """``scf.if``: ``with k.if_(c) as br:`` then ``with br.else_():`` right after."""
        return If(self, cond)

    def yield_(self, *values) -> None:
        """``scf.yield`` ending a loop body or an if branch."""
        vals = [self.value(v) for v in values]
        op = self.op("scf.yield", vals)
        if not vals:
            op.loc = None  # printed elided, so a location could not survive a round trip

    def push(self, block: Block) -> None:
        self.close_if()
        self.blocks.append(block)

    def pop(self) -> Block:
        self.close_if()
        return self.blocks.pop()

    def close_if(self) -> None:
        """Verify a finished ``scf.if`` once no else branch can follow it."""
        pending, self._open_if = self._open_if, None
        if pending is not None:
            self.check(pending.op)


class Loop:
    """An ``scf.for`` being built; ``iv``/``args`` inside, ``results`` after."""

    def __init__(self, k: Kernel, lb, ub, step, inits: list, attrs: dict):
        self.k = k
        bound = next((v.type for v in (lb, ub, step) if isinstance(v, Value)), T.i32)
        self.bounds = [k.to_int(v, bound) for v in (lb, ub, step)]
        self.inits = [k.value(v) for v in inits]
        self.attrs = attrs
        self.loc = k.builder.loc()
        self.block = Block([Value(bound)] + [Value(v.type) for v in self.inits])
        self.op: Operation | None = None

    @property
    def iv(self) -> Value:
        return self.block.args[0]

    @property
    def args(self) -> list[Value]:
        return self.block.args[1:]

    @property
    def results(self) -> list[Value]:
        if self.op is None:
            raise BuildError("a loop's results exist after its 'with' block")
        return self.op.results

    @property
    def result(self) -> Value:
        return self.results[0]

    def __enter__(self) -> "Loop":
        self.k.push(self.block)
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.k.pop()
        if exc_type is not None:
            return False
        last = self.block.terminator
        if self.inits and (last is None or last.name != "scf.yield"):
            raise BuildError("a loop with iter_args must end its body with k.yield_(...) "
                             f"giving {len(self.inits)} value(s)")
        self.op = self.k.op("scf.for", self.bounds + self.inits, [v.type for v in self.inits],
                            attrs=self.attrs, regions=[Region([self.block])])
        self.op.loc = self.loc
        return False


class If:
    """An ``scf.if`` being built; verified when its else branch ends or cannot follow."""

    def __init__(self, k: Kernel, cond):
        self.k = k
        self.cond = k.value(cond)
        self.loc = k.builder.loc()
        self.op: Operation | None = None

    def __enter__(self) -> "If":
        self.k.push(Block())
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        then = self.k.pop()
        if exc_type is not None:
            return False
        last = then.terminator
        types = [v.type for v in last.operands] if last and last.name == "scf.yield" else []
        self.op = Operation("scf.if", [self.cond], types, regions=[Region([then])], loc=self.loc)
        self.k.blocks[-1].append(self.op)
        self.k._open_if = self
        return False

    def else_(self) -> "_Else":
        """The else branch: ``with br.else_():`` directly after the then block."""
        if self.k._open_if is not self:
            raise BuildError("else_() must directly follow its if_ block")
        return _Else(self)

    @property
    def results(self) -> list[Value]:
        if self.op is None:
            raise BuildError("an if's results exist after its 'with' block")
        if self.k._open_if is self:
            self.k.close_if()
        return self.op.results

    @property
    def result(self) -> Value:
        return self.results[0]


class _Else:
    def __init__(self, branch: If):
        self.branch = branch

    def __enter__(self) -> None:
        k = self.branch.k
        k._open_if = None
        k.blocks.append(Block())

    def __exit__(self, exc_type, exc, tb) -> bool:
        k, op = self.branch.k, self.branch.op
        block = k.pop()
        if exc_type is not None:
            return False
        region = Region([block])
        region.parent = op
        op.regions.append(region)
        k.check(op)
        return False


def _scalar_attr(value, t: T.Type) -> A.Attr:
    if isinstance(t, T.FloatType):
        return A.FloatAttr(float(value), t)
    if not isinstance(t, (T.IntType, T.IndexType)):
        raise BuildError(f"a constant must be an integer or float, not {t}")
    if isinstance(value, float) and not value.is_integer():
        raise BuildError(f"{value} is not an integer, so it cannot be a {t} constant")
    v = int(value)
    return A.IntAttr(int(bool(v)) if t == T.i1 else v, t)


def _flat(value):
    if isinstance(value, (list, tuple)):
        for x in value:
            yield from _flat(x)
    else:
        yield value


def _const_name(attr: A.Attr) -> str:
    """MLIR's names: ``c0_i32``, ``c4`` (index), ``true``, ``cst`` (floats and tensors)."""
    if isinstance(attr, A.IntAttr):
        if attr.type == T.i1:
            return "true" if attr.value else "false"
        return f"c{attr.value}" + ("" if attr.type == T.index else f"_{attr.type}")
    return "cst"


def _ssa_name(name: str) -> str:
    return name if _SSA_NAME.fullmatch(name) else re.sub(r"[^A-Za-z0-9_$.\-]", "_", name) or "arg"


def _broadcast_shape(a: T.TensorType, b: T.TensorType) -> tuple:
    if a.rank != b.rank or any(x != y and 1 not in (x, y) for x, y in zip(a.shape, b.shape)):
        raise BuildError(f"cannot broadcast {a} and {b} to one shape")
    return tuple(max(x, y) for x, y in zip(a.shape, b.shape))
