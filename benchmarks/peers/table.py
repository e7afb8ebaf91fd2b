"""Prints the peer comparison as a Markdown table: time per call on each side and NetGen's speed-up over each peer."""
import json
import sys

if sys.argv[1] == "--cnn":
    # Alternating rounds of the convolutional network: each round's ratio, NetGen's time then PyTorch's.
    sides = [json.load(open(path)) for path in sys.argv[2:]]
    rounds = len(sides) // 2
    netgens, torches = sides[:rounds], sides[rounds:]
    print(f"one thread; NetGen against PyTorch {torches[0]['version']}, {rounds} alternating rounds; the ratio is PyTorch's time over NetGen's")
    print()
    print("| measurement | NetGen | PyTorch | NetGen vs PyTorch, each round |")
    print("| --- | --- | --- | --- |")
    for key, label in [("cnn_train_b1", "Adam step, batch 1"), ("cnn_train_b20", "Adam step, batch 20"), ("cnn_train_b64", "Adam step, batch 64"),
                       ("cnn_train_b256", "Adam step, batch 256"), ("cnn_forward_1", "Forward, 1 image"), ("cnn_forward_b1024", "ForwardBatch, 1,024 images")]:
        n = [side[key] for side in netgens]
        t = [side[key] for side in torches]
        print(f"| {label} | {min(n) / 1000:,.0f}–{max(n) / 1000:,.0f} µs | {min(t) / 1000:,.0f}–{max(t) / 1000:,.0f} µs | "
              + " / ".join(f"{b / a:.1f}×" for a, b in zip(n, t)) + " |")
    sys.exit(0)

# Alternating rounds of everything (NetGen, PyTorch, numpy in each): the files of every NetGen round, then PyTorch's, then numpy's.
sides = [json.load(open(path)) for path in sys.argv[1:]]
rounds = len(sides) // 3
netgens, torches, numpys = sides[:rounds], sides[rounds:2 * rounds], sides[2 * rounds:]
# (label, NetGen's key, the peers' key): NetGen's fused TrainStep is compared with the peers' ordinary training step,
# which is what a user of each would run.
rows = [
    ("seed 784-500-10 training step, batch 1", "seed_train_b1", "seed_train_b1"),
    ("seed 784-500-10 training step, batch 20", "seed_train_b20", "seed_train_b20"),
    ("seed 784-500-10 training step, batch 64", "seed_train_b64", "seed_train_b64"),
    ("seed 784-500-10 TrainStep (SGD fused into backward), batch 1", "seed_train_fused_b1", "seed_train_b1"),
    ("seed 784-500-10 TrainStep (SGD fused into backward), batch 20", "seed_train_fused_b20", "seed_train_b20"),
    ("seed 784-500-10 TrainStep (SGD fused into backward), batch 64", "seed_train_fused_b64", "seed_train_b64"),
    ("seed 784-500-10 Forward, 1 sample", "seed_forward_1", "seed_forward_1"),
    ("control 16-32-32-4 training step, batch 1", "control_train_b1", "control_train_b1"),
    ("control 16-32-32-4 TrainStep (SGD fused into backward), batch 1", "control_train_fused_b1", "control_train_b1"),
    ("CNN (main job's, no dropout) Adam step, batch 1", "cnn_train_b1", "cnn_train_b1"),
    ("CNN Adam step, batch 20", "cnn_train_b20", "cnn_train_b20"),
    ("CNN Adam step, batch 64", "cnn_train_b64", "cnn_train_b64"),
    ("CNN Adam step, batch 256", "cnn_train_b256", "cnn_train_b256"),
    ("CNN Forward, 1 image", "cnn_forward_1", "cnn_forward_1"),
    ("CNN ForwardBatch, 1,024 images", "cnn_forward_b1024", "cnn_forward_b1024"),
]


def fmt(ns):
    return f"{ns / 1000:,.1f} µs" if ns >= 1000 else f"{ns:,.0f} ns"


def span(values):
    return fmt(min(values)) if min(values) == max(values) else f"{fmt(min(values))}–{fmt(max(values))}"


print(f"one thread; NetGen (generated), PyTorch {torches[0]['version']}, numpy {numpys[0]['version']}; median of 7 repetitions "
      f"in each of {rounds} alternating rounds; a ratio is the peer's time over NetGen's in one round")
print()
print("| measurement | NetGen | PyTorch | numpy | NetGen vs PyTorch, each round | NetGen vs numpy, each round |")
print("| --- | --- | --- | --- | --- | --- |")
for label, key, peer_key in rows:
    n = [side[key] for side in netgens]
    t = [side.get(peer_key) for side in torches]
    p = [side.get(peer_key) for side in numpys]
    cells = [span(n), span(t) if t[0] else "—", span(p) if p[0] else "—",
             " / ".join(f"{b / a:.1f}×" for a, b in zip(n, t)) if t[0] else "—",
             " / ".join(f"{b / a:.1f}×" for a, b in zip(n, p)) if p[0] else "—"]
    print(f"| {label} | " + " | ".join(cells) + " |")
