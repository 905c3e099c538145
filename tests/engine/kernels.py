"""Small kernels for engine tests, written as .xsmt text."""

from k1sim.ir.parser import parse


def module(body: str, args: str, arch="0xA03C", threads=4, grid=(1,), expect=None, extra=""):
    grid_attr = ", ".join(map(str, grid))
    attrs = [f'tt.arch_id = "{arch}"', f"k1sim.grid = array<i32: {grid_attr}>"]
    if threads is not None:
        attrs.append(f"tt.num_threads = {threads} : i32")
    if expect:
        attrs.append("k1sim.expect = [" + ", ".join(f'"{e}"' for e in expect) + "]")
    if extra:
        attrs.append(extra)
    text = (f"module attributes {{{', '.join(attrs)}}} {{\n"
            f"  tt.func public @k({args}) {{\n{body}\n    tt.return\n  }}\n}}\n")
    return parse(text, "k.xsmt")


def ptr(name: str, shape, element="f32", init=None) -> str:
    dims = ", ".join(map(str, shape))
    extra = f', k1sim.init = "{init}"' if init else ""
    return f"%{name}: !tt.ptr<{element}> {{k1sim.shape = array<i64: {dims}>{extra}}}"
