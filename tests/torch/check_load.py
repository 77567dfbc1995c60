"""Loads .pt files with PyTorch's own torch.load (tests/node/torch-python.test.mjs
writes them with toTorch) and prints what it read, as JSON: per file
testzip's verdict and every tensor's dtype, shape and values (float32 for
float tensors, the bytes of uint8 ones, and for uint8 packed rows also
PyTorch's unpacking of them in the layout given after the path).

Run: /usr/bin/python3 tests/torch/check_load.py <file.pt>[:int8|:int4]...
"""
import json
import sys
import zipfile

import torch

out = {}
UNPACK = {"int8": torch.ops.quantized.embedding_bag_byte_unpack, "int4": torch.ops.quantized.embedding_bag_4bit_unpack}
for arg in sys.argv[1:]:
    path, _, layout = arg.partition(":")
    with zipfile.ZipFile(path) as archive:
        bad = archive.testzip()
    state = torch.load(path)
    tensors = {}
    for name, value in state.items():
        entry = {"dtype": str(value.dtype).replace("torch.", ""), "shape": list(value.shape)}
        if value.is_floating_point():
            entry["values"] = value.float().flatten().tolist()
        else:
            entry["bytes"] = value.flatten().tolist()
            if layout:
                entry["unpacked"] = UNPACK[layout](value).flatten().tolist()
        tensors[name] = entry
    # A state dict of one float table loads into torch.nn.EmbeddingBag.
    module = None
    if list(state.keys()) == ["weight"] and state["weight"].is_floating_point():
        bag = torch.nn.EmbeddingBag(*state["weight"].shape, dtype=state["weight"].dtype)
        bag.load_state_dict(state)
        module = bool(torch.equal(bag.weight.detach(), state["weight"]))
    out[path] = {"testzip": bad, "tensors": tensors, "embedding_bag": module}
json.dump(out, sys.stdout)
