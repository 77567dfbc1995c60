#!/usr/bin/python3
"""Golden cases for training (EmbeddingBag.step): five steps of
torch.nn.EmbeddingBag(sparse=True) and a sparse optimizer of torch.optim
(SGD, Adagrad, SparseAdam) over random batches and output gradients, every
PyTorch mode, with and without padding, per-sample weights and
scale_grad_by_freq. Writes tests/golden/optimizer_golden.json: the initial
table, each step's batch and gradient, and the final table and optimizer
state (named as the optimizer's state_dict names them); per-sample weights'
gradient of every step.

Where PyTorch cannot be the reference it is the formula:
- scale_grad_by_freq: PyTorch refuses it with sparse gradients (and 1.13's
  dense CPU backward divides by the wrong count, see generate.py), so that
  gradient is the formula's (float64, rounded to float32), handed to the
  optimizer as the sparse gradient;
- max mode has no sparse gradient in PyTorch: the dense gradient's rows the
  forward took its maxima from (argmax_rows), as a sparse gradient (the rows
  step() updates in max mode);
- rowwise-adagrad (FBGEMM's EXACT_ROWWISE_ADAGRAD, not in torch.optim): the
  update in float64 from the sparse gradient PyTorch computes.
Run: /usr/bin/python3 tests/golden/generate_optimizers.py
(scripts/setup.sh --golden installs python3-torch.)
"""

import math

import numpy as np
import torch

from golden_io import floats, write_cases

STEPS = 5


def batch(r, n, bags, pad, with_psw):
    lengths = r.randint(0, 5, size=bags)
    indices = r.randint(0, n - 3, size=int(lengths.sum())).tolist()  # the last 3 rows never used
    if pad is not None and indices:
        indices[0] = pad  # a padding entry in every batch that has entries
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int).tolist()
    psw = (r.rand(len(indices)) * 2 + 0.25).astype(np.float32).tolist() if with_psw else None
    return indices, offsets, psw


def formula_gradient(n, d, mode, indices, offsets, psw, pad, grad_out):
    """scale_grad_by_freq's sparse gradient by the formula (float64 -> float32)."""
    ends = offsets[1:] + [len(indices)]
    live = [(i, b) for b, (s, e) in enumerate(zip(offsets, ends)) for i in range(s, e) if indices[i] != pad]
    freq, count = {}, {}
    for i, b in live:
        freq[indices[i]] = freq.get(indices[i], 0) + 1
        count[b] = count.get(b, 0) + 1
    gw = np.zeros((n, d), dtype=np.float64)
    go = grad_out.double().numpy()
    for i, b in live:
        s = psw[i] if psw is not None else 1.0
        if mode == "mean":
            s /= count[b]
        gw[indices[i]] += go[b] * s / freq[indices[i]]
    rows = sorted(freq)
    values = torch.from_numpy(gw[rows]).float()
    return torch.sparse_coo_tensor(torch.tensor([rows], dtype=torch.int64), values, (n, d))


def argmax_rows(weight, indices, offsets, pad):
    """The rows max mode's forward took a maximum from: per bag and column the
    first entry (padding skipped) holding the largest value. (1.13's
    torch.embedding_bag max_indices names row 0 for empty bags and for some
    others, so it cannot be used.)"""
    ends = offsets[1:] + [len(indices)]
    rows = set()
    for s, e in zip(offsets, ends):
        live = [indices[i] for i in range(s, e) if indices[i] != pad]
        for d in range(weight.shape[1]):
            if live:
                rows.add(max(live, key=lambda r: (float(weight[r, d]), -live.index(r))))
    return rows


def rowwise_adagrad(weight64, sum64, grad, lr, eps):
    g = grad.coalesce()
    rows = g.indices()[0].tolist()
    values = g.values().double()
    d = weight64.shape[1]
    for k, r in enumerate(rows):
        sum64[r] += float((values[k] * values[k]).sum()) / d
        weight64[r] -= lr * values[k] / (math.sqrt(sum64[r]) + eps)


