"""Trained-state fixtures for the NormGen state tests (tests/NormGen.Tests/State, tests/NormGen.PyTorch.Tests).

How to run (from the repository root; needs PyTorch 1.13 CPU, e.g. Debian python3-torch):

    /usr/bin/python3 tests/NormGen.Tests/Fixtures/make_state_fixtures.py

What it does: builds one small model holding a layer of every kind (batch norm 1d and 2d with non-default eps and
momentum, cumulative (momentum=None), without running statistics, without affine parameters; layer norm, group norm,
instance norm with affine=True, and RMS norm), some in float32 and some in float64, trains it a few steps with SGD
(so weights, running statistics and num_batches_tracked are all non-trivial), puts it in eval mode and records:

- Fixtures/state/model.safetensors          the state_dict, each layer in its own dtype, num_batches_tracked int64
- Fixtures/state/model_f16.safetensors      the same state cast to float16 (counts stay int64)
- Fixtures/state/model_bf16.safetensors     the same state cast to bfloat16
- Fixtures/state/keras.safetensors          the batch-norm and layer-norm tensors under Keras names
                                            (prefix/gamma, /beta, /moving_mean, /moving_variance, /scale), no counts
- Fixtures/state/cases.json                 per layer: its configuration, its key prefix, for each variant the
                                            stored values (exact, as float64) and the eval output for a fixed
                                            input, and for batch norm with running statistics one further training
                                            step (input and the running statistics and count after it)
- ../../NormGen.PyTorch.Tests/Fixtures/model{,_f16,_bf16}.pt   torch.save(model.state_dict(), path) of each variant
- ../../NormGen.PyTorch.Tests/Fixtures/special/   checkpoints for the .pt reader alone: views (strides, offsets,
                                            shared storage), int32/int64/half/bfloat16/empty tensors (views.json holds
                                            their values), Parameters (keep_vars=True), and files it must reject (a
                                            nested dict, a list, the legacy non-zip format)

The safetensors files are written by this script, following the published format (8-byte little-endian header
length, JSON header, packed little-endian data; tensors ordered as the reference writer orders them, header padded
with spaces to 8 bytes): the safetensors Python package is not available from Debian, and these fixtures must not
depend on the C# writer they test.

Expected outputs: torch's results in float64 on the stored values (a float32 layer's parameters and inputs are
float32 values; the output is the exact answer for them, not rounded through torch's float32 kernels). The script
also runs the float32 layers in float32 and fails if torch misses that answer by more than FLOAT32_SELF_CHECK, so the
fixtures stay ones a float32 kernel can meet within the tests' 1e-5.

Output is deterministic (fixed seeds, one thread); rerunning writes identical files.
"""

import collections
import json
import os
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "state")
PT_DIR = os.path.join(HERE, "..", "..", "NormGen.PyTorch.Tests", "Fixtures")
TRAIN_STEPS = 4
TRAIN_BATCH = 6
EVAL_BATCH = 4
LEARNING_RATE = 0.1
FLOAT32_SELF_CHECK = 4e-6

torch.set_num_threads(1)


class RmsNorm(torch.nn.Module):
    """RMS norm as nn.RMSNorm (PyTorch >= 2.4) names it: one parameter, `weight`; torch 1.13 has no RMSNorm."""

    def __init__(self, features, eps):
        super().__init__()
        self.eps = eps
        self.weight = torch.nn.Parameter(torch.ones(features))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


