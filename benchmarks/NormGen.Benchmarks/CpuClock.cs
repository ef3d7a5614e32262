using System.ComponentModel;
using System.Runtime.InteropServices;

namespace NormGen.Benchmarks;

/// <summary>
/// CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID), in nanoseconds. The benchmark times wall clock;
/// CPU time beside it tells whether the thread was descheduled during a measurement (CPU / wall well below 1).
/// </summary>
public static partial class CpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>CPU time of the calling thread in nanoseconds; 0 where the clock does not exist (not Linux).</summary>
    /// <exception cref="Win32Exception">clock_gettime failed on Linux.</exception>
    public static long ThreadNanoseconds()
    {
        if (!System.OperatingSystem.IsLinux())
        {
            return 0;
        }

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
