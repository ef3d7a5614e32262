using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace FashionMnistBatchNorm;

/// <summary>
/// Progress as plain lines, for redirected output (CI logs, tests): a heading per experiment, a line per finished
/// run, and a line per epoch while <see cref="Detailed"/>. No carriage returns and no escape sequences.
/// </summary>
internal sealed class PlainProgress : IProgressReporter
{
    private readonly TextWriter _output;
    private readonly Stopwatch _clock = new();
    private RunSpec? _spec;
    private int _headings;

    /// <summary>Creates a reporter writing to <paramref name="output"/>.</summary>
    public PlainProgress(TextWriter output) => _output = output;

    /// <inheritdoc/>
    public bool Detailed { get; set; }

    /// <inheritdoc/>
    public void StartPlan(IReadOnlyCollection<RunSpec> runs)
    {
        // A log has no use for an overall bar; each run's line carries its own time.
    }

    /// <inheritdoc/>
    public void Heading(string text)
    {
        if (_headings++ > 0)
        {
            _output.WriteLine();
        }

        _output.WriteLine(text);
    }

    /// <inheritdoc/>
    public void StartRun(RunSpec spec, int batchesPerEpoch)
    {
        _spec = spec;
        _clock.Restart();
    }

    /// <inheritdoc/>
    public void Iteration(int epoch, int batch, double loss, double accuracy)
    {
        // Iterations are too many for a log.
    }

    /// <inheritdoc/>
    public void EndEpoch(int epoch, double loss, double validationAccuracy)
    {
        if (Detailed && _spec is not null)
        {
            _output.WriteLine(ProgressText.Title(_spec) + "  " + ProgressText.Epoch(_spec, epoch, loss, validationAccuracy, _clock.Elapsed.TotalSeconds));
        }
    }

    /// <inheritdoc/>
    public void EndRun(RunResult result) => _output.WriteLine(ProgressText.Summary(result));
}
