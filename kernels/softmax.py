# FlagGems' SpacemiT softmax over the last dim (spine-FlagGems src/flag_gems/runtime/
# backend/_spacemit/ops/softmax.py, softmax_kernel_spacemit), written for k1sim's front
# end: ROW_SIZE rows per program, each row in three passes over COL_SIZE-wide chunks read
# through 1-D block pointers with padding_option="neg_inf" (a running element-wise max,
# then exp(x - max) stored to y with its sum, then y * (1 / sum)), math in f32.
# kernels/softmax_rows.xsmt is the same algorithm gathering through pointer tensors with
# masks instead of block pointers. Host code in numpy; `k1sim run kernels/softmax.py
# --arch 0xA03C` runs softmax_rows.xsmt's 10 x 100 f16 input.
import numpy as np

import triton
import triton.language as tl


@triton.jit
def softmax_kernel(
    output_ptr, input_ptr, input_row_stride, output_row_stride, n_rows, n_cols,
    ROW_SIZE: tl.constexpr, COL_SIZE: tl.constexpr,
):
    row_start = tl.program_id(0) * ROW_SIZE
    element_ty = output_ptr.type.element_ty
    for row_idx in range(row_start, row_start + ROW_SIZE):
        if row_idx < n_rows:
            denominator = tl.zeros((1,), dtype=tl.float32)
            row_max = tl.full((COL_SIZE,), value=-float("inf"), dtype=tl.float32)
            for col_idx in range(0, n_cols, COL_SIZE):
                in_ptr = tl.make_block_ptr(
                    base=input_ptr + row_idx * input_row_stride, shape=(n_cols,),
                    strides=(1,), offsets=(col_idx,), block_shape=(COL_SIZE,), order=(0,))
                row = tl.load(in_ptr, boundary_check=(0,), padding_option="neg_inf")
                row_max = tl.maximum(row.to(tl.float32), row_max)
            row_max_total = tl.max(row_max, axis=0)

            for col_idx in range(0, n_cols, COL_SIZE):
                in_ptr = tl.make_block_ptr(
                    base=input_ptr + row_idx * input_row_stride, shape=(n_cols,),
                    strides=(1,), offsets=(col_idx,), block_shape=(COL_SIZE,), order=(0,))
                out_ptr = tl.make_block_ptr(
                    base=output_ptr + row_idx * output_row_stride, shape=(n_cols,),
                    strides=(1,), offsets=(col_idx,), block_shape=(COL_SIZE,), order=(0,))
                row = tl.load(in_ptr, boundary_check=(0,), padding_option="neg_inf")
                numerator = tl.exp(row.to(tl.float32) - row_max_total)
                denominator += tl.sum(numerator, axis=0)
                tl.store(out_ptr, numerator.to(element_ty), boundary_check=(0,))

            inv_denom = 1.0 / denominator
            for col_idx in range(0, n_cols, COL_SIZE):
                out_ptr = tl.make_block_ptr(
                    base=output_ptr + row_idx * output_row_stride, shape=(n_cols,),
                    strides=(1,), offsets=(col_idx,), block_shape=(COL_SIZE,), order=(0,))
                numerator = tl.load(out_ptr, boundary_check=(0,)).to(tl.float32)
                tl.store(out_ptr, (numerator * inv_denom).to(element_ty),
                         boundary_check=(0,))


def softmax(x, col_size=64):
    """softmax(x, axis=-1) of a 2-D array, with FlagGems' ROW_SIZE choice."""
    n_rows, n_cols = x.shape
    y = np.empty_like(x)
    row_size = 1 if n_rows < 2 else (2 if n_rows < 8 else 4)
    grid = lambda meta: (triton.cdiv(n_rows, meta["ROW_SIZE"]),)
    softmax_kernel[grid](y, x, x.strides[0] // x.itemsize, y.strides[0] // y.itemsize,
                         n_rows, n_cols, ROW_SIZE=row_size, COL_SIZE=col_size)
    return y


def softmax_ref(x):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


if __name__ == "__main__":
    x = np.random.default_rng(0).standard_normal((10, 100)).astype(np.float16)
    np.testing.assert_allclose(softmax(x), softmax_ref(x), rtol=1e-2, atol=1e-3)
    print("softmax 10x100 float16: ok")
