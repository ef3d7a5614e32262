"""PyTorch reference fixtures for the NormGen parity tests (tests/NormGen.Tests/Parity).

How to run (from the repository root; needs PyTorch 1.13 CPU, e.g. Debian python3-torch):

    /usr/bin/python3 tests/NormGen.Tests/Fixtures/make_pytorch_fixtures.py

What it writes: one JSON file per layer kind in tests/NormGen.Tests/Fixtures/pytorch/
(batchnorm1d.json, batchnorm2d.json, layernorm.json, rmsnorm.json, groupnorm.json, instancenorm.json).
Each file is {"kind", "generator", "torch_version", "cases": [...]}; each case has a stable "name", its
configuration (kind, dtype, batch, features or channels/groups, spatial, momentum in NormGen's convention
and the torch momentum, running-stats mode, affine, activation, eps), the random "gamma"/"beta" it used,
five training "steps" and one "eval" step. A training step holds x, dy (a fresh upstream gradient),
y, dx, dgamma, dbeta, and running_mean/running_var/batches_tracked after the step (null where the kind
or mode keeps none; dgamma/dbeta null where the layer has no such parameter). The eval step holds x and y. Every tensor is flattened row-major: (batch, features[, spatial]).

Conventions the fixtures encode:
- NormGen Momentum M is PyTorch momentum 1 - M; RunningStats Cumulative is momentum=None;
  RunningStats None is track_running_stats=False (eval uses batch statistics).
- The running variance is PyTorch's unbiased one (NormGen UnbiasedRunningVariance=true).
- Fused ReLU is relu(norm(x)); torch has no RMSNorm in 1.13, so it is written here with autograd.
- Gamma and Beta never change between steps (no optimizer step): each step's gradients stand alone.
- float32 cases: inputs, Gamma and Beta are float32 values; the expected outputs are torch's float64
  results on those inputs, rounded to float32 (the best float32 answer, free of torch's own float32 error:
  e.g. LayerNorm over one feature must give y = Beta exactly, which torch float32 misses by 1e-5).
  The script also runs torch in float32 and fails if it misses that answer by more than FLOAT32_SELF_CHECK
  (relative, as the parity tests measure), so each float32 case is one a careful float32 kernel can meet
  within the parity tolerance of 1e-5. To keep it so, float32 inputs keep every normalization group
  (the values that share one mean and variance) at a standard deviation of at least MIN_GROUP_STD:
  rounding in dx grows like 1/std, and groups of two or three values can land arbitrarily close.
  float64 inputs are unrestricted.

Output is deterministic: each case seeds torch from a CRC of its name, and numbers are written as the
shortest round-trip text (Python repr for float64, numpy's shortest float32 text for float32).
"""

import json
import os
import zlib

import numpy as np
import torch

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pytorch")
STEPS = 5
# Largest |torch float32 - float64| / max(1, |float64|) accepted in a float32 case: under half the parity
# tolerance. The worst case is two-value instance norm, where torch's GroupNorm backward (dx = c1*dy + c2*x + c3)
# loses digits to the offset of x.
FLOAT32_SELF_CHECK = 4e-6
# Smallest standard deviation of a normalization group in float32 inputs (see the docstring).
MIN_GROUP_STD = 0.5

torch.set_num_threads(1)  # one reduction order, so reruns write identical files


# ---------------------------------------------------------------------------------------------
# Cases. Names are stable identifiers; the C# parity tests map each name to a generated layer.
# ---------------------------------------------------------------------------------------------

def _dtypes(cases):
    """Every configuration in float32 and float64; the dtype becomes the name's suffix."""
    out = []
    for c in cases:
        for dtype in ("float32", "float64"):
            d = dict(c)
            d["dtype"] = dtype
            d["name"] = c["name"] + ("_f32" if dtype == "float32" else "_f64")
            out.append(d)
    return out


def _bn(name, kind, batch, features, spatial=1, momentum=0.9, mode="exponential", affine=True,
        activation="none", eps=1e-5):
    return dict(name=name, kind=kind, batch=batch, features=features, spatial=spatial, momentum=momentum,
                mode=mode, affine=affine, activation=activation, eps=eps)


