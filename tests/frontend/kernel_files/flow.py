"""Kernels that exercise the tracer's control flow and the smt builtins (k1sim's tests)."""
import triton
import triton.language as tl
import triton.language.extra.smt as smt


@triton.jit
def _scale(x, s: tl.constexpr):
    return x * s


@triton.jit
def rowsum_kernel(x_ptr, out_ptr, N, BLOCK_N: tl.constexpr, DOUBLE: tl.constexpr):
    row = tl.program_id(0)
    acc = tl.zeros((BLOCK_N,), dtype=tl.float32)
    for start in range(0, N, BLOCK_N):
        offs = start + tl.arange(0, BLOCK_N)
        x = tl.load(x_ptr + row * N + offs, mask=offs < N, other=0.0)
        acc += x
    total = tl.sum(acc, axis=0)
    if DOUBLE:
        total = _scale(total, 2.0)
    if row % 2 == 1:
        total = -total
    for i in tl.static_range(3):
        total = total + i
    tl.store(out_ptr + row, total)


@triton.jit
def mm_k_loop(a_ptr, b_ptr, c_ptr, M, N, K, BM: tl.constexpr, BN: tl.constexpr,
              BK: tl.constexpr, SUB_K: tl.constexpr, MM: tl.constexpr, MK: tl.constexpr,
              MN: tl.constexpr):
    pid_m = tl.program_id(0)
    pid_n = tl.program_id(1)
    a_bp = tl.make_block_ptr(a_ptr, [M, K], [K, 1], [pid_m * BM, 0], [BM, BK], [1, 0])
    b_bp = tl.make_block_ptr(b_ptr, [K, N], [N, 1], [0, pid_n * BN], [BK, BN], [1, 0])
    acc = smt.view(tl.zeros((BM, BN), dtype=tl.float16), (0, 0), (BM, BN), (MM, MN))
    for k in tl.range(0, tl.cdiv(K, SUB_K)):
        a = smt.view(smt.descriptor_load(a_bp, (0, 0)), (0, k * SUB_K), (BM, SUB_K), (MM, MK))
        b = smt.view(smt.descriptor_load(b_bp, (0, 0)), (k * SUB_K, 0), (SUB_K, BN), (MK, MN))
        acc += smt.dot(a, b)
    c = smt.view(acc, (0, 0), (BM, BN), (1, 1)).to(c_ptr.dtype.element_ty)
    c_bp = tl.make_block_ptr(c_ptr, [M, N], [N, 1], [pid_m * BM, pid_n * BN], [BM, BN], [1, 0])
    tl.store(c_bp, c, boundary_check=(0, 1))


@triton.jit
def staged_double(x_ptr, y_ptr, threads_ptr, N: tl.constexpr):
    buf = smt.alloc([1, N], type=tl.float32)
    copies = smt.alloc_copies([1, N], dtype=tl.float32, copies=2)
    bars = smt.mbarrier_copies(copies=2)
    bar = smt.mbarrier(flag=0, expect_count=1)
    tl.store(threads_ptr, smt.get_num_of_thread())
    for s in smt.parallel(0, 2):
        if s == 0:
            src = tl.make_block_ptr(x_ptr, [1, N], [N, 1], [0, 0], [1, N], [1, 0])
            v = tl.load(src, boundary_check=(0, 1))
            smt.compile_hint(v, "tile_hint")
            tl.store(buf, v, boundary_check=(0, 1))
            tl.store(copies[1], v + 1.0, boundary_check=(0, 1))
            smt.barrier_arrive(bar)
            smt.barrier_arrive(bars[1])
        else:
            smt.barrier_wait(bar, flag=1)
            smt.barrier_wait(bars[1], flag=1)
            w = tl.load(buf, boundary_check=(0, 1)) + tl.load(copies[1], boundary_check=(0, 1))
            dst = tl.make_block_ptr(y_ptr, [1, N], [N, 1], [0, 0], [1, N], [1, 0])
            tl.store(dst, w, boundary_check=(0, 1))


@triton.jit
def all_programs_meet(out_ptr):
    pid = tl.program_id(0)
    g = smt.global_mbarrier(0)
    smt.barrier_set_expect(g, tl.num_programs(0))
    smt.barrier_arrive(g)
    smt.barrier_wait(g, flag=1)
    tl.store(out_ptr + pid, pid + 1)
