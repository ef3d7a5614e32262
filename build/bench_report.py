#!/usr/bin/python3
"""Turns the driver's artifacts/bench/run.json into the markdown report (benchmarks/RESULTS.md for a full run).

Per round r and (case, operation): t_impl(r) = the implementation's median time per call in round r. Then
  ratio of a peer          = t_peer(r) / t_NormGen(r)          (above 1: NormGen is faster)
  fraction of roofline     = t_roofline(r) / t_NormGen(r)      (1: NormGen moves its bytes as fast as plain passes)
  roofline time            = read_x + copy_x_y (training Forward), copy_x_y (inference),
                             read_x_dy + x_dy_to_dx (Backward), all four (Forward+Backward)
  speedup of threads       = t_NormGen1thread(r) / t_NormGen(r) (--normgen-threads N: NormGen on N threads against
                                                                 itself on one), beside the memory's own speedup,
                             roofline(r) / roofline_N_threads(r) (the same kernels split over N threads)
  speed of a variant       = t_NormGen(r) / t_variant(r)       (--variants: batch renorm and ghost batch norm;
                                                                 at least 1/1.1 = 0.91: within 10% of plain); also
                             with CPU time per call (CPU/wall of the measurement x its mean wall time per call),
                             which descheduling on a loaded machine does not inflate
and the report gives the median over rounds with the min-max spread. Targets are judged on the medians.
Python standard library only.
"""

import argparse
import json
import statistics
from collections import defaultdict

OPS = [("train_forward", "training Forward"), ("backward", "Backward"),
       ("forward_backward", "Forward+Backward"), ("inference", "inference")]
OP_TITLE = dict(OPS)
TARGET_OPS = ["train_forward", "forward_backward", "inference"]
ROOFLINE = {"train_forward": ["read_x", "copy_x_y"], "inference": ["copy_x_y"],
            "backward": ["read_x_dy", "x_dy_to_dx"],
            "forward_backward": ["read_x", "copy_x_y", "read_x_dy", "x_dy_to_dx"]}
KERNELS = [("read_x", "read x"), ("copy_x_y", "copy x to y"), ("read_x_dy", "read x and dy"),
           ("x_dy_to_dx", "dx = x + dy"), ("memmove_x_y", "memmove x to y (information only)")]
ROOFLINE_TARGET = {"train_forward": 0.8, "forward_backward": 0.8, "inference": 0.9}
ROOFLINE_MIN_ELEMENTS = 128 * 1024
PEER_ORDER = ["scalar", "tensorprimitives", "onnxruntime", "pytorch", "onednn"]
# The small-batch variants of NormGen batch norm (--variants): compared with plain NormGen, not with the peers.
VARIANTS = ["normgen-renorm", "normgen-ghost"]
VARIANT_SHORT = {"normgen-renorm": "renorm", "normgen-ghost": "ghost"}
VARIANT_TARGET = 1 / 1.10
# Issue 16 on a 2-core machine: Forward+Backward with 2 threads at least 1.6x one thread on these cases...
THREAD_TARGET = 1.6
THREAD_TARGET_CASES = ["batchnorm-1024x1024", "batchnorm-65536x128", "layernorm-4096x1024"]
# ...and never slower than one thread on small shapes, which run on the calling thread alone (the same code): a median
# below 0.95 counts as slower (5% is the round-to-round noise of this shared machine).
THREAD_SMALL_ELEMENTS = 128 * 1024
THREAD_SMALL_FLOOR = 0.95


def fmt_time(ns):
    if ns is None:
        return "-"
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.3g} us"
    if ns < 1e9:
        return f"{ns / 1e6:.3g} ms"
    return f"{ns / 1e9:.3g} s"


def fmt_ratio(values, digits=2, suffix="x"):
    """'median (min-max)' of per-round values; one value alone when there is one round."""
    if not values:
        return "-"
    med = statistics.median(values)
    text = f"{med:.{digits}f}{suffix}" if med < 100 else f"{med:.0f}{suffix}"
    if len(values) > 1:
        text += f" ({min(values):.{digits}f}-{max(values):.{digits}f})" if max(values) < 100 \
            else f" ({min(values):.0f}-{max(values):.0f})"
    return text