BATCHNORM1D = _dtypes([
    _bn("bn1d_f1_n2_m09", "batchnorm1d", 2, 1),
    _bn("bn1d_f3_n3_m07", "batchnorm1d", 3, 3, momentum=0.7),
    _bn("bn1d_f5_n8_cumulative", "batchnorm1d", 8, 5, mode="cumulative"),
    _bn("bn1d_f17_n3_nostats", "batchnorm1d", 3, 17, mode="none"),
    _bn("bn1d_f5_n8_noaffine", "batchnorm1d", 8, 5, affine=False),
    _bn("bn1d_f17_n8_relu", "batchnorm1d", 8, 17, activation="relu"),
    _bn("bn1d_f128_n3_eps1e3", "batchnorm1d", 3, 128, eps=1e-3),
    _bn("bn1d_f3_n2_noaffine_relu_m07", "batchnorm1d", 2, 3, momentum=0.7, affine=False, activation="relu"),
])

# (N, C, H, W) in torch; NormGen sees (N, C, H*W).
BATCHNORM2D = _dtypes([
    dict(_bn("bn2d_c3_s2x3_n2_m09", "batchnorm2d", 2, 3, 6), hw=(2, 3)),
    dict(_bn("bn2d_c5_s3x3_n3_m07_relu", "batchnorm2d", 3, 5, 9, momentum=0.7, activation="relu"), hw=(3, 3)),
    dict(_bn("bn2d_c1_s1x5_n8_cumulative", "batchnorm2d", 8, 1, 5, mode="cumulative"), hw=(1, 5)),
    dict(_bn("bn2d_c4_s2x2_n2_nostats", "batchnorm2d", 2, 4, 4, mode="none"), hw=(2, 2)),
    dict(_bn("bn2d_c3_s3x1_n3_noaffine_eps1e3", "batchnorm2d", 3, 3, 3, affine=False, eps=1e-3), hw=(3, 1)),
])


def _ln(name, batch, features, affine=True, activation="none", eps=1e-5):
    return dict(name=name, kind="layernorm", batch=batch, features=features, spatial=1, affine=affine,
                activation=activation, eps=eps)


LAYERNORM = _dtypes([
    _ln("ln_f1_n2", 2, 1),
    _ln("ln_f3_n2", 2, 3),
    _ln("ln_f5_n8_noaffine", 8, 5, affine=False),
    _ln("ln_f17_n3_relu", 3, 17, activation="relu"),
    _ln("ln_f128_n3_eps1e3", 3, 128, eps=1e-3),
])


def _rms(name, batch, features, affine=True, eps=1e-5):
    return dict(name=name, kind="rmsnorm", batch=batch, features=features, spatial=1, affine=affine,
                activation="none", eps=eps)


RMSNORM = _dtypes([
    _rms("rms_f1_n2", 2, 1),
    _rms("rms_f5_n3", 3, 5),
    _rms("rms_f17_n8_noaffine", 8, 17, affine=False),
    _rms("rms_f128_n3_eps1e3", 3, 128, eps=1e-3),
])


def _gn(name, kind, batch, groups, channels, spatial, affine=True, eps=1e-5):
    return dict(name=name, kind=kind, batch=batch, groups=groups, channels=channels, spatial=spatial,
                affine=affine, activation="none", eps=eps)


GROUPNORM = _dtypes([
    _gn("gn_g1_c3_s4_n2", "groupnorm", 2, 1, 3, 4),
    _gn("gn_g2_c4_s5_n3", "groupnorm", 3, 2, 4, 5),
    _gn("gn_g3_c6_s1_n8_noaffine", "groupnorm", 8, 3, 6, 1, affine=False),
    _gn("gn_g4_c8_s9_n2_eps1e3", "groupnorm", 2, 4, 8, 9, eps=1e-3),
    _gn("gn_g1_c17_s3_n3", "groupnorm", 3, 1, 17, 3),
])

