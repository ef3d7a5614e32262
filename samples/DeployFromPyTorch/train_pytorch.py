"""Train in PyTorch, deploy with NormGen: the PyTorch side of samples/DeployFromPyTorch.

Needs PyTorch 1.13 CPU (Debian python3-torch) and numpy; run with /usr/bin/python3 from the repository root.

    /usr/bin/python3 samples/DeployFromPyTorch/train_pytorch.py train
        Trains the main sample's net (cs231n FullyConnectedNet: 784 - 5 x (affine 100 - batch norm - ReLU) -
        affine 10; weights N(0, 2e-2^2), Adam lr 1e-3, batch 50, 10 epochs) on the embedded Fashion-MNIST subset
        (samples/FashionMnistBatchNorm/Data: 5,000 training and 1,000 validation images, preprocessed as that sample
        does), then writes into samples/DeployFromPyTorch/Model:
          model.safetensors       the state_dict (net.0.weight ... net.15.bias, float32; num_batches_tracked int64)
          model.pt                torch.save(model.state_dict(), "model.pt") of the same state
          reference.safetensors   "logits": eval-mode logits (1000, 10) float32 for the validation images,
                                  "labels": their labels (1000,) int64
        and prints the validation accuracy (kept in results/pytorch-train.txt).

    /usr/bin/python3 samples/DeployFromPyTorch/train_pytorch.py check OUT_DIR
        Loads OUT_DIR/finetuned.safetensors, which the C# sample wrote after fine-tuning the model in NormGen, into
        the same PyTorch net with load_state_dict(strict=True), runs it in eval mode on the validation images and
        compares its logits with OUT_DIR/finetuned-logits.safetensors (NormGen's), printing the largest difference,
        both accuracies and the batch counts (kept in results/pytorch-check.txt).

safetensors is written and read here by a few lines that follow the published format (the Python package is not
in Debian); the C# side reads and writes it with NormGen's own implementation.
"""

import collections
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "FashionMnistBatchNorm", "Data")
MODEL_DIR = os.path.join(HERE, "Model")
HIDDEN = [100, 100, 100, 100, 100]
WEIGHT_SCALE = 2e-2
LEARNING_RATE = 1e-3
BATCH = 50
EPOCHS = 10
SEED = 14
AGREEMENT = 1e-4  # largest |NormGen - PyTorch| logit difference the check accepts

torch.set_num_threads(1)


# ------------------------------------------------------------------------------------------------
# Data: the embedded subset, preprocessed exactly as FashionMnist.Load does (float32 arithmetic).
# ------------------------------------------------------------------------------------------------

def read_idx(name):
    with gzip.open(os.path.join(DATA, name + ".gz"), "rb") as f:
        blob = f.read()
    (magic,) = struct.unpack(">i", blob[:4])
    rank = magic & 0xFF
    dims = struct.unpack(">" + "i" * rank, blob[4:4 + 4 * rank])
    return np.frombuffer(blob[4 + 4 * rank:], dtype=np.uint8).reshape(dims)


def load_data():
    train_images = read_idx("train-images-idx3-ubyte").reshape(-1, 784)
    train_labels = read_idx("train-labels-idx1-ubyte").astype(np.int64)
    val_images = read_idx("t10k-images-idx3-ubyte").reshape(-1, 784)
    val_labels = read_idx("t10k-labels-idx1-ubyte").astype(np.int64)
    # mean[j] = (float)(sum / count / 255.0) in double, then pixel / 255f - mean[j] in float.
    mean = (train_images.astype(np.float64).sum(axis=0) / train_images.shape[0] / 255.0).astype(np.float32)

    def prep(images):
        return images.astype(np.float32) / np.float32(255) - mean

    return (torch.from_numpy(prep(train_images)), torch.from_numpy(train_labels),
            torch.from_numpy(prep(val_images)), torch.from_numpy(val_labels))


# ------------------------------------------------------------------------------------------------
# The net: nn.Sequential under "net", so keys are net.0.weight (affine), net.1.* (batch norm), ...
# ------------------------------------------------------------------------------------------------

class FullyConnectedNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        previous = 784
        for width in HIDDEN:
            layers += [torch.nn.Linear(previous, width), torch.nn.BatchNorm1d(width), torch.nn.ReLU()]
            previous = width
        layers.append(torch.nn.Linear(previous, 10))
        self.net = torch.nn.Sequential(*layers)
        with torch.no_grad():
            for module in self.net:
                if isinstance(module, torch.nn.Linear):
                    module.weight.normal_(0.0, WEIGHT_SCALE)
                    module.bias.zero_()

    def forward(self, x):
        return self.net(x)


def accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).double().mean().item()


# ------------------------------------------------------------------------------------------------
# safetensors, as the specification describes it.
# ------------------------------------------------------------------------------------------------

