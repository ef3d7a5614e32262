using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace NormGen.Benchmarks;

/// <summary>
/// ONNX Runtime (NuGet Microsoft.ML.OnnxRuntime, CPU execution provider) in the driver's process, inference only:
/// one-operator models from build/make_bench_onnx.py (<see cref="OnnxModels"/>). x and y are the case's own arrays,
/// pinned as OrtValues and bound once with an IOBinding, so a timed call is <c>RunWithBinding</c> and the kernel,
/// not marshalling. Intra-op threads 1 (or the runtime's default with <c>--peer-threads default</c>).
/// </summary>
public sealed class OnnxRuntimeImplementation : Implementation
{
    private readonly Dictionary<string, Session> sessions = [];
    private readonly int intraOpThreads;
    private readonly OnnxModels models;
    private Session? current;

    /// <summary>Creates the peer; <paramref name="intraOpThreads"/> 0 means the runtime's default.</summary>
    public OnnxRuntimeImplementation(OnnxModels models, int intraOpThreads)
    {
        ArgumentNullException.ThrowIfNull(models);
        this.models = models;
        this.intraOpThreads = intraOpThreads;
        try
        {
            string version = OrtEnv.Instance().GetVersionString();
            Info = string.Create(
                CultureInfo.InvariantCulture,
                $"{version}, CPU execution provider, intra-op threads {(intraOpThreads == 0 ? "default" : intraOpThreads)}, IOBinding");
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or OnnxRuntimeException or EntryPointNotFoundException)
        {
            Unavailable = $"the native ONNX Runtime did not load: {e.GetBaseException().Message}";
        }

        if (Unavailable is null && models.Unavailable is { } reason)
        {
            Unavailable = reason;
        }
    }

    /// <inheritdoc/>
    public override string Id => "onnxruntime";

    /// <inheritdoc/>
    public override string Label => "ONNX Runtime";

    /// <inheritdoc/>
    public override string? NotApplicable(BenchCase benchCase) => models.Problem(benchCase);

    /// <inheritdoc/>
    public override bool Supports(BenchCase benchCase, BenchOp op) => op == BenchOp.Inference;

    /// <inheritdoc/>
    public override string Load(CaseData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!sessions.TryGetValue(data.Case.Id, out Session? session))
        {
            try
            {
                session = new Session(models.PathOf(data.Case), data, intraOpThreads);
            }
            catch (OnnxRuntimeException e)
            {
                // The runtime has no kernel for the operator (or its opset): it has no version of this case.
                throw new BenchmarkException($"ONNX Runtime rejected the one-operator model: {e.Message}", notApplicable: true);
            }

            sessions[data.Case.Id] = session;
        }

        current = session;
        return "";
    }

    /// <inheritdoc/>
    public override Outputs Verify(CaseData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Load(data);
        Array.Clear(data.Y);
        current!.Run();
        return new Outputs(null, null, null, null, null, null, (float[])data.Y.Clone());
    }

    /// <inheritdoc/>
    public override Measurement Measure(BenchOp op, TimingSettings settings)
    {
        Session session = current ?? throw new BenchmarkException("ONNX Runtime: no case loaded.");
        var call = new RunCall(session);
        return Timing.Measure(ref call, settings);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (Session session in sessions.Values)
            {
                session.Dispose();
            }

            sessions.Clear();
        }

        base.Dispose(disposing);
    }

    private readonly struct RunCall(Session session) : IBenchCall
    {
        public void Invoke() => session.Run();
    }

    /// <summary>A loaded model with x and y bound.</summary>
    private sealed class Session : IDisposable
    {
        private readonly SessionOptions options;
        private readonly InferenceSession session;
        private readonly OrtValue x;
        private readonly OrtValue y;
        private readonly OrtIoBinding binding;
        private readonly RunOptions runOptions = new();

        public Session(string modelPath, CaseData data, int intraOpThreads)
        {
            options = new SessionOptions
            {
                IntraOpNumThreads = intraOpThreads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            session = new InferenceSession(modelPath, options);
            BenchCase c = data.Case;
            long[] shape = c.Kind is NormKind.BatchNormSpatial or NormKind.GroupNorm
                ? [c.Batch, c.Channels, c.Spatial]
                : [c.Batch, c.Channels];
            x = OrtValue.CreateTensorValueFromMemory(data.X, shape);
            y = OrtValue.CreateTensorValueFromMemory(data.Y, shape);
            binding = session.CreateIoBinding();
            binding.BindInput("X", x);
            binding.BindOutput("Y", y);
        }

        public void Run() => session.RunWithBinding(runOptions, binding);

        public void Dispose()
        {
            binding.Dispose();
            x.Dispose();
            y.Dispose();
            runOptions.Dispose();
            session.Dispose();
            options.Dispose();
        }
    }
}