INSTANCENORM = _dtypes([
    _gn("in_c3_s4_n2", "instancenorm", 2, 3, 3, 4),
    _gn("in_c5_s9_n3_noaffine", "instancenorm", 3, 5, 5, 9, affine=False),
    _gn("in_c1_s17_n2_eps1e3", "instancenorm", 2, 1, 1, 17, eps=1e-3),
    _gn("in_c4_s2_n8", "instancenorm", 8, 4, 4, 2),
])

FILES = [
    ("batchnorm1d", BATCHNORM1D),
    ("batchnorm2d", BATCHNORM2D),
    ("layernorm", LAYERNORM),
    ("rmsnorm", RMSNORM),
    ("groupnorm", GROUPNORM),
    ("instancenorm", INSTANCENORM),
]


# ---------------------------------------------------------------------------------------------
# Modules and inputs.
# ---------------------------------------------------------------------------------------------

class RmsNorm(torch.nn.Module):
    """y = x / sqrt(mean(x^2, -1) + eps) * gamma, computed in the module's dtype; gradients by autograd."""

    def __init__(self, features, eps, affine):
        super().__init__()
        self.eps = eps
        self.weight = torch.nn.Parameter(torch.ones(features)) if affine else None

    def forward(self, x):
        y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return y * self.weight if self.weight is not None else y


def torch_shape(case):
    n = case["batch"]
    kind = case["kind"]
    if kind == "batchnorm1d":
        return (n, case["features"])
    if kind == "batchnorm2d":
        return (n, case["features"]) + tuple(case["hw"])
    if kind in ("layernorm", "rmsnorm"):
        return (n, case["features"])
    return (n, case["channels"], case["spatial"])


def param_count(case):
    return case["features"] if "features" in case else case["channels"]


def make_module(case, torch_dtype):
    kind = case["kind"]
    f = param_count(case)
    if kind in ("batchnorm1d", "batchnorm2d"):
        cls = torch.nn.BatchNorm1d if kind == "batchnorm1d" else torch.nn.BatchNorm2d
        mode = case["mode"]
        momentum = None if mode == "cumulative" else 1.0 - case["momentum"]
        m = cls(f, eps=case["eps"], momentum=momentum, affine=case["affine"],
                track_running_stats=(mode != "none"))
    elif kind == "layernorm":
        m = torch.nn.LayerNorm(f, eps=case["eps"], elementwise_affine=case["affine"])
    elif kind == "rmsnorm":
        m = RmsNorm(f, case["eps"], case["affine"])
    else:  # groupnorm; instancenorm is group norm with one channel per group
        m = torch.nn.GroupNorm(case["groups"], case["channels"], eps=case["eps"], affine=case["affine"])
    return m.to(torch_dtype)


def group_indices(case):
    """Flat indices of each normalization group as rows of a (groups, members) tensor; None when there is
    no centering (RMS norm) or a group has one member (its normalized value is exactly 0)."""
    shape = torch_shape(case)
    idx = torch.arange(int(np.prod(shape))).reshape(shape)
    kind = case["kind"]
    if kind == "rmsnorm":
        return None
    if kind.startswith("batchnorm"):
        rows = idx.transpose(0, 1).reshape(shape[1], -1)  # per feature over batch and spatial
    elif kind == "layernorm":
        rows = idx  # per sample
    else:
        rows = idx.reshape(case["batch"] * case["groups"], -1)  # per sample and group
    return rows if rows.shape[1] > 1 else None


