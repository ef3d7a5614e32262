using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace FashionMnistBatchNorm;

/// <summary>Receives training progress; one run at a time.</summary>
internal interface IProgressReporter
{
    /// <summary>A run starts; it has <paramref name="batchesPerEpoch"/> iterations per epoch.</summary>
    void StartRun(RunSpec spec, int batchesPerEpoch);

    /// <summary>Iteration <paramref name="batch"/> (1-based) of <paramref name="epoch"/> (0-based) is done; loss and accuracy are epoch means so far.</summary>
    void Iteration(int epoch, int batch, double loss, double accuracy);

    /// <summary>An epoch is done and validated.</summary>
    void EndEpoch(int epoch, double loss, double validationAccuracy);

    /// <summary>The run is done.</summary>
    void EndRun(RunResult result);

    /// <summary>A plain line of text.</summary>
    void Line(string text);
}

/// <summary>
/// Reports progress as a one-line bar redrawn in place (a terminal) or as plain lines (redirected output):
/// one line per epoch when <c>detailed</c>, else one per run.
/// </summary>
internal sealed class ProgressReporter : IProgressReporter
{
    private const int BarWidth = 24;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _output;
    private readonly bool _interactive;
    private readonly Stopwatch _clock = new();
    private RunSpec? _spec;
    private int _batchesPerEpoch;
    private TimeSpan _lastDraw;
    private double _lastValidation = double.NaN;
    private int _lastLength;

    /// <summary>Creates a reporter writing to <paramref name="output"/>.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="interactive">True to redraw a progress bar in place (the output is a terminal).</param>
    public ProgressReporter(TextWriter output, bool interactive)
    {
        _output = output;
        _interactive = interactive;
    }

    /// <summary>When true, redirected output gets a line per epoch; else a line per run.</summary>
    public bool Detailed { get; set; }

    /// <inheritdoc/>
    public void StartRun(RunSpec spec, int batchesPerEpoch)
    {
        _spec = spec;
        _batchesPerEpoch = batchesPerEpoch;
        _lastValidation = double.NaN;
        _lastDraw = -RedrawInterval; // draw at the first iteration
        _clock.Restart();
    }

    /// <inheritdoc/>
    public void Iteration(int epoch, int batch, double loss, double accuracy)
    {
        if (!_interactive || _spec is null)
        {
            return;
        }

        TimeSpan now = _clock.Elapsed;
        bool last = epoch == _spec.Epochs - 1 && batch == _batchesPerEpoch;
        if (now - _lastDraw < RedrawInterval && !last)
        {
            return;
        }

        _lastDraw = now;
        long done = ((long)epoch * _batchesPerEpoch) + batch;
        long total = (long)_spec.Epochs * _batchesPerEpoch;
        double fraction = (double)done / total;
        int filled = (int)Math.Round(fraction * BarWidth);
        double secondsLeft = now.TotalSeconds / done * (total - done);
        string validation = double.IsNaN(_lastValidation) ? "  --  " : Percent(_lastValidation);
        string text = string.Create(
            CultureInfo.InvariantCulture,
            $"{Title(_spec),-38} [{new string('#', filled)}{new string('.', BarWidth - filled)}] epoch {epoch + 1,2}/{_spec.Epochs} " +
            $"loss {loss:0.000} train {Percent(accuracy)} val {validation} ~{secondsLeft,3:0}s left");
        Redraw(text);
    }

    /// <inheritdoc/>
    public void EndEpoch(int epoch, double loss, double validationAccuracy)
    {
        _lastValidation = validationAccuracy;
        if (!_interactive && Detailed && _spec is not null)
        {
            _output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{Title(_spec)}  epoch {epoch + 1,2}/{_spec.Epochs}  loss {loss:0.000}  val {Percent(validationAccuracy)}  {_clock.Elapsed.TotalSeconds:0.0}s"));
        }
    }

    /// <inheritdoc/>
    public void EndRun(RunResult result)
    {
        string recalibrated = result.RecalibratedValidationAccuracy is double r ? $"  exact-stats val {Percent(r)}" : string.Empty;
        string text = string.Create(
            CultureInfo.InvariantCulture,
            $"{Title(result.Spec),-38} best val {Percent(result.BestValidationAccuracy)}  final val {Percent(result.FinalValidationAccuracy)}{recalibrated}  ({result.Seconds:0.0}s)");
        if (_interactive)
        {
            Redraw(text);
            _output.WriteLine();
            _lastLength = 0;
        }
        else
        {
            _output.WriteLine(text);
        }
    }

    /// <inheritdoc/>
    public void Line(string text) => _output.WriteLine(text);

    /// <summary>Formats a fraction as a percentage with one decimal, e.g. " 85.3%".</summary>
    public static string Percent(double fraction) => (100 * fraction).ToString("0.0", CultureInfo.InvariantCulture).PadLeft(5) + "%";

    private static string Title(RunSpec spec) => string.Create(
        CultureInfo.InvariantCulture,
        $"{spec.Label}, batch {spec.BatchSize}, scale {Format.Scale(spec.WeightScale)}");

    private void Redraw(string text)
    {
        // Carriage return, the new text, and spaces over whatever was longer before.
        string padding = text.Length < _lastLength ? new string(' ', _lastLength - text.Length) : string.Empty;
        _output.Write("\r" + text + padding);
        _output.Flush();
        _lastLength = text.Length;
    }
}
