using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;

namespace NormGen.Benchmarks;

/// <summary>
/// Runs the benchmark: makes every case's data, starts the peers, verifies every implementation against the
/// double-precision reference, then times them in interleaved rounds and writes the raw JSON.
/// Per round, for each case: the roofline kernels, then for each operation every implementation in turn
/// (the order rotates each round, so no implementation always runs right after another one).
/// </summary>
/// <param name="options">Parsed options.</param>
/// <param name="console">Where progress goes.</param>
public sealed class BenchDriver(BenchOptions options, TextWriter console)
{
    /// <summary>The 1-minute load average above which a round is flagged, beyond what the run itself adds.</summary>
    private const double LoadMargin = 0.2;

    private readonly RunRecord record = new();
    private readonly HashSet<(string Case, string Implementation)> verified = [];

    // With NormGen on several threads, the roofline kernels are timed on as many (implementation "roofline-threads").
    private RooflineThreads? rooflineThreads;

    /// <summary>NormGen's threads per call: --normgen-threads, with 0 meaning every processor.</summary>
    private int NormGenThreads => options.NormGenThreads == 0 ? Environment.ProcessorCount : options.NormGenThreads;

    /// <summary>
    /// The most threads the run itself keeps busy at once: one, or NormGen's or the peers' threads when more. The
    /// load average of this machine counts them, so a 2-thread run by itself reaches a load near 2.
    /// </summary>
    private int OwnThreads => Math.Max(Math.Max(1, NormGenThreads), options.PeerThreads == 0 ? Environment.ProcessorCount : options.PeerThreads);

    /// <summary>Rounds whose 1-minute load average is above this are flagged: the run's own threads plus <see cref="LoadMargin"/>.</summary>
    private double LoadThreshold => OwnThreads + LoadMargin;

    /// <summary>Runs everything; returns the process exit code (0 clean, 1 a failure is recorded in the JSON).</summary>
    public int Run()
    {
        var clock = Stopwatch.StartNew();
        record.StartedUtc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture);
        record.Command = options.Command.Length > 0 ? options.Command : "NormGen.Benchmarks " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
        string outDirectory = Path.GetFullPath(options.Out);
        string dataDirectory = Path.Combine(outDirectory, "data");
        Directory.CreateDirectory(outDirectory);

        List<BenchCase> cases = BenchCatalog.Select(options.Quick, options.Kinds, options.Shapes);
        if (cases.Count == 0)
        {
            console.WriteLine("No case matches --kinds/--shapes. Catalogued shapes: " + string.Join(", ", BenchCatalog.All.Select(c => c.Id)));
            return 2;
        }

