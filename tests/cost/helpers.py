"""Fake archs (the field names of k1sim/arch.py, as plain namespaces) and small kernels."""

from types import SimpleNamespace as NS

from k1sim.cost import Uses
from k1sim.ir.parser import parse


def tile(m, k, n):
    return NS(m=m, k=k, n=n)


def fake_arch(arch_id="0xA03C", kind="ime", tiles=None, vlen_bits=256, dlen_bits=128,
              l1_bw=32.0, ipc=1.0, latency=4, core="spacemit-a60"):
    """An A60-like arch: IME1 i8 tile 4 x 8 x 4, VLEN 256 (a 1 KiB register file)."""
    if tiles is None:
        tiles = {"i8": tile(4, 8, 4)} if kind != "none" else {}
    return NS(
        arch_id=arch_id, name="fake", core=core, soc="K1", projected=False, freq_mhz=2000.0,
        clusters=1, cores_per_cluster=4,
        issue=NS(width_per_cycle=2, out_of_order=False, window_entries=0,
                 scalar_ops_per_cycle=2.0),
        latency=NS(scalar_cycles=1, vector_int_cycles=4, vector_float_cycles=5,
                   vector_divide_cycles=12),
        rvv=NS(vlen_bits=vlen_bits, dlen_bits=dlen_bits,
               fma_flops_per_cycle={"f32": 16.0, "f16": 32.0, "bf16": 32.0, "i8": 64.0},
               alu_ops_per_cycle={"f32": 4.0, "f16": 8.0, "bf16": 8.0, "i8": 16.0, "i32": 4.0},
               transcendental_cycles_per_vector=10.0),
        matrix=NS(kind=kind, tiles=tiles, instructions_per_cycle=ipc, latency_cycles=latency,
                  register_bytes=256),
        l1=NS(size_kib=32, line_bytes=64, latency_cycles=3, bw_bytes_per_cycle=l1_bw),
        l2=NS(size_kib_per_cluster=512, latency_cycles=24, bw_bytes_per_cycle_per_cluster=64.0),
        scratchpad=NS(size_kib=128, latency_cycles=6, bw_bytes_per_cycle=32.0),
        dram=NS(bw_gb_per_s=10.66, latency_ns=120.0),
        outstanding_misses=8,
        legal_micro_tiles={"f32": [8, 32, 32], "f16": [8, 16, 16]},
        register_file_bytes=32 * vlen_bits // 8,   # the real Arch's derived property
    )


A60 = fake_arch()
X60 = fake_arch("0x503C", kind="none", core="spacemit-x60")
A100 = fake_arch("0xA064", tiles={"i8": tile(8, 16, 8), "i4": tile(8, 32, 8),
                                  "f16": tile(8, 8, 8), "bf16": tile(8, 8, 8)},
                 vlen_bits=1024, dlen_bits=512, ipc=0.46, core="spacemit-a100")
AME = fake_arch("0xF000", kind="ame", tiles={"f16": tile(32, 2, 32), "i8": tile(32, 4, 32)},
                vlen_bits=1024, dlen_bits=512, core="spacemit-a200m")


def kernel(body: str, args: str = ""):
    """Parse ``body`` as the body of ``tt.func @k(args)``; return (func op, its Uses)."""
    text = ('module attributes {tt.arch_id = "0xA03C"} {\n'
            f"  tt.func public @k({args}) {{\n{body}\n    tt.return\n  }}\n}}\n")
    func = parse(text, "k.xsmt").functions[0]
    return func, Uses.of(func)


def ops(func, name: str) -> list:
    """The ops called ``name`` in ``func``, in program order."""
    return [op for op in func.walk() if op.name == name]


def op(func, name: str, index: int = 0):
    return ops(func, name)[index]


C32 = """    %c0 = arith.constant 0 : i32
    %c1 = arith.constant 1 : i32
    %c2 = arith.constant 2 : i32
    %c1_64 = arith.constant 1 : i64
    %c64_64 = arith.constant 64 : i64"""
