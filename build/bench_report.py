#!/usr/bin/env python3
"""Merges the BenchmarkDotNet JSON and the PyTorch JSON of build/bench.sh into benchmarks/RESULTS.md.

Per shape and operation: median time per call of each implementation, how many times faster the generated
layer is than each peer (peer time / generated time), bytes allocated per call (BenchmarkDotNet's
MemoryDiagnoser), and the fraction of the copy bandwidth measured in the same run:
  forward (training or inference): bytes = read x + write y        = 2 * N * 4, fraction = t_copy / t
  backward:                        bytes = read x, dy + write dx    = 3 * N * 4, fraction = 1.5 * t_copy / t
where t_copy is the median time of copying x into y (2 * N * 4 bytes), the faster of Span.CopyTo (memmove) and a
plain SIMD load/store loop. Then checks the targets of issue 6.
Python standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import re

IMPLEMENTATIONS = [("Generated", "generated (NormGen)"), ("Scalar", "scalar C#"),
                   ("TensorPrimitives", "TensorPrimitives"), ("Torch", "PyTorch")]
OPERATIONS = [("TrainForward", "training Forward", "train_forward", 2),
              ("Backward", "Backward", "backward", 3),
              ("InferenceForward", "inference Forward", "inference_forward", 2)]
SMALL_SHAPES = ["32x128", "64x128"]
LARGE_SHAPES = ["1024x1024", "16384x256", "65536x128"]


def load_bdn(path):
    """{(shape, method): {"median_ns", "iqr_ns", "bytes"}} and the host info."""
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    results = {}
    for benchmark in document["Benchmarks"]:
        match = re.search(r"Shape=(\w+)", benchmark.get("Parameters", ""))
        statistics = benchmark.get("Statistics")
        if not match or not statistics:
            continue  # A benchmark that failed has no statistics; it shows as missing.
        results[(match.group(1), benchmark["Method"])] = {
            "median_ns": statistics["Median"],
            "min_ns": statistics["Min"],
            "iqr_ns": statistics["InterquartileRange"],
            "bytes": benchmark.get("Memory", {}).get("BytesAllocatedPerOperation"),
        }
    benchmarks = document["Benchmarks"]
    intrinsics = benchmarks[0].get("HardwareIntrinsics", "") if benchmarks else ""
    return results, document["HostEnvironmentInfo"], intrinsics


def load_torch(path):
    if not path or not os.path.exists(path):
        return None, "no PyTorch result file"
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    if "missing" in document:
        return None, document["missing"]
    return document, None


def format_time(ns):
    if ns is None:
        return "missing"
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.2f} us"
    return f"{ns / 1e6:.2f} ms"


def format_ratio(value):
    return "-" if value is None else f"{value:.2f}x"


def cpu_description():
    model, mhz, cache, flags = "unknown", "", "", set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if key == "model name" and model == "unknown":
                    model = value
                elif key == "cpu MHz" and not mhz:
                    mhz = value
                elif key == "cache size" and not cache:
                    cache = value
                elif key == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    simd = [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f") if f in flags]
    memory = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            kib = int(handle.readline().split()[1])
            memory = f"{kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return model, mhz, cache, simd, memory


def load_allocations(path):
    """{(shape, implementation, operation): bytes per call} from NormGen.Benchmarks --verify --json."""
    if not path or not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    return {(a["shape"], a["implementation"], a["operation"]): a["bytes_per_call"] for a in document["allocations"]}


def format_bytes(value):
    return "-" if value is None else f"{value:g}"


class Table:
    """Times per (shape, implementation, operation), with the copy time of each shape."""

    def __init__(self, bdn, torch, allocations):
        self.bdn = bdn
        self.torch = torch
        self.allocations = allocations

    def time(self, shape, implementation, operation):
        if implementation == "Torch":
            if self.torch is None or shape not in self.torch["shapes"]:
                return None
            key = {op: torch_key for op, _, torch_key, _ in OPERATIONS}[operation]
            return self.torch["shapes"][shape][key]["median_ns"]
        entry = self.bdn.get((shape, f"{implementation}_{operation}"))
        return entry["median_ns"] if entry else None

    def minimum(self, shape, implementation, operation):
        if implementation == "Torch":
            if self.torch is None or shape not in self.torch["shapes"]:
                return None
            key = {op: torch_key for op, _, torch_key, _ in OPERATIONS}[operation]
            return self.torch["shapes"][shape][key]["min_ns"]
        entry = self.bdn.get((shape, f"{implementation}_{operation}"))
        return entry["min_ns"] if entry else None

    def entry(self, shape, implementation, operation):
        return self.bdn.get((shape, f"{implementation}_{operation}"))

    def copy(self, shape, method=None):
        """Median time of one copy kernel, or of the faster of the two when method is None."""
        if method is not None:
            entry = self.bdn.get((shape, method))
            return entry["median_ns"] if entry else None
        times = [t for t in (self.copy(shape, "Copy"), self.copy(shape, "CopyVector")) if t is not None]
        return min(times) if times else None

    def fraction(self, shape, implementation, operation, arrays):
        t, t_copy = self.time(shape, implementation, operation), self.copy(shape)
        if t is None or t_copy is None:
            return None
        return arrays / 2 * t_copy / t

    def speedup(self, shape, peer, operation):
        generated, other = self.time(shape, "Generated", operation), self.time(shape, peer, operation)
        if generated is None or other is None:
            return None
        return other / generated

    def step(self, shape, implementation):
        forward = self.time(shape, implementation, "TrainForward")
        backward = self.time(shape, implementation, "Backward")
        return None if forward is None or backward is None else forward + backward


def shape_section(table, shape, torch_note):
    batch, features = (int(v) for v in shape.split("x"))
    array_bytes = batch * features * 4
    t_copy = table.copy(shape)
    copy_text = "missing"
    if t_copy is not None:
        copy_text = (f"{format_time(t_copy)} = {2 * array_bytes / t_copy:.1f} GB/s counting read + write "
                     f"(Span.CopyTo {format_time(table.copy(shape, 'Copy'))}, SIMD loop "
                     f"{format_time(table.copy(shape, 'CopyVector'))})")
    lines = [f"### ({batch}, {features}): {array_bytes / 1024:.0f} KiB per array; copy x -> y {copy_text}", "",
             "| operation | implementation | time per call: median (min) | noise (IQR / median) | generated is faster by "
             "| bytes allocated per call (exact) | fraction of copy bandwidth |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for operation, operation_title, _, arrays in OPERATIONS:
        for implementation, title in IMPLEMENTATIONS:
            t = table.time(shape, implementation, operation)
            if implementation == "Torch":
                noise = "-"
                allocated = "not measured (returns new tensors)" if t is not None else "-"
                if t is None:
                    time_text = f"missing ({torch_note})"
                else:
                    time_text = f"{format_time(t)} ({format_time(table.minimum(shape, implementation, operation))})"
            else:
                entry = table.entry(shape, implementation, operation)
                time_text = format_time(t) if entry is None else f"{format_time(t)} ({format_time(entry['min_ns'])})"
                noise = f"{100 * entry['iqr_ns'] / entry['median_ns']:.0f}%" if entry else "-"
                exact = table.allocations.get((shape, implementation, operation))
                diagnosed = entry["bytes"] if entry else None
                allocated = format_bytes(exact if exact is not None else diagnosed)
                if exact is not None and diagnosed is not None and diagnosed != exact:
                    allocated += f" (diagnoser: {format_bytes(diagnosed)})"
            speedup = "(itself)" if implementation == "Generated" else format_ratio(
                table.speedup(shape, implementation, operation))
            fraction = table.fraction(shape, implementation, operation, arrays)
            fraction_text = "-" if fraction is None else f"{fraction:.2f}"
            lines.append(f"| {operation_title} | {title} | {time_text} | {noise} | {speedup} | {allocated} | {fraction_text} |")
    generated_step, torch_step = table.step(shape, "Generated"), table.step(shape, "Torch")
    if generated_step is not None:
        lines.append("")
        text = f"Training Forward + Backward: generated {format_time(generated_step)}"
        if torch_step is not None:
            text += (f", PyTorch {format_time(torch_step)} (no_grad forward + autograd backward), "
                     f"generated {torch_step / generated_step:.1f}x faster")
            step = table.torch["shapes"][shape].get("train_step")
            if step:
                text += (f"; PyTorch's whole autograd step (forward with requires_grad + backward) takes "
                         f"{format_time(step['median_ns'])}")
        lines.append(text + ".")
    lines.append("")
    return lines


def check_targets(table, shapes, torch_note):
    """Rows (target, shape, measured, required, verdict)."""
    rows = []

    def verdict(value, required):
        if value is None:
            return "not measured"
        return "met" if value >= required else "MISSED"

    cases = [(shape, op) for shape in shapes for op, _, _, _ in OPERATIONS]
    exact = {case: table.allocations.get((case[0], "Generated", case[1])) for case in cases}
    diagnosed = {case: (table.entry(case[0], "Generated", case[1]) or {}).get("bytes") for case in cases}
    measured_cases = [case for case in cases if exact[case] is not None]
    if not measured_cases:
        rows.append(("0 bytes allocated per call", "all", "not measured", "0", "not measured"))
    else:
        nonzero = [f"{s} {op}: {format_bytes(exact[(s, op)])} B" for s, op in measured_cases if exact[(s, op)] != 0]
        measured = "all 0 (exact per-thread count)" if not nonzero else ", ".join(nonzero)
        noisy = [f"{s} {op} {format_bytes(diagnosed[(s, op)])} B" for s, op in cases
                 if diagnosed[(s, op)] not in (None, 0)]
        if noisy:
            measured += "; MemoryDiagnoser showed " + ", ".join(noisy)
        if len(measured_cases) < len(cases):
            measured += f" ({len(cases) - len(measured_cases)} cases not counted)"
        verdict_text = "MISSED" if nonzero else ("met" if len(measured_cases) == len(cases) else "not measured")
        rows.append(("0 bytes allocated per call", "all", measured, "0", verdict_text))
    for shape in shapes:
        value = table.speedup(shape, "Scalar", "TrainForward")
        rows.append(("training Forward vs scalar", shape, format_ratio(value), ">= 5x", verdict(value, 5)))
        value = table.speedup(shape, "TensorPrimitives", "TrainForward")
        rows.append(("training Forward vs TensorPrimitives", shape, format_ratio(value), ">= 1.5x", verdict(value, 1.5)))
    for shape in [s for s in SMALL_SHAPES if s in shapes]:
        generated, torch = table.step(shape, "Generated"), table.step(shape, "Torch")
        value = None if generated is None or torch is None else torch / generated
        rows.append(("training Forward + Backward vs PyTorch", shape,
                     format_ratio(value) if value is not None or table.torch else f"torch missing ({torch_note})",
                     ">= 20x", verdict(value, 20)))
    for shape in [s for s in LARGE_SHAPES if s in shapes]:
        value = table.speedup(shape, "Torch", "TrainForward")
        rows.append(("training Forward vs PyTorch", shape, format_ratio(value), ">= 1.3x", verdict(value, 1.3)))
        value = table.fraction(shape, "Generated", "TrainForward", 2)
        rows.append(("training Forward fraction of copy bandwidth", shape,
                     "-" if value is None else f"{value:.2f}", ">= 0.5", verdict(value, 0.5)))
        value = table.speedup(shape, "Torch", "Backward")
        rows.append(("Backward vs PyTorch autograd", shape, format_ratio(value), ">= 1.5x", verdict(value, 1.5)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bdn", required=True, help="BenchmarkDotNet *-report-brief.json")
    parser.add_argument("--torch", help="JSON written by build/bench_torch.py, or {\"missing\": reason}")
    parser.add_argument("--output", required=True, help="markdown file to write")
    parser.add_argument("--command", default="build/bench.sh", help="command that reproduces the run")
    parser.add_argument("--clock", default="wall", help="cpu or wall: what the timings measure")
    parser.add_argument("--seconds", type=float, help="wall time of the whole run")
    parser.add_argument("--load-before", default="", help="/proc/loadavg before the run")
    parser.add_argument("--load-after", default="", help="/proc/loadavg after the run")
    parser.add_argument("--verify-log", help="output of NormGen.Benchmarks --verify")
    parser.add_argument("--allocations", help="JSON of NormGen.Benchmarks --verify --json (exact allocation counts)")
    args = parser.parse_args()

    bdn, host, intrinsics = load_bdn(args.bdn)
    torch, torch_note = load_torch(args.torch)
    table = Table(bdn, torch, load_allocations(args.allocations))
    present = {shape for shape, _ in bdn}
    shapes = [s for s in ["32x128", "64x128", "256x512", "1024x1024", "16384x256", "65536x128"] if s in present]
    shapes += sorted(present - set(shapes))

    model, mhz, cache, simd, memory = cpu_description()
    lines = ["# NormGen benchmark results", "",
             "Generated by `build/bench.sh` (do not edit by hand). Float32 batch norm over row-major "
             "(batch, features) input, one thread.", "",
             "## Machine and run", "",
             f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
             f"- CPU: {model} ({mhz} MHz reported, cache {cache or 'unknown'}), "
             f"{host.get('PhysicalCoreCount')} physical / {host.get('LogicalCoreCount')} logical cores, {memory}; "
             f"SIMD flags: {', '.join(simd) or 'unknown'}",
             f"- OS: {host.get('OsVersion')}, kernel {platform.release()}",
             f"- .NET: {host.get('RuntimeVersion')}, SDK {host.get('DotNetCliVersion')}, "
             f"BenchmarkDotNet {host.get('BenchmarkDotNetVersion')}; JIT intrinsics: {intrinsics}",
             "- PyTorch: " + (f"{torch['torch_version']} (Python {torch['python_version']}, "
                              f"{torch['num_threads']} thread; {'; '.join(p.strip() for p in torch['parallel_info'][3:])})"
                              if torch else f"missing ({torch_note})"),
             f"- Load average before / after the run: {args.load_before or '?'} / {args.load_after or '?'} "
             "(the machine is shared; a load above 1 means other work competed for the 2 cores)",
             ]
    if args.seconds is not None:
        lines.append(f"- Wall time of the whole run: {args.seconds / 60:.1f} min")
    lines += ["", "Reproduce from the repository root:", "", "```sh", args.command, "```", "",
              "## Method", "",
              "- C#: BenchmarkDotNet, Release, no debugger, one process per case, 100 ms iterations, 10 measured "
              "iterations after warmup, MemoryDiagnoser; the median is reported. Backward is timed after one training "
              "Forward in setup; training Forward also updates the running statistics (as PyTorch does).",
              "- Peers: `ScalarBatchNorm` (plain loops, the cs231n math, runtime shapes) and `TensorPrimitivesBatchNorm` "
              "(System.Numerics.Tensors, runtime shapes), both in `benchmarks/NormGen.Benchmarks/`. Before timing, "
              "`--verify` checks all three C# implementations against a double-precision reference.",
              "- PyTorch: `build/bench_torch.py`, `torch.set_num_threads(1)`, timeit with warmup, median per call; "
              "forward under `torch.no_grad()` with `F.batch_norm(training=True)`; backward = "
              "`torch.autograd.grad(y, (x, weight, bias), dy, retain_graph=True)` on a graph built once.",
              "- Fraction of copy bandwidth: forward moves 2 arrays (read x, write y), Backward 3 (read x and dy, "
              "write dx); fraction = (bytes / time) / (copy bytes / copy time), copy = the faster of `Span.CopyTo` and a "
              "`Vector<float>` load/store loop copying x into y, timed in the same BenchmarkDotNet run. PyTorch "
              "fractions use the .NET copy time.",
              ("- Clock: CPU time. BenchmarkDotNet reads the benchmark thread's CPU time (`ThreadCpuClock`, "
               "CLOCK_THREAD_CPUTIME_ID) and PyTorch the process's (`time.process_time`), so time spent descheduled "
               "while other processes share the cores is not counted; memory stalls still are. "
               "`NORMGEN_BENCH_CLOCK=wall` switches both to wall-clock time."
               if args.clock == "cpu" else "- Clock: wall-clock time (BenchmarkDotNet's default clock, `time.perf_counter`)."),
              "- Bytes allocated per call: counted exactly by `--verify` with `GC.GetAllocatedBytesForCurrentThread` around "
              "20 calls after warmup (least of 3 rounds); BenchmarkDotNet's MemoryDiagnoser value is shown beside it "
              "when it differs (on cases with few calls per iteration it can pick up a few runtime bytes).",
              "- \"generated is faster by\" = peer time / generated time (above 1: generated is faster), from medians; "
              "targets are judged on medians. The minimum is shown because on a busy machine it is the least disturbed "
              "sample.", ""]
    if args.verify_log and os.path.exists(args.verify_log):
        with open(args.verify_log, encoding="utf-8") as handle:
            verify_tail = handle.read().strip().splitlines()[-1:]
        lines += [f"Correctness check before timing: `{verify_tail[0] if verify_tail else 'no output'}`", ""]

    lines += ["## Targets of issue 6", "", "| target | shape | measured | required | verdict |", "|---|---|---:|---:|---|"]
    for row in check_targets(table, shapes, torch_note):
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Where the generated training Forward spends its time", "",
              "Inference Forward runs only the normalize pass (read x, write y, per-feature scale and shift), so "
              "training Forward minus inference Forward estimates the statistics pass (plus the small per-feature "
              "updates). A statistics pass that only streams x once would take about half a copy (one read instead "
              "of a read and a write).", "",
              "| shape | training Forward | normalize pass (= inference Forward) | statistics pass (difference) "
              "| statistics / half a copy | normalize / copy |",
              "|---|---:|---:|---:|---:|---:|"]
    for shape in shapes:
        train = table.time(shape, "Generated", "TrainForward")
        infer = table.time(shape, "Generated", "InferenceForward")
        t_copy = table.copy(shape)
        if None in (train, infer, t_copy):
            continue
        statistics_time = train - infer
        lines.append(f"| {shape} | {format_time(train)} | {format_time(infer)} | {format_time(statistics_time)} "
                     f"| {statistics_time / (t_copy / 2):.1f}x | {infer / t_copy:.2f}x |")
    lines += ["", "## Results per shape", ""]
    for shape in shapes:
        lines += shape_section(table, shape, torch_note)

    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines).rstrip() + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
