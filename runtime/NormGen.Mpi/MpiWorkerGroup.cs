using System;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using MPI;
using MpiApi = MPI.Unsafe;

namespace NormGen.Mpi;

/// <summary>
/// A worker group whose workers are the processes of an MPI communicator (<c>MPI.Communicator.world</c> by default):
/// data parallelism across processes and machines, started with <c>mpiexec -n N dotnet App.dll</c>.
/// </summary>
/// <remarks>
/// <para>Start-up, on every rank, in this order:</para>
/// <code>
/// MpiNativeLibrary.Register();                   // before MPI.NET's first native call
/// using var mpi = new MPI.Environment(ref args);  // MPI_Init_thread (MPI_THREAD_SERIALIZED)
/// using var group = new MpiWorkerGroup();         // collective: every rank constructs it
/// </code>
/// <para>
/// <see cref="AllGather"/> is two rounds of point-to-point messages on a private duplicate of the communicator (so it
/// never matches the application's own messages): first every rank's lengths, checked alike on every rank, then the
/// values. The waits poll with a deadline, so a rank that hangs makes the others throw
/// <see cref="TimeoutException"/> naming it instead of blocking forever (a rank that dies usually makes
/// <c>mpiexec</c> end the whole job first). Values travel through buffers this object owns and pins, so a call that
/// gave up leaves no MPI operation writing into the caller's memory. Calls of a steady length allocate nothing.
/// </para>
/// <para>
/// After an exception other than <see cref="ArgumentException"/>, do not let MPI finalize normally (disposing the
/// MPI.Environment waits for the other ranks, which may never come): call <c>MPI.Environment.Abort(code)</c>, which
/// ends every rank; <c>MPI.Environment.Run</c> does that for an exception that escapes its action.
/// </para>
/// <para>
/// One thread at a time may call a group; MPI.NET initializes MPI at MPI_THREAD_SERIALIZED, so the application must
/// not make other MPI calls concurrently with it either.
/// </para>
/// </remarks>
public sealed class MpiWorkerGroup : IWorkerGroup, IDisposable
{
    /// <summary>How long a call waits for the other ranks when no timeout is given: ten minutes (PyTorch's NCCL default).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    private const int LengthsTag = 1;
    private const int ValuesTag = 2;

    // Buffers of groups that gave up with messages in flight: MPI may still write into them, so they stay alive.
    private static readonly object AbandonedGate = new();
    private static readonly System.Collections.Generic.List<object> Abandoned = [];

    private readonly MpiExchange _exchange;
    private readonly TimeSpan _timeout;
    private int _comm;
    private int _busy;
    private long _round;
    private string? _broken;
    private bool _brokenByTimeout;
    private bool _disposed;

    // Pinned (pinned object heap): MPI reads and writes them while the exchange runs.
    private readonly int[] _lengthsOut = GC.AllocateArray<int>(2, pinned: true);
    private readonly int[] _lengthsIn;
    private double[] _valuesOut = GC.AllocateArray<double>(0, pinned: true);
    private double[] _valuesIn = GC.AllocateArray<double>(0, pinned: true);

    /// <summary>Creates a group over all processes (<c>MPI.Communicator.world</c>). Every rank must call it.</summary>
    /// <param name="timeout">
    /// The longest one <see cref="AllGather"/> waits for the other ranks; null means <see cref="DefaultTimeout"/>,
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> waits forever.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is zero or negative (and not infinite).</exception>
    /// <exception cref="InvalidOperationException">MPI is not running (see the remarks for the start-up order), or an MPI call failed.</exception>
    public MpiWorkerGroup(TimeSpan? timeout = null)
        : this(null, timeout)
    {
    }

    /// <summary>
    /// Creates a group over the processes of <paramref name="communicator"/>, ranked as in it. Collective: every rank
    /// of the communicator must call it (it duplicates the communicator).
    /// </summary>
    /// <param name="communicator">The processes to synchronize; null means <c>MPI.Communicator.world</c>.</param>
    /// <param name="timeout">As in <see cref="MpiWorkerGroup(TimeSpan?)"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is zero or negative (and not infinite).</exception>
    /// <exception cref="InvalidOperationException">MPI is not running (see the remarks for the start-up order), or an MPI call failed.</exception>
    public MpiWorkerGroup(Intracommunicator? communicator, TimeSpan? timeout = null)
    {
        _timeout = timeout ?? DefaultTimeout;
        if (_timeout <= TimeSpan.Zero && _timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(
                nameof(timeout), _timeout, $"MpiWorkerGroup: timeout must be positive or Timeout.InfiniteTimeSpan; got {_timeout}.");
        }

        communicator ??= RunningWorld();
        Check(MpiApi.MPI_Comm_dup(CommunicatorHandle(communicator), out _comm), "MPI_Comm_dup");
        Check(MpiApi.MPI_Errhandler_set(_comm, MpiApi.MPI_ERRORS_RETURN), "MPI_Errhandler_set");
        Check(MpiApi.MPI_Comm_size(_comm, out int size), "MPI_Comm_size");
        Check(MpiApi.MPI_Comm_rank(_comm, out int rank), "MPI_Comm_rank");
        Size = size;
        Rank = rank;
        _lengthsIn = GC.AllocateArray<int>(2 * size, pinned: true);
        _exchange = new MpiExchange(size, rank);
    }