class Run:
    def __init__(self, document):
        self.doc = document
        self.cases = document["cases"]
        self.case_by_id = {c["id"]: c for c in self.cases}
        self.impls = {i["id"]: i for i in document["implementations"]}
        self.rounds = [r["index"] for r in document["rounds"]]
        # (case, op, impl) -> {round: median}
        self.times = defaultdict(dict)
        # (case, op, impl) -> {round: CPU time per call}: CPU/wall over the timed batches x their mean wall time per call.
        self.cpu_times = defaultdict(dict)
        self.allocations = defaultdict(list)
        self.errors = []
        for m in document["measurements"]:
            if m["median_ns"] is None:
                self.errors.append(m)
                continue
            self.times[(m["case"], m["op"], m["implementation"])][m["round"]] = m["median_ns"]
            if m.get("cpu_over_wall") is not None and m.get("per_call_ns"):
                self.cpu_times[(m["case"], m["op"], m["implementation"])][m["round"]] = \
                    m["cpu_over_wall"] * statistics.fmean(m["per_call_ns"])
            if m.get("allocated_bytes_per_call") is not None:
                self.allocations[(m["case"], m["op"], m["implementation"])].append(m["allocated_bytes_per_call"])
        self.verification = {(v["case"], v["implementation"]): v for v in document["verification"]}

    def per_round(self, case, op, impl):
        return self.times.get((case, op, impl), {})

    def roofline(self, case, op, impl="roofline"):
        kernels = [self.per_round(case, k, impl) for k in ROOFLINE[op]]
        return {r: sum(k[r] for k in kernels) for r in self.rounds if all(r in k for k in kernels)}

    def thread_speedups(self, case, op):
        """Per-round t_NormGen1thread / t_NormGen: NormGen's speedup from --normgen-threads."""
        one, many = self.per_round(case, op, "normgen-1thread"), self.per_round(case, op, "normgen")
        return [one[r] / many[r] for r in self.rounds if r in one and r in many]

    def roofline_thread_speedups(self, case, op):
        """Per-round roofline / roofline on NormGen's threads: how much faster memory moves the same bytes on them."""
        one, many = self.roofline(case, op), self.roofline(case, op, "roofline-threads")
        return [one[r] / many[r] for r in self.rounds if r in one and r in many]

    def ratios(self, case, op, impl):
        """Per-round t_impl / t_NormGen (peer ratio)."""
        mine, ours = self.per_round(case, op, impl), self.per_round(case, op, "normgen")
        return [mine[r] / ours[r] for r in self.rounds if r in mine and r in ours]

    def fractions(self, case, op):
        roof, ours = self.roofline(case, op), self.per_round(case, op, "normgen")
        return [roof[r] / ours[r] for r in self.rounds if r in roof and r in ours]

    def normgen(self, case, op):
        values = list(self.per_round(case, op, "normgen").values())
        return statistics.median(values) if values else None

    def peers(self):
        return [p for p in PEER_ORDER if p in self.impls]

    def variants(self):
        return [v for v in VARIANTS if v in self.impls]

    def speeds(self, case, op, variant, cpu=False):
        """Per-round t_NormGen / t_variant (at least 0.91: the variant is within 10% of plain NormGen); wall or CPU time."""
        source = self.cpu_times if cpu else self.times
        mine, ours = source.get((case, op, variant), {}), source.get((case, op, "normgen"), {})
        return [ours[r] / mine[r] for r in self.rounds if r in mine and r in ours]


def normgen_threads(settings):
    threads = settings.get("normgen_threads", 1)
    if threads == 1:
        return "one thread"
    return "every processor (MaxDegreeOfParallelism = 0)" if threads == 0 else f"{threads} threads (MaxDegreeOfParallelism = {threads})"


