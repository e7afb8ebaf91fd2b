"""Writes the safetensors files that the test project bakes in (run from this folder; needs numpy).

odd.safetensors holds finite pseudo-random F32 parameters for BakedOddNet's architecture,
37 -> Dense(19, Tanh) -> Dropout(0.2) -> Dense(7, ReLU) -> Softmax(5), named as PyTorch's
nn.Sequential(Linear, Tanh, Dropout, Linear, ReLU, Linear, Softmax) state dict: 0., 3., 5.
"""
import json
import struct

import numpy as np

def write(path, tensors):
    """A safetensors file: the header's length (u64 LE), the JSON header padded to 8 bytes, the raw data."""
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name, array in tensors.items():
        data = array.tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


rng = np.random.default_rng(20261123)
tensors = {}
for module, (n_in, n_out) in zip((0, 3, 5), ((37, 19), (19, 7), (7, 5))):
    bound = np.sqrt(6.0 / (n_in + n_out))
    tensors[f"{module}.weight"] = rng.uniform(-bound, bound, size=(n_out, n_in)).astype("<f4")
    tensors[f"{module}.bias"] = rng.uniform(-0.1, 0.1, size=(n_out,)).astype("<f4")

write("odd.safetensors", tensors)

# cnn.safetensors: BakedCnn's parameters (MaxPoolCnn's architecture), named as PyTorch's
# nn.Sequential(Conv2d, ReLU, MaxPool2d, Conv2d, Tanh, Flatten, Linear, Sigmoid, Linear, Softmax): 0., 3., 6., 8.
tensors = {}
for module, shape in ((0, (5, 1, 3, 3)), (3, (7, 5, 2, 2)), (6, (6, 28)), (8, (3, 6))):
    fan_in = int(np.prod(shape[1:]))
    bound = np.sqrt(6.0 / (fan_in + shape[0]))
    tensors[f"{module}.weight"] = rng.uniform(-bound, bound, size=shape).astype("<f4")
    tensors[f"{module}.bias"] = rng.uniform(-0.1, 0.1, size=(shape[0],)).astype("<f4")
write("cnn.safetensors", tensors)

# wide.safetensors: BakedWideNet's parameters, 80 -> Dense(136, ReLU) -> Softmax(10) (a layer wide enough for the
# packed matrix product: 64 inputs or more, 128 outputs or more), named as nn.Sequential(Linear, ReLU, Linear, Softmax): 0., 2.
tensors = {}
for module, (n_in, n_out) in zip((0, 2), ((80, 136), (136, 10))):
    bound = np.sqrt(6.0 / (n_in + n_out))
    tensors[f"{module}.weight"] = rng.uniform(-bound, bound, size=(n_out, n_in)).astype("<f4")
    tensors[f"{module}.bias"] = rng.uniform(-0.1, 0.1, size=(n_out,)).astype("<f4")
write("wide.safetensors", tensors)
