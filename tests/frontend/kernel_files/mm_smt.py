import triton
import triton.language as tl
import triton.language.extra.smt as smt
from triton.backends.spine_triton.driver import CPUDriver

triton.runtime.driver.set_active(CPUDriver())


@triton.jit
def mm_kernel(a_ptr, b_ptr, c_ptr, M, N, K, stride_am, stride_ak, stride_bk, stride_bn,
              stride_cm, stride_cn, BLOCK_SIZE_M: tl.constexpr, BLOCK_SIZE_N: tl.constexpr,
              BLOCK_SIZE_K: tl.constexpr, MICRO_M: tl.constexpr, MICRO_K: tl.constexpr,
              MICRO_N: tl.constexpr):
    pid_m = tl.program_id(0)
    pid_n = tl.program_id(1)
    a_block_ptr = tl.make_block_ptr(base=a_ptr, shape=[M, K], strides=[stride_am, stride_ak],
                                    offsets=[pid_m * BLOCK_SIZE_M, 0],
                                    block_shape=[BLOCK_SIZE_M, BLOCK_SIZE_K], order=[1, 0])
    b_block_ptr = tl.make_block_ptr(base=b_ptr, shape=[K, N], strides=[stride_bk, stride_bn],
                                    offsets=[0, pid_n * BLOCK_SIZE_N],
                                    block_shape=[BLOCK_SIZE_K, BLOCK_SIZE_N], order=[1, 0])
    a = smt.view(smt.descriptor_load(a_block_ptr, (0, 0)), (0, 0), (BLOCK_SIZE_M, BLOCK_SIZE_K), (MICRO_M, MICRO_K))
    b = smt.view(smt.descriptor_load(b_block_ptr, (0, 0)), (0, 0), (BLOCK_SIZE_K, BLOCK_SIZE_N), (MICRO_K, MICRO_N))
    acc = smt.dot(a, b)
    acc = smt.view(acc, (0, 0), (BLOCK_SIZE_M, BLOCK_SIZE_N), (1, 1))
    c = acc.to(c_ptr.dtype.element_ty)
    c_block_ptr = tl.make_block_ptr(base=c_ptr, shape=[M, N], strides=[stride_cm, stride_cn],
                                    offsets=[pid_m * BLOCK_SIZE_M, pid_n * BLOCK_SIZE_N],
                                    block_shape=[BLOCK_SIZE_M, BLOCK_SIZE_N], order=[1, 0])
    tl.store(c_block_ptr, c, boundary_check=(0, 1))
