using System;

namespace NormGen.Benchmarks;

/// <summary>
/// One contender (NormGen, a peer): loads a case, produces its outputs for verification, and times operations.
/// The driver calls <see cref="Load"/> before using a case (every round, so workers can keep one case at a time),
/// then <see cref="Verify"/> once (before any timing) and <see cref="Measure"/> per operation.
/// </summary>
public abstract class Implementation : IDisposable
{
    /// <summary>Short name in the JSON and on the command line: normgen, scalar, tensorprimitives, onnxruntime, pytorch, onednn.</summary>
    public abstract string Id { get; }

    /// <summary>Name in reports.</summary>
    public abstract string Label { get; }

    /// <summary>Version and settings, for the report (e.g. "1.13.0a0, 1 thread").</summary>
    public string Info { get; protected set; } = "";

    /// <summary>Why the implementation cannot run at all (worker missing, native library failed to load), or null.</summary>
    public string? Unavailable { get; protected set; }

    /// <summary>Why this implementation has no version of <paramref name="benchCase"/> (e.g. oneDNN has no RMS norm), or null.</summary>
    public abstract string? NotApplicable(BenchCase benchCase);

    /// <summary>
    /// Samples per ghost batch of the implementation's training statistics on <paramref name="benchCase"/> (the ghost
    /// batch-norm variant), or 0 for statistics over the whole batch. The reference it is checked against uses the same.
    /// </summary>
    public virtual int VirtualBatchSize(BenchCase benchCase) => 0;

    /// <summary>True when the implementation times <paramref name="op"/> on the case (ONNX Runtime: inference only).</summary>
    public abstract bool Supports(BenchCase benchCase, BenchOp op);

    /// <summary>Makes <paramref name="data"/> the current case. Returns a note for the report (e.g. the kernel oneDNN chose).</summary>
    /// <exception cref="BenchmarkException">The implementation could not load the case.</exception>
    public abstract string Load(CaseData data);

    /// <summary>
    /// Runs, from a fresh state with the case's Gamma and Beta: a training Forward, Backward twice, and an inference
    /// Forward with the case's running statistics; returns what it produced (null where it has no such output).
    /// </summary>
    /// <exception cref="BenchmarkException">The run failed.</exception>
    public abstract Outputs Verify(CaseData data);

    /// <summary>Times <paramref name="op"/> on the current case.</summary>
    /// <exception cref="BenchmarkException">The measurement failed.</exception>
    public abstract Measurement Measure(BenchOp op, TimingSettings settings);

    /// <summary>Releases the case and any process or native session.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources; <paramref name="disposing"/> is false from a finalizer.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>
/// What an implementation produced in <see cref="Implementation.Verify"/>; null where it has no such output
/// (ONNX Runtime only infers; oneDNN keeps no running statistics; RMS norm has no Beta).
/// </summary>
/// <param name="YTrain">y of the training Forward.</param>
/// <param name="RunningMean">Running mean after that Forward (batch norm, from RunningMean 0).</param>
/// <param name="RunningVariance">Running variance after that Forward (batch norm, from RunningVariance 1).</param>
/// <param name="Dx">dx of Backward.</param>
/// <param name="DGamma">Gamma gradient of Backward.</param>
/// <param name="DBeta">Beta gradient of Backward.</param>
/// <param name="YInfer">y of the inference Forward.</param>
public sealed record Outputs(
    float[]? YTrain, float[]? RunningMean, float[]? RunningVariance, float[]? Dx, float[]? DGamma, float[]? DBeta, float[]? YInfer);

/// <summary>A failure of one implementation on one case: recorded in the report, and the run goes on.</summary>
public sealed class BenchmarkException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BenchmarkException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public BenchmarkException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public BenchmarkException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception; <paramref name="notApplicable"/> marks a peer that has no version of the case.</summary>
    public BenchmarkException(string message, bool notApplicable)
        : base(message)
    {
        NotApplicable = notApplicable;
    }

    /// <summary>True when the peer has no version of the case (reported as n/a, not as a failure).</summary>
    public bool NotApplicable { get; }
}

/// <summary>A peer that cannot run at all (its worker was not built or not given); reported as unavailable.</summary>
public sealed class MissingImplementation : Implementation
{
    /// <summary>Creates the placeholder.</summary>
    /// <param name="id">Implementation id.</param>
    /// <param name="label">Report name.</param>
    /// <param name="reason">Why it cannot run.</param>
    public MissingImplementation(string id, string label, string reason)
    {
        Id = id;
        Label = label;
        Unavailable = reason;
    }

    /// <inheritdoc/>
    public override string Id { get; }

    /// <inheritdoc/>
    public override string Label { get; }

    /// <inheritdoc/>
    public override string? NotApplicable(BenchCase benchCase) => null;

    /// <inheritdoc/>
    public override bool Supports(BenchCase benchCase, BenchOp op) => false;

    /// <inheritdoc/>
    public override string Load(CaseData data) => throw new BenchmarkException($"{Label} is unavailable: {Unavailable}");

    /// <inheritdoc/>
    public override Outputs Verify(CaseData data) => throw new BenchmarkException($"{Label} is unavailable: {Unavailable}");

    /// <inheritdoc/>
    public override Measurement Measure(BenchOp op, TimingSettings settings) =>
        throw new BenchmarkException($"{Label} is unavailable: {Unavailable}");
}
