#!/usr/bin/python3
"""PyTorch CPU worker for the NormGen side-by-side benchmark (benchmarks/NormGen.Benchmarks, build/bench.sh).

A long-lived child process of the C# driver: it reads one command per line on stdin and answers one JSON line on
stdout (protocol in benchmarks/README.md). It times the kernels autograd itself calls, without autograd's
bookkeeping: torch.ops.aten.native_batch_norm / native_batch_norm_backward, native_layer_norm /
native_layer_norm_backward, native_group_norm / native_group_norm_backward. PyTorch 1.13 has no RMS norm, so
"rmsnorm" times the usual composition x * rsqrt(mean(x^2, -1) + eps) * w with autograd (forward with a graph,
torch.autograd.grad for the backward). The CPU kernels have no out= variant in 1.13 (".out" raises
NotImplementedError on CPU), so every call allocates its outputs, as it does under autograd.

Run with /usr/bin/python3 (Debian python3-torch). Arguments: --threads N|default (torch.set_num_threads(N);
default leaves PyTorch's own choice).
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

EPSILON = 1e-5
MOMENTUM = 0.1  # PyTorch convention: weight of the new batch value (NormGen Momentum = 0.9).
aten = torch.ops.aten


def read_floats(directory, name, count):
    values = np.fromfile(os.path.join(directory, name), dtype="<f4")
    if values.size != count:
        raise ValueError(f"{name}: expected {count} floats, found {values.size}")
    return torch.from_numpy(values)


def write_floats(directory, name, tensor):
    tensor.detach().contiguous().numpy().astype("<f4", copy=False).tofile(os.path.join(directory, name))
    return name


class Case:
    """One loaded (kind, shape): the tensors and the four timed operations as closures."""

    def __init__(self, kind, n, c, s, g, directory):
        self.kind = kind
        elements = n * c * s
        shape = (n, c) if kind in ("batchnorm", "layernorm", "rmsnorm") else (n, c, s)
        self.n, self.c, self.s, self.g = n, c, s, g
        self.x = read_floats(directory, "x.f32", elements).reshape(shape)
        self.dy = read_floats(directory, "dy.f32", elements).reshape(shape)
        self.gamma = read_floats(directory, "gamma.f32", c)
        self.beta = read_floats(directory, "beta.f32", c)
        if kind.startswith("batchnorm"):
            # Training updates its own running statistics; inference normalizes with the given ones.
            self.train_mean = torch.zeros(c)
            self.train_var = torch.ones(c)
            self.infer_mean = read_floats(directory, "running_mean.f32", c)
            self.infer_var = read_floats(directory, "running_var.f32", c)
        self.saved = None
        if kind == "rmsnorm":
            self.x_grad = self.x.clone().requires_grad_(True)
            self.w_grad = self.gamma.clone().requires_grad_(True)

    # Training forward: returns (y, saved statistics for the backward).
    def forward(self):
        k = self.kind
        if k.startswith("batchnorm"):
            y, mean, invstd = aten.native_batch_norm(
                self.x, self.gamma, self.beta, self.train_mean, self.train_var, True, MOMENTUM, EPSILON)
            self.saved = (mean, invstd)
        elif k == "layernorm":
            y, mean, rstd = aten.native_layer_norm(self.x, [self.c], self.gamma, self.beta, EPSILON)
            self.saved = (mean, rstd)
        elif k == "groupnorm":
            y, mean, rstd = aten.native_group_norm(
                self.x, self.gamma, self.beta, self.n, self.c, self.s, self.g, EPSILON)
            self.saved = (mean, rstd)
        else:
            y = self.rms(self.x_grad, self.w_grad)
            self.saved = y
        return y

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPSILON) * w

    # Backward of the last training forward: returns (dx, dgamma, dbeta or None).
    def backward(self):
        k = self.kind
        mask = [True, True, True]
        if k.startswith("batchnorm"):
            mean, invstd = self.saved
            return aten.native_batch_norm_backward(
                self.dy, self.x, self.gamma, self.train_mean, self.train_var, mean, invstd, True, EPSILON, mask)
        if k == "layernorm":
            mean, rstd = self.saved
            return aten.native_layer_norm_backward(
                self.dy, self.x, [self.c], mean, rstd, self.gamma, self.beta, mask)
        if k == "groupnorm":
            mean, rstd = self.saved
            return aten.native_group_norm_backward(
                self.dy, self.x, mean, rstd, self.gamma, self.n, self.c, self.s, self.g, mask)
        dx, dw = torch.autograd.grad(self.saved, (self.x_grad, self.w_grad), self.dy, retain_graph=True)
        return dx, dw, None

    def inference(self):
        k = self.kind
        with torch.no_grad():
            if k.startswith("batchnorm"):
                return aten.native_batch_norm(
                    self.x, self.gamma, self.beta, self.infer_mean, self.infer_var, False, MOMENTUM, EPSILON)[0]
            if k == "layernorm":
                return aten.native_layer_norm(self.x, [self.c], self.gamma, self.beta, EPSILON)[0]
            if k == "groupnorm":
                return aten.native_group_norm(
                    self.x, self.gamma, self.beta, self.n, self.c, self.s, self.g, EPSILON)[0]
            return self.rms(self.x, self.gamma)

    def forward_backward(self):
        self.forward()
        return self.backward()

    def verify(self, directory):
        files = []
        if self.kind.startswith("batchnorm"):
            self.train_mean.zero_()
            self.train_var.fill_(1)
        y = self.forward()
        files.append(write_floats(directory, "y_train.f32", y))
        if self.kind.startswith("batchnorm"):
            files.append(write_floats(directory, "running_mean_after.f32", self.train_mean))
            files.append(write_floats(directory, "running_var_after.f32", self.train_var))
        self.backward()  # twice, as the timing repeats it: the second must give the same result
        dx, dgamma, dbeta = self.backward()
        files.append(write_floats(directory, "dx.f32", dx))
        files.append(write_floats(directory, "dgamma.f32", dgamma))
        if dbeta is not None:
            files.append(write_floats(directory, "dbeta.f32", dbeta))
        files.append(write_floats(directory, "y_infer.f32", self.inference()))
        return files

    def operation(self, op):
        if op == "train_forward":
            return self.forward
        if op == "backward":
            self.forward()
            return self.backward
        if op == "forward_backward":
            return self.forward_backward
        if op == "inference":
            return self.inference
        raise ValueError(f"unknown operation '{op}'")


def measure(fn, warmup_ms, batch_ms, min_ms, min_batches, max_batches):
    """The driver's timing method (same in all workers): warm-up, calls per batch, batches until long enough."""
    now = time.perf_counter_ns
    start = now()
    fn()
    first_end = now()
    calls = 1
    while True:
        fn()
        calls += 1
        elapsed = now() - start
        if calls >= 3 and elapsed >= warmup_ms * 1e6:
            break
    per_call = max(1.0, (now() - first_end) / (calls - 1))
    per_batch = max(1, round(batch_ms * 1e6 / per_call))
    batches = []
    cpu_start = time.process_time_ns()
    wall_start = now()
    while True:
        t0 = now()
        for _ in range(per_batch):
            fn()
        batches.append((now() - t0) / per_batch)
        total = now() - wall_start
        if len(batches) >= max_batches or (len(batches) >= min_batches and total >= min_ms * 1e6):
            break
    return {"ok": True, "calls_per_batch": per_batch, "per_call_ns": batches,
            "cpu_ns": time.process_time_ns() - cpu_start, "wall_ns": now() - wall_start}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1", help="torch.set_num_threads(N), or 'default'")
    args = parser.parse_args()
    if args.threads != "default":
        torch.set_num_threads(int(args.threads))
        torch.set_num_interop_threads(1)
    torch.set_grad_enabled(True)
    case = None
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            command = words[0]
            if command == "hello":
                reply = {"ok": True, "name": "pytorch", "version": torch.__version__,
                         "threads": torch.get_num_threads(),
                         "info": torch.__config__.parallel_info().splitlines()[:6]}
            elif command == "load":
                kind = words[1]
                n, c, s, g = (int(v) for v in words[2:6])
                case = None
                case = Case(kind, n, c, s, g, words[6])
                reply = {"ok": True,
                         "info": "aten native kernels" if kind != "rmsnorm" else "composition with autograd"}
            elif command == "verify":
                reply = {"ok": True, "files": case.verify(words[1])}
            elif command == "time":
                fn = case.operation(words[1])
                warmup_ms, batch_ms, min_ms = (float(v) for v in words[2:5])
                reply = measure(fn, warmup_ms, batch_ms, min_ms, int(words[5]), int(words[6]))
            elif command == "quit":
                break
            else:
                reply = {"ok": False, "error": f"unknown command '{command}'"}
        except Exception as error:  # reported to the driver, which records it and goes on
            reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