        record.Machine = MachineInfo.Describe();
        record.Settings = Settings();
        TimingSettings t = options.Timing;
        console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"== {cases.Count} cases, {options.Rounds} round(s); per measurement: warm-up {t.WarmupMilliseconds} ms, batches of ~{t.BatchMilliseconds} ms, at least {t.MinBatches} batches and {t.MinMilliseconds} ms"));

        console.WriteLine("== data");
        List<CaseData> data = cases.Select(CaseData.Create).ToList();
        bool filesNeeded = options.Peers.Any(p => p is "pytorch" or "onednn" or "onnxruntime");
        if (filesNeeded)
        {
            foreach (CaseData d in data)
            {
                d.WriteFiles(Path.Combine(dataDirectory, d.Case.Id));
            }
        }

        record.Cases = cases.Select(c => new CaseRecord(
            c.Id, c.Kind.Id(), c.Label, c.Spatial == 1 ? [c.Batch, c.Channels] : [c.Batch, c.Channels, c.Spatial], c.Groups, c.Elements)).ToList();

        List<Implementation> implementations = CreateImplementations(outDirectory, dataDirectory, cases);
        rooflineThreads = NormGenThreads > 1 ? new RooflineThreads(NormGenThreads) : null;
        try
        {
            record.Implementations = implementations.Select(i => new ImplementationRecord(i.Id, i.Label, i.Info, i.Unavailable)).ToList();
            foreach (Implementation implementation in implementations)
            {
                console.WriteLine($"   {implementation.Label,-17} {implementation.Unavailable ?? implementation.Info}");
            }

            console.WriteLine("== verify against the double-precision reference");
            foreach (CaseData d in data)
            {
                VerifyCase(d, implementations);
            }

            if (!options.VerifyOnly)
            {
                Settle();
                for (int round = 1; round <= options.Rounds; round++)
                {
                    RunRound(round, data, implementations);
                }
            }

            // Workers are asked once more after the rounds: a worker that died mid-run shows as unavailable.
            record.Implementations = implementations.Select(i => new ImplementationRecord(i.Id, i.Label, i.Info, i.Unavailable)).ToList();
        }
        finally
        {
            foreach (Implementation implementation in implementations)
            {
                implementation.Dispose();
            }

            rooflineThreads?.Dispose();

            if (!options.KeepData && Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }

        record.FinishedUtc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture);
        record.Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
        string jsonPath = Path.Combine(outDirectory, "run.json");
        WriteJson(jsonPath);
        console.WriteLine($"== wrote {jsonPath} ({record.Seconds} s)");

        bool failed = record.Verification.Any(v => v.Status is "fail" or "error") || record.Measurements.Any(m => m.Error is not null);
        if (failed)
        {
            console.WriteLine("Some implementation failed verification or a measurement: see the report.");
        }

        return failed ? 1 : 0;
    }

    private Dictionary<string, object> Settings() => new()
    {
        ["rounds"] = options.Rounds,
        ["quick"] = options.Quick,
        ["verify_only"] = options.VerifyOnly,
        ["timing"] = options.Timing,
        ["clock"] = "wall clock: .NET Stopwatch (CLOCK_MONOTONIC), Python time.perf_counter_ns, C++ std::chrono::steady_clock; " +
                    "CPU time beside it (driver thread: CLOCK_THREAD_CPUTIME_ID; workers: their process)",
        ["peer_threads"] = options.PeerThreads == 0 ? "default" : options.PeerThreads.ToString(CultureInfo.InvariantCulture),
        ["normgen_threads"] = options.NormGenThreads,
        ["roofline_threads"] = NormGenThreads,
        ["variants"] = options.Variants,
        ["onednn_spatial_layout"] = options.OneDnnSpatialLayout,
        ["load_threshold"] = LoadThreshold,
        ["own_threads"] = OwnThreads,
        ["tolerance"] = Verification.Tolerance,
        ["environment"] = new[] { "DOTNET_TieredCompilation", "DOTNET_TC_CallCountingDelayMs", "DOTNET_TieredPGO", "DOTNET_gcServer" }
            .Where(v => Environment.GetEnvironmentVariable(v) is not null)
            .ToDictionary(v => v, v => Environment.GetEnvironmentVariable(v)!),
    };

    private List<Implementation> CreateImplementations(string outDirectory, string dataDirectory, List<BenchCase> cases)
    {
        var list = new List<Implementation> { LayerImplementation.NormGen(options.NormGenThreads) };
        if (options.NormGenThreads != 1)
        {
            list.Add(LayerImplementation.NormGenOneThread());
        }

        if (options.Variants)
        {
            list.Add(LayerImplementation.NormGenRenorm(options.NormGenThreads));
            list.Add(LayerImplementation.NormGenGhost(options.NormGenThreads));
        }

        if (options.Peers.Contains("scalar"))
        {
            list.Add(LayerImplementation.Scalar());
        }

        if (options.Peers.Contains("tensorprimitives"))
        {
            list.Add(LayerImplementation.TensorPrimitives());
        }

        string threads = options.PeerThreads == 0 ? "default" : options.PeerThreads.ToString(CultureInfo.InvariantCulture);
        if (options.Peers.Contains("onnxruntime"))
        {
            console.WriteLine("== ONNX models (build/make_bench_onnx.py)");
            OnnxModels models = options.OnnxScript is null
                ? OnnxModels.None("no --onnx-script given")
                : OnnxModels.Generate(options.Python, options.OnnxScript, Path.Combine(outDirectory, "onnx"), dataDirectory, cases);
            list.Add(new OnnxRuntimeImplementation(models, options.PeerThreads));
        }

        if (options.Peers.Contains("pytorch"))
        {
            if (options.TorchWorker is null || options.Missing.ContainsKey("pytorch"))
            {
                list.Add(new MissingImplementation("pytorch", "PyTorch", options.Missing.GetValueOrDefault("pytorch", "no --torch-worker given")));
            }
            else
            {
                var start = new ProcessStartInfo(options.Python);
                start.ArgumentList.Add(options.TorchWorker);
                start.ArgumentList.Add("--threads");
                start.ArgumentList.Add(threads);
                SetThreadEnvironment(start);
                list.Add(new WorkerImplementation(
                    "pytorch", "PyTorch", start, dataDirectory, Path.Combine(outDirectory, "pytorch-worker.log"), _ => null, _ => ""));
            }
        }

        if (options.Peers.Contains("onednn"))
        {
            if (options.OneDnnWorker is null || options.Missing.ContainsKey("onednn"))
            {
                list.Add(new MissingImplementation("onednn", "oneDNN", options.Missing.GetValueOrDefault("onednn", "no --onednn-worker given")));
            }
            else
            {
                var start = new ProcessStartInfo(options.OneDnnWorker);
                SetThreadEnvironment(start);
                list.Add(new WorkerImplementation(
                    "onednn", "oneDNN", start, dataDirectory, Path.Combine(outDirectory, "onednn-worker.log"),
                    c => c.Kind switch
                    {
                        NormKind.RmsNorm => "oneDNN 2.6 has no RMS normalization primitive",
                        NormKind.GroupNorm => "oneDNN 2.6 has no group normalization primitive",
                        _ => null,
                    },
                    c => c.Kind switch
                    {
                        NormKind.BatchNorm => "nhwc",
                        NormKind.BatchNormSpatial => options.OneDnnSpatialLayout,
                        _ => "",
                    }));
            }
        }

        return list;
    }

    private void SetThreadEnvironment(ProcessStartInfo start)
    {
        foreach (string variable in new[] { "OMP_NUM_THREADS", "MKL_NUM_THREADS" })
        {
            if (options.PeerThreads == 0)
            {
                start.Environment.Remove(variable);
            }
            else
            {
                start.Environment[variable] = options.PeerThreads.ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    private void VerifyCase(CaseData data, List<Implementation> implementations)
    {
        BenchCase c = data.Case;
        // One reference per ghost batch size: 0 (the whole batch) for every implementation but the ghost variant.
        var references = new Dictionary<int, NormReference>();
        foreach (Implementation implementation in implementations)
        {
            VerificationRecord result;
            if (implementation.Unavailable is { } unavailable)
            {
                result = new VerificationRecord(c.Id, implementation.Id, "unavailable", [], unavailable);
            }
            else if (implementation.NotApplicable(c) is { } reason)
            {
                result = new VerificationRecord(c.Id, implementation.Id, "n/a", [], reason);
            }
            else
            {
                try
                {
                    string note = implementation.Load(data);
                    Outputs outputs = implementation.Verify(data);
                    int virtualBatchSize = implementation.VirtualBatchSize(c);
                    if (!references.TryGetValue(virtualBatchSize, out NormReference? reference))
                    {
                        reference = NormReference.Compute(data, virtualBatchSize);
                        references[virtualBatchSize] = reference;
                    }

                    var (errors, problems) = Verification.Check(implementation, reference, outputs);
                    bool ok = problems.Count == 0;
                    result = new VerificationRecord(c.Id, implementation.Id, ok ? "ok" : "fail", errors, ok ? note : string.Join("; ", problems));
                    if (ok)
                    {
                        verified.Add((c.Id, implementation.Id));
                    }
                }
                catch (BenchmarkException e)
                {
                    result = new VerificationRecord(c.Id, implementation.Id, e.NotApplicable ? "n/a" : "error", [], e.Message);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // The layers change under this harness: a throwing kernel is recorded, and the run goes on.
                    result = new VerificationRecord(c.Id, implementation.Id, "error", [], $"{e.GetType().Name}: {e.Message}");
                }
            }

            record.Verification.Add(result);
            string worst = result.Errors.Count > 0
                ? Verification.Worst(result.Errors).ToString("0.0E+0", CultureInfo.InvariantCulture)
                : "";
            console.WriteLine($"   {c.Id,-28} {implementation.Id,-17} {result.Status,-11} {worst,8}  {result.Message}");
        }

        GC.Collect();
    }

    /// <summary>
    /// Waits (idle) until the 1-minute load average is at most 1.0 or <see cref="BenchOptions.Settle"/> seconds have
    /// passed: the build and the verification just before leave load behind that is not other users' work.
    /// </summary>
    private void Settle()
    {
        var clock = Stopwatch.StartNew();
        double start = MachineInfo.LoadAverage()[0];
        while (clock.Elapsed.TotalSeconds < options.Settle && MachineInfo.LoadAverage()[0] > 1.0)
        {
            Thread.Sleep(TimeSpan.FromSeconds(5));
        }

        double end = MachineInfo.LoadAverage()[0];
        record.Settings["settle"] = string.Create(
            CultureInfo.InvariantCulture, $"waited {clock.Elapsed.TotalSeconds:0} s (at most {options.Settle}) for the 1-min load average: {start:0.00} -> {end:0.00}");
        if (clock.Elapsed.TotalSeconds >= 1)
        {
            console.WriteLine($"== {record.Settings["settle"]}");
        }
    }

    private void RunRound(int round, List<CaseData> data, List<Implementation> implementations)
    {
        var clock = Stopwatch.StartNew();
        double[] loadBefore = MachineInfo.LoadAverage();
        double loadMax = loadBefore[0];
        double stealBefore = MachineInfo.StealSeconds();

        // Rotate the order every round, so no implementation always follows the same one.
        int shift = (round - 1) % implementations.Count;
        List<Implementation> order = [.. implementations.Skip(shift), .. implementations.Take(shift)];
        string flag = loadBefore[0] > LoadThreshold ? "  ** above " + LoadThreshold.ToString(CultureInfo.InvariantCulture) + " **" : "";
        console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"== round {round}/{options.Rounds}: load average {loadBefore[0]:0.00} {loadBefore[1]:0.00} {loadBefore[2]:0.00}{flag}"));
        foreach (CaseData d in data)
        {
            loadMax = Math.Max(loadMax, MachineInfo.LoadAverage()[0]);
            RunCase(round, d, order);
        }

        double[] loadAfter = MachineInfo.LoadAverage();
        loadMax = Math.Max(loadMax, loadAfter[0]);
        record.Rounds.Add(new RoundRecord(
            round, loadBefore, loadAfter, loadMax, loadBefore[0] > LoadThreshold || loadMax > LoadThreshold,
            order.Select(i => i.Id).ToArray(), Math.Round(clock.Elapsed.TotalSeconds, 1), Math.Round(MachineInfo.StealSeconds() - stealBefore, 2)));
    }

    private void RunCase(int round, CaseData data, List<Implementation> order)
    {
        BenchCase c = data.Case;
        var loaded = new List<Implementation>();
        foreach (Implementation implementation in order.Where(i => verified.Contains((c.Id, i.Id))))
        {
            try
            {
                implementation.Load(data);
                loaded.Add(implementation);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                string message = e is BenchmarkException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                record.Measurements.Add(new MeasurementRecord(round, c.Id, "load", implementation.Id, null, [], 0, null, null, message));
            }
        }

        var roofline = new Dictionary<string, double>();
        foreach (string kernel in Roofline.Kernels.Concat(Roofline.InformationKernels))
        {
            Measurement m = Roofline.Measure(kernel, data, options.Timing);
            Add(round, c, kernel, "roofline", m);
            roofline[kernel] = m.MedianNanoseconds;
        }

        if (rooflineThreads is not null)
        {
            foreach (string kernel in Roofline.Kernels)
            {
                Add(round, c, kernel, "roofline-threads", Roofline.Measure(kernel, data, options.Timing, rooflineThreads));
            }
        }

        var line = new List<string>();
        foreach (BenchOp op in BenchOps.All)
        {
            double? normgen = null;
            var ratios = new List<string>();
            foreach (Implementation implementation in loaded.Where(i => i.Supports(c, op)))
            {
                try
                {
                    Measurement m = implementation.Measure(op, options.Timing);
                    Add(round, c, op.Id(), implementation.Id, m);
                    if (implementation.Id == "normgen")
                    {
                        normgen = m.MedianNanoseconds;
                    }
                    else
                    {
                        ratios.Add($"{implementation.Id} {m.MedianNanoseconds:0}");
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    string message = e is BenchmarkException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                    record.Measurements.Add(new MeasurementRecord(round, c.Id, op.Id(), implementation.Id, null, [], 0, null, null, message));
                    ratios.Add($"{implementation.Id} ERROR");
                }
            }

            double roof = Roofline.KernelsOf(op).Sum(k => roofline[k]);
            string fraction = normgen is { } t ? (roof / t).ToString("0.00", CultureInfo.InvariantCulture) : "-";
            line.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{op.Id()}: normgen {(normgen is { } n ? n.ToString("0", CultureInfo.InvariantCulture) : "-")} ns (roofline {fraction}); {string.Join(", ", ratios)}"));
        }

        console.WriteLine($"   r{round} {c.Id}");
        foreach (string l in line)
        {
            console.WriteLine("      " + l);
        }
    }

    private void Add(int round, BenchCase c, string op, string implementation, Measurement m) =>
        record.Measurements.Add(new MeasurementRecord(
            round, c.Id, op, implementation, m.MedianNanoseconds, m.PerCallNanoseconds, m.CallsPerBatch,
            m.WallNanoseconds > 0 && m.CpuNanoseconds > 0 ? (double)m.CpuNanoseconds / m.WallNanoseconds : null,
            m.AllocatedBytesPerCall, null));

    private void WriteJson(string path)
    {
        var json = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            WriteIndented = true,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(record, json));
    }
}
