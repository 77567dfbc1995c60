"""What the golden generators share: how a tensor is written into the JSON
(float32 values to 9 significant digits, bytes in base64) and how a file of
cases is written."""
import base64
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def floats(t):
    # 9 significant digits identify a float32 exactly and keep the file small.
    return [float("%.9g" % x) for x in t.detach().reshape(-1).to(torch.float32).tolist()]


def b64(t):
    return base64.b64encode(t.contiguous().numpy().tobytes()).decode("ascii")


def write_cases(name, generator, cases):
    """tests/golden/<name>: { generator, torch, cases }, compact, one line."""
    out = os.path.join(HERE, name)
    with open(out, "w") as f:
        json.dump({"generator": generator, "torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {out}")
