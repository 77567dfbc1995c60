#!/usr/bin/python3
"""Golden cases for EmbeddingBagCollection, computed with PyTorch (Debian's
python3-torch 1.13). Writes tests/golden/collection_golden.json; the tests
read that file and need no PyTorch.
Run: /usr/bin/python3 tests/golden/generate_collection.py

TorchRec is not installable here; its EmbeddingBagCollection is, by its
documentation (torchrec.modules.embedding_modules.EmbeddingBagCollection,
torchrec.sparse.jagged_tensor.KeyedTensor), one nn.EmbeddingBag per table
applied to each of the table's features, the pooled outputs concatenated
along dim 1 in the order of the tables and of each table's feature_names
(KeyedTensor.values(), length_per_key = the tables' embedding_dim). That is
what this file computes: for each (feature, table), F.embedding_bag over the
table's weight with the feature's bags (lengths -> offsets), torch.cat of the
outputs; backward through autograd of sum(output * grad), so a table shared
by features gets the sum of their gradients, and per-id weights get theirs.

Cases: shared tables, empty bags, weighted (sum; PyTorch weighs only sum), mean with padding,
max, B = 1, keys given in another order than the collection's, many keys
with zero ids, fp16 tables (the weight rounded by Tensor.half(), inference).
"""

import random

import torch
import torch.nn.functional as F

from golden_io import floats, write_cases


def make_case(name, seed, tables, batch, weighted=False, zero_keys=(), key_order=None, max_len=4, fp16=False):
    rng = random.Random(seed)
    gen = torch.Generator().manual_seed(seed)
    configs = []
    for t, (n, d, pooling, features, padding) in enumerate(tables):
        w = torch.randn(n, d, generator=gen, dtype=torch.float32)
        if fp16:
            w = w.half().float()
        configs.append({"name": f"t{t}", "num_embeddings": n, "embedding_dim": d, "pooling": pooling,
                        "feature_names": features, "padding_idx": padding, "weight": w})
    features = [(f, c) for c in configs for f in c["feature_names"]]
    keys = list(key_order) if key_order else [f for f, _ in features]
    owner = {f: c for f, c in features}
    lengths, values, weights = [], [], []
    for key in keys:
        for _ in range(batch):
            length = 0 if key in zero_keys else rng.randrange(0, max_len + 1)
            lengths.append(length)
            values.extend(rng.randrange(owner[key]["num_embeddings"]) for _ in range(length))
            weights.extend(round(rng.uniform(0.1, 2.0), 3) for _ in range(length))
    values_t = torch.tensor(values, dtype=torch.int64)
    weights_t = torch.tensor(weights, dtype=torch.float32, requires_grad=True)
    params = {c["name"]: c["weight"].clone().requires_grad_(True) for c in configs}
    # Each key's slice of the KJT.
    starts, at = {}, 0
    for k, key in enumerate(keys):
        count = sum(lengths[k * batch:(k + 1) * batch])
        starts[key] = (at, count, lengths[k * batch:(k + 1) * batch])
        at += count
    outputs = []
    for feature, c in features:  # the collection's order, whatever the KJT's
        begin, count, ls = starts[feature]
        offsets = torch.tensor([0] + list(torch.tensor(ls).cumsum(0)[:-1].tolist()) if ls else [], dtype=torch.int64)
        pooled = F.embedding_bag(values_t[begin:begin + count], params[c["name"]], offsets, mode=c["pooling"],
                                 per_sample_weights=weights_t[begin:begin + count] if weighted else None,
                                 padding_idx=c["padding_idx"])
        outputs.append(pooled)
    out = torch.cat(outputs, dim=1)
    grad = torch.randn(out.shape, generator=gen, dtype=torch.float32)
    (out * grad).sum().backward()
    case = {
        "name": name,
        "tables": [{k: (floats(v) if k == "weight" else v) for k, v in c.items()} for c in configs],
        "is_weighted": weighted,
        "fp16": fp16,
        "keys": keys,
        "values": values,
        "lengths": lengths,
        "weights": weights if weighted else None,
        "output": floats(out),
        "shape": list(out.shape),
        "grad_output": floats(grad),
    }
    if not fp16:
        case["grad_weight"] = {c["name"]: floats(params[c["name"]].grad) for c in configs}
        case["grad_weights"] = floats(weights_t.grad) if weighted else None
    return case


def main():
    cases = [
        make_case("two tower: a shared table", 1, [(50, 8, "sum", ["user_id"], None), (30, 4, "mean", ["item_id", "history"], None)], 4),
        make_case("keys in another order, empty bags", 2, [(20, 3, "sum", ["a", "b"], None), (10, 5, "max", ["c"], None)], 5,
                  key_order=["c", "b", "a"], max_len=2),
        make_case("weighted (sum: TorchRec weights sum pooling)", 3, [(40, 6, "sum", ["x"], None), (25, 7, "sum", ["y", "z"], 2)], 3, weighted=True),
        make_case("mean with padding", 4, [(12, 4, "mean", ["p", "q"], 0), (9, 2, "sum", ["r"], 3)], 6),
        make_case("B = 1", 5, [(7, 3, "sum", ["s"], None), (5, 9, "mean", ["t"], None), (6, 1, "max", ["u"], None)], 1),
        make_case("many keys with zero ids", 6, [(15, 4, "sum", [f"k{i}" for i in range(6)], None), (8, 2, "mean", ["m0", "m1"], None)], 4,
                  zero_keys=("k1", "k3", "k4", "m1")),
        make_case("fp16 tables", 7, [(30, 8, "sum", ["h0", "h1"], None), (20, 6, "mean", ["h2"], None)], 4, fp16=True),
    ]
    write_cases("collection_golden.json", "tests/golden/generate_collection.py", cases)


if __name__ == "__main__":
    main()