DTYPES = {torch.float32: ("F32", "<f4"), torch.float64: ("F64", "<f8"), torch.int64: ("I64", "<i8")}
ORDER = ["F32", "F64", "I64"]  # the reference writer's order is by dtype, widest alignment first, then name


def write_safetensors(path, tensors):
    items = sorted(tensors.items(), key=lambda kv: (-ORDER.index(DTYPES[kv[1].dtype][0]), kv[0]))
    header, data = collections.OrderedDict(), b""
    for name, t in items:
        raw = t.detach().contiguous().numpy().astype(DTYPES[t.dtype][1]).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype][0], "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    by_name = {v[0]: (k, v[1]) for k, v in DTYPES.items()}
    out = collections.OrderedDict()
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        torch_dtype, np_dtype = by_name[info["dtype"]]
        values = np.frombuffer(blob[8 + n + begin:8 + n + end], dtype=np_dtype).reshape(info["shape"])
        out[name] = torch.from_numpy(values.copy()).to(torch_dtype)
    return out


# ------------------------------------------------------------------------------------------------

def train():
    torch.manual_seed(SEED)
    x_train, y_train, x_val, y_val = load_data()
    model = FullyConnectedNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    generator = torch.Generator().manual_seed(SEED)
    lines = [f"PyTorch {torch.__version__}: training {len(x_train)} images, validating {len(x_val)}; "
             f"batch {BATCH}, Adam lr {LEARNING_RATE}, {EPOCHS} epochs, seed {SEED}"]
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        total = 0.0
        for b in range(len(x_train) // BATCH):
            index = order[b * BATCH:(b + 1) * BATCH]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x_train[index]), y_train[index])
            loss.backward()
            optimizer.step()
            total += loss.item()
        model.eval()
        with torch.no_grad():
            val = accuracy(model(x_val), y_val)
        lines.append(f"epoch {epoch + 1:2d}: train loss {total / (len(x_train) // BATCH):.4f}, validation accuracy {val:.4f}")
        print(lines[-1])

    model.eval()
    with torch.no_grad():
        logits = model(x_val)
        logits64 = model.double()(x_val.double())
    model.float()
    state = model.state_dict()
    os.makedirs(MODEL_DIR, exist_ok=True)
    write_safetensors(os.path.join(MODEL_DIR, "model.safetensors"), state)
    torch.save(state, os.path.join(MODEL_DIR, "model.pt"))
    write_safetensors(os.path.join(MODEL_DIR, "reference.safetensors"), {"logits": logits, "labels": y_val})
    lines.append(f"final validation accuracy {accuracy(logits, y_val):.4f} ({int((logits.argmax(1) == y_val).sum())} of {len(y_val)}); "
                 f"num_batches_tracked {int(state['net.1.num_batches_tracked'])}")
    lines.append(f"float32 logits vs the same weights in float64: max |difference| {(logits.double() - logits64).abs().max().item():.2e}")
    print("\n".join(lines[-2:]))
    save_results("pytorch-train.txt", lines)


def check(out_dir):
    _, _, x_val, y_val = load_data()
    state = read_safetensors(os.path.join(out_dir, "finetuned.safetensors"))
    theirs = read_safetensors(os.path.join(out_dir, "finetuned-logits.safetensors"))["logits"]
    model = FullyConnectedNet()
    model.load_state_dict(state, strict=True)  # every key present, none extra, every shape right
    model.eval()
    with torch.no_grad():
        ours = model(x_val)
    difference = (ours - theirs).abs().max().item()
    trained = read_safetensors(os.path.join(MODEL_DIR, "model.safetensors"))
    lines = [
        f"PyTorch {torch.__version__} loaded {os.path.basename(out_dir)}/finetuned.safetensors (written by NormGen) with load_state_dict(strict=True): {len(state)} tensors",
        f"num_batches_tracked: {int(trained['net.1.num_batches_tracked'])} after PyTorch training, {int(state['net.1.num_batches_tracked'])} after NormGen fine-tuning",
        f"validation accuracy: PyTorch {accuracy(ours, y_val):.4f}, NormGen {accuracy(theirs, y_val):.4f}; same prediction for {int((ours.argmax(1) == theirs.argmax(1)).sum())} of {len(y_val)} images",
        f"max |PyTorch - NormGen| logit difference: {difference:.2e} (limit {AGREEMENT:.0e}): {'agree' if difference <= AGREEMENT else 'DISAGREE'}",
    ]
    print("\n".join(lines))
    save_results("pytorch-check.txt", lines)
    return 0 if difference <= AGREEMENT else 1


def save_results(name, lines):
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", name), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "train":
        train()
    elif len(sys.argv) == 3 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2]))
    else:
        print(__doc__)
        sys.exit(2)