def header(run, args):
    doc = run.doc
    machine, settings = doc["machine"], doc["settings"]
    lines = ["# NormGen benchmark results", "",
             "Generated by `build/bench.sh` from `artifacts/bench/run.json` (do not edit by hand). Float32, "
             f"NormGen on {normgen_threads(settings)}, peers on {settings['peer_threads']} thread(s).", ""]
    flagged = [r for r in doc["rounds"] if r["flagged"]]
    if flagged:
        lines += [f"> **Not a quiet run**: {len(flagged)} of {len(doc['rounds'])} round(s) saw a 1-minute load average above "
                  f"{settings['load_threshold']} (the run itself adds about {settings.get('own_threads', 1)}). Do not publish these figures.", ""]
    bad = [v for v in doc["verification"] if v["status"] in ("fail", "error")]
    if bad:
        lines += [f"> **{len(bad)} implementation/case pair(s) disagreed with the reference or failed** and were not timed: "
                  + "; ".join(f"{v['implementation']} on {v['case']}" for v in bad) + " (see Verification).", ""]
    if settings.get("quick"):
        lines += ["> **Quick run** (`--quick`: one shape per kind, one round, short timings): a smoke test, not figures.", ""]
    lines += ["## Run", "",
              f"- Command: `{doc['command']}`",
              f"- Date: {doc['started_utc'][:16].replace('T', ' ')} UTC; driver {doc['seconds'] / 60:.1f} min"
              + (f", whole script {args.total_seconds / 60:.1f} min (with builds)" if args.total_seconds else ""),
              f"- Machine: {machine['cpu']}, {machine['logical_cores']} logical cores"
              + (" (virtual machine)" if machine.get("hypervisor") else "") + f"; {machine['memory']}",
              f"- Caches: {'; '.join(machine['caches'])}",
              f"- OS: {machine['os']}, kernel {machine['kernel']}; {machine['dotnet']}; {machine['simd']}",
              f"- Clock: {settings['clock']}",
              f"- Rounds: {settings['rounds']}; timing per measurement: warm-up {settings['timing']['warmup_milliseconds']} ms, "
              f"batches of ~{settings['timing']['batch_milliseconds']} ms, at least {settings['timing']['min_batches']} batches "
              f"and {settings['timing']['min_milliseconds']} ms; the median batch is the measurement",
              f"- Environment: {', '.join(f'{k}={v}' for k, v in settings['environment'].items()) or 'none set'}"]
    if settings.get("settle"):
        lines.append(f"- Before the first round: {settings['settle']}")
    lines += ["",
              "Implementations:", ""]
    for impl in doc["implementations"]:
        state = f"unavailable: {impl['unavailable']}" if impl["unavailable"] else impl["info"]
        lines.append(f"- **{impl['label']}** (`{impl['id']}`): {state}")
    lines.append("")
    return lines


def steal_text(r, cores):
    """The round's steal time: seconds and the share of the round's CPU time (all of this VM's CPUs), or n/a."""
    steal = r.get("steal_seconds")
    if steal is None:  # older runs
        return "n/a"
    steal = float(steal)  # the driver writes NaN as the string "NaN"
    if steal != steal:
        return "n/a"
    return f"{steal:.2f} s ({100 * steal / (r['seconds'] * cores):.1f}%)"


def rounds_section(run):
    cores = run.doc["machine"].get("logical_cores") or 1
    lines = ["## Rounds and load", "",
             "Load average read from `/proc/loadavg` before each round and at the start of every case; CPU/wall is the "
             "CPU time over the wall time of a measurement (below 0.9: the timed thread was not running all the time). "
             "Steal: CPU time the host gave other guests while this VM's CPUs wanted to run (`/proc/stat`), over the "
             "round, and its share of the round's CPU time on all of this VM's CPUs: neighbours on the host show there, "
             "not in this VM's load average, which counts the benchmark's own threads.", "",
             "| round | load before (1, 5, 15 min) | max 1-min load during | flagged | measurements with CPU/wall < 0.9 | steal | order | seconds |",
             "|---:|---|---:|---|---:|---:|---|---:|"]
    low = defaultdict(int)
    total = defaultdict(int)
    for m in run.doc["measurements"]:
        if m.get("cpu_over_wall") is not None and m["implementation"] in ("normgen", "normgen-1thread", "roofline", "roofline-threads",
                                                                          "scalar", "tensorprimitives", "onnxruntime", "pytorch",
                                                                          "onednn", *VARIANTS):
            total[m["round"]] += 1
            if m["cpu_over_wall"] < 0.9:
                low[m["round"]] += 1
    for r in run.doc["rounds"]:
        before = " ".join(f"{v:.2f}" for v in r["load_before"])
        flag = f"**above {run.doc['settings']['load_threshold']}**" if r["flagged"] else "no"
        lines.append(f"| {r['index']} | {before} | {r['load_max_during']:.2f} | {flag} | {low[r['index']]} of {total[r['index']]} "
                     f"| {steal_text(r, cores)} | {', '.join(r['order'])} | {r['seconds']:.0f} |")
    lines.append("")
    return lines


