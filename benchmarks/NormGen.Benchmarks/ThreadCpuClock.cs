using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using Perfolizer.Horology;

namespace NormGen.Benchmarks;

/// <summary>
/// A BenchmarkDotNet clock that reads the CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID, nanoseconds)
/// instead of wall time. On a shared machine, time the benchmark thread spends descheduled is then not counted;
/// on an idle machine the two clocks agree for single-threaded work. Stalls on memory still count (the thread is running).
/// </summary>
public sealed partial class ThreadCpuClock : IClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>The clock's name in BenchmarkDotNet's output.</summary>
    public string Title => "ThreadCpuTime";

    /// <summary>True on Linux, where clock_gettime(CLOCK_THREAD_CPUTIME_ID) exists.</summary>
    public bool IsAvailable => OperatingSystem.IsLinux();

    /// <summary>Timestamps are nanoseconds.</summary>
    public Frequency Frequency => Frequency.GHz;

    /// <summary>CPU time of the calling thread in nanoseconds.</summary>
    /// <exception cref="Win32Exception">clock_gettime failed.</exception>
    public long GetTimestamp()
    {
        if (ClockGetTime(ClockThreadCpuTimeId, out TimeSpec time) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError());
        }

        return time.Seconds * 1_000_000_000 + time.Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