# name, kind, dtype, constructor, input shape of one sample (torch layout), NormGen configuration for the C# side.
CASES = [
    ("bn1d_f32", "batchnorm1d", torch.float32, lambda: torch.nn.BatchNorm1d(7, eps=1e-3, momentum=0.3), (7,),
     dict(features=7, spatial=1, momentum=0.7, eps=1e-3, mode="exponential", affine=True)),
    ("bn1d_f64", "batchnorm1d", torch.float64, lambda: torch.nn.BatchNorm1d(7, eps=1e-3, momentum=0.3), (7,),
     dict(features=7, spatial=1, momentum=0.7, eps=1e-3, mode="exponential", affine=True)),
    ("bn2d_f32", "batchnorm2d", torch.float32, lambda: torch.nn.BatchNorm2d(3, eps=2e-5, momentum=0.05), (3, 4, 5),
     dict(features=3, spatial=20, momentum=0.95, eps=2e-5, mode="exponential", affine=True)),
    ("bn1d_cumulative_f32", "batchnorm1d", torch.float32, lambda: torch.nn.BatchNorm1d(5, momentum=None), (5,),
     dict(features=5, spatial=1, momentum=0.9, eps=1e-5, mode="cumulative", affine=True)),
    ("bn1d_cumulative_f64", "batchnorm1d", torch.float64, lambda: torch.nn.BatchNorm1d(5, momentum=None), (5,),
     dict(features=5, spatial=1, momentum=0.9, eps=1e-5, mode="cumulative", affine=True)),
    ("bn1d_nostats_f32", "batchnorm1d", torch.float32,
     lambda: torch.nn.BatchNorm1d(6, eps=1e-4, track_running_stats=False), (6,),
     dict(features=6, spatial=1, momentum=0.9, eps=1e-4, mode="none", affine=True)),
    ("bn1d_noaffine_f64", "batchnorm1d", torch.float64,
     lambda: torch.nn.BatchNorm1d(4, eps=1e-4, momentum=0.2, affine=False), (4,),
     dict(features=4, spatial=1, momentum=0.8, eps=1e-4, mode="exponential", affine=False)),
    ("ln_f32", "layernorm", torch.float32, lambda: torch.nn.LayerNorm(16, eps=1e-6), (16,),
     dict(features=16, eps=1e-6, affine=True)),
    ("ln_f64", "layernorm", torch.float64, lambda: torch.nn.LayerNorm(16, eps=1e-6), (16,),
     dict(features=16, eps=1e-6, affine=True)),
    ("gn_f64", "groupnorm", torch.float64, lambda: torch.nn.GroupNorm(2, 6, eps=1e-4), (6, 9),
     dict(groups=2, channels=6, spatial=9, eps=1e-4, affine=True)),
    ("gn_f32", "groupnorm", torch.float32, lambda: torch.nn.GroupNorm(3, 6, eps=1e-3), (6, 4),
     dict(groups=3, channels=6, spatial=4, eps=1e-3, affine=True)),
    ("in_f32", "instancenorm", torch.float32, lambda: torch.nn.InstanceNorm2d(4, eps=1e-3, affine=True), (4, 2, 3),
     dict(channels=4, spatial=6, eps=1e-3, affine=True)),
    ("rms_f32", "rmsnorm", torch.float32, lambda: RmsNorm(12, eps=1e-6), (12,),
     dict(features=12, eps=1e-6, affine=True)),
    ("rms_f64", "rmsnorm", torch.float64, lambda: RmsNorm(12, eps=1e-6), (12,),
     dict(features=12, eps=1e-6, affine=True)),
]

KERAS_NAMES = {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean", "running_var": "moving_variance"}
KERAS_CASES = ["bn1d_f32", "bn1d_f64", "ln_f32"]  # Keras names for these, plus RMS norm's `scale`:
KERAS_RMS_CASES = ["rms_f32"]


def build_model():
    torch.manual_seed(14)
    model = torch.nn.Module()
    model.layers = torch.nn.ModuleDict()
    for name, _, dtype, make, _, _ in CASES:
        module = make().to(dtype)
        with torch.no_grad():
            for key, p in module.named_parameters():
                p.copy_((1.0 if key == "weight" else 0.0) + 0.5 * torch.randn(p.shape, dtype=dtype))
        model.layers[name] = module
    return model


def inputs(shape, dtype, seed, offset=0.0):
    g = torch.Generator().manual_seed(seed)
    x = offset + 2.0 * torch.randn(shape, generator=g, dtype=torch.float64)
    return x.to(dtype)


def train(model):
    """A few SGD steps on a random linear loss: parameters move, running statistics and counts accumulate."""
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    for step in range(TRAIN_STEPS):
        optimizer.zero_grad()
        loss = 0
        for index, (name, _, dtype, _, sample, _) in enumerate(CASES):
            x = inputs((TRAIN_BATCH,) + sample, dtype, 1000 * step + index, offset=0.5 * step)
            y = model.layers[name](x)
            target = inputs(y.shape, dtype, 5000 + 1000 * step + index)
            loss = loss + (y * target).sum().double()
        loss.backward()
        optimizer.step()


def cast_state(state, dtype):
    """state_dict with every floating tensor cast to dtype (num_batches_tracked stays int64), as module.half() does."""
    return collections.OrderedDict(
        (k, v.to(dtype) if v.is_floating_point() else v.clone()) for k, v in state.items())


def load_variant(model, variant_state):
    """A float64 copy of the model holding the variant's values exactly: the reference every variant is checked by."""
    reference = build_model()
    reference.load_state_dict(collections.OrderedDict(
        (k, v.to(torch.float64) if v.is_floating_point() else v) for k, v in variant_state.items()))
    return reference.double()


SAFETENSORS_DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
                      torch.int64: "I64", torch.int32: "I32"}