def verification_section(run):
    impls = [i["id"] for i in run.doc["implementations"]]
    lines = ["## Verification", "",
             "Before timing, every implementation ran a training Forward, Backward twice and an inference Forward on each case; "
             "each output was compared with a double-precision reference computed node by node through the graph "
             f"(`NormReference.cs`). Shown: the largest error, max |actual - reference| / max |reference| over the outputs; "
             f"tolerance {run.doc['settings']['tolerance']}. An implementation that fails is not timed on that case.", "",
             "| case | " + " | ".join(run.impls[i]["label"] for i in impls) + " |",
             "|---|" + "---|" * len(impls)]
    notes = []
    for case in run.cases:
        cells = []
        for impl in impls:
            v = run.verification.get((case["id"], impl))
            if v is None:
                cells.append("-")
            elif v["status"] == "ok":
                cells.append(f"{max(v['errors'].values()):.1e}")
            else:
                cells.append(v["status"] if v["status"] in ("n/a", "unavailable") else f"**{v['status'].upper()}**")
                if v["status"] in ("fail", "error") or (v["status"] == "n/a" and impl == "onnxruntime"):
                    notes.append(f"- {case['label']}, {run.impls[impl]['label']}: {v['message']}")
        lines.append(f"| {case['label']} | " + " | ".join(cells) + " |")
    kernels = sorted({v["message"] for (c, i), v in run.verification.items() if i == "onednn" and v["status"] == "ok" and v["message"]})
    if kernels:
        notes.append("- oneDNN kernels (training / backward / inference): " + "; ".join(kernels))
    lines += [""] + notes + ([""] if notes else [])
    return lines


def case_sections(run):
    peers = run.peers()
    lines = ["## Every case", "",
             "Per operation: NormGen's median time per call (median over rounds, with min-max), time per element, each peer's "
             "time divided by NormGen's (above 1: NormGen is faster), the fraction of the memory roofline NormGen reaches, and "
             "managed bytes NormGen allocated per call. Ratios: median over rounds (min-max).", ""]
    for case in run.cases:
        cid = case["id"]
        lines += [f"### {case['label']}", "",
                  "| operation | NormGen | ns/element | " + " | ".join(f"vs {run.impls[p]['label']}" for p in peers)
                  + " | fraction of roofline | roofline time | B/call |",
                  "|---|---:|---:|" + "---:|" * len(peers) + "---:|---:|---:|"]
        for op, title in OPS:
            values = list(run.per_round(cid, op, "normgen").values())
            if values:
                t = statistics.median(values)
                spread = f" ({fmt_time(min(values))}-{fmt_time(max(values))})" if len(values) > 1 else ""
                cell = f"{fmt_time(t)}{spread}"
                per_element = f"{t / case['elements']:.3f}"
            else:
                cell, per_element = "-", "-"
            ratios = []
            for p in peers:
                r = run.ratios(cid, op, p)
                if r:
                    ratios.append(fmt_ratio(r))
                else:
                    v = run.verification.get((cid, p))
                    ratios.append("n/a" if v is None or v["status"] in ("n/a", "unavailable") or (p == "onnxruntime" and op != "inference")
                                  else ("not timed" if v["status"] != "ok" else "-"))
            roof = list(run.roofline(cid, op).values())
            alloc = run.allocations.get((cid, op, "normgen"))
            alloc_cell = f"{max(alloc):.0f}" if alloc else "-"
            roof_cell = fmt_time(statistics.median(roof)) if roof else "-"
            lines.append(f"| {title} | {cell} | {per_element} | " + " | ".join(ratios)
                         + f" | {fmt_ratio(run.fractions(cid, op), suffix='')} | {roof_cell} | {alloc_cell} |")
        kernels = []
        for kernel, title in KERNELS:
            v = list(run.per_round(cid, kernel, "roofline").values())
            if v:
                kernels.append(f"{title} {fmt_time(statistics.median(v))}")
        if kernels:
            lines += ["", "Roofline kernels (median over rounds): " + ", ".join(kernels) + "."]
        lines.append("")
    return lines


