using System;
using System.Diagnostics;
using System.Text;
using System.Threading;

namespace NormGen;

/// <summary>
/// The state the workers of one <see cref="InProcessWorkerGroup"/> share: a two-phase barrier and the buffer that one
/// AllGather round passes through.
/// </summary>
/// <remarks>
/// A round is two phases. Arrive: every worker records its lengths; the last one checks them and sizes the buffer.
/// Written: every worker has copied its values into its slice of the buffer; then each copies the whole buffer out.
/// The next round's arrive phase cannot complete before every worker has finished reading (each must arrive first),
/// so a third barrier is not needed. All shared fields are written under <see cref="_gate"/> and read under it, except
/// the buffer slices, which the phases hand from writer to readers, and the volatile reads of the phase counter and
/// the broken flag by a worker that spins before it blocks.
/// </remarks>
internal sealed class InProcessRendezvous
{
    // SpinWait rounds before a waiting worker blocks: about 20 yields after the first busy spins.
    private const int SpinIterations = 30;

    private readonly object _gate = new();
    private readonly TimeSpan _timeout;
    private readonly int[] _valueLengths;
    private readonly int[] _gatheredLengths;
    private readonly bool[] _arrived;
    private int _arrivedCount;
    private long _phase;

    // Calls that completed the arrive phase; names rounds in messages.
    private long _round;

    // Set by the last arriver of the arrive phase, for every worker to read before it arrives at the next phase.
    private int _roundLength;
    private string? _roundError;
    private bool _roundErrorIsGathered;
    private double[] _buffer = [];

    // Set once, when a worker gave up waiting; from then on every call throws.
    private string? _broken;

    public InProcessRendezvous(int size, TimeSpan timeout)
    {
        Size = size;
        _timeout = timeout;
        _valueLengths = new int[size];
        _gatheredLengths = new int[size];
        _arrived = new bool[size];
    }

    public int Size { get; }

    public void AllGather(int rank, ReadOnlySpan<double> values, Span<double> gathered)
    {
        if (Size == 1)
        {
            // Nobody to wait for: the same checks, then values are the whole result (CopyTo handles overlap).
            if (gathered.Length != values.Length)
            {
                throw new ArgumentException(
                    $"{Describe()}, rank 0: gathered.Length must be Size * values.Length = 1 * {values.Length} = {values.Length}; got {gathered.Length}.",
                    nameof(gathered));
            }

            values.CopyTo(gathered);
            return;
        }

        long deadline = _timeout == Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : Stopwatch.GetTimestamp() + (long)(_timeout.TotalSeconds * Stopwatch.Frequency);
        int length;
        lock (_gate)
        {
            if (_broken is not null)
            {
                throw new TimeoutException($"{Describe()} is broken, so rank {rank}'s call was refused: {_broken}");
            }

            if (_arrived[rank])
            {
                throw new InvalidOperationException(
                    $"{Describe()}: rank {rank} called AllGather while its previous call had not returned; a worker is used by one thread at a time.");
            }

            _valueLengths[rank] = values.Length;
            _gatheredLengths[rank] = gathered.Length;
            ArriveAndWait(rank, deadline, arrivePhase: true);
            if (_roundError is not null)
            {
                throw new ArgumentException(_roundError, _roundErrorIsGathered ? nameof(gathered) : nameof(values));
            }

            length = _roundLength;
        }

        // Every worker writes only its own slice; the written phase hands the slices to every reader.
        values.CopyTo(_buffer.AsSpan(rank * length, length));
        lock (_gate)
        {
            ArriveAndWait(rank, deadline, arrivePhase: false);
        }

        _buffer.AsSpan(0, Size * length).CopyTo(gathered);
    }