    /// <inheritdoc/>
    public int Size { get; }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <summary>The longest one call waits for the other ranks (<see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: forever).</summary>
    public TimeSpan Timeout => _timeout;

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">
    /// Two threads called at once, or an MPI call failed (the group is then broken and every later call throws).
    /// </exception>
    /// <exception cref="ObjectDisposedException">The group was disposed.</exception>
    public void AllGather(ReadOnlySpan<double> values, Span<double> gathered)
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException($"{this}: AllGather was called by two threads at once; a worker is used by one thread at a time.");
        }

        try
        {
            ThrowIfUnusable();
            long deadline = _exchange.Deadline(_timeout);
            long round = _round++;

            // Round 1: every rank's (values.Length, gathered.Length), so every rank reaches the same verdict.
            _lengthsOut[0] = values.Length;
            _lengthsOut[1] = gathered.Length;
            _lengthsIn[2 * Rank] = values.Length;
            _lengthsIn[(2 * Rank) + 1] = gathered.Length;
            Run(_lengthsOut, _lengthsIn, 2, MpiApi.MPI_INT, LengthsTag, deadline, round, "did not arrive");
            string? error = CheckLengths(round, out bool gatheredIsWrong);
            if (error is not null)
            {
                throw new ArgumentException(error, gatheredIsWrong ? nameof(gathered) : nameof(values));
            }

            // Round 2: the values, through this object's pinned buffers.
            int length = values.Length;
            if (length == 0)
            {
                return;
            }

            if (_valuesOut.Length < length)
            {
                _valuesOut = GC.AllocateArray<double>(length, pinned: true);
                _valuesIn = GC.AllocateArray<double>(Size * length, pinned: true);
            }

            values.CopyTo(_valuesOut);
            values.CopyTo(_valuesIn.AsSpan(Rank * length, length));
            Run(_valuesOut, _valuesIn, length, MpiApi.MPI_DOUBLE, ValuesTag, deadline, round, "did not send values");
            _valuesIn.AsSpan(0, Size * length).CopyTo(gathered);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Frees the duplicated communicator (call it on every rank, before MPI.Environment is disposed). A broken group
    /// keeps it and its buffers, since messages may still be in flight.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_broken is null && !MPI.Environment.Finalized)
        {
            Check(MpiApi.MPI_Comm_free(ref _comm), "MPI_Comm_free");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"MpiWorkerGroup (rank {Rank} of {Size})";

    private void Run<T>(T[] send, T[] receive, int count, int datatype, int tag, long deadline, long round, string missingWhat)
        where T : unmanaged
    {
        MpiExchange.Outcome outcome = _exchange.Run(send, receive, count, datatype, tag, _comm, deadline);
        if (outcome.Failed)
        {
            Break(outcome.Describe(this, round, missingWhat, _timeout), outcome.TimedOut, outcome.Error);
        }
    }

    private string? CheckLengths(long round, out bool gatheredIsWrong)
    {
        gatheredIsWrong = false;
        int length = _lengthsIn[0];
        bool same = true;
        for (int r = 1; r < Size; r++)
        {
            same &= _lengthsIn[2 * r] == length;
        }

        if (!same)
        {
            var lengths = new StringBuilder();
            for (int r = 0; r < Size; r++)
            {
                lengths.Append(r == 0 ? "" : ", ").Append(_lengthsIn[2 * r]);
            }

            return $"{this}, round {round}: every rank must pass values of the same length; values.Length by rank: [{lengths}].";
        }

        long expected = (long)Size * length;
        bool fit = true;
        for (int r = 0; r < Size; r++)
        {
            fit &= _lengthsIn[(2 * r) + 1] == expected;
        }

        if (fit)
        {
            return null;
        }

        gatheredIsWrong = true;
        var message = new StringBuilder($"{this}, round {round}: gathered.Length must be Size * values.Length = {Size} * {length} = {expected};");
        for (int r = 0; r < Size; r++)
        {
            if (_lengthsIn[(2 * r) + 1] != expected)
            {
                message.Append($" rank {r} passed {_lengthsIn[(2 * r) + 1]},");
            }
        }

        message[^1] = '.';
        return message.ToString();
    }

    private void Break(string cause, bool timedOut, Exception? inner)
    {
        _broken = cause;
        _brokenByTimeout = timedOut;
        lock (AbandonedGate)
        {
            Abandoned.Add(new object[] { _lengthsIn, _valuesOut, _valuesIn, _exchange });
        }

        throw timedOut ? new TimeoutException(cause, inner) : new InvalidOperationException(cause, inner);
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_broken is not null)
        {
            string message = $"{this} is broken, so this call was refused: {_broken}";
            throw _brokenByTimeout ? new TimeoutException(message) : new InvalidOperationException(message);
        }
    }

    private static Intracommunicator RunningWorld()
    {
        try
        {
            if (!MPI.Environment.Initialized || MPI.Environment.Finalized)
            {
                throw new InvalidOperationException(
                    "MpiWorkerGroup: MPI is not running. Call MpiNativeLibrary.Register(), then create an MPI.Environment, before creating the group.");
            }
        }
        catch (DllNotFoundException e)
        {
            throw new InvalidOperationException(
                "MpiWorkerGroup: MPI.NET could not load msmpi.dll. Call MpiNativeLibrary.Register() before MPI.NET's first call "
                + "(before new MPI.Environment(ref args)) to use this machine's MPICH.",
                e);
        }

        return Communicator.world
            ?? throw new InvalidOperationException("MpiWorkerGroup: MPI was initialized without MPI.Environment, so MPI.Communicator.world is not set; pass a communicator.");
    }

    private static void Check(int errorCode, string call)
    {
        if (errorCode != MpiApi.MPI_SUCCESS)
        {
            Exception inner = MPI.Environment.TranslateErrorIntoException(errorCode);
            throw new InvalidOperationException($"MpiWorkerGroup: {call} failed with MPI error {errorCode}: {inner.Message}", inner);
        }
    }

    // MPI.NET keeps a communicator's MPI handle in an internal field and offers no public accessor.
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "comm")]
    private static extern ref int CommunicatorHandle(Communicator communicator);
}
