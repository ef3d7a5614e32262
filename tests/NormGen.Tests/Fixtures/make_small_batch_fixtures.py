"""Reference fixtures for batch renormalization and ghost (virtual) batch norm (issue 15).

How to run (from the repository root; needs PyTorch 1.13 CPU, e.g. Debian python3-torch):

    /usr/bin/python3 tests/NormGen.Tests/Fixtures/make_small_batch_fixtures.py

What it writes: tests/NormGen.Tests/Fixtures/pytorch/renorm.json and ghostbatch.json. PyTorch has neither layer, so
both are written here as torch functions of the batch and the running statistics, and differentiated by autograd.
The format is that of make_pytorch_fixtures.py (ParityFixture.cs reads every key it knows), plus a few keys:

    {"kind": "renorm" | "ghostbatch", "generator", "torch_version", "cases": [case, ...]}
    case: name, kind, dtype ("float32" | "float64"), batch, features, spatial, shape, momentum (NormGen's: the
          weight of the OLD running value), mode ("exponential" | "cumulative"), unbiased_running_variance, affine
          (always true), activation (always "none"), eps, attribute (the C# attribute, see below),
          renorm: renorm_max_scale (r_max), renorm_max_shift (d_max), clipped_r, clipped_d, unclipped_r, unclipped_d
                  (how many of the steps' per-feature r and d were clipped, over all five steps);
          ghostbatch: virtual_batch_size (V), virtual_batches (batch / V);
          gamma, beta, initial_running_mean, initial_running_var (copy all four into the layer before step 1; the
          layer starts with BatchesTracked = 0), steps (five), eval.
    step: x, dy, y, dx, dgamma, dbeta, running_mean, running_var, batches_tracked (after the step);
          renorm also r and d (per feature, the values this step used, after clipping).
    eval: x, y (Training = false: plain batch norm with the running statistics after step five).
    Tensors are flattened row-major (batch, features[, spatial]); r, d and the statistics have one value per feature.

The formulas (issue 15), per feature c over the batch and spatial positions; N = batch * spatial:
- Renorm (Ioffe 2017). mu_B, var_B (biased); sigma_B = sqrt(var_B + eps); sigma = sqrt(RunningVariance + eps) with
  the running statistics BEFORE this step's update; r = clip(sigma_B / sigma, 1/r_max, r_max);
  d = clip((mu_B - RunningMean) / sigma, -d_max, d_max), both detached; y = Gamma * ((x - mu_B) / sigma_B * r + d) + Beta.
  Then the running statistics update as plain batch norm: Exponential running = M * running + (1 - M) * batch,
  Cumulative keep = k/(k+1) with k = BatchesTracked before the step (so step 1 replaces the initial statistics:
  only step 1's r and d see them), the variance times N/(N-1) when unbiased. Backward (autograd with r, d constant):
  dx = r * (the plain closed form with Gamma), dgamma = sum(dy * ((x - mu_B) / sigma_B * r + d)), dbeta = sum(dy).
- Ghost batches: the batch splits into batch/V consecutive groups of V samples; each group is normalized with its
  own mean and biased variance over its V * spatial values (Backward per group; dgamma and dbeta summed over
  groups). Once per call, the running statistics take the mean over groups of the group means and the mean over
  groups of the group variances (each times n/(n-1), n = V * spatial, when unbiased), then update as above.
  BatchesTracked counts calls, not groups.

Layer declarations for the C# tests. Class names are the case names in PascalCase, as in Parity/ParityLayers.cs;
each float32 case (suffix _f32) below has a float64 twin (suffix _f64, class name ...F64) whose declaration adds
ElementType = typeof(double). Every case's "attribute" key holds its exact declaration. The script checks that this
list matches the cases.

    renorm.json
    [BatchNorm(Features = 6, Renorm = true)]
    public partial class RenormF6N6DefaultF32 { }
    [BatchNorm(Features = 3, Spatial = 5, Renorm = true, RunningStats = RunningStatsMode.Cumulative, UnbiasedRunningVariance = false)]
    public partial class RenormC3S5N3DefaultCumulativeBiasedF32 { }
    [BatchNorm(Features = 6, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, Momentum = 0.7, Epsilon = 1e-3)]
    public partial class RenormF6N6ClipM07Eps1e3F32 { }
    [BatchNorm(Features = 6, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, RunningStats = RunningStatsMode.Cumulative, UnbiasedRunningVariance = false)]
    public partial class RenormF6N6ClipCumulativeBiasedF32 { }
    [BatchNorm(Features = 3, Spatial = 5, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, UnbiasedRunningVariance = false)]
    public partial class RenormC3S5N3ClipBiasedF32 { }
    [BatchNorm(Features = 3, Spatial = 5, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, RunningStats = RunningStatsMode.Cumulative)]
    public partial class RenormC3S5N3ClipCumulativeF32 { }
    [BatchNorm(Features = 6, Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0)]
    public partial class RenormF6N6IdentityF32 { }
    [BatchNorm(Features = 3, Spatial = 5, Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0, RunningStats = RunningStatsMode.Cumulative, UnbiasedRunningVariance = false, Epsilon = 1e-3)]
    public partial class RenormC3S5N3IdentityCumulativeBiasedEps1e3F32 { }

    ghostbatch.json
    [BatchNorm(Features = 6, VirtualBatchSize = 2)]
    public partial class GhostF6N10V2F32 { }
    [BatchNorm(Features = 6, VirtualBatchSize = 5, RunningStats = RunningStatsMode.Cumulative)]
    public partial class GhostF6N20V5CumulativeF32 { }
    [BatchNorm(Features = 3, Spatial = 4, VirtualBatchSize = 5, UnbiasedRunningVariance = false, Momentum = 0.7, Epsilon = 1e-3)]
    public partial class GhostC3S4N10V5BiasedM07Eps1e3F32 { }
    [BatchNorm(Features = 3, Spatial = 4, VirtualBatchSize = 2, RunningStats = RunningStatsMode.Cumulative, UnbiasedRunningVariance = false)]
    public partial class GhostC3S4N10V2CumulativeBiasedF32 { }

How a test replays a case: create the layer; copy gamma, beta, initial_running_mean and initial_running_var into
Gamma, Beta, RunningMean and RunningVariance; Training = true; per step Forward(x, y), Backward(x, dy, dx), then
compare y, dx, GammaGrad, BetaGrad, RunningMean, RunningVariance and BatchesTracked (r and d only if the layer
exposes them); then Training = false, Forward(eval x) against eval y. Parity/ParityRunner.cs does all of this
except copying the initial running statistics. Tolerances as there: 1e-5 (float), 1e-10 (double), relative to
max(1, |expected|).

Conventions (those of make_pytorch_fixtures.py): float32 cases hold float32 inputs, Gamma, Beta and initial
statistics; their expected values are the float64 results on those inputs rounded to float32; the same functions
run in float32 must come within FLOAT32_SELF_CHECK of them, so a careful float32 kernel can meet 1e-5. float32
inputs keep every normalization group (a feature over the batch for renorm; a feature over one virtual batch for
ghost) at a standard deviation of at least MIN_GROUP_STD. The inputs drift from step to step (means and spreads
move), so the running statistics lag behind the batch statistics and renorm's r and d stay away from 1 and 0.

Checks beyond the float32 self-check, against computations written independently of the fixture functions:
the autograd gradients equal the closed forms above; renorm with r_max = 1, d_max = 0 equals torch.nn.BatchNorm1d /
BatchNorm2d (y, dx, dgamma, dbeta; running statistics too where unbiased); ghost batches equal
torch.nn.functional.batch_norm applied to each virtual batch, and its running statistics the mean of per-group
torch.var; every clipping case (r_max 1.5, d_max 0.5) clips some r and some d and leaves some unclipped.

Output is deterministic: each case seeds torch from a CRC of its name; numbers are shortest round-trip text.
"""

