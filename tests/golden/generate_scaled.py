#!/usr/bin/python3
"""Golden cases for the scaled modes beyond PyTorch: 'sqrtn' (with and
without per-sample weights) and 'mean' with per-sample weights --
TensorFlow's embedding_lookup_sparse combiners, which torch.nn.EmbeddingBag
does not have. Writes tests/golden/scaled_golden.json in the schema of
embedding_bag_golden.json (the same tests read both).

The reference is independent of the package's code: every bag's output is
the formula written with plain float64 tensor ops,
    out[b] = sum_i w_i W[idx_i] / divisor(b)
    divisor = sum_i w_i (mean) or sqrt(sum_i w_i^2) (sqrtn), w_i = 1 without
    weights, padding entries in neither sum, and out[b] = 0 where the
    divisor is 0 (TensorFlow's div_no_nan),
and the gradients (table, per-sample weights) are torch's autograd of that
formula, in float64. Quantized cases pack the table with PyTorch's prepack
ops (or Tensor.half()) and apply the same formula to the values those rows
decode to (code * scale + bias, in float32, as include/ebag/embedding_bag.h
states). Run: /usr/bin/python3 tests/golden/generate_scaled.py
(scripts/setup.sh --golden installs python3-torch.)
"""

import torch

from golden_io import b64, floats, write_cases



def bag_bounds(n_indices, offsets, rows, row_length, include_last_offset):
    if rows is not None:
        return [(b * row_length, (b + 1) * row_length) for b in range(rows)]
    ends = offsets[1:] + ([] if include_last_offset else [n_indices])
    return list(zip(offsets, ends))[: len(ends)]


def formula(table, indices, bounds, mode, psw, pad):
    """The scaled modes' output in float64; table and psw may require grad."""
    outs = []
    for begin, end in bounds:
        live = [i for i in range(begin, end) if indices[i] != pad]
        d = table.shape[1]
        if not live:
            outs.append(torch.zeros(d, dtype=torch.float64))
            continue
        w = psw[live] if psw is not None else torch.ones(len(live), dtype=torch.float64)
        rows = table[[indices[i] for i in live]]
        total = (w[:, None] * rows).sum(0)
        divisor = w.sum() if mode == "mean" else torch.sqrt((w * w).sum())
        if divisor.item() == 0.0:
            outs.append(torch.zeros(d, dtype=torch.float64) + 0.0 * total)  # div_no_nan: zero, zero gradient
        else:
            outs.append(total / divisor)
    return torch.stack(outs) if outs else torch.zeros(0, table.shape[1], dtype=torch.float64)


def case(name, n, d, mode, indices, offsets=None, rows=None, padding_idx=None, psw=None,
         include_last_offset=False, seed=0, quantized=False):
    g = torch.Generator().manual_seed(seed)
    weight32 = torch.randn(n, d, generator=g, dtype=torch.float32)
    if padding_idx is not None:
        weight32[padding_idx] = 0.0
    pad = -1 if padding_idx is None else (padding_idx + n if padding_idx < 0 else padding_idx)
    row_length = len(indices) // rows if rows else None
    bounds = bag_bounds(len(indices), offsets, rows, row_length, include_last_offset)
    psw32 = torch.tensor(psw, dtype=torch.float32) if psw is not None else None

    table = weight32.double().requires_grad_(True)
    w64 = psw32.double().requires_grad_(True) if psw32 is not None else None
    out = formula(table, indices, bounds, mode, w64, pad)
    grad_out = torch.randn(out.shape, generator=g, dtype=torch.float32)
    out.backward(grad_out.double())
    grad_weight = table.grad
    live = [i for b, e in bounds for i in range(b, e) if indices[i] != pad]
    touched = sorted(set(indices[i] for i in live))
    # The schema of embedding_bag_golden.json; these cases renormalise nothing
    # and do not scale by frequency.
    c = dict(name=name, num_embeddings=n, embedding_dim=d, mode=mode, padding_idx=padding_idx,
             include_last_offset=include_last_offset, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
             weight=floats(weight32), indices=indices, offsets=offsets, rows=rows, row_length=row_length,
             per_sample_weights=floats(psw32) if psw32 is not None else None, grad_output=floats(grad_out))
    c["expected"] = dict(
        output=floats(out), output_shape=list(out.shape), weight_after=c["weight"], grad_weight=floats(grad_weight),
        sparse_rows=touched, sparse_values=floats(grad_weight[touched]) if touched else [],
        grad_per_sample_weights=floats(w64.grad) if w64 is not None else None)
    if quantized:
        c["quantized"] = {}
        packed = {
            "int8": torch.ops.quantized.embedding_bag_byte_prepack(weight32),
            "fp16": weight32.half().view(torch.uint8),
        }
        if d % 2 == 0:  # PyTorch's 4-bit prepack needs an even D
            packed["int4"] = torch.ops.quantized.embedding_bag_4bit_prepack(weight32)
        for dtype, rows_bytes in packed.items():
            values = dequantized(dtype, rows_bytes, n, d)
            q_out = formula(values.double(), indices, bounds, mode,
                            psw32.double() if psw32 is not None else None, pad)
            c["quantized"][dtype] = {"rows": b64(rows_bytes), "output": floats(q_out)}
    return c


