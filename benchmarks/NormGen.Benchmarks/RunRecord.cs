using System.Collections.Generic;

namespace NormGen.Benchmarks;

/// <summary>
/// The raw result of a run, written as JSON (snake_case) to artifacts/bench/run.json; build/bench_report.py turns it
/// into benchmarks/RESULTS.md. Times are nanoseconds per call.
/// </summary>
public sealed class RunRecord
{
    /// <summary>Format version of this file.</summary>
    public int Schema { get; set; } = 1;

    /// <summary>The command that produced the run, as the user typed it (from build/bench.sh).</summary>
    public string Command { get; set; } = "";

    /// <summary>Start time, UTC, ISO 8601.</summary>
    public string StartedUtc { get; set; } = "";

    /// <summary>End time, UTC, ISO 8601.</summary>
    public string FinishedUtc { get; set; } = "";

    /// <summary>Duration of the driver in seconds.</summary>
    public double Seconds { get; set; }

    /// <summary>CPU, caches, memory, OS, .NET, SIMD.</summary>
    public Dictionary<string, object> Machine { get; set; } = [];

    /// <summary>Rounds, timing settings, threads, clock.</summary>
    public Dictionary<string, object> Settings { get; set; } = [];

    /// <summary>Every implementation, available or not.</summary>
    public List<ImplementationRecord> Implementations { get; set; } = [];

    /// <summary>The cases, in report order.</summary>
    public List<CaseRecord> Cases { get; set; } = [];

    /// <summary>Per case and implementation, the verification before timing.</summary>
    public List<VerificationRecord> Verification { get; set; } = [];

    /// <summary>Per round: load averages and duration.</summary>
    public List<RoundRecord> Rounds { get; set; } = [];

    /// <summary>
    /// Every timing: implementations per operation, and the roofline kernels (implementation "roofline"; with NormGen on
    /// several threads also "roofline-threads", the same kernels split over as many threads).
    /// </summary>
    public List<MeasurementRecord> Measurements { get; set; } = [];
}

/// <summary>An implementation of the run.</summary>
/// <param name="Id">Short name.</param>
/// <param name="Label">Report name.</param>
/// <param name="Info">Version and settings.</param>
/// <param name="Unavailable">Why it did not run at all, or null.</param>
public sealed record ImplementationRecord(string Id, string Label, string Info, string? Unavailable);

/// <summary>A case of the run.</summary>
/// <param name="Id">Unique name.</param>
/// <param name="Kind">Protocol kind name.</param>
/// <param name="Label">Report label.</param>
/// <param name="Shape">The shape, e.g. [32, 128] or [32, 64, 784].</param>
/// <param name="Groups">Group norm groups (1 otherwise).</param>
/// <param name="Elements">Elements of x.</param>
public sealed record CaseRecord(string Id, string Kind, string Label, int[] Shape, int Groups, long Elements);

/// <summary>The verification of one implementation on one case.</summary>
/// <param name="Case">Case id.</param>
/// <param name="Implementation">Implementation id.</param>
/// <param name="Status">ok, fail (disagrees with the reference: not timed), n/a, unavailable or error.</param>
/// <param name="Errors">Error of each output compared (see <see cref="Verification"/>).</param>
/// <param name="Message">Problems, or what the implementation said about the case (e.g. oneDNN's kernel names).</param>
public sealed record VerificationRecord(string Case, string Implementation, string Status, Dictionary<string, double> Errors, string Message);

/// <summary>One round.</summary>
/// <param name="Index">1-based.</param>
/// <param name="LoadBefore">1-, 5-, 15-minute load averages before the round.</param>
/// <param name="LoadAfter">The same after the round.</param>
/// <param name="LoadMaxDuring">Largest 1-minute load average read at the start of each case of the round.</param>
/// <param name="Flagged">True when the 1-minute load before the round, or during it, was above the threshold.</param>
/// <param name="Order">The order in which implementations were timed (rotated every round).</param>
/// <param name="Seconds">Duration.</param>
/// <param name="StealSeconds">CPU time the host gave other guests during the round, summed over this VM's CPUs (NaN: unknown).</param>
public sealed record RoundRecord(int Index, double[] LoadBefore, double[] LoadAfter, double LoadMaxDuring, bool Flagged, string[] Order, double Seconds, double StealSeconds);

/// <summary>One timing.</summary>
/// <param name="Round">1-based round.</param>
/// <param name="Case">Case id.</param>
/// <param name="Op">Operation (train_forward, backward, forward_backward, inference), or the roofline kernel name.</param>
/// <param name="Implementation">Implementation id, or "roofline" (or "roofline-threads").</param>
/// <param name="MedianNs">Median time per call over the batches; null when the measurement failed.</param>
/// <param name="PerCallNs">Time per call of each batch.</param>
/// <param name="CallsPerBatch">Calls per batch.</param>
/// <param name="CpuOverWall">CPU time / wall time during the batches (below 1: descheduled or waiting).</param>
/// <param name="AllocatedBytesPerCall">Managed bytes allocated per call on the driver's thread (in-process only).</param>
/// <param name="Error">Why the measurement failed, or null.</param>
public sealed record MeasurementRecord(
    int Round, string Case, string Op, string Implementation, double? MedianNs, double[] PerCallNs, int CallsPerBatch,
    double? CpuOverWall, double? AllocatedBytesPerCall, string? Error);