import json
import os
import re
import zlib

import numpy as np
import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pytorch")
GENERATOR = "tests/NormGen.Tests/Fixtures/make_small_batch_fixtures.py"
STEPS = 5
# As make_pytorch_fixtures.py: the largest relative gap (to max(1, |float64|)) allowed between the float32 run and
# the float64 answer, under half the parity tolerance of 1e-5.
FLOAT32_SELF_CHECK = 4e-6
# Smallest standard deviation of a normalization group in float32 inputs (rounding in dx grows like 1/std).
MIN_GROUP_STD = 0.5
# Largest relative gap allowed between autograd and the closed forms, and between these functions and torch's own
# batch norm, all in float64.
FLOAT64_CROSS_CHECK = 1e-12

torch.set_num_threads(1)  # one reduction order, so reruns write identical files


# ---------------------------------------------------------------------------------------------
# Cases. Names are stable identifiers; the C# tests map each name to a generated layer.
# ---------------------------------------------------------------------------------------------

def _case(name, kind, batch, features, spatial=1, momentum=0.9, mode="exponential", unbiased=True, eps=1e-5,
          r_max=None, d_max=None, virtual=None, initial="custom"):
    return dict(name=name, kind=kind, batch=batch, features=features, spatial=spatial, momentum=momentum, mode=mode,
                unbiased=unbiased, eps=eps, r_max=r_max, d_max=d_max, virtual=virtual, initial=initial)