def slowest_peer(run, cid, op):
    """(peer id, per-round ratios) of the peer with the smallest median ratio, i.e. the fastest peer."""
    best = None
    for p in run.peers():
        r = run.ratios(cid, op, p)
        if r and (best is None or statistics.median(r) < statistics.median(best[1])):
            best = (p, r)
    return best


def summary_section(run):
    lines = ["## Summary (for the README)", "",
             "NormGen's median time per call; against the fastest peer on that case and operation (its time / NormGen's, "
             "median over rounds); and the fraction of the memory roofline.", "",
             "| case | training Forward | vs fastest peer | Forward+Backward | vs fastest peer | inference | vs fastest peer | roofline F / F+B / inf |",
             "|---|---:|---|---:|---|---:|---|---|"]
    for case in run.cases:
        cid = case["id"]
        cells = []
        for op in TARGET_OPS:
            cells.append(fmt_time(run.normgen(cid, op)))
            best = slowest_peer(run, cid, op)
            cells.append(f"{statistics.median(best[1]):.2f}x {run.impls[best[0]]['label']}" if best else "-")
        fractions = []
        for op in TARGET_OPS:
            f = run.fractions(cid, op)
            fractions.append(f"{statistics.median(f):.2f}" if f else "-")
        lines.append(f"| {case['label']} | " + " | ".join(cells) + f" | {' / '.join(fractions)} |")
    lines.append("")
    return lines


def targets_section(run):
    lines = ["## Targets", "", "Judged on the median over rounds; the min over rounds is given where it matters.", ""]

    # 1. Faster than every peer.
    misses, checked = [], 0
    for case in run.cases:
        for op in TARGET_OPS:
            for p in run.peers():
                r = run.ratios(case["id"], op, p)
                if not r:
                    continue
                checked += 1
                if statistics.median(r) <= 1:
                    misses.append(f"{case['label']} {OP_TITLE[op]}: {statistics.median(r):.2f}x {run.impls[p]['label']} "
                                  f"(min {min(r):.2f}x); needs > 1")
    lines.append(f"- **Faster than every peer** (training Forward, Forward+Backward, inference; {checked} comparisons): "
                 + ("met." if not misses else f"missed in {len(misses)}:"))
    lines += [f"  - {m}" for m in misses]

    # 2. Roofline on large shapes.
    misses, checked = [], 0
    for case in run.cases:
        if case["elements"] < ROOFLINE_MIN_ELEMENTS:
            continue
        for op in TARGET_OPS:
            f = run.fractions(case["id"], op)
            if not f:
                continue
            checked += 1
            need = ROOFLINE_TARGET[op]
            if statistics.median(f) < need:
                misses.append(f"{case['label']} {OP_TITLE[op]}: {statistics.median(f):.2f} of the roofline; needs {need} "
                              f"(short by {need - statistics.median(f):.2f})")
    lines.append(f"- **Roofline** (>= 0.8 training Forward and Forward+Backward, >= 0.9 inference, on shapes with at least "
                 f"{ROOFLINE_MIN_ELEMENTS} elements; {checked} checks): " + ("met." if not misses else f"missed in {len(misses)}:"))
    lines += [f"  - {m}" for m in misses]

    # 3. Width 1000 against 1024, per element.
    a = next((c for c in run.cases if c["id"] == "batchnorm-1000x1000"), None)
    b = next((c for c in run.cases if c["id"] == "batchnorm-1024x1024"), None)
    if a and b:
        parts, ok = [], True
        for op, title in OPS:
            ta, tb = run.per_round(a["id"], op, "normgen"), run.per_round(b["id"], op, "normgen")
            r = [(ta[i] / a["elements"]) / (tb[i] / b["elements"]) for i in run.rounds if i in ta and i in tb]
            if r:
                med = statistics.median(r)
                ok &= med <= 1.10
                parts.append(f"{title} {med:.3f}" + (" (needs <= 1.10)" if med > 1.10 else ""))
        lines.append(f"- **Width 1000 within 10% of 1024 per element** (time per element at (1000, 1000) / at (1024, 1024)): "
                     + ("met" if ok else "missed") + ": " + ", ".join(parts) + ".")
    else:
        lines.append("- **Width 1000 within 10% of 1024**: not measured in this run.")

    # 4. Small batch norm Forward+Backward against oneDNN and PyTorch.
    parts = []
    for cid in ("batchnorm-32x128", "batchnorm-64x128"):
        if cid not in run.case_by_id:
            continue
        for p, need in (("onednn", 3), ("pytorch", 15)):
            r = run.ratios(cid, "forward_backward", p)
            if r:
                med = statistics.median(r)
                parts.append(f"{run.case_by_id[cid]['label']} vs {run.impls[p]['label']} {med:.1f}x "
                             + ("(met)" if med >= need else f"(needs {need}x: missed by {need - med:.1f}x)"))
    lines.append("- **Small batch norm Forward+Backward** (>= 3x oneDNN, >= 15x PyTorch at (32, 128) and (64, 128)): "
                 + ("; ".join(parts) if parts else "not measured in this run") + ".")

    # 5. Allocations.
    worst = max(((max(v), k) for k, v in run.allocations.items() if k[2] == "normgen"), default=None)
    if worst is None:
        lines.append("- **0 bytes allocated per call**: not measured.")
    elif worst[0] == 0:
        lines.append("- **0 bytes allocated per call**: met (every NormGen measurement, counted with "
                     "`GC.GetAllocatedBytesForCurrentThread` around the timed calls).")
    else:
        lines.append(f"- **0 bytes allocated per call**: missed: up to {worst[0]:.1f} B/call ({worst[1][0]} {worst[1][1]}).")

    if run.errors:
        lines += ["", "Failed measurements:"]
        lines += [f"- round {m['round']} {m['case']} {m['op']} {m['implementation']}: {m['error']}" for m in run.errors]
    lines.append("")
    return lines


