using System;
using System.Threading;

namespace NormGen.Benchmarks;

/// <summary>
/// Runs a roofline kernel on several threads at once, each on a contiguous slice of the case's arrays: the caller takes
/// the first slice and long-lived helper threads the others, meeting at a <see cref="Barrier"/> before and after. The
/// split is fixed (slice boundaries on whole 64-float lines), so every call moves the same bytes.
/// </summary>
public sealed class RooflineThreads : IDisposable
{
    private readonly Barrier _start;
    private readonly Barrier _done;
    private readonly Thread[] _helpers;
    private string _kernel = "";
    private CaseData? _data;
    private volatile bool _stopping;

    /// <param name="threads">Threads per call, the caller included (at least 2).</param>
    public RooflineThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 2);
        Threads = threads;
        _start = new Barrier(threads);
        _done = new Barrier(threads);
        _helpers = new Thread[threads - 1];
        for (int i = 0; i < _helpers.Length; i++)
        {
            int slice = i + 1;
            _helpers[i] = new Thread(() => HelperLoop(slice)) { IsBackground = true, Name = $"roofline helper {slice}" };
            _helpers[i].Start();
        }
    }

    /// <summary>Threads per call, the caller included.</summary>
    public int Threads { get; }

    /// <summary>Runs <paramref name="kernel"/> over the whole of <paramref name="data"/>'s arrays, split over the threads.</summary>
    public void Run(string kernel, CaseData data)
    {
        _kernel = kernel;
        _data = data;
        _start.SignalAndWait();
        RunSlice(0);
        _done.SignalAndWait();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stopping = true;
        _start.SignalAndWait();
        foreach (Thread helper in _helpers)
        {
            helper.Join();
        }

        _start.Dispose();
        _done.Dispose();
    }

    private void HelperLoop(int slice)
    {
        while (true)
        {
            _start.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            RunSlice(slice);
            _done.SignalAndWait();
        }
    }

    private void RunSlice(int slice)
    {
        CaseData data = _data!;
        int elements = data.X.Length;
        int lines = (elements + 63) / 64;
        int start = Math.Min(elements, (int)((long)lines * slice / Threads) * 64);
        int end = Math.Min(elements, (int)((long)lines * (slice + 1) / Threads) * 64);
        if (end > start)
        {
            Roofline.RunSlice(_kernel, data, start, end - start);
        }
    }
}