def _dtypes(cases):
    """Every configuration in float32 and float64; the dtype becomes the name's suffix."""
    out = []
    for c in cases:
        for dtype in ("float32", "float64"):
            d = dict(c, dtype=dtype, name=c["name"] + ("_f32" if dtype == "float32" else "_f64"))
            out.append(d)
    return out


def _renorm(name, batch, features, spatial=1, r_max=3.0, d_max=5.0, **kw):
    return _case(name, "renorm", batch, features, spatial, r_max=r_max, d_max=d_max, **kw)


def _ghost(name, batch, features, virtual, spatial=1, **kw):
    # Ghost batch norm's forward does not read the running statistics: start from the layer's own 0 and 1.
    return _case(name, "ghostbatch", batch, features, spatial, virtual=virtual, initial="default", **kw)


# Non-spatial (batch, 6); spatial (batch, 3, 5). "default": r_max 3, d_max 5; "clip": r_max 1.5, d_max 0.5;
# "identity": r_max 1, d_max 0 (plain batch norm).
RENORM = _dtypes([
    _renorm("renorm_f6_n6_default", 6, 6),
    _renorm("renorm_c3_s5_n3_default_cumulative_biased", 3, 3, 5, mode="cumulative", unbiased=False),
    _renorm("renorm_f6_n6_clip_m07_eps1e3", 6, 6, r_max=1.5, d_max=0.5, momentum=0.7, eps=1e-3),
    _renorm("renorm_f6_n6_clip_cumulative_biased", 6, 6, r_max=1.5, d_max=0.5, mode="cumulative", unbiased=False),
    _renorm("renorm_c3_s5_n3_clip_biased", 3, 3, 5, r_max=1.5, d_max=0.5, unbiased=False),
    _renorm("renorm_c3_s5_n3_clip_cumulative", 3, 3, 5, r_max=1.5, d_max=0.5, mode="cumulative"),
    _renorm("renorm_f6_n6_identity", 6, 6, r_max=1.0, d_max=0.0, initial="default"),
    _renorm("renorm_c3_s5_n3_identity_cumulative_biased_eps1e3", 3, 3, 5, r_max=1.0, d_max=0.0, mode="cumulative",
            unbiased=False, eps=1e-3),
])

GHOST = _dtypes([
    _ghost("ghost_f6_n10_v2", 10, 6, 2),
    _ghost("ghost_f6_n20_v5_cumulative", 20, 6, 5, mode="cumulative"),
    _ghost("ghost_c3_s4_n10_v5_biased_m07_eps1e3", 10, 3, 5, spatial=4, unbiased=False, momentum=0.7, eps=1e-3),
    _ghost("ghost_c3_s4_n10_v2_cumulative_biased", 10, 3, 2, spatial=4, mode="cumulative", unbiased=False),
])

FILES = [("renorm", RENORM), ("ghostbatch", GHOST)]


def pascal(name):
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def number(v):
    """A C# double literal for an attribute argument: 1.5, 0.7, 1, 0, 1e-3."""
    if v == int(v):
        return str(int(v))
    if abs(v) < 1e-2:
        mantissa, exponent = ("%.15e" % v).split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return repr(v)


def declaration(case):
    """The C# attribute and class that a test declares for the case (arguments left out where they are defaults)."""
    args = [f"Features = {case['features']}"]
    if case["spatial"] != 1:
        args.append(f"Spatial = {case['spatial']}")
    if case["kind"] == "renorm":
        args.append("Renorm = true")
        if case["r_max"] != 3.0:
            args.append(f"RenormMaxScale = {number(case['r_max'])}")
        if case["d_max"] != 5.0:
            args.append(f"RenormMaxShift = {number(case['d_max'])}")
    else:
        args.append(f"VirtualBatchSize = {case['virtual']}")
    if case["mode"] == "cumulative":
        args.append("RunningStats = RunningStatsMode.Cumulative")
    if not case["unbiased"]:
        args.append("UnbiasedRunningVariance = false")
    if case["momentum"] != 0.9:
        args.append(f"Momentum = {number(case['momentum'])}")
    if case["eps"] != 1e-5:
        args.append(f"Epsilon = {number(case['eps'])}")
    if case["dtype"] == "float64":
        args.append("ElementType = typeof(double)")
    return f"[BatchNorm({', '.join(args)})]\npublic partial class {pascal(case['name'])} {{ }}"


