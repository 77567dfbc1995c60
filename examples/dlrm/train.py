"""A small DLRM, trained here on synthetic click data and saved as a web
page or Node service would take it: the tables with torch.save (a TorchRec
state_dict: 'sparse_arch.embedding_bag_collection.embedding_bags.<t>.weight'),
the dense part (bottom MLP, dot interaction, top MLP) with torch.onnx.export,
and a held-out batch with PyTorch's click probabilities.

  bottom MLP: 13 dense features -> 32 -> 16
  sparse: 8 features, one table each (one-hot and multi-hot, sum and mean
          pooling), 16 columns
  interaction: the 9 vectors' pairwise dots (36) next to the bottom output
  top MLP: 52 -> 32 -> 1, sigmoid

Also the whole model as one ONNX export (full.onnx, the embedding bags
included), what a user would otherwise run in onnxruntime-web: PyTorch 1.13
exports each nn.EmbeddingBag (offsets form, opset 13) as an ONNX Loop over
the bags, each iteration a Slice of the ids, a Gather of their rows and a
ReduceSum / ReduceMean (npm run bench times it against this package).

Run: /usr/bin/python3 examples/dlrm/train.py (writes tables.pt, dense.onnx,
full.onnx and heldout.json beside itself; tests/node/dlrm.test.mjs,
tests/browser/dlrm.test.mjs, the demo page and bench/dlrm.mjs read them).
Deterministic: seeded data and initialisation.
"""
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(7)
DENSE = 13
D = 16
# (table name, rows, pooling, the most ids a sample has: 1 = one-hot)
TABLES = [
    ("t_user", 2000, "sum", 1), ("t_item", 1500, "sum", 1), ("t_category", 60, "sum", 1),
    ("t_history", 1500, "mean", 8), ("t_query", 800, "mean", 5), ("t_device", 12, "sum", 1),
    ("t_city", 300, "sum", 1), ("t_tags", 200, "sum", 4),
]
FEATURES = [name[2:] for name, *_ in TABLES]


class SparseArch(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding_bag_collection = torch.nn.Module()
        self.embedding_bag_collection.embedding_bags = torch.nn.ModuleDict({
            name: torch.nn.EmbeddingBag(rows, D, mode=pooling) for name, rows, pooling, _ in TABLES
        })

    def forward(self, ids, offsets):
        bags = self.embedding_bag_collection.embedding_bags
        return torch.cat([bags[name](ids[k], offsets[k]) for k, (name, *_) in enumerate(TABLES)], dim=1)


class Dense(torch.nn.Module):
    """Everything after the embedding bags: what dense.onnx holds."""

    def __init__(self):
        super().__init__()
        self.bottom = torch.nn.Sequential(torch.nn.Linear(DENSE, 32), torch.nn.ReLU(), torch.nn.Linear(32, D), torch.nn.ReLU())
        self.top = torch.nn.Sequential(torch.nn.Linear(D + 36, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
        rows, cols = torch.triu_indices(len(TABLES) + 1, len(TABLES) + 1, offset=1)
        self.register_buffer("rows", rows, persistent=False)
        self.register_buffer("cols", cols, persistent=False)

    def forward(self, dense, pooled):
        x = self.bottom(dense)
        vectors = torch.cat([x.unsqueeze(1), pooled.view(-1, len(TABLES), D)], dim=1)  # [B, 9, D]
        dots = torch.bmm(vectors, vectors.transpose(1, 2))[:, self.rows, self.cols]  # [B, 36]
        return torch.sigmoid(self.top(torch.cat([x, dots], dim=1)))


class DLRM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.sparse_arch = SparseArch()
        self.dense_arch = Dense()

    def forward(self, dense, ids, offsets):
        return self.dense_arch(dense, self.sparse_arch(ids, offsets))


def batch(n, generator):
    """n samples: dense features, per feature (ids, offsets), and a click drawn from a hidden rule."""
    dense = torch.randn(n, DENSE, generator=generator)
    ids, offsets, lengths = [], [], []
    for _, rows, _, most in TABLES:
        length = torch.randint(1, most + 1, (n,), generator=generator) if most > 1 else torch.ones(n, dtype=torch.int64)
        ids.append(torch.randint(0, rows, (int(length.sum()),), generator=generator))
        offsets.append(torch.cat([torch.zeros(1, dtype=torch.int64), length.cumsum(0)[:-1]]))
        lengths.append(length)
    score = dense[:, 0] - dense[:, 1] + 0.5 * ((ids[0][offsets[0]] % 7) == 0).float() - 0.3 * ((ids[1][offsets[1]] % 5) == 0).float()
    clicks = (torch.rand(n, generator=generator) < torch.sigmoid(score)).float()
    return dense, ids, offsets, lengths, clicks


model = DLRM()
generator = torch.Generator().manual_seed(11)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(4):
    for step in range(40):
        dense, ids, offsets, _, clicks = batch(256, generator)
        loss = torch.nn.functional.binary_cross_entropy(model(dense, ids, offsets).squeeze(1), clicks)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")

model.eval()
torch.save(model.state_dict(), os.path.join(HERE, "tables.pt"))
dense, ids, offsets, lengths, clicks = batch(64, torch.Generator().manual_seed(99))
with torch.no_grad():
    pooled = model.sparse_arch(ids, offsets)
    probabilities = model.dense_arch(dense, pooled).squeeze(1)
torch.onnx.export(model.dense_arch, (dense, pooled), os.path.join(HERE, "dense.onnx"), input_names=["dense", "pooled"],
                  output_names=["probability"], dynamic_axes={"dense": {0: "B"}, "pooled": {0: "B"}, "probability": {0: "B"}},
                  opset_version=13)


class Flat(torch.nn.Module):
    """The whole model with flat inputs (dense, ids_0..7, offsets_0..7), as ONNX takes them."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, dense, *args):
        return self.inner(dense, list(args[:len(TABLES)]), list(args[len(TABLES):]))


flat_names = [f"ids_{k}" for k in range(len(TABLES))] + [f"offsets_{k}" for k in range(len(TABLES))]
torch.onnx.export(Flat(model), (dense, *ids, *offsets), os.path.join(HERE, "full.onnx"), input_names=["dense"] + flat_names,
                  output_names=["probability"], opset_version=13,
                  dynamic_axes={"dense": {0: "B"}, "probability": {0: "B"}, **{name: {0: f"n_{name}"} for name in flat_names}})
# The KeyedJaggedTensor of the batch, TorchRec's layout: values key by key, lengths keys x B.
heldout = {
    "tables": [{"name": name, "featureNames": [feature], "pooling": pooling} for (name, _, pooling, _), feature in zip(TABLES, FEATURES)],
    "dense": dense.flatten().tolist(),
    "kjt": {"keys": FEATURES, "values": torch.cat(ids).tolist(), "lengths": torch.cat(lengths).tolist()},
    "batch": 64,
    # How the batches are drawn (bench/dlrm.mjs draws its own the same way).
    "workload": [{"rows": rows, "most": most} for _, rows, _, most in TABLES],
    "probabilities": probabilities.tolist(),
}
with open(os.path.join(HERE, "heldout.json"), "w") as f:
    json.dump(heldout, f)
    f.write("\n")
