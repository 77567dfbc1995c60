#!/usr/bin/python3
"""Golden cases for quantized tables, computed with PyTorch (Debian's
python3-torch 1.13). Writes tests/golden/quantized_golden.json; the tests
read that file and need no PyTorch. Run: /usr/bin/python3 tests/golden/generate_quantized.py

For each table (float32, with a constant row, a large row and a row of
float16 subnormals):
- int8 / int4 rows packed by torch.ops.quantized.embedding_bag_byte_prepack /
  embedding_bag_4bit_prepack (base64): EmbeddingBag.quantize must write the
  same bytes;
- the outputs of torch.ops.quantized.embedding_bag_byte_rowwise_offsets /
  embedding_bag_4bit_rowwise_offsets (sum, mean; per-sample weights;
  include_last_offset) on those rows: a bag built from the bytes must match
  within the README's bound (PyTorch folds the weight into scale and bias and
  uses a fused multiply-add; we dequantise first);
- float16: the table rounded by Tensor.half() (bytes), and F.embedding_bag
  over those values widened back to float32 (sum, mean, max).

One departure: Debian's torch 1.13 is built without FBGEMM, and its fallback
quantized embedding_bag ignores mode=1 (mean) and returns the sum. The mean
cases are therefore its sum times 1 / bag length in float32 (what FBGEMM's
normalize_by_lengths does); an empty bag stays 0.
"""

import torch
import torch.nn.functional as F

from golden_io import b64, floats, write_cases



def table(n, d, seed):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(n, d, generator=g)
    w[1] = 0.3                      # constant row
    w[2] = w[2] * 1000.0            # large values
    w[3] = torch.rand(d, generator=g) * 1e-6   # float16 subnormals
    return w


def bags(n, num_bags, max_len, seed, include_last_offset):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(0, max_len + 1, (num_bags,), generator=g).tolist()
    lengths[0] = 0                  # an empty bag
    indices = torch.randint(0, n, (sum(lengths),), generator=g)
    indices[: min(3, len(indices))] = 1   # duplicates of the constant row
    offsets = [0]
    for length in lengths[:-1]:
        offsets.append(offsets[-1] + length)
    if include_last_offset:
        offsets.append(sum(lengths))
    psw = torch.rand(indices.shape, generator=g) * 4 - 2
    return indices, torch.tensor(offsets, dtype=torch.int64), psw


def bag_lengths(indices, offsets, include_last_offset):
    ends = offsets[1:].tolist() + ([] if include_last_offset else [len(indices)])
    return torch.tensor([end - begin for begin, end in zip(offsets.tolist(), ends)], dtype=torch.float32)


def quantized_outputs(op, packed, indices, offsets, psw, include_last_offset):
    out = []
    for name in ("sum", "mean"):
        for weighted in ((False, True) if name == "sum" else (False,)):
            result = op(packed, indices, offsets, mode=0,
                        per_sample_weights=psw if weighted else None,
                        include_last_offset=include_last_offset)
            if name == "mean":  # see the module docstring
                lengths = bag_lengths(indices, offsets, include_last_offset)
                inverse = torch.where(lengths > 0, 1.0 / lengths.clamp(min=1), torch.zeros_like(lengths))
                result = result * inverse[:, None]
            out.append({"mode": name, "per_sample_weights": weighted, "output": floats(result)})
    return out


def float16_outputs(w, indices, offsets, psw, include_last_offset):
    widened = w.half().float()
    out = []
    for mode in ("sum", "mean", "max"):
        for weighted in ((False, True) if mode == "sum" else (False,)):
            result = F.embedding_bag(indices, widened, offsets, mode=mode,
                                     per_sample_weights=psw if weighted else None,
                                     include_last_offset=include_last_offset)
            out.append({"mode": mode, "per_sample_weights": weighted, "output": floats(result)})
    return out


def main():
    cases = []
    for n, d, seed in ((40, 16, 1), (30, 12, 2), (25, 7, 3), (20, 64, 4)):
        w = table(n, d, seed)
        for include_last_offset in (False, True):
            indices, offsets, psw = bags(n, 9, 12, seed + 100, include_last_offset)
            case = {
                "name": f"{n}x{d}{' include_last_offset' if include_last_offset else ''}",
                "num_embeddings": n,
                "embedding_dim": d,
                "weight": floats(w),
                "indices": indices.tolist(),
                "offsets": offsets.tolist(),
                "per_sample_weights": floats(psw),
                "include_last_offset": include_last_offset,
                "fp16": {"rows": b64(w.half().view(torch.uint8)),
                         "outputs": float16_outputs(w, indices, offsets, psw, include_last_offset)},
            }
            packed8 = torch.ops.quantized.embedding_bag_byte_prepack(w)
            case["int8"] = {"rows": b64(packed8), "outputs": quantized_outputs(
                torch.ops.quantized.embedding_bag_byte_rowwise_offsets, packed8, indices, offsets, psw,
                include_last_offset)}
            if d % 2 == 0:  # PyTorch's 4-bit prepack needs an even D
                packed4 = torch.ops.quantized.embedding_bag_4bit_prepack(w)
                case["int4"] = {"rows": b64(packed4), "outputs": quantized_outputs(
                    torch.ops.quantized.embedding_bag_4bit_rowwise_offsets, packed4, indices, offsets, psw,
                    include_last_offset)}
            cases.append(case)
    write_cases("quantized_golden.json", "tests/golden/generate_quantized.py", cases)


if __name__ == "__main__":
    main()
