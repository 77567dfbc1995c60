#!/usr/bin/env python3
"""Saves a known torch.nn.EmbeddingBag table the way a user would export it,
and what PyTorch computes with it, for tests/node/weights.test.mjs.

Writes next to this file:
  table_f32.safetensors  the table (F32) under 'embedding_bag.weight', plus a
                         second tensor, so that the loader must pick by name
  table_f16.safetensors  the table as F16 (one tensor)
  table_f32.npy, table_f16.npy   the same as NumPy .npy files
  table_int8.safetensors the table packed by torch.ops.quantized.
                         embedding_bag_byte_prepack (U8 [N, D + 8])
  table_int4.npy         ... by embedding_bag_4bit_prepack (uint8 [N, D/2 + 4])
  expected.json          outputs of PyTorch's forward on some bags, for the
                         F32 table and for the F16 table (upcast to F32), and
                         of its quantized ops on the int8 / int4 rows (mean:
                         1.13's fallback without FBGEMM returns the sum for
                         mode=1, so mean = that sum * float32(1 / bag length))

The safetensors format is written by hand (an 8-byte little-endian header
length, a JSON header, the raw bytes), as the `safetensors` package does, so
that no extra Python package is needed. Run with Debian's python3-torch:
  npm run golden   (or /usr/bin/python3 tests/weights/generate.py)
"""
import json
import os
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
N, D = 50, 8


def write_safetensors(path, tensors, metadata=None):
    header = {}
    blobs = []
    offset = 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array).tobytes()
        dtype = {np.float32: 'F32', np.float16: 'F16', np.int64: 'I64', np.uint8: 'U8'}[array.dtype.type]
        header[name] = {'dtype': dtype, 'shape': list(array.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header['__metadata__'] = metadata
    encoded = json.dumps(header, separators=(',', ':')).encode()
    encoded += b' ' * (-len(encoded) % 8)  # the format pads the header to 8 bytes
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def main():
    torch.manual_seed(1234)
    bag = torch.nn.EmbeddingBag(N, D, mode='mean')
    table = bag.weight.detach().numpy().astype(np.float32)
    table16 = table.astype(np.float16)

    write_safetensors(os.path.join(HERE, 'table_f32.safetensors'),
                      {'embedding_bag.weight': table, 'classifier.bias': np.arange(3, dtype=np.int64)},
                      metadata={'format': 'pt'})
    write_safetensors(os.path.join(HERE, 'table_f16.safetensors'), {'weight': table16})
    np.save(os.path.join(HERE, 'table_f32.npy'), table)
    np.save(os.path.join(HERE, 'table_f16.npy'), table16)
    packed8 = torch.ops.quantized.embedding_bag_byte_prepack(torch.from_numpy(table))
    packed4 = torch.ops.quantized.embedding_bag_4bit_prepack(torch.from_numpy(table))
    write_safetensors(os.path.join(HERE, 'table_int8.safetensors'), {'weight': packed8.numpy()})
    np.save(os.path.join(HERE, 'table_int4.npy'), packed4.numpy())

    indices = [1, 2, 4, 5, 4, 3, 2, 9, 0, 49, 49, 17]
    offsets = [0, 4, 8, 8]
    cases = []
    for mode in ['sum', 'mean', 'max']:
        for name, weights in [('f32', table), ('f16', table16.astype(np.float32))]:
            module = torch.nn.EmbeddingBag.from_pretrained(torch.from_numpy(weights.copy()), mode=mode)
            out = module(torch.tensor(indices), torch.tensor(offsets))
            cases.append({'table': name, 'mode': mode, 'output': out.detach().numpy().astype(np.float32).ravel().tolist()})
    ends = offsets[1:] + [len(indices)]
    lengths = torch.tensor([end - begin for begin, end in zip(offsets, ends)], dtype=torch.float32)
    inverse = torch.where(lengths > 0, 1.0 / lengths.clamp(min=1), torch.zeros_like(lengths))
    for mode in ['sum', 'mean']:
        for name, op, packed in [('int8', torch.ops.quantized.embedding_bag_byte_rowwise_offsets, packed8),
                                 ('int4', torch.ops.quantized.embedding_bag_4bit_rowwise_offsets, packed4)]:
            out = op(packed, torch.tensor(indices), torch.tensor(offsets), mode=0)
            if mode == 'mean':
                out = out * inverse[:, None]
            cases.append({'table': name, 'mode': mode, 'output': out.numpy().astype(np.float32).ravel().tolist()})
    with open(os.path.join(HERE, 'expected.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'N': N, 'D': D, 'indices': indices, 'offsets': offsets,
                   'tensor': 'embedding_bag.weight', 'cases': cases}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
