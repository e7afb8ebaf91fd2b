"""One side of the peer comparison, in Python: PyTorch (`torch`) or plain numpy running the lecture notes' algorithm.

Same protocol as NetGen's `--peers` mode: one thread; the seed network 784-500(tanh)-10(softmax, NLL) trained by
minibatch SGD at batch 1, 20 and 64; its single-sample forward; the control network 16-32-32(ReLU)-4 trained at batch 1.
Each figure is the median over rounds of the mean time per call, in nanoseconds. Prints one JSON object.
"""
import json
import os
import statistics
import sys
import time

import numpy as np

ROUNDS = 7


def median_ns(fn, calls):
    for _ in range(max(1, calls // 5)):  # warm-up
        fn()
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter_ns() - start) / calls)
    return statistics.median(times)


def calls_for(batch):
    return max(20, 4000 // batch)


def torch_side(cnn_only=False):
    import torch
    import torch.nn as nn

    torch.set_num_threads(1)
    torch.manual_seed(1)
    results = {}
    if not cnn_only:
        dense_torch(results)
    cnn_torch(results)
    results["version"] = torch.__version__
    return results


def dense_torch(results):
    import torch
    import torch.nn as nn

    def trainer(widths, activation, batch):
        layers = []
        for i in range(len(widths) - 1):
            layers.append(nn.Linear(widths[i], widths[i + 1]))
            if i < len(widths) - 2:
                layers.append(activation())
        model = nn.Sequential(*layers)
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, weight_decay=1e-5)
        loss_fn = nn.CrossEntropyLoss()  # log-softmax + NLL, the softmax output layer's loss
        x = torch.rand(batch, widths[0])
        y = torch.randint(0, widths[-1], (batch,))

        def step():
            optimizer.zero_grad(set_to_none=False)
            loss_fn(model(x), y).backward()
            optimizer.step()

        return model, step

    for batch in (1, 20, 64):
        _, step = trainer([784, 500, 10], nn.Tanh, batch)
        results[f"seed_train_b{batch}"] = median_ns(step, calls_for(batch))
    model, _ = trainer([784, 500, 10], nn.Tanh, 1)
    one = torch.rand(1, 784)

    def forward():
        with torch.no_grad():
            torch.softmax(model(one), dim=-1)

    results["seed_forward_1"] = median_ns(forward, 2000)
    _, step = trainer([16, 32, 32, 4], nn.ReLU, 1)
    results["control_train_b1"] = median_ns(step, 4000)


def cnn_torch(results):
    import torch
    import torch.nn as nn

    # The convolutional network of the main job (--model cnn) without dropout, trained by Adam.
    def cnn():
        return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))

    for batch in (1, 20, 64, 256):
        model = cnn()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        x = torch.rand(batch, 1, 28, 28)
        y = torch.randint(0, 10, (batch,))

        def cnn_step():
            optimizer.zero_grad(set_to_none=False)
            loss_fn(model(x), y).backward()
            optimizer.step()

        results[f"cnn_train_b{batch}"] = median_ns(cnn_step, max(10, 400 // batch))
    model = cnn().eval()
    image, images = torch.rand(1, 1, 28, 28), torch.rand(1024, 1, 28, 28)

    def cnn_forward(x):
        with torch.no_grad():
            torch.softmax(model(x), dim=-1)

    results["cnn_forward_1"] = median_ns(lambda: cnn_forward(image), 400)
    results["cnn_forward_b1024"] = median_ns(lambda: cnn_forward(images), 3)


def numpy_side():
    rng = np.random.default_rng(1)
    results = {}

    def seed_step(batch):
        bound0, bound1 = np.sqrt(6 / (784 + 500)), np.sqrt(6 / (500 + 10))
        w0 = rng.uniform(-bound0, bound0, (500, 784)).astype(np.float32)
        b0 = np.zeros(500, np.float32)
        w1 = rng.uniform(-bound1, bound1, (10, 500)).astype(np.float32)
        b1 = np.zeros(10, np.float32)
        x = rng.random((batch, 784), dtype=np.float32)
        onehot = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]
        lr, l2 = np.float32(1e-4), np.float32(1e-5)

        def step():
            nonlocal w0, b0, w1, b1
            h = np.tanh(x @ w0.T + b0)                     # z = Wa + b, a = f(z)
            z = h @ w1.T + b1
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)              # softmax
            d1 = (p - onehot) / batch                      # δ of the output for NLL
            d0 = (d1 @ w1) * (1 - h * h)                   # δ = (Wᵀ δ) ∘ f′
            w1 -= lr * (d1.T @ h + l2 * w1)                # ∇W = δ aᵀ, L2 on weights only
            b1 -= lr * d1.sum(axis=0)
            w0 -= lr * (d0.T @ x + l2 * w0)
            b0 -= lr * d0.sum(axis=0)

        return step

    for batch in (1, 20, 64):
        results[f"seed_train_b{batch}"] = median_ns(seed_step(batch), calls_for(batch))
    results["version"] = np.__version__
    return results


if __name__ == "__main__":
    side = sys.argv[1]
    out = torch_side(cnn_only=len(sys.argv) > 2 and sys.argv[2] == "cnn") if side == "torch" else numpy_side()
    out["side"] = side
    out["threads"] = os.environ.get("OMP_NUM_THREADS", "unset")
    print(json.dumps(out))