def make_inputs(case):
    """Gamma, Beta and per-step x, dy in float64, already rounded to the case's dtype."""
    seed = zlib.crc32(case["name"].encode("ascii"))
    g = torch.Generator().manual_seed(seed)
    f = param_count(case)
    shape = torch_shape(case)
    rnd = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)
    gamma = 1.0 + 0.5 * rnd(f)
    beta = 0.5 * rnd(f)
    # Per-feature (or per-channel) offsets and scales so the statistics are far from 0/1.
    bshape = (1, f) + (1,) * (len(shape) - 2)
    shift = 2.0 * rnd(*bshape)
    scale = 0.5 + 1.5 * torch.rand(*bshape, generator=g, dtype=torch.float64)
    dt = torch.float32 if case["dtype"] == "float32" else torch.float64
    groups = group_indices(case)
    xs, dys = [], []
    for _ in range(STEPS + 1):
        x = rnd(*shape) * scale + shift
        if dt == torch.float32 and groups is not None:
            # Redraw only the groups that came out too narrow; the generator keeps it deterministic.
            full_scale = scale.expand(shape).reshape(-1)
            full_shift = shift.expand(shape).reshape(-1)
            flat = x.reshape(-1)
            for _attempt in range(1000):
                bad = flat.to(dt).to(torch.float64)[groups].std(dim=1, unbiased=False) < MIN_GROUP_STD
                if not bad.any():
                    break
                pos = groups[bad].reshape(-1)
                flat[pos] = rnd(pos.numel()) * full_scale[pos] + full_shift[pos]
            else:
                raise SystemExit(f"{case['name']}: could not draw well-spread float32 inputs")
            x = flat.reshape(shape)
        xs.append(x)
        dys.append(rnd(*shape))
    r = lambda t: t.to(dt).to(torch.float64)
    return r(gamma), r(beta), [r(x) for x in xs], [r(d) for d in dys]


def run(case, torch_dtype, gamma, beta, xs, dys):
    """Five training steps and one eval step in torch_dtype; every tensor returned as float64."""
    m = make_module(case, torch_dtype)
    affine = case["affine"]
    with torch.no_grad():
        if affine:
            m.weight.copy_(gamma)
            if getattr(m, "bias", None) is not None:
                m.bias.copy_(beta)
    relu = case["activation"] == "relu"
    f64 = lambda t: None if t is None else t.detach().to(torch.float64).clone()
    steps = []
    m.train()
    for i in range(STEPS):
        x = xs[i].to(torch_dtype).detach().clone().requires_grad_(True)  # a fresh leaf per run
        m.zero_grad(set_to_none=True)
        y = m(x)
        if relu:
            y = torch.relu(y)
        y.backward(dys[i].to(torch_dtype))
        has_bias = affine and getattr(m, "bias", None) is not None
        steps.append(dict(
            x=xs[i], dy=dys[i], y=f64(y), dx=f64(x.grad),
            dgamma=f64(m.weight.grad) if affine else None,
            dbeta=f64(m.bias.grad) if has_bias else None,
            running_mean=f64(getattr(m, "running_mean", None)),
            running_var=f64(getattr(m, "running_var", None)),
            batches_tracked=int(m.num_batches_tracked) if getattr(m, "num_batches_tracked", None) is not None else None,
        ))
    m.eval()
    with torch.no_grad():
        y = m(xs[STEPS].to(torch_dtype))
        if relu:
            y = torch.relu(y)
    return steps, dict(x=xs[STEPS], y=f64(y))


def self_check(case, got_steps, got_eval, ref_steps, ref_eval):
    """Largest relative gap between torch float32 and float64 on the same inputs; fails above FLOAT32_SELF_CHECK."""
    worst = 0.0
    pairs = [(a, b) for s, r in zip(got_steps, ref_steps) for a, b in ((s[k], r[k]) for k in s)]
    pairs.append((got_eval["y"], ref_eval["y"]))
    for a, b in pairs:
        if not isinstance(a, torch.Tensor):
            if a != b:  # counts (batches_tracked) must agree exactly
                raise SystemExit(f"{case['name']}: float32 and float64 runs disagree: {a} vs {b}")
            continue
        gap = ((a - b).abs() / b.abs().clamp(min=1.0)).max().item() if a.numel() else 0.0
        worst = max(worst, gap)
    if worst > FLOAT32_SELF_CHECK:
        raise SystemExit(f"{case['name']}: torch float32 differs from float64 by {worst:.3g}")
    return worst


# ---------------------------------------------------------------------------------------------
# JSON: a tiny writer so numbers keep exact round-trip text and each array sits on one line.
# ---------------------------------------------------------------------------------------------