# ---------------------------------------------------------------------------------------------
# The two layers as torch functions: one training step (autograd builds the backward) and inference.
# ---------------------------------------------------------------------------------------------

def per_feature(v, x):
    """(C,) broadcast against x of shape (N, C) or (N, C, S)."""
    return v.reshape((1, -1) + (1,) * (x.dim() - 2))


def reduce_dims(x):
    return [0] + list(range(2, x.dim()))


def running_update(case, rm, rv, tracked, mean, var_biased, n):
    """Plain batch norm's update, given this call's mean and biased variance over n values per feature."""
    var = var_biased * n / (n - 1) if case["unbiased"] else var_biased
    keep = case["momentum"] if case["mode"] == "exponential" else tracked / (tracked + 1)
    return keep * rm + (1 - keep) * mean, keep * rv + (1 - keep) * var, tracked + 1


def renorm_step(case, x, gamma, beta, rm, rv):
    """Returns y, r, d, the batch mean and biased variance; r and d are detached (constants for autograd)."""
    eps = case["eps"]
    dims = reduce_dims(x)
    mu = x.mean(dims)
    var = x.var(dims, unbiased=False)
    sigma_b = torch.sqrt(var + eps)
    sigma = torch.sqrt(rv + eps)
    r = torch.clamp(sigma_b.detach() / sigma, 1.0 / case["r_max"], case["r_max"])
    d = torch.clamp((mu.detach() - rm) / sigma, -case["d_max"], case["d_max"])
    xhat = (x - per_feature(mu, x)) / per_feature(sigma_b, x)
    y = per_feature(gamma, x) * (xhat * per_feature(r, x) + per_feature(d, x)) + per_feature(beta, x)
    return y, r, d, mu.detach(), var.detach()


