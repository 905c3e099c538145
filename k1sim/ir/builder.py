"""Build ``.xsmt`` programs in Python, the way spine-triton's builtins would.

A ``Builder`` makes a module; ``Builder.kernel`` makes a public ``tt.func``
whose body is written with ``Kernel`` methods, one per Triton / ``smt``
builtin. Every op goes through the same ``finish`` + ``verify`` as a parsed op,
so a bad build fails with the verifier's message, located at the Python line
that built it. Python numbers are accepted where values are and become
``arith.constant`` ops, hoisted to the top of the function (where MLIR's
canonicalizer leaves them)::

    b = Builder(arch="0xA03C", num_threads=4, grid=(2, 1))
    with b.kernel("scale") as k:
        x = k.arg("x", ptr(f32), shape=(64,), init="randn")
        offs = k.make_range(0, 64)
        ptrs = k.addptr(x, offs)
        k.store(ptrs, k.mul(k.load(ptrs), 2.0))
    text = b.module.to_text()

Loops and conditionals are ``with`` blocks (``builder_flow``); the ``tl``
builtins live in ``builder_ops`` and the ``smt`` / ``tle`` ones in
``builder_smt``.
"""

from __future__ import annotations

import re

from k1sim.errors import BuildError, VerifyError
from k1sim.ir import attrs as A
from k1sim.ir import registry
from k1sim.ir import types as T
from k1sim.ir.builder_flow import FlowOps, caller_loc
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


class Builder:
    """A module under construction: launch attributes (FORMAT.md section 3) and kernels."""

    def __init__(self, arch: str | None = None, num_threads: int | None = None, grid=None, *,
                 name: str | None = None, locations: bool = True):
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


class Kernel(ArithOps, TritonOps, SmtOps, FlowOps):
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
        """A kernel argument and its k1sim attributes (shape/init: pointers; value: scalars)."""
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

    def check(self, op: Operation, where: FileLoc | None = None) -> None:
        """Run the op's ``finish`` and ``verify``; unlocated errors name ``where`` or the caller."""
        opdef = registry.lookup(op.name)
        try:
            if opdef.finish:
                opdef.finish(op)
            if opdef.verify:
                opdef.verify(op)
        except VerifyError as e:
            if e.line:
                raise
            where = where or caller_loc()
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
        """Two operands of one type: numbers take the other's type; scalars, tensors broadcast."""
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
    """``name`` with the characters an SSA name cannot hold replaced by ``_``."""
    return re.sub(r"[^A-Za-z0-9_$.\-]", "_", name) or "arg"


def _broadcast_shape(a: T.TensorType, b: T.TensorType) -> tuple:
    if a.rank != b.rank or any(x != y and 1 not in (x, y) for x, y in zip(a.shape, b.shape)):
        raise BuildError(f"cannot broadcast {a} and {b} to one shape")
    return tuple(max(x, y) for x, y in zip(a.shape, b.shape))