def variants_section(run):
    """Plain NormGen against its own small-batch variants (issue 15: within 10% at the benchmark shapes)."""
    variants = run.variants()
    if not variants:
        return []
    lines = ["## Small-batch variants of batch norm (`--variants`)", "",
             "Plain NormGen batch norm against the same shapes with batch renormalization "
             "(`Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0`: r = 1 and d = 0, so plain batch norm's numbers "
             "through the renorm code path) and ghost batch norm (`VirtualBatchSize` = batch / 4: four ghost batches, each "
             "normalized with its own statistics). Each variant was verified against the double-precision reference "
             "(ghost: statistics per ghost batch and feature, running statistics the mean over ghost batches). "
             "Speed = plain NormGen time / variant time, per round (both timed in the same round, interleaved), "
             "median over rounds (min-max); at least 0.91 (= 1/1.1) means the variant is within 10% of plain. "
             "\"CPU\": the same ratio with CPU time per call (the measurement's CPU/wall times its mean wall time per "
             "call), which a loaded machine's descheduling does not inflate (cache and memory contention still show). "
             "The target is judged on wall time.", "",
             "Rounds: " + "; ".join(
                 f"{r['index']}: 1-min load {r['load_before'][0]:.2f} before, max {r['load_max_during']:.2f} during, "
                 f"{r['load_after'][0]:.2f} after" for r in run.doc["rounds"]) + ".", ""]
    lines += ["Columns: " + "; ".join(f"{VARIANT_SHORT[v]} = {run.impls[v]['label']}: {run.impls[v]['info']}" for v in variants) + ".", ""]
    header_cells = []
    for v in variants:
        header_cells += [VARIANT_SHORT[v], f"plain / {VARIANT_SHORT[v]}", "CPU"]
    lines += ["| case | operation | NormGen | " + " | ".join(header_cells) + " |",
              "|---|---|---:|" + "---:|" * len(header_cells)]
    misses, checked = [], 0
    for case in run.cases:
        cid = case["id"]
        if not any((cid, v) in run.verification and run.verification[(cid, v)]["status"] != "n/a" for v in variants):
            continue
        label = case["label"]
        ghost = run.verification.get((cid, "normgen-ghost"))
        if ghost and ghost["status"] == "ok" and ghost["message"]:
            label += f", ghost {ghost['message']}"
        for op, title in OPS:
            cells = [fmt_time(run.normgen(cid, op))]
            for v in variants:
                times = list(run.per_round(cid, op, v).values())
                speeds = run.speeds(cid, op, v)
                status = run.verification.get((cid, v), {}).get("status")
                cells.append(fmt_time(statistics.median(times)) if times else ("not timed" if status not in (None, "ok") else "-"))
                cells.append(fmt_ratio(speeds) if speeds else "-")
                cpu_speeds = run.speeds(cid, op, v, cpu=True)
                cells.append(fmt_ratio(cpu_speeds) if cpu_speeds else "-")
                if op == "forward_backward" and speeds:
                    checked += 1
                    if statistics.median(speeds) < VARIANT_TARGET:
                        misses.append(f"{case['label']} {run.impls[v]['label']}: {statistics.median(speeds):.2f} "
                                      f"(min {min(speeds):.2f}); needs 0.91")
            lines.append(f"| {label} | {title} | " + " | ".join(cells) + " |")
    lines += ["", f"- **Renorm and ghost Forward+Backward within 10% of plain batch norm** ({checked} comparisons, on the "
              "median over rounds): " + ("met." if not misses else f"missed in {len(misses)}:")]
    lines += [f"  - {m}" for m in misses]
    lines.append("")
    return lines