def ghost_groups(case, x):
    """(G, V, C, S) view of x: G virtual batches of V samples."""
    v = case["virtual"]
    return x.reshape(x.shape[0] // v, v, case["features"], case["spatial"])


def ghost_step(case, x, gamma, beta):
    """Returns y and, per feature, the mean over groups of the group means and of the group biased variances."""
    g = ghost_groups(case, x)
    mu = g.mean(dim=(1, 3), keepdim=True)
    var = g.var(dim=(1, 3), unbiased=False, keepdim=True)
    xhat = (g - mu) / torch.sqrt(var + case["eps"])
    c = case["features"]
    y = gamma.reshape(1, 1, c, 1) * xhat + beta.reshape(1, 1, c, 1)
    return y.reshape(x.shape), mu.detach().mean(dim=0).reshape(c), var.detach().mean(dim=0).reshape(c)


def inference(case, x, gamma, beta, rm, rv):
    return per_feature(gamma, x) * (x - per_feature(rm, x)) / per_feature(torch.sqrt(rv + case["eps"]), x) \
        + per_feature(beta, x)


def run(case, dt, gamma, beta, rm0, rv0, xs, dys):
    """Five training steps and one eval step computed in dt; every tensor returned as float64."""
    cast = lambda t: t.to(dt).detach().clone()  # a fresh leaf per run: the inputs themselves never get grads
    f64 = lambda t: t.detach().to(torch.float64).clone()
    gamma = cast(gamma).requires_grad_(True)
    beta = cast(beta).requires_grad_(True)
    rm, rv, tracked = cast(rm0), cast(rv0), 0
    n_per_feature = case["batch"] * case["spatial"]
    n_per_group = (case["virtual"] or 0) * case["spatial"]
    steps = []
    for i in range(STEPS):
        x = cast(xs[i]).requires_grad_(True)
        gamma.grad = beta.grad = None
        step = {}
        if case["kind"] == "renorm":
            y, r, d, mean, var = renorm_step(case, x, gamma, beta, rm, rv)
            with torch.no_grad():
                rm, rv, tracked = running_update(case, rm, rv, tracked, mean, var, n_per_feature)
            step.update(r=f64(r), d=f64(d))
        else:
            y, mean, var = ghost_step(case, x, gamma, beta)
            with torch.no_grad():
                rm, rv, tracked = running_update(case, rm, rv, tracked, mean, var, n_per_group)
        y.backward(cast(dys[i]))
        steps.append(dict(x=xs[i], dy=dys[i], y=f64(y), dx=f64(x.grad), dgamma=f64(gamma.grad), dbeta=f64(beta.grad),
                          running_mean=f64(rm), running_var=f64(rv), batches_tracked=tracked, **step))
    with torch.no_grad():
        y = inference(case, cast(xs[STEPS]), gamma, beta, rm, rv)
    return steps, dict(x=xs[STEPS], y=f64(y))


# ---------------------------------------------------------------------------------------------
# Inputs: drifting per-feature means and spreads; float32 groups kept wide enough.
# ---------------------------------------------------------------------------------------------

def group_rows(case):
    """Flat indices of each normalization group, one row per group."""
    n, c, s = case["batch"], case["features"], case["spatial"]
    idx = torch.arange(n * c * s).reshape(n, c, s)
    if case["kind"] == "renorm":
        return idx.transpose(0, 1).reshape(c, -1)
    v = case["virtual"]
    return idx.reshape(n // v, v, c, s).permute(0, 2, 1, 3).reshape((n // v) * c, v * s)


def torch_shape(case):
    n, c, s = case["batch"], case["features"], case["spatial"]
    return (n, c) if s == 1 else (n, c, s)


def make_inputs(case):
    """Gamma, Beta, the initial running statistics and per-step x, dy, in float64, rounded to the case's dtype."""
    g = torch.Generator().manual_seed(zlib.crc32(case["name"].encode("ascii")))
    c = case["features"]
    shape = torch_shape(case)
    rnd = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)
    uni = lambda *s: torch.rand(*s, generator=g, dtype=torch.float64)
    gamma = 1.0 + 0.5 * rnd(c)
    beta = 0.5 * rnd(c)
    if case["initial"] == "custom":
        rm0 = 0.3 + 0.5 * rnd(c)
        rv0 = 0.5 + 2.0 * uni(c)
    else:
        rm0 = torch.zeros(c, dtype=torch.float64)
        rv0 = torch.ones(c, dtype=torch.float64)
    bshape = (1, c) + (1,) * (len(shape) - 2)
    shift = 2.0 * rnd(*bshape)
    scale = 0.5 + 1.5 * uni(*bshape)
    drift = 0.5 * rnd(*bshape)  # the mean moves by this much per step
    growth = 0.3 * torch.sign(rnd(*bshape))  # the spread grows (or shrinks) by exp(0.3) per step
    dt = torch.float32 if case["dtype"] == "float32" else torch.float64
    rows = group_rows(case)
    xs, dys = [], []
    for t in range(STEPS + 1):
        step_scale = (scale * torch.exp(growth * t)).clamp(min=0.8)  # not so narrow that float32 redraws forever
        step_shift = shift + drift * t
        x = rnd(*shape) * step_scale + step_shift
        if dt == torch.float32:
            full_scale = step_scale.expand(shape).reshape(-1)
            full_shift = step_shift.expand(shape).reshape(-1)
            flat = x.reshape(-1)
            for _attempt in range(1000):
                narrow = flat.to(dt).to(torch.float64)[rows].std(dim=1, unbiased=False) < MIN_GROUP_STD
                if not narrow.any():
                    break
                pos = rows[narrow].reshape(-1)
                flat[pos] = rnd(pos.numel()) * full_scale[pos] + full_shift[pos]
            else:
                raise SystemExit(f"{case['name']}: could not draw well-spread float32 inputs")
            x = flat.reshape(shape)
        xs.append(x)
        dys.append(rnd(*shape))
    r = lambda t: t.to(dt).to(torch.float64)
    return r(gamma), r(beta), r(rm0), r(rv0), [r(x) for x in xs], [r(d) for d in dys]


# ---------------------------------------------------------------------------------------------
# Checks.
# ---------------------------------------------------------------------------------------------

def rel_gap(a, b):
    return ((a - b).abs() / b.abs().clamp(min=1.0)).max().item()


def require(case, what, gap, limit):
    if not gap <= limit:
        raise SystemExit(f"{case['name']}: {what} differs by {gap:.3g} (limit {limit:.3g})")


def self_check(case, got_steps, got_eval, ref_steps, ref_eval):
    """Largest relative gap between the float32 run and the float64 answer; fails above FLOAT32_SELF_CHECK."""
    worst = 0.0
    for s, r in zip(got_steps, ref_steps):
        for k in s:
            if isinstance(s[k], torch.Tensor):
                worst = max(worst, rel_gap(s[k], r[k]))
            elif s[k] != r[k]:
                raise SystemExit(f"{case['name']}: float32 and float64 runs disagree on {k}: {s[k]} vs {r[k]}")
    worst = max(worst, rel_gap(got_eval["y"], ref_eval["y"]))
    require(case, "torch float32 from float64", worst, FLOAT32_SELF_CHECK)
    return worst


def closed_form_check(case, steps, gamma, rm0, rv0):
    """Autograd's gradients equal the closed forms of the brief (renorm: with r, d; ghost: per virtual batch)."""
    rm, rv, tracked = rm0, rv0, 0
    for s in steps:
        x, dy = s["x"], s["dy"]
        if case["kind"] == "renorm":
            groups = [(x, dy, s["r"], s["d"])]
        else:
            v = case["virtual"]
            ones = torch.ones(case["features"], dtype=torch.float64)
            groups = [(x[k:k + v], dy[k:k + v], ones, 0 * ones) for k in range(0, case["batch"], v)]
        dx, dgamma, dbeta = [], 0, 0
        for gx, gdy, r, d in groups:
            dims = reduce_dims(gx)
            m = gx.numel() // case["features"]
            mu = gx.mean(dims)
            invstd = 1 / torch.sqrt(gx.var(dims, unbiased=False) + case["eps"])
            xhat = (gx - per_feature(mu, gx)) * per_feature(invstd, gx)
            sum_dy = gdy.sum(dims)
            sum_dy_xhat = (gdy * xhat).sum(dims)
            scale = per_feature(r * gamma * invstd / m, gx)
            dx.append(scale * (m * gdy - per_feature(sum_dy, gx) - xhat * per_feature(sum_dy_xhat, gx)))
            dgamma = dgamma + (gdy * (xhat * per_feature(r, gx) + per_feature(d, gx))).sum(dims)
            dbeta = dbeta + sum_dy
        require(case, "dx from the closed form", rel_gap(s["dx"], torch.cat(dx)), FLOAT64_CROSS_CHECK)
        require(case, "dgamma from the closed form", rel_gap(s["dgamma"], dgamma), FLOAT64_CROSS_CHECK)
        require(case, "dbeta from the closed form", rel_gap(s["dbeta"], dbeta), FLOAT64_CROSS_CHECK)
        if case["kind"] == "renorm":
            # r and d from the running statistics before this step, in the brief's words.
            dims = reduce_dims(x)
            sigma = torch.sqrt(rv + case["eps"])
            r = (torch.sqrt(x.var(dims, unbiased=False) + case["eps"]) / sigma).clamp(1 / case["r_max"], case["r_max"])
            d = ((x.mean(dims) - rm) / sigma).clamp(-case["d_max"], case["d_max"])
            require(case, "r", rel_gap(s["r"], r), FLOAT64_CROSS_CHECK)
            require(case, "d", rel_gap(s["d"], d), FLOAT64_CROSS_CHECK)
            rm, rv = s["running_mean"], s["running_var"]


def torch_batchnorm_check(case, steps, ev, gamma, beta, rm0, rv0):
    """Renorm with r_max = 1, d_max = 0 against torch.nn.BatchNorm1d/2d (running statistics where torch keeps the
    same ones: unbiased); ghost batches against F.batch_norm on each virtual batch."""
    if case["kind"] == "renorm":
        cls = torch.nn.BatchNorm1d if case["spatial"] == 1 else torch.nn.BatchNorm2d
        momentum = None if case["mode"] == "cumulative" else 1.0 - case["momentum"]
        m = cls(case["features"], eps=case["eps"], momentum=momentum).to(torch.float64)
        with torch.no_grad():
            m.weight.copy_(gamma)
            m.bias.copy_(beta)
            m.running_mean.copy_(rm0)
            m.running_var.copy_(rv0)
        as_torch = (lambda t: t.unsqueeze(-1)) if case["spatial"] > 1 else (lambda t: t)  # (N, C, S) -> (N, C, S, 1)
        for s in steps:
            x = as_torch(s["x"]).clone().requires_grad_(True)
            m.zero_grad(set_to_none=True)
            y = m(x)
            y.backward(as_torch(s["dy"]))
            require(case, "y from torch BatchNorm", rel_gap(s["y"], y.detach().reshape(s["y"].shape)), FLOAT64_CROSS_CHECK)
            require(case, "dx from torch BatchNorm", rel_gap(s["dx"], x.grad.reshape(s["dx"].shape)), FLOAT64_CROSS_CHECK)
            require(case, "dgamma from torch BatchNorm", rel_gap(s["dgamma"], m.weight.grad), FLOAT64_CROSS_CHECK)
            require(case, "dbeta from torch BatchNorm", rel_gap(s["dbeta"], m.bias.grad), FLOAT64_CROSS_CHECK)
            if case["unbiased"]:
                require(case, "running mean from torch", rel_gap(s["running_mean"], m.running_mean), FLOAT64_CROSS_CHECK)
                require(case, "running var from torch", rel_gap(s["running_var"], m.running_var), FLOAT64_CROSS_CHECK)
                if int(m.num_batches_tracked) != s["batches_tracked"]:
                    raise SystemExit(f"{case['name']}: batches tracked {s['batches_tracked']}, torch {int(m.num_batches_tracked)}")
        if case["unbiased"]:
            m.eval()
            with torch.no_grad():
                y = m(as_torch(ev["x"])).reshape(ev["y"].shape)
            require(case, "eval y from torch BatchNorm", rel_gap(ev["y"], y), FLOAT64_CROSS_CHECK)
        return
    v = case["virtual"]
    for s in steps:
        x = s["x"].clone().requires_grad_(True)
        w = gamma.clone().requires_grad_(True)
        b = beta.clone().requires_grad_(True)
        parts = [F.batch_norm(x[k:k + v], None, None, w, b, training=True, eps=case["eps"])
                 for k in range(0, case["batch"], v)]
        y = torch.cat(parts)
        y.backward(s["dy"])
        require(case, "y from F.batch_norm per virtual batch", rel_gap(s["y"], y.detach()), FLOAT64_CROSS_CHECK)
        require(case, "dx from F.batch_norm per virtual batch", rel_gap(s["dx"], x.grad), FLOAT64_CROSS_CHECK)
        require(case, "dgamma from F.batch_norm per virtual batch", rel_gap(s["dgamma"], w.grad), FLOAT64_CROSS_CHECK)
        require(case, "dbeta from F.batch_norm per virtual batch", rel_gap(s["dbeta"], b.grad), FLOAT64_CROSS_CHECK)
    # Running statistics: per group torch.var over (samples, positions), averaged, then the update written out.
    rm, rv = rm0, rv0
    for k, s in enumerate(steps, start=1):
        groups = [s["x"][j:j + v].transpose(0, 1).reshape(case["features"], -1) for j in range(0, case["batch"], v)]
        mean = torch.stack([g.mean(1) for g in groups]).mean(0)
        var = torch.stack([g.var(1, unbiased=case["unbiased"]) for g in groups]).mean(0)
        f = 1.0 / k if case["mode"] == "cumulative" else 1.0 - case["momentum"]
        rm, rv = (1 - f) * rm + f * mean, (1 - f) * rv + f * var
        require(case, "ghost running mean", rel_gap(s["running_mean"], rm), FLOAT64_CROSS_CHECK)
        require(case, "ghost running var", rel_gap(s["running_var"], rv), FLOAT64_CROSS_CHECK)
        if s["batches_tracked"] != k:
            raise SystemExit(f"{case['name']}: batches tracked {s['batches_tracked']} after call {k}")


def clip_counts(case, steps, rm0, rv0):
    """How many per-feature r and d (over all steps) fell outside their ranges, from the float64 statistics."""
    counts = dict(clipped_r=0, clipped_d=0, unclipped_r=0, unclipped_d=0)
    rm, rv = rm0, rv0
    for s in steps:
        dims = reduce_dims(s["x"])
        sigma = torch.sqrt(rv + case["eps"])
        raw_r = torch.sqrt(s["x"].var(dims, unbiased=False) + case["eps"]) / sigma
        raw_d = (s["x"].mean(dims) - rm) / sigma
        out_r = int(((raw_r < 1 / case["r_max"]) | (raw_r > case["r_max"])).sum())
        out_d = int((raw_d.abs() > case["d_max"]).sum())
        counts["clipped_r"] += out_r
        counts["clipped_d"] += out_d
        counts["unclipped_r"] += raw_r.numel() - out_r
        counts["unclipped_d"] += raw_d.numel() - out_d
        rm, rv = s["running_mean"], s["running_var"]
    if case["r_max"] == 1.5:
        if min(counts.values()) == 0:
            raise SystemExit(f"{case['name']}: a clipping case must clip some r and d and leave some: {counts}")
    return counts


# ---------------------------------------------------------------------------------------------
# JSON: the writer of make_pytorch_fixtures.py (exact round-trip text, each array on one line).
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


# ---------------------------------------------------------------------------------------------
# Driver.
# ---------------------------------------------------------------------------------------------

STEP_KEYS = ("x", "dy", "y", "dx", "dgamma", "dbeta", "r", "d", "running_mean", "running_var", "batches_tracked")


def build_case(case):
    gamma, beta, rm0, rv0, xs, dys = make_inputs(case)
    # The expected values always come from float64; fmt_number rounds them for float32 cases.
    steps, ev = run(case, torch.float64, gamma, beta, rm0, rv0, xs, dys)
    closed_form_check(case, steps, gamma, rm0, rv0)
    if case["kind"] == "ghostbatch" or case["r_max"] == 1.0:
        torch_batchnorm_check(case, steps, ev, gamma, beta, rm0, rv0)
    worst = 0.0
    if case["dtype"] == "float32":
        f32_steps, f32_eval = run(case, torch.float32, gamma, beta, rm0, rv0, xs, dys)
        worst = self_check(case, f32_steps, f32_eval, steps, ev)
    out = dict(name=case["name"], kind=case["kind"], dtype=case["dtype"], batch=case["batch"],
               features=case["features"], spatial=case["spatial"], shape=list(torch_shape(case)),
               momentum=case["momentum"], mode=case["mode"], unbiased_running_variance=case["unbiased"],
               affine=True, activation="none", eps=case["eps"], attribute=declaration(case))
    counts = None
    if case["kind"] == "renorm":
        counts = clip_counts(case, steps, rm0, rv0)
        out.update(renorm_max_scale=case["r_max"], renorm_max_shift=case["d_max"], **counts)
    else:
        out.update(virtual_batch_size=case["virtual"], virtual_batches=case["batch"] // case["virtual"])
    out.update(gamma=gamma, beta=beta, initial_running_mean=rm0, initial_running_var=rv0,
               steps=[{k: s[k] for k in STEP_KEYS if k in s} for s in steps], eval=ev)
    return out, worst, counts


def check_documented(cases):
    """The module docstring lists exactly the float32 cases' declarations (their float64 twins add ElementType)."""
    documented = re.findall(r"^    (\[BatchNorm\(.*\)\])\n    (public partial class \w+ \{ \})$", __doc__, re.M)
    documented = ["\n".join(pair) for pair in documented]
    expected = [declaration(c) for c in cases if c["dtype"] == "float32"]
    if documented != expected:
        missing = [e for e in expected if e not in documented]
        extra = [d for d in documented if d not in expected]
        raise SystemExit("the docstring's declarations do not match the cases.\nmissing:\n" + "\n".join(missing)
                         + "\nnot a case:\n" + "\n".join(extra))


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    check_documented([c for _, cases in FILES for c in cases])
    total = 0
    for kind, cases in FILES:
        names = [c["name"] for c in cases]
        assert len(set(names)) == len(names), f"duplicate case names in {kind}"
        built, worst = [], 0.0
        for c in cases:
            b, w, counts = build_case(c)
            built.append(b)
            worst = max(worst, w)
            if counts is not None:
                print(f"  {c['name']}: r clipped {counts['clipped_r']} of {counts['clipped_r'] + counts['unclipped_r']}, "
                      f"d clipped {counts['clipped_d']} of {counts['clipped_d'] + counts['unclipped_d']}")
        parts = ["    " + to_json(b, b["dtype"], 2) for b in built]
        text = ("{\n"
                f'  "kind": {json.dumps(kind)},\n'
                f'  "generator": {json.dumps(GENERATOR)},\n'
                f'  "torch_version": {json.dumps(torch.__version__.split("+")[0])},\n'
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