def dequantized(dtype, rows, n, d):
    """The float32 values the rows decode to: one float32 multiply, one add."""
    if dtype == "fp16":
        return rows.view(torch.float16).float().reshape(n, d)
    rows = rows.reshape(n, -1)
    if dtype == "int8":
        codes = rows[:, :d].float()
        params = rows[:, d:].contiguous().view(torch.float32)
    else:
        packed = rows[:, : (d + 1) // 2]
        codes = torch.stack([packed & 0xF, packed >> 4], dim=2).reshape(n, -1)[:, :d].float()
        params = rows[:, (d + 1) // 2:].contiguous().view(torch.float16).float()
    scale, bias = params[:, 0:1], params[:, 1:2]
    return codes * scale + bias


def main():
    cases = []
    g = torch.Generator().manual_seed(5)
    for mode in ("sqrtn", "mean"):
        for d in (1, 4, 7, 16, 33, 64):
            n = 23
            lengths = torch.randint(0, 8, (7,), generator=g).tolist()
            lengths[0] = 0  # an empty bag
            offsets = [0]
            for length in lengths[:-1]:
                offsets.append(offsets[-1] + length)
            idx = torch.randint(0, n, (sum(lengths),), generator=g).tolist()
            idx[-1:] = [n - 1]
            cases.append(case(f"{mode}_d{d}", n, d, mode, idx, offsets=offsets, seed=100 + d,
                              quantized=d in (16, 33, 64)))
            # Weights kept away from a zero sum (a mean's divisor), signs mixed for sqrtn.
            low = -2.0 if mode == "sqrtn" else 0.25
            psw = (torch.rand(len(idx), generator=g) * (2.0 - low) + low).tolist()
            cases.append(case(f"{mode}_weighted_d{d}", n, d, mode, idx, offsets=offsets, psw=psw,
                              seed=200 + d, quantized=d in (16, 33, 64)))
        # Padding counts in neither sum; an all-padding bag and zero divisors give zeros.
        idx = [3, 5, 3, 3, 7, 1, 3, 2, 2]
        cases.append(case(f"{mode}_padding", 10, 5, mode, idx, offsets=[0, 3, 4, 6], padding_idx=3, seed=300))
        cases.append(case(f"{mode}_weighted_padding_zero_divisors", 10, 5, mode, idx, offsets=[0, 3, 4, 6, 7],
                          padding_idx=3, psw=[1.5, 0.5, 2.0, 9.0, 0.0, 0.0, -1.0, 0.75, -0.75], seed=301))
        cases.append(case(f"{mode}_2d_weighted", 12, 6, mode, [1, 4, 4, 0, 11, 2, 9, 9],
                          rows=2, psw=[0.5, 1.0, 1.5, 0.75, 1.25, 0.5, 2.0, 0.25], padding_idx=0, seed=302))
        cases.append(case(f"{mode}_include_last_offset", 12, 6, mode, [1, 4, 4, 0, 11, 2, 9, 9, 5],
                          offsets=[0, 2, 2, 6, 8], include_last_offset=True, seed=303))
    write_cases("scaled_golden.json", "tests/golden/generate_scaled.py", cases)


if __name__ == "__main__":
    main()
