"""Makes the .pt test files (tests/torch/*.pt) with PyTorch 1.13 (Debian's
python3-torch) and expected.json: every tensor of each file as PyTorch
reads it back (name, dtype, shape, and the values of the 2-D float ones as
float32), which tests/node/torch.test.mjs checks the package against.

Run: /usr/bin/python3 tests/torch/generate.py (npm run golden runs it).
"""
import collections
import io
import json
import os
import pickle

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)


def table(n, d, dtype=torch.float32):
    # Exact in every dtype used here (bfloat16 has 8 bits of precision).
    r = torch.arange(n, dtype=torch.float64).unsqueeze(1)
    c = torch.arange(d, dtype=torch.float64).unsqueeze(0)
    return (((r * 3 + c) % 23) - 11).mul(0.25).to(dtype)


def save(name, obj, **kwargs):
    torch.save(obj, os.path.join(HERE, name), **kwargs)


cases = {}

# An nn.EmbeddingBag's state dict (an OrderedDict with _metadata).
emb = torch.nn.EmbeddingBag(10, 4, mode="sum")
with torch.no_grad():
    emb.weight.copy_(table(10, 4))
save("bag.pt", emb.state_dict())

# A module holding several tables, as TorchRec names them, under a prefix.
class Sparse(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding_bags = torch.nn.ModuleDict({
            "t_user": torch.nn.EmbeddingBag(6, 3, mode="sum"),
            "t_item": torch.nn.EmbeddingBag(5, 2, mode="mean"),
        })


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.sparse_arch = torch.nn.Module()
        self.sparse_arch.embedding_bag_collection = Sparse()
        self.dense = torch.nn.Linear(3, 2)


model = Model()
with torch.no_grad():
    model.sparse_arch.embedding_bag_collection.embedding_bags["t_user"].weight.copy_(table(6, 3))
    model.sparse_arch.embedding_bag_collection.embedding_bags["t_item"].weight.copy_(table(5, 2) + 1)
save("model.pt", model.state_dict())
save("module_prefix.pt", collections.OrderedDict((f"module.{k}", v) for k, v in model.state_dict().items()))

# dtypes: float16 / bfloat16 (widened exactly), float64 (narrowed).
save("dtypes.pt", {"f16": table(7, 3, torch.float16), "bf16": table(7, 3, torch.bfloat16),
                   "f64": table(7, 3, torch.float64), "ids": torch.arange(5)})
# Views saved as they are: a transposed table, a slice (storage offset), two
# tensors sharing one storage.
base = table(8, 6)
save("views.pt", {"transposed": base.t(), "rows": base[2:5], "cols": base[:, 1:4], "same": base})
# A tensor alone, and a parameter alone (torch.save(emb.weight)).
save("tensor.pt", table(4, 2))
save("parameter.pt", emb.weight)
# Nested dicts; integer keys (an optimizer's state).
save("nested.pt", {"model": {"emb": {"weight": table(3, 2)}}, "state": {0: {"sum": table(3, 2)}}})
# Every pickle protocol torch.save can be asked for.
for protocol in (2, 3, 4, 5):
    save(f"protocol{protocol}.pt", {"weight": table(5, 3)}, pickle_protocol=protocol)
# PyTorch's packed quantized rows, saved as uint8 tensors.
weight = table(9, 8)
save("packed.pt", {
    "int8": torch.ops.quantized.embedding_bag_byte_prepack(weight),
    "int4": torch.ops.quantized.embedding_bag_4bit_prepack(weight),
})
# The legacy format (PyTorch < 1.6), refused with a message saying so.
save("legacy.pt", {"weight": table(3, 2)}, _use_new_zipfile_serialization=False)
# Hostile files: a global torch.save never writes for tensors (os.system,
# called by REDUCE when Python loads it), a table name two prefixes share,
# and a record stored deflated (torch.save stores them).
class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


save("evil.pt", {"weight": table(3, 2), "x": Evil()})
save("ambiguous.pt", {"a.embedding_bags.t.weight": table(3, 2), "b.embedding_bags.t.weight": table(3, 2)})
import zipfile
with zipfile.ZipFile(os.path.join(HERE, "bag.pt")) as source, \
        zipfile.ZipFile(os.path.join(HERE, "deflated.pt"), "w", compression=zipfile.ZIP_DEFLATED) as target:
    for item in source.infolist():
        target.writestr(item.filename.replace("bag/", "deflated/"), source.read(item.filename))
# A file object: the archive's folder is 'archive/'.
buffer = io.BytesIO()
torch.save({"weight": table(3, 2)}, buffer)
with open(os.path.join(HERE, "fileobject.pt"), "wb") as f:
    f.write(buffer.getvalue())


def describe(name):
    if name in ("legacy.pt", "evil.pt", "deflated.pt"):  # refused by the package
        return None
    loaded = torch.load(os.path.join(HERE, name))
    out = []

    def walk(prefix, value):
        if isinstance(value, torch.Tensor):
            entry = {"name": prefix, "dtype": str(value.dtype).replace("torch.", ""), "shape": list(value.shape)}
            if value.dim() == 2 and value.is_floating_point():
                entry["values"] = value.float().flatten().tolist()
            if value.dtype == torch.uint8:
                entry["bytes"] = value.flatten().tolist()
            out.append(entry)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)

    walk("", loaded)
    return out


expected = {name: describe(name) for name in sorted(os.listdir(HERE)) if name.endswith(".pt")}
# What the packed rows stand for (dequantized by PyTorch), for the forward checks.
expected["packed.dequantized"] = {
    "int8": torch.ops.quantized.embedding_bag_byte_unpack(torch.load(os.path.join(HERE, "packed.pt"))["int8"]).flatten().tolist(),
    "int4": torch.ops.quantized.embedding_bag_4bit_unpack(torch.load(os.path.join(HERE, "packed.pt"))["int4"]).flatten().tolist(),
}
with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
    f.write("\n")