    // Under _gate. The last worker to arrive completes the phase; the others wait for it, the deadline or a break.
    private void ArriveAndWait(int rank, long deadline, bool arrivePhase)
    {
        _arrived[rank] = true;
        _arrivedCount++;
        if (_arrivedCount == Size)
        {
            if (arrivePhase)
            {
                CheckLengthsAndSizeBuffer();
            }

            Array.Clear(_arrived);
            _arrivedCount = 0;
            _phase++;
            Monitor.PulseAll(_gate);
            return;
        }

        long phase = _phase;
        try
        {
            SpinOutsideTheLock(phase);
            while (_phase == phase)
            {
                if (_broken is not null)
                {
                    throw new TimeoutException(_broken);
                }

                long remaining = deadline - Stopwatch.GetTimestamp();
                if (remaining <= 0)
                {
                    Break(arrivePhase ? "did not arrive" : "did not finish writing its values", arrivePhase);
                    throw new TimeoutException(_broken);
                }

                int milliseconds = deadline == long.MaxValue
                    ? Timeout.Infinite
                    : (int)Math.Min(int.MaxValue - 1, (remaining * 1000 / Stopwatch.Frequency) + 1);
                Monitor.Wait(_gate, milliseconds);
            }
        }
        catch (ThreadInterruptedException)
        {
            // This worker leaves mid-phase; the others must not wait for it. (An interrupt can land while the lock is
            // released for spinning; the interrupt is consumed by then, so entering again cannot throw.)
            if (!Monitor.IsEntered(_gate))
            {
                Monitor.Enter(_gate);
            }

            _broken ??= $"{Describe()}: rank {rank} was interrupted while waiting in AllGather round {_round}; the group is broken.";
            Monitor.PulseAll(_gate);
            throw;
        }
    }

    // Under _gate, and returns under it. The others are usually microseconds away: spinning for them (SpinWait
    // yields the core after a few rounds, so an oversubscribed machine is not starved) saves the sleep and wake-up of
    // Monitor.Wait. Only _phase and _broken are read here; what the phase published is read under the lock after.
    private void SpinOutsideTheLock(long phase)
    {
        Monitor.Exit(_gate);
        try
        {
            var spinner = default(SpinWait);
            for (int i = 0; i < SpinIterations && Volatile.Read(ref _phase) == phase && Volatile.Read(ref _broken) is null; i++)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }
        finally
        {
            Monitor.Enter(_gate);
        }
    }

    private void CheckLengthsAndSizeBuffer()
    {
        long round = _round++;
        _roundError = null;
        int length = _valueLengths[0];
        bool sameLengths = true;
        for (int r = 1; r < Size; r++)
        {
            sameLengths &= _valueLengths[r] == length;
        }

        if (!sameLengths)
        {
            _roundError = $"{Describe()}, round {round}: every worker must pass values of the same length; values.Length by rank: [{string.Join(", ", _valueLengths)}].";
            _roundErrorIsGathered = false;
            return;
        }

        // In long: Size * length may exceed int, and then no gathered span can match.
        long expected = (long)Size * length;
        bool gatheredFit = true;
        for (int r = 0; r < Size; r++)
        {
            gatheredFit &= _gatheredLengths[r] == expected;
        }

        if (!gatheredFit)
        {
            var message = new StringBuilder($"{Describe()}, round {round}: gathered.Length must be Size * values.Length = {Size} * {length} = {expected};");
            for (int r = 0; r < Size; r++)
            {
                if (_gatheredLengths[r] != expected)
                {
                    message.Append($" rank {r} passed {_gatheredLengths[r]},");
                }
            }

            message[^1] = '.';
            _roundError = message.ToString();
            _roundErrorIsGathered = true;
            return;
        }

        _roundLength = length;
        if (_buffer.Length < expected)
        {
            _buffer = new double[expected];
        }
    }

    private void Break(string what, bool arrivePhase)
    {
        var missing = new StringBuilder();
        for (int r = 0; r < Size; r++)
        {
            if (!_arrived[r])
            {
                missing.Append(missing.Length == 0 ? "" : ", ").Append(r);
            }
        }

        long round = arrivePhase ? _round : _round - 1;
        _broken = $"{Describe()}: rank(s) {missing} {what} in AllGather round {round} within {_timeout}; the group is broken.";
        Monitor.PulseAll(_gate);
    }

    private string Describe() => $"InProcessWorkerGroup ({Size} workers)";
}
