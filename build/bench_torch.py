#!/usr/bin/python3
"""PyTorch CPU peer for the NormGen batch-norm benchmarks (issue 6).

Times, for each float32 (batch, features) shape of the suite, on ONE thread:
  train_forward      F.batch_norm(x, running_mean, running_var, weight, bias, training=True)
                     under torch.no_grad() (also updates the running statistics, as the generated layer does);
  backward           torch.autograd.grad(y, (x, weight, bias), dy, retain_graph=True) after one forward with
                     requires_grad: autograd's backward of that graph (engine + native_batch_norm_backward),
                     returning fresh dx, dweight, dbias. autograd.grad is used instead of y.backward(dy) so that
                     repeated calls do not add an accumulation pass into x.grad;
  inference_forward  F.batch_norm(..., training=False) under torch.no_grad();
  train_step         (information only) forward with requires_grad + autograd.grad, the whole training step.

Each is warmed up, then timed with timeit (garbage collector off) in repeats of `number` calls, `number`
chosen so one repeat takes >= --min-repeat-seconds; the reported time per call is the median over repeats.
--clock cpu (default) times with time.process_time (CPU time of the process, so time spent descheduled on a
shared machine is not counted; the .NET suite uses the benchmark thread's CPU time the same way);
--clock wall uses time.perf_counter.
Run with /usr/bin/python3 (Debian python3-torch). Writes JSON (see --output).
"""

import argparse
import json
import platform
import statistics
import sys
import time
import timeit

import torch
import torch.nn.functional as F

SHAPES = [(32, 128), (64, 128), (256, 512), (1024, 1024), (16384, 256), (65536, 128)]
MOMENTUM = 0.1  # PyTorch convention: weight of the new batch value (NormGen Momentum = 0.9).
EPSILON = 1e-5


def make_data(batch, features, seed):
    """Row-major (batch, features) float32 data shaped like the C# suite's: per-feature center and spread."""
    generator = torch.Generator().manual_seed(seed)
    j = torch.arange(features, dtype=torch.float32)
    center = torch.remainder(j, 7) - 3
    spread = 0.5 + torch.remainder(j, 5)
    x = (center + spread * torch.randn(batch, features, generator=generator)).contiguous()
    dy = torch.randn(batch, features, generator=generator).contiguous()
    weight = 1 + 0.25 * torch.randn(features, generator=generator)
    bias = 0.5 * torch.randn(features, generator=generator)
    return x, dy, weight, bias


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def time_call(fn, repeats, min_repeat_seconds, warmup, clock):
    """Median and minimum seconds per call of fn over `repeats` timeit repeats."""
    for _ in range(warmup):
        fn()
    timer = timeit.Timer(fn, timer=CLOCKS[clock])
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= min_repeat_seconds or number >= 1 << 20:
            break
        number *= 2 if elapsed * 4 > min_repeat_seconds else 8
    per_call = [t / number for t in timer.repeat(repeat=repeats, number=number)]
    return {
        "median_ns": statistics.median(per_call) * 1e9,
        "min_ns": min(per_call) * 1e9,
        "repeats": repeats,
        "number": number,
    }


def bench_shape(batch, features, args):
    x, dy, weight, bias = make_data(batch, features, seed=batch * 7919 + features)
    running_mean = torch.zeros(features)
    running_var = torch.ones(features)
    y_out = {}

    def train_forward():
        with torch.no_grad():
            y_out["y"] = F.batch_norm(x, running_mean, running_var, weight, bias, True, MOMENTUM, EPSILON)

    def inference_forward():
        with torch.no_grad():
            y_out["y"] = F.batch_norm(x, running_mean, running_var, weight, bias, False, MOMENTUM, EPSILON)

    x_grad = x.clone().requires_grad_(True)
    weight_grad = weight.clone().requires_grad_(True)
    bias_grad = bias.clone().requires_grad_(True)
    y_graph = F.batch_norm(x_grad, running_mean, running_var, weight_grad, bias_grad, True, MOMENTUM, EPSILON)

    def backward():
        y_out["grads"] = torch.autograd.grad(y_graph, (x_grad, weight_grad, bias_grad), dy, retain_graph=True)

    def train_step():
        y = F.batch_norm(x_grad, running_mean, running_var, weight_grad, bias_grad, True, MOMENTUM, EPSILON)
        y_out["grads"] = torch.autograd.grad(y, (x_grad, weight_grad, bias_grad), dy)

    result = {}
    for name, fn in [("train_forward", train_forward), ("backward", backward),
                     ("inference_forward", inference_forward), ("train_step", train_step)]:
        result[name] = time_call(fn, args.repeats, args.min_repeat_seconds, args.warmup, args.clock)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="bench_torch.json", help="JSON file to write")
    parser.add_argument("--repeats", type=int, default=15, help="timeit repeats per measurement (median reported)")
    parser.add_argument("--min-repeat-seconds", type=float, default=0.02, help="minimum duration of one repeat")
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls before timing")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: process CPU time (default); wall: wall-clock time")
    parser.add_argument("--shapes", default="", help="comma-separated BATCHxFEATURES subset, e.g. 32x128,256x512")
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    shapes = SHAPES
    if args.shapes:
        shapes = [tuple(int(v) for v in s.split("x")) for s in args.shapes.split(",")]

    started = time.time()
    results = {}
    for batch, features in shapes:
        key = f"{batch}x{features}"
        results[key] = bench_shape(batch, features, args)
        summary = "  ".join(f"{k} {v['median_ns'] / 1000:.2f} us" for k, v in results[key].items())
        print(f"torch {key:>10}: {summary}", flush=True)

    document = {
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "num_threads": torch.get_num_threads(),
        "parallel_info": torch.__config__.parallel_info().splitlines()[:6],
        "clock": args.clock,
        "method": "timeit, gc off; median over repeats of per-call time; forward under torch.no_grad(); "
                  "backward = torch.autograd.grad(y, (x, weight, bias), dy, retain_graph=True)",
        "seconds": round(time.time() - started, 1),
        "shapes": results,
    }
    with open(args.output, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
    print(f"wrote {args.output} in {document['seconds']} s", file=sys.stderr)


if __name__ == "__main__":
    main()
