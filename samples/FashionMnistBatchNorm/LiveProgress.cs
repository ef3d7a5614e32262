using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace FashionMnistBatchNorm;

/// <summary>
/// Progress on an interactive terminal with Spectre.Console: a live area, redrawn in place, with a bar and the time
/// left for the current run and for all runs, and the current run's epoch, loss, training and validation accuracy on
/// a line below them (so it fits 80 columns); headings and finished runs are written above it and stay in the
/// scrollback, with the same text as <see cref="PlainProgress"/>.
/// </summary>
/// <remarks>
/// Redrawn from the training thread at most every <see cref="DefaultRedrawInterval"/> (Spectre's auto-refresh thread
/// is off), so no second thread reads the numbers while they change, and a fast run formats no text it never shows.
/// A frame costs about 3 ms once Spectre's code is JIT-compiled (several times that in the first seconds), so 4 frames
/// a second keep the display near 1% of the training time.
/// </remarks>
internal sealed class LiveProgress : IProgressReporter
{
    /// <summary>How often the live area is redrawn during a run.</summary>
    public static readonly TimeSpan DefaultRedrawInterval = TimeSpan.FromMilliseconds(250);

    private readonly IAnsiConsole _console;
    private readonly ProgressContext _context;
    private readonly TimeSpan _redrawInterval;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastDraw;
    private ProgressTask? _overall;
    private ProgressTask? _run;
    private RunSpec? _spec;
    private int _batchesPerEpoch;
    private long _pendingImages;
    private int _runsStarted;
    private int _headings;
    private int _runCount;
    private double _lastValidation = double.NaN;
    private string _metrics = string.Empty;

    private LiveProgress(IAnsiConsole console, ProgressContext context, TimeSpan redrawInterval)
    {
        _console = console;
        _context = context;
        _redrawInterval = redrawInterval;
    }

    /// <inheritdoc/>
    public bool Detailed { get; set; }

    /// <summary>True when <paramref name="console"/> can redraw in place (Spectre's own test for a live display).</summary>
    public static bool IsSupported(IAnsiConsole console) => console.Profile.Capabilities is { Interactive: true, Ansi: true };

    /// <summary>Runs <paramref name="work"/> inside a live display on <paramref name="console"/>; clears the live area at the end.</summary>
    /// <typeparam name="T">What the work returns.</typeparam>
    /// <param name="console">An interactive, ANSI-capable console (see <see cref="IsSupported"/>).</param>
    /// <param name="work">The training, reporting through the reporter it is given.</param>
    /// <param name="redrawInterval">Shortest time between redraws; default <see cref="DefaultRedrawInterval"/>.</param>
    public static T Run<T>(IAnsiConsole console, Func<IProgressReporter, T> work, TimeSpan? redrawInterval = null)
    {
        LiveProgress? reporter = null;
        return console.Progress()
            .AutoRefresh(false)
            .AutoClear(true) // the finished runs' lines above the live area are the record
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn { Width = 20 },
                new PercentageColumn(),
                new RemainingTimeColumn())
            .UseRenderHook((bars, _) => reporter is { _metrics.Length: > 0 } ? new Rows(bars, new Text(reporter._metrics)) : bars)
            .Start(context => work(reporter = new LiveProgress(console, context, redrawInterval ?? DefaultRedrawInterval)));
    }

    /// <inheritdoc/>
    public void StartPlan(IReadOnlyCollection<RunSpec> runs)
    {
        // Work is counted in training images, whatever the batch size: an estimate (a run drops an incomplete last
        // batch, and validation takes time too), good enough for the time left.
        long images = 0;
        foreach (RunSpec spec in runs)
        {
            images += (long)spec.Epochs * spec.TrainCount;
        }

        _runCount = runs.Count;
        _overall = _context.AddTask("all runs", maxValue: Math.Max(1, images));
        Draw();
    }

    /// <inheritdoc/>
    public void Heading(string text)
    {
        if (_headings++ > 0)
        {
            _console.WriteLine();
        }

        WriteAbove(text, bold: true);
        Draw();
    }

    /// <inheritdoc/>
    public void StartRun(RunSpec spec, int batchesPerEpoch)
    {
        _spec = spec;
        _batchesPerEpoch = batchesPerEpoch;
        _lastValidation = double.NaN;
        _runsStarted++;
        string title = Markup.Escape(ProgressText.Title(spec));
        _run = _overall is null
            ? _context.AddTask(title, maxValue: Math.Max(1, spec.Epochs * batchesPerEpoch))
            : _context.AddTaskBefore(title, _overall, maxValue: Math.Max(1, spec.Epochs * batchesPerEpoch));
        _metrics = string.Empty;
        if (_overall is not null)
        {
            _overall.Description = string.Create(CultureInfo.InvariantCulture, $"all runs (run {_runsStarted} of {_runCount})");
        }

        Draw();
    }

    /// <inheritdoc/>
    public void Iteration(int epoch, int batch, double loss, double accuracy)
    {
        if (_spec is null || _run is null)
        {
            return;
        }

        _pendingImages += _spec.BatchSize;
        TimeSpan now = _clock.Elapsed;
        if (now - _lastDraw < _redrawInterval)
        {
            return;
        }

        _run.Value = ((long)epoch * _batchesPerEpoch) + batch;
        _metrics = ProgressText.Running(_spec, epoch, loss, accuracy, _lastValidation);
        Draw();
    }

    /// <inheritdoc/>
    public void EndEpoch(int epoch, double loss, double validationAccuracy)
    {
        _lastValidation = validationAccuracy;
        if (Detailed && _spec is not null && _run is not null)
        {
            double seconds = _run.ElapsedTime?.TotalSeconds ?? 0;
            WriteAbove(ProgressText.Title(_spec) + "  " + ProgressText.Epoch(_spec, epoch, loss, validationAccuracy, seconds));
        }
    }

    /// <inheritdoc/>
    public void EndRun(RunResult result)
    {
        if (_run is not null)
        {
            _context.RemoveTask(_run); // its summary line below replaces it
        }

        _run = null;
        _spec = null;
        _metrics = string.Empty;
        WriteAbove(ProgressText.Summary(result));
        Draw();
    }

    /// <summary>
    /// Writes text above the live area, one console line per write: Spectre writes it over the live area's blank top
    /// row and redraws the live area below it, but text that wraps would land on rows that still hold bars.
    /// </summary>
    private void WriteAbove(string text, bool bold = false)
    {
        foreach (string line in ProgressText.Wrap(text, Math.Max(20, _console.Profile.Width)))
        {
            _console.Write(new Text(line + Environment.NewLine, bold ? new Style(decoration: Decoration.Bold) : Style.Plain));
        }
    }

    private void Draw()
    {
        if (_overall is not null && _pendingImages > 0)
        {
            _overall.Increment(_pendingImages);
            _pendingImages = 0;
        }

        _lastDraw = _clock.Elapsed;
        _context.Refresh();
    }
}