# The reference writer orders tensors by dtype, widest alignment first (its enum order), then by name.
DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64",
               "I64", "U64"]


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def write_safetensors(path, tensors, metadata=None):
    items = sorted(tensors.items(), key=lambda kv: (-DTYPE_ORDER.index(SAFETENSORS_DTYPES[kv[1].dtype]), kv[0]))
    header = collections.OrderedDict()
    if metadata:
        header["__metadata__"] = metadata
    data = b""
    for name, t in items:
        raw = tensor_bytes(t)
        header[name] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(data)


def read_safetensors(path):
    """Reads back what write_safetensors wrote (a self-check of the fixture, not a general reader)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    out = {}
    np_types = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4"}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = blob[8 + n + begin:8 + n + end]
        if info["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            values = bits.view(np.float32).astype(np.float64)
        else:
            values = np.frombuffer(raw, dtype=np_types[info["dtype"]]).astype(np.float64)
        out[name] = (info["dtype"], info["shape"], values)
    return out


def values(t):
    return [float(v) for v in t.detach().to(torch.float64).reshape(-1).tolist()]


def eval_output(module, x):
    module.eval()
    with torch.no_grad():
        return module(x)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    os.makedirs(PT_DIR, exist_ok=True)
    model = build_model()
    train(model)
    model.eval()
    state = model.state_dict()

    variants = collections.OrderedDict([
        ("model", state),
        ("model_f16", cast_state(state, torch.float16)),
        ("model_bf16", cast_state(state, torch.bfloat16)),
    ])
    for file_name, variant_state in variants.items():
        write_safetensors(os.path.join(OUT_DIR, file_name + ".safetensors"), variant_state,
                          {"format": "pt", "source": "make_state_fixtures.py"})
        torch.save(variant_state, os.path.join(PT_DIR, file_name + ".pt"))

    keras = collections.OrderedDict()
    for name in KERAS_CASES:
        for key, short in KERAS_NAMES.items():
            full = "layers." + name + "." + key
            if full in state:
                keras[name + "/" + short] = state[full]
    for name in KERAS_RMS_CASES:
        keras[name + "/scale"] = state["layers." + name + ".weight"]
    write_safetensors(os.path.join(OUT_DIR, "keras.safetensors"), keras)

    cases = []
    for index, (name, kind, dtype, _, sample, config) in enumerate(CASES):
        prefix = "layers." + name
        x = inputs((EVAL_BATCH,) + sample, dtype, 9000 + index, offset=0.3)
        case = dict(name=name, kind=kind, dtype="float32" if dtype == torch.float32 else "float64", prefix=prefix,
                    config=config, keys=[k[len(prefix) + 1:] for k in state if k.startswith(prefix + ".")],
                    eval_x=values(x), variants={})

        # torch in the layer's own dtype, against the float64 answer on the same values.
        own = eval_output(model.layers[name], x)
        for file_name, variant_state in variants.items():
            reference = load_variant(model, variant_state)
            y = eval_output(reference.layers[name], x.to(torch.float64))
            stored = collections.OrderedDict(
                (k[len(prefix) + 1:], values(v) if v.is_floating_point() else int(v.item()))
                for k, v in variant_state.items() if k.startswith(prefix + "."))
            case["variants"][file_name] = dict(state=stored, eval_y=values(y))
            if file_name == "model":
                miss = ((own.double() - y).abs() / y.abs().clamp(min=1.0)).max().item()
                limit = FLOAT32_SELF_CHECK if dtype == torch.float32 else 1e-12
                assert miss <= limit, f"{name}: torch {dtype} eval misses the float64 answer by {miss}"

        # One more training step from the saved state: a loaded layer must continue where PyTorch stopped.
        module = model.layers[name]
        if kind.startswith("batchnorm") and module.track_running_stats:
            reference = load_variant(model, state).layers[name]
            reference.train()
            x_next = inputs((TRAIN_BATCH,) + sample, dtype, 7000 + index, offset=-0.4)
            with torch.no_grad():
                reference(x_next.to(torch.float64))
            case["next_step"] = dict(x=values(x_next), running_mean=values(reference.running_mean),
                                     running_var=values(reference.running_var),
                                     num_batches_tracked=int(reference.num_batches_tracked.item()))
        cases.append(case)

    # Self-check: the safetensors files hold exactly the state_dict values.
    for file_name, variant_state in variants.items():
        back = read_safetensors(os.path.join(OUT_DIR, file_name + ".safetensors"))
        assert set(back) == set(variant_state), file_name
        for key, tensor in variant_state.items():
            dtype_name, shape, stored = back[key]
            assert dtype_name == SAFETENSORS_DTYPES[tensor.dtype] and shape == list(tensor.shape), key
            assert np.array_equal(stored, np.array(values(tensor))), key

    with open(os.path.join(OUT_DIR, "cases.json"), "w") as f:
        json.dump(dict(generator="make_state_fixtures.py", torch_version=torch.__version__,
                       keras_cases=KERAS_CASES + KERAS_RMS_CASES, cases=cases), f, indent=1)
        f.write("\n")
    write_special_checkpoints(model)
    for case in cases:
        print(case["name"], case["prefix"], case["keys"],
              "batches" if "next_step" not in case else case["variants"]["model"]["state"]["num_batches_tracked"])


def write_special_checkpoints(model):
    """Checkpoints that exercise the .pt reader beyond plain state_dicts: views, other dtypes, and files it rejects."""
    special = os.path.join(PT_DIR, "special")
    os.makedirs(special, exist_ok=True)
    base = torch.arange(12, dtype=torch.float64) * 0.5 - 1.0
    views = collections.OrderedDict([
        ("strided", torch.arange(12, dtype=torch.float32).reshape(3, 4).t()),  # stride (1, 4): not contiguous
        ("offset", base[5:9]),                                                 # storage offset 5, storage shared
        ("whole", base),
        ("scalar", torch.tensor(7, dtype=torch.int64)),
        ("int32", torch.tensor([1, -2, 3], dtype=torch.int32)),
        ("half", torch.tensor([0.5, -1.25, 65504.0], dtype=torch.float16)),
        ("bf16", torch.tensor([1.0, -3.140625], dtype=torch.bfloat16)),
        ("empty", torch.zeros(0, 3)),
    ])
    torch.save(views, os.path.join(special, "views.pt"))
    expected = collections.OrderedDict(
        (k, dict(dtype=SAFETENSORS_DTYPES[v.dtype], shape=list(v.shape), values=values(v)))
        for k, v in views.items())
    with open(os.path.join(special, "views.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    # Parameters instead of tensors (keep_vars=True pickles torch._utils._rebuild_parameter).
    torch.save(model.layers["bn1d_f32"].state_dict(keep_vars=True), os.path.join(special, "parameters.pt"))
    # Files the reader must reject with a clear message.
    torch.save({"model": model.layers["ln_f32"].state_dict(), "epoch": 3}, os.path.join(special, "nested.pt"))
    torch.save([torch.ones(2)], os.path.join(special, "list.pt"))
    torch.save(model.layers["ln_f32"].state_dict(), os.path.join(special, "legacy.pt"),
               _use_new_zipfile_serialization=False)


if __name__ == "__main__":
    main()
