using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NormGen.Benchmarks;

/// <summary>What the report says about the machine: CPU, caches, memory, OS, .NET, SIMD, and the load average.</summary>
public static class MachineInfo
{
    /// <summary>Collects the machine description (Linux files; fields stay "?" elsewhere).</summary>
    public static Dictionary<string, object> Describe()
    {
        var cpuInfo = ReadOrEmpty("/proc/cpuinfo");
        string Field(string name) => cpuInfo.Split('\n')
            .Where(l => l.StartsWith(name, StringComparison.Ordinal) && l.Contains(':', StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
            .FirstOrDefault() ?? "?";
        string flags = Field("flags");
        return new Dictionary<string, object>
        {
            ["cpu"] = Field("model name"),
            ["cpu_mhz"] = Field("cpu MHz"),
            ["logical_cores"] = Environment.ProcessorCount,
            ["hypervisor"] = flags.Split(' ').Contains("hypervisor"),
            ["caches"] = Caches(),
            ["memory"] = Memory(),
            ["os"] = ReadOrEmpty("/etc/os-release").Split('\n')
                .FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"') ?? RuntimeInformation.OSDescription,
            ["kernel"] = ReadOrEmpty("/proc/sys/kernel/osrelease").Trim(),
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["simd"] = string.Create(
                CultureInfo.InvariantCulture,
                $"Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, AVX2 {Avx2.IsSupported}, FMA {Fma.IsSupported}, AVX-512F {Avx512F.IsSupported}"),
        };
    }

    /// <summary>The 1-, 5- and 15-minute load averages from /proc/loadavg (NaN when unreadable).</summary>
    public static double[] LoadAverage()
    {
        string[] parts = ReadOrEmpty("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var result = new double[3];
        for (int i = 0; i < 3; i++)
        {
            result[i] = i < parts.Length && double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;
        }

        return result;
    }

    /// <summary>
    /// Seconds of CPU time the hypervisor gave to other guests while this VM's CPUs wanted to run, summed over the
    /// CPUs (the steal column of the "cpu" line of /proc/stat, in USER_HZ = 100 ticks a second); NaN when unreadable.
    /// Work of neighbours on the host shows here and not in this VM's load average.
    /// </summary>
    public static double StealSeconds()
    {
        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
        string? line = ReadOrEmpty("/proc/stat").Split('\n').FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        string[] parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return parts.Length > 8 && long.TryParse(parts[8], NumberStyles.None, CultureInfo.InvariantCulture, out long ticks)
            ? ticks / 100.0
            : double.NaN;
    }

    private static string Memory()
    {
        // "MemTotal:       24683584 kB"
        string? line = ReadOrEmpty("/proc/meminfo").Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        string[] parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kib)
            ? string.Create(CultureInfo.InvariantCulture, $"{kib / (1024.0 * 1024.0):0.0} GiB RAM")
            : "?";
    }

    private static List<string> Caches()
    {
        var caches = new List<string>();
        const string root = "/sys/devices/system/cpu/cpu0/cache";
        if (!Directory.Exists(root))
        {
            return caches;
        }

        foreach (string index in Directory.GetDirectories(root, "index*").Order(StringComparer.Ordinal))
        {
            string level = ReadOrEmpty(Path.Combine(index, "level")).Trim();
            string type = ReadOrEmpty(Path.Combine(index, "type")).Trim();
            string size = ReadOrEmpty(Path.Combine(index, "size")).Trim();
            string shared = ReadOrEmpty(Path.Combine(index, "shared_cpu_list")).Trim();
            caches.Add($"L{level} {type} {size} (cpus {shared})");
        }

        return caches;
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