def fmt_number(v, dtype):
    if dtype == "float32":
        return str(np.float32(v))  # shortest text that parses back to the same float32
    return repr(float(v))  # shortest text that parses back to the same float64


def to_json(obj, dtype, indent=0):
    pad = "  " * indent
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, float):
        return repr(obj)
    if isinstance(obj, str):
        return json.dumps(obj)
    if isinstance(obj, torch.Tensor):
        return "[" + ",".join(fmt_number(v, dtype) for v in obj.reshape(-1).tolist()) + "]"
    if isinstance(obj, (list, tuple)):
        if all(isinstance(v, (int, float)) for v in obj):
            return "[" + ",".join(to_json(v, dtype) for v in obj) + "]"
        inner = ",\n".join(pad + "  " + to_json(v, dtype, indent + 1) for v in obj)
        return "[\n" + inner + "\n" + pad + "]"
    if isinstance(obj, dict):
        inner = ",\n".join(pad + "  " + json.dumps(k) + ": " + to_json(v, dtype, indent + 1) for k, v in obj.items())
        return "{\n" + inner + "\n" + pad + "}"
    raise TypeError(type(obj))


def build_case(case):
    gamma, beta, xs, dys = make_inputs(case)
    dt = torch.float32 if case["dtype"] == "float32" else torch.float64
    # The expected values always come from float64; fmt_number rounds them for float32 cases.
    steps, ev = run(case, torch.float64, gamma, beta, xs, dys)
    worst = 0.0
    one_member_groups = case["kind"] != "rmsnorm" and group_indices(case) is None
    if dt == torch.float32 and not one_member_groups:
        f32_steps, f32_eval = run(case, torch.float32, gamma, beta, xs, dys)
        worst = self_check(case, f32_steps, f32_eval, steps, ev)
    kind = case["kind"]
    is_bn = kind.startswith("batchnorm")
    has_beta = case["affine"] and kind != "rmsnorm"
    out = dict(name=case["name"], kind=kind, dtype=case["dtype"], batch=case["batch"])
    if "features" in case:
        out["features"] = case["features"]
    else:
        out["groups"] = case["groups"]
        out["channels"] = case["channels"]
    out["spatial"] = case["spatial"]
    out["shape"] = list(torch_shape(case))
    if is_bn:
        out["momentum"] = case["momentum"]
        out["torch_momentum"] = None if case["mode"] == "cumulative" else 1.0 - case["momentum"]
        out["mode"] = case["mode"]
        out["unbiased_running_variance"] = True
    out["affine"] = case["affine"]
    out["activation"] = case["activation"]
    out["eps"] = case["eps"]
    out["gamma"] = gamma if case["affine"] else []
    out["beta"] = beta if has_beta else []
    out["steps"] = steps
    out["eval"] = ev
    return out, worst


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for kind, cases in FILES:
        names = [c["name"] for c in cases]
        assert len(set(names)) == len(names), f"duplicate case names in {kind}"
        built = []
        worst = 0.0
        for c in cases:
            b, w = build_case(c)
            built.append(b)
            worst = max(worst, w)
        doc = dict(kind=kind, generator="tests/NormGen.Tests/Fixtures/make_pytorch_fixtures.py",
                   torch_version=torch.__version__.split("+")[0], cases=built)
        # dtype only matters inside a case; write each case with its own number format.
        parts = []
        for b in built:
            parts.append("    " + to_json(b, b["dtype"], 2))
        text = ("{\n"
                f'  "kind": {json.dumps(doc["kind"])},\n'
                f'  "generator": {json.dumps(doc["generator"])},\n'
                f'  "torch_version": {json.dumps(doc["torch_version"])},\n'
                '  "cases": [\n' + ",\n".join(parts) + "\n  ]\n}\n")
        json.loads(text)  # the writer must produce valid JSON
        path = os.path.join(OUT_DIR, kind + ".json")
        with open(path, "w", encoding="ascii", newline="\n") as fh:
            fh.write(text)
        total += len(text)
        print(f"{path}: {len(built)} cases, {len(text)} bytes, worst float32 self-check gap {worst:.3g}")
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