def threads_section(run):
    """NormGen on several threads against itself on one, and against the memory's own speedup (issue 16)."""
    if "normgen-1thread" not in run.impls:
        return []
    threads = run.doc["settings"].get("roofline_threads")
    lines = ["## Threads (`--normgen-threads`)", "",
             f"NormGen with MaxDegreeOfParallelism = {run.doc['settings']['normgen_threads']} against the same layers on one "
             "thread, timed in the same round (interleaved). Speedup = 1-thread time / multi-thread time, per round, median "
             "over rounds (min-max). Memory's speedup = the roofline time on one thread / the same roofline kernels split over "
             f"{threads} threads (contiguous slices, one per thread): what memory itself gains from the extra cores on these "
             "bytes, the ceiling of a kernel that is memory-bound (on small shapes the split's own cost, two barriers per "
             "call, outweighs the bytes, and NormGen keeps such calls on one thread).", "",
             "| case | operation | NormGen, threads | NormGen, 1 thread | speedup | memory's speedup |",
             "|---|---|---:|---:|---:|---:|"]
    misses, small_misses = [], []
    for case in run.cases:
        cid = case["id"]
        for op, title in OPS:
            speedups = run.thread_speedups(cid, op)
            if not speedups:
                continue
            one = list(run.per_round(cid, op, "normgen-1thread").values())
            memory = run.roofline_thread_speedups(cid, op)
            lines.append(f"| {case['label']} | {title} | {fmt_time(run.normgen(cid, op))} | "
                         f"{fmt_time(statistics.median(one)) if one else '-'} | {fmt_ratio(speedups)} | {fmt_ratio(memory)} |")
            med = statistics.median(speedups)
            if cid in THREAD_TARGET_CASES and op == "forward_backward" and med < THREAD_TARGET:
                memory_text = f"; memory's own speedup {statistics.median(memory):.2f}x" if memory else ""
                misses.append(f"{case['label']} Forward+Backward: {med:.2f}x (min {min(speedups):.2f}x){memory_text}; needs {THREAD_TARGET}x")
            if case["elements"] < THREAD_SMALL_ELEMENTS and med < THREAD_SMALL_FLOOR:
                small_misses.append(f"{case['label']} {title}: {med:.2f}x (min {min(speedups):.2f}x)")
    measured = [c for c in THREAD_TARGET_CASES if run.thread_speedups(c, "forward_backward")]
    lines += ["", f"- **At least {THREAD_TARGET}x one thread for Forward+Backward** at batch norm (1024, 1024) and (65536, 128) "
              f"and layer norm (4096, 1024) ({len(measured)} of {len(THREAD_TARGET_CASES)} in this run): "
              + ("not measured." if not measured else "met." if not misses else f"missed in {len(misses)}:")]
    lines += [f"  - {m}" for m in misses]
    small = [c for c in run.cases if c["elements"] < THREAD_SMALL_ELEMENTS and run.thread_speedups(c["id"], "forward_backward")]
    lines.append(f"- **Never slower than one thread on small shapes** (below {THREAD_SMALL_ELEMENTS} elements; median at least "
                 f"{THREAD_SMALL_FLOOR}, the noise of the same code on one thread; {len(small)} case(s)): "
                 + ("not measured." if not small else "met." if not small_misses else f"missed in {len(small_misses)}:"))
    lines += [f"  - {m}" for m in small_misses]
    lines.append("")
    return lines


