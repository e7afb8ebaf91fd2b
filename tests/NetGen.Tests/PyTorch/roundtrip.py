"""Round-trips between NetGen and PyTorch, driven by tests/NetGen.Tests/Serialization/PyTorchRoundTripTests.cs.

    roundtrip.py check  PARAMS.safetensors INPUTS.f32 TARGETS.f32 BATCH OUT_DIR
        Loads NetGen's parameters into the equivalent nn.Sequential with load_state_dict (strict), runs the batch, and
        writes the outputs, the mean loss and every parameter's gradient as raw little-endian float32 files.
    roundtrip.py export ARCH_FROM.safetensors OUT.safetensors INPUTS.f32 BATCH PREDICTIONS.f32
        Builds the same nn.Sequential in PyTorch with its own initialization, trains it for a few SGD steps on random
        data, saves the state dict as safetensors (a small writer below), and writes its predictions for the inputs.

The safetensors reader and writer here are deliberately independent of NetGen's: header length (u64 LE), JSON, data.
"""
import json
import struct
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

DTYPES = {"F32": np.float32}


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return meta, tensors


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, t in tensors.items():
        blob = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


class FeatureL2Pool(nn.Module):
    """L2 pooling over groups of consecutive feature maps: x.view(n, C // g, g, H, W).pow(2).sum(2).sqrt()."""

    def __init__(self, group):
        super().__init__()
        self.group = group

    def forward(self, x):
        n, c, h, w = x.shape
        return x.view(n, c // self.group, self.group, h, w).pow(2).sum(2).sqrt()


def build(meta):
    # The metadata carries the model as Python source over nn; evaluate it with nothing else in scope.
    return eval(meta["netgen.pytorch"], {"__builtins__": {}}, {"nn": nn, "FeatureL2Pool": FeatureL2Pool})


def input_shape(meta):
    """(C, H, W) of one sample: a flat row of the batch is reshaped to it (feature maps in PyTorch's C·H·W order)."""
    return tuple(int(d) for d in meta.get("netgen.input", "0,1,1").split(","))


def shaped(meta, x):
    c, h, w = input_shape(meta)
    return x.reshape(x.shape[0], c, h, w) if h * w > 1 else x


def loss_of(model, meta, x, y):
    loss = meta["netgen.loss"]
    if isinstance(model[-1], nn.Softmax) and loss == "CrossEntropy":
        logits = model[:-1](x)
        return F.cross_entropy(logits, y.argmax(dim=1)) if y.dim() == 2 else F.cross_entropy(logits, y)
    out = model(x)
    if loss == "MeanSquaredError":
        return 0.5 * ((out - y) ** 2).sum(dim=1).mean()
    if loss == "BinaryCrossEntropy":
        return F.binary_cross_entropy(out, y, reduction="none").sum(dim=1).mean()
    raise ValueError(loss)


def check(params, inputs, targets, batch, out_dir):
    meta, tensors = read_safetensors(params)
    model = build(meta).double()
    model.load_state_dict({k: v.double() for k, v in tensors.items()}, strict=True)
    x = shaped(meta, torch.from_numpy(np.fromfile(inputs, dtype="<f4").astype(np.float64).reshape(int(batch), -1)))
    y = torch.from_numpy(np.fromfile(targets, dtype="<f4").astype(np.float64).reshape(int(batch), -1))
    model.eval()
    out = model(x)
    loss = loss_of(model, meta, x, y)
    loss.backward()
    out.detach().numpy().astype("<f4").tofile(f"{out_dir}/outputs.f32")
    np.array([loss.item()], dtype="<f4").tofile(f"{out_dir}/loss.f32")
    for name, p in model.named_parameters():
        p.grad.numpy().astype("<f4").tofile(f"{out_dir}/{name}.grad.f32")


def export(arch_from, out, inputs, batch, predictions):
    meta, _ = read_safetensors(arch_from)
    torch.manual_seed(0)
    model = build(meta)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    c, h, w = input_shape(meta)
    n_out = [m for m in model if isinstance(m, nn.Linear)][-1].out_features
    gen = torch.Generator().manual_seed(1)
    for _ in range(20):
        x = shaped(meta, torch.rand(16, c * h * w, generator=gen))
        y = torch.randint(0, n_out, (16,), generator=gen)
        opt.zero_grad()
        loss_of(model, meta, x, F.one_hot(y, n_out).float() if meta["netgen.loss"] != "CrossEntropy" else y).backward()
        opt.step()
    model.eval()
    write_safetensors(out, model.state_dict(), {"format": "pt", "producer": "torch " + torch.__version__})
    x = shaped(meta, torch.from_numpy(np.fromfile(inputs, dtype="<f4").reshape(int(batch), -1)))
    with torch.no_grad():
        model(x).numpy().astype("<f4").tofile(predictions)


if __name__ == "__main__":
    {"check": check, "export": export}[sys.argv[1]](*sys.argv[2:])