def case(name, optimizer, mode, seed, n=10, d=6, bags=5, padding_idx=None, psw=False, scale_grad_by_freq=False):
    r = np.random.RandomState(seed)
    g = torch.Generator().manual_seed(seed)
    # scale_grad_by_freq's gradient is the formula's (below): PyTorch's module
    # runs without it.
    bag = torch.nn.EmbeddingBag(n, d, mode=mode, sparse=mode != "max", padding_idx=padding_idx)
    with torch.no_grad():
        bag.weight.copy_(torch.randn(n, d, generator=g))
        if padding_idx is not None:
            bag.weight[padding_idx] = 0.0
    initial = bag.weight.detach().clone()
    name_opt, opts = optimizer
    js_options = {"name": name_opt, **opts}
    if name_opt == "sgd":
        opt = torch.optim.SGD([bag.weight], lr=opts["lr"])
    elif name_opt == "adagrad":
        opt = torch.optim.Adagrad([bag.weight], lr=opts["lr"], lr_decay=opts.get("lrDecay", 0),
                                  eps=opts.get("eps", 1e-10),
                                  initial_accumulator_value=opts.get("initialAccumulatorValue", 0))
    elif name_opt == "sparse-adam":
        opt = torch.optim.SparseAdam([bag.weight], lr=opts["lr"], betas=tuple(opts.get("betas", (0.9, 0.999))),
                                     eps=opts.get("eps", 1e-8))
    else:
        opt = None
        weight64 = initial.double().clone()
        sum64 = np.zeros(n)
    steps = []
    for _ in range(STEPS):
        indices, offsets, w = batch(r, n, bags, padding_idx, psw)
        idx = torch.tensor(indices, dtype=torch.int64)
        off = torch.tensor(offsets, dtype=torch.int64)
        psw_t = torch.tensor(w, dtype=torch.float32).requires_grad_(True) if w is not None else None
        weight_now = bag.weight.detach().clone() if opt is not None else weight64.float()
        if opt is None:
            with torch.no_grad():
                bag.weight.copy_(weight_now)
        out = bag(idx, off, per_sample_weights=psw_t)
        grad_out = torch.randn(out.shape, generator=g)
        bag.weight.grad = None
        out.backward(grad_out)
        grad = bag.weight.grad
        if scale_grad_by_freq:
            grad = formula_gradient(n, d, mode, indices, offsets, w, padding_idx, grad_out)
        elif mode == "max":
            rows = sorted(argmax_rows(bag.weight.detach(), indices, offsets, padding_idx))
            grad = torch.sparse_coo_tensor(torch.tensor([rows], dtype=torch.int64).reshape(1, -1),
                                           grad[rows] if rows else torch.zeros(0, d), (n, d))
        step = {"indices": indices, "offsets": offsets, "per_sample_weights": w, "grad_output": floats(grad_out)}
        if psw_t is not None:
            step["grad_per_sample_weights"] = floats(psw_t.grad)
        steps.append(step)
        if opt is not None:
            bag.weight.grad = grad
            opt.step()
        else:
            rowwise_adagrad(weight64, sum64, grad, opts["lr"], opts.get("eps", 1e-8))
    if opt is not None:
        final = bag.weight.detach()
        st = opt.state[bag.weight]
        state = {k: floats(v) for k, v in st.items() if torch.is_tensor(v) and v.numel() > 1}
        step_count = int(st["step"]) if "step" in st else STEPS
    else:
        final = weight64
        state = {"sum": [float("%.9g" % x) for x in sum64.tolist()]}
        step_count = STEPS
    return {
        "name": name, "num_embeddings": n, "embedding_dim": d, "mode": mode, "padding_idx": padding_idx,
        "scale_grad_by_freq": scale_grad_by_freq, "optimizer": js_options, "weight": floats(initial),
        "steps": steps,
        "expected": {"weight": floats(final), "state": state, "step": step_count},
    }


def main():
    optimizers = [
        ("sgd", {"lr": 0.5}),
        ("adagrad", {"lr": 0.3, "lrDecay": 0.05, "initialAccumulatorValue": 0.1}),
        ("adagrad", {"lr": 0.2}),
        ("rowwise-adagrad", {"lr": 0.3}),
        ("sparse-adam", {"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6}),
        ("sparse-adam", {"lr": 0.02}),
    ]
    cases = []
    seed = 100
    for opt in optimizers:
        label = opt[0] + ("" if len(opt[1]) <= 1 else "_options")
        for mode in ["sum", "mean", "max"]:
            variants = [("plain", {}), ("padding", {"padding_idx": 2})]
            if mode != "max":
                variants.append(("scale_grad_by_freq", {"scale_grad_by_freq": True, "padding_idx": 1}))
            if mode == "sum":
                variants.append(("per_sample_weights", {"psw": True}))
                variants.append(("psw_scale_grad_by_freq", {"psw": True, "scale_grad_by_freq": True}))
            for vname, kwargs in variants:
                seed += 1
                cases.append(case(f"{label}_{mode}_{vname}", opt, mode, seed, **kwargs))
    # Larger: many duplicates, D not a multiple of 4.
    seed += 1
    cases.append(case("adagrad_mean_large", ("adagrad", {"lr": 0.1}), "mean", seed, n=40, d=13, bags=24))
    seed += 1
    cases.append(case("sparse_adam_sum_large", ("sparse-adam", {"lr": 0.01}), "sum", seed, n=40, d=13, bags=24,
                      padding_idx=0))
    write_cases("optimizer_golden.json", "tests/golden/generate_optimizers.py", cases)


if __name__ == "__main__":
    main()