def method_section():
    return ["## Method", "",
            "- One driver (`benchmarks/NormGen.Benchmarks`) runs everything: NormGen's generated layers through "
            "`INormalizationLayer<float>`, the scalar and TensorPrimitives C# batch norms, ONNX Runtime (in process, "
            "`RunWithBinding` with x and y bound once), and two long-lived workers it talks to over stdin/stdout: "
            "`build/bench_torch_worker.py` (PyTorch) and `build/bench_onednn_worker.cpp` (oneDNN, built by `build/bench.sh`). "
            "Every implementation is timed with the same loop (warm-up, calls per batch, median batch).",
            "- Rounds interleave the implementations: per round, per case, the four roofline kernels, then per operation every "
            "implementation in turn; the order rotates every round. Ratios are taken within a round, then summarized over rounds.",
            "- Operations: training Forward (`Training = true`; batch norm also updates running statistics), Backward (repeated "
            "after one training Forward on the same x), Forward+Backward (one of each per call), inference (`Training = false`; "
            "batch norm uses given running statistics).",
            "- PyTorch: `torch.ops.aten.native_batch_norm` / `native_batch_norm_backward`, `native_layer_norm` / "
            "`native_layer_norm_backward`, `native_group_norm` / `native_group_norm_backward`: the kernels autograd calls, "
            "without autograd's bookkeeping, but with Python's call overhead and a fresh output tensor per call (the CPU "
            "kernels have no `out=` variant in 1.13). RMS norm does not exist in 1.13: the usual composition "
            "`x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w` with autograd (forward with a graph, "
            "`torch.autograd.grad` backward).",
            "- oneDNN 2.6: batch normalization forward training / inference (`use_global_stats`) / backward (`prop_kind::backward`, "
            "with `use_scale | use_shift`, so diff_scale and diff_shift are computed) on `(N, C, 1, 1)` `nhwc` for 1d batch "
            "norm and `(N, C, H*W, 1)` for spatial (layout in the settings; `nhwc` uses a transposed copy of the same data, made "
            "outside timing, because `nchw` runs the generic `ncsp_bnorm` kernel); layer normalization primitive for "
            "LayerNorm. No running statistics. No RMS or group norm primitive: n/a.",
            "- ONNX Runtime: one-operator models made at bench time by `build/make_bench_onnx.py` from the case's own "
            "parameters (BatchNormalization opset 15, LayerNormalization 17, GroupNormalization 21, RMSNormalization 23), "
            "CPU execution provider, intra-op threads as the peer threads, inference only.",
            "- Roofline: Vector256 C# passes over the case's own arrays, timed in the same round: read x; copy x to y; read x "
            "and dy; dx = x + dy. Training Forward = read + copy, inference = copy, Backward = read both + write dx, "
            "Forward+Backward = all four. With `--normgen-threads N`, the same kernels again, each split into N contiguous "
            "slices run at once on N threads (`RooflineThreads.cs`).",
            ""]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, help="run.json written by the driver")
    parser.add_argument("--output", required=True, help="markdown file to write")
    parser.add_argument("--total-seconds", type=float, default=0, help="duration of the whole script, builds included")
    args = parser.parse_args()
    with open(args.run, encoding="utf-8") as handle:
        run = Run(json.load(handle))
    lines = header(run, args) + summary_section(run) + targets_section(run) + threads_section(run) + variants_section(run) \
        + rounds_section(run) \
        + verification_section(run) + case_sections(run) + method_section()
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines).rstrip() + "\n")


if __name__ == "__main__":
    main()
