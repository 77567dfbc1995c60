#!/usr/bin/python3
"""Golden EmbeddingBag cases computed with PyTorch (Debian's python3-torch 1.13).

Writes tests/golden/embedding_bag_golden.json; the tests read that file and
need no PyTorch. Run: /usr/bin/python3 tests/golden/generate.py
(scripts/setup.sh --golden installs python3-torch.)

Two deliberate departures from PyTorch 1.13, as in include/ebag/embedding_bag.h:
- scale_grad_by_freq: 1.13's CPU backward divides by the wrong count
  (pytorch issue 190063), so those weight gradients come from the formula
  gW[idx_i] += G[bag(i)] * s_i / freq(idx_i), computed here in float64 from
  PyTorch's own unscaled per-entry terms.
- include_last_offset with indices after offsets[B]: PyTorch's mean counts
  them (ours ignores them) and 1.13's max corrupts its heap on them, so such
  a case is made for sum only (tests/cpp covers the other modes by hand).
"""

import numpy as np
import torch
import torch.nn.functional as F

from golden_io import floats, write_cases



def case(name, n, d, mode, indices, offsets=None, rows=None, padding_idx=None,
         max_norm=None, norm_type=2.0, scale_grad_by_freq=False, include_last_offset=False,
         per_sample_weights=False, seed=0):
    g = torch.Generator().manual_seed(seed)
    weight0 = torch.randn(n, d, generator=g, dtype=torch.float32)
    if padding_idx is not None:
        weight0[padding_idx] = 0.0
    idx = torch.tensor(indices, dtype=torch.int64)
    if rows is not None:
        idx = idx.reshape(rows, -1)
    off = torch.tensor(offsets, dtype=torch.int64) if offsets is not None else None
    psw = None
    if per_sample_weights:
        psw = (torch.rand(idx.shape, generator=g) * 4 - 2).requires_grad_(True)

    weight = weight0.clone().requires_grad_(True)
    out = F.embedding_bag(idx, weight, off, max_norm=max_norm, norm_type=norm_type,
                          scale_grad_by_freq=False, mode=mode, sparse=False,
                          per_sample_weights=psw, include_last_offset=include_last_offset,
                          padding_idx=padding_idx)
    grad_out = torch.randn(out.shape, generator=g)
    out.backward(grad_out)
    weight_after = weight.detach().clone()  # max_norm renorms in place
    grad_weight = weight.grad.detach().clone()

    flat_idx = idx.reshape(-1).tolist()
    num_bags = out.shape[0]
    pad = None if padding_idx is None else (padding_idx + n if padding_idx < 0 else padding_idx)
    if rows is not None:
        length = idx.shape[1]
        bag_of = [i // length if length else 0 for i in range(len(flat_idx))]
        live_end = len(flat_idx)
    else:
        bounds = list(offsets) + ([] if include_last_offset else [len(flat_idx)])
        bag_of = [None] * len(flat_idx)
        for b in range(num_bags):
            for i in range(bounds[b], bounds[b + 1]):
                bag_of[i] = b
        live_end = bounds[num_bags] if num_bags else 0
    live = [i for i in range(live_end) if flat_idx[i] != pad]

    if scale_grad_by_freq:
        # Redo the weight gradient by the formula, in float64.
        freq = {}
        for i in live:
            freq[flat_idx[i]] = freq.get(flat_idx[i], 0) + 1
        count = {}
        for i in live:
            count[bag_of[i]] = count.get(bag_of[i], 0) + 1
        gw = np.zeros((n, d), dtype=np.float64)
        go = grad_out.double().numpy()
        psw_flat = psw.detach().reshape(-1).double().numpy() if psw is not None else None
        for i in live:
            s = 1.0
            if psw_flat is not None:
                s = psw_flat[i]
            if mode == "mean":
                s /= count[bag_of[i]]
            s /= freq[flat_idx[i]]
            gw[flat_idx[i]] += go[bag_of[i]] * s
        grad_weight = torch.from_numpy(gw).float()

    # The sparse gradient: PyTorch's sparse=True result, coalesced (checked
    # against the dense one here), or the rows of the formula's gradient.
    touched = sorted(set(flat_idx[i] for i in live))
    # (1.13's sparse backward fails on indices after offsets[B]: no check there.)
    trailing = rows is None and include_last_offset and offsets[-1] < len(flat_idx)
    if mode != "max" and not scale_grad_by_freq and not trailing:
        w2 = weight0.clone().requires_grad_(True)
        o2 = F.embedding_bag(idx, w2, off, max_norm=max_norm, norm_type=norm_type, mode=mode,
                             sparse=True, per_sample_weights=psw.detach() if psw is not None else None,
                             include_last_offset=include_last_offset, padding_idx=padding_idx)
        o2.backward(grad_out)
        sp = w2.grad.coalesce()
        sp_rows = sp.indices()[0].tolist()
        sp_values = sp.values()
        assert sp_rows == touched, (name, sp_rows, touched)
        assert torch.allclose(sp_values, grad_weight[touched], atol=1e-6), name
    else:
        sp_values = grad_weight[touched] if touched else torch.zeros(0, d)

    c = {
        "name": name, "num_embeddings": n, "embedding_dim": d, "mode": mode,
        "padding_idx": padding_idx, "max_norm": max_norm, "norm_type": norm_type,
        "scale_grad_by_freq": scale_grad_by_freq, "include_last_offset": include_last_offset,
        "weight": floats(weight0), "indices": flat_idx,
        "offsets": list(offsets) if offsets is not None else None,
        "rows": rows, "row_length": (len(flat_idx) // rows) if rows else None,
        "per_sample_weights": floats(psw) if psw is not None else None,
        "grad_output": floats(grad_out),
        "expected": {
            "output": floats(out), "output_shape": list(out.shape),
            "weight_after": floats(weight_after),
            "grad_weight": floats(grad_weight),
            "sparse_rows": touched, "sparse_values": floats(sp_values),
            "grad_per_sample_weights": floats(psw.grad) if psw is not None else None,
        },
    }
    return c


def main():
    torch.manual_seed(0)
    r = np.random.RandomState(7)
    cases = []
    # The lucid doc examples.
    cases.append(case("lucid_mean_2d", 20, 8, "mean", [1, 3, 5, 0, 2, 4], rows=2, seed=1))
    cases.append(case("lucid_sum_offsets", 10, 4, "sum", [0, 1, 2, 3, 4, 5], offsets=[0, 2, 5], seed=2))
    for mode in ("sum", "mean", "max"):
        for d in (1, 3, 4, 5, 16, 17, 33, 64, 65, 129):
            n = 37
            lengths = r.randint(0, 9, size=6)
            offs = [0] + list(np.cumsum(lengths)[:-1])
            idx = r.randint(0, n, size=int(lengths.sum())).tolist()
            idx[-1:] = [n - 1]  # the last row
            cases.append(case(f"{mode}_d{d}", n, d, mode, idx, offsets=[int(o) for o in offs], seed=10 + d))
        idx = r.randint(0, 12, size=40).tolist()
        for pad in (3, -1):
            idx_p = [(pad % 12) if k % 3 == 0 else v for k, v in enumerate(idx)]
            cases.append(case(f"{mode}_padding{pad}", 12, 7, mode, idx_p, offsets=[0, 5, 5, 17, 30],
                              padding_idx=pad, seed=20))
        cases.append(case(f"{mode}_2d_padding", 12, 9, mode, idx[:24], rows=4, padding_idx=0, seed=21))
        cases.append(case(f"{mode}_include_last_offset", 15, 6, mode, idx[:20], offsets=[0, 4, 4, 11, 20],
                          include_last_offset=True, seed=22))
        for p in (1.0, 2.0, 3.0):
            cases.append(case(f"{mode}_max_norm_p{int(p)}", 15, 10, mode, idx[:18], offsets=[0, 6, 9],
                              max_norm=1.2, norm_type=p, padding_idx=2, seed=23))
    cases.append(case("sum_include_last_offset_trailing", 15, 6, "sum", idx[:20], offsets=[0, 4, 4, 11],
                      include_last_offset=True, seed=24))
    cases.append(case("sum_per_sample_weights", 20, 11, "sum", r.randint(0, 20, size=30).tolist(),
                      offsets=[0, 3, 3, 10, 29], per_sample_weights=True, padding_idx=5, seed=30))
    cases.append(case("sum_per_sample_weights_2d", 20, 4, "sum", r.randint(0, 20, size=12).tolist(),
                      rows=3, per_sample_weights=True, seed=31))
    cases.append(case("sum_scale_grad_by_freq_1_1_3", 5, 3, "sum", [1, 1, 3], offsets=[0], scale_grad_by_freq=True, seed=40))
    cases.append(case("mean_scale_grad_by_freq_1_1_3", 5, 3, "mean", [1, 1, 3], offsets=[0], scale_grad_by_freq=True, seed=40))
    cases.append(case("sum_scale_grad_by_freq", 9, 5, "sum", r.randint(0, 9, size=25).tolist(),
                      offsets=[0, 7, 7, 20], scale_grad_by_freq=True, padding_idx=4,
                      per_sample_weights=True, seed=41))
    cases.append(case("mean_scale_grad_by_freq", 9, 5, "mean", r.randint(0, 9, size=25).tolist(),
                      offsets=[0, 7, 7, 20], scale_grad_by_freq=True, padding_idx=4, seed=42))
    write_cases("embedding_bag_golden.json", "tests/golden/generate.py", cases)


if __name__ == "__main__":
    main()
