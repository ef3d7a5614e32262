using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;

namespace NormGen.Mpi.Tests;

/// <summary>What a launched job printed (stdout and stderr of every rank, interleaved), its exit code and duration.</summary>
public sealed record JobResult(string CommandLine, int ExitCode, string Output, TimeSpan Elapsed)
{
    /// <summary>The command, exit code and full output, for assertion messages.</summary>
    public override string ToString() => $"'{CommandLine}' exited with {ExitCode} after {Elapsed.TotalSeconds:F1} s:\n{Output}";
}

/// <summary>Finds MPICH's mpiexec and runs NormGen.Mpi.TestApp under it, never longer than a limit.</summary>
internal static class MpiLauncher
{
    /// <summary>Launcher names tried in order: Debian's MPICH alternative first, so an Open MPI default is not picked.</summary>
    public static readonly string[] LauncherNames = ["mpiexec.mpich", "mpiexec.hydra", "mpiexec"];

    /// <summary>The test app's DLL, as the build recorded it (see the project file).</summary>
    public static string TestAppDll => Recorded("MpiTestApp", "NormGen.Mpi.TestApp.dll");

    /// <summary>The DataParallelMpi sample's DLL, as the build recorded it.</summary>
    public static string DataParallelSampleDll => Recorded("DataParallelSample", "DataParallelMpi.dll");

    private static string Recorded(string key, string name)
    {
        string? path = typeof(MpiLauncher).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException($"{name} was not built (recorded path '{path}'); build tests/NormGen.Mpi.Tests first.");
        }

        return path;
    }

    /// <summary>The full path of the first launcher found on <paramref name="pathVariable"/> (default: this process's PATH).</summary>
    /// <exception cref="InvalidOperationException">None is installed; the message says how to install MPICH.</exception>
    public static string FindMpiexec(string? pathVariable = null)
    {
        string[] directories = (pathVariable ?? Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (string name in LauncherNames)
        {
            foreach (string directory in directories)
            {
                string candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException(
            $"mpiexec is not installed (looked for {string.Join(", ", LauncherNames)} on PATH). "
            + "The MPI tests need MPICH: apt-get install mpich (CI installs it in .ci/run).");
    }

    /// <summary>
    /// Runs <c>mpiexec -n <paramref name="ranks"/> dotnet NormGen.Mpi.TestApp.dll <paramref name="mode"/></c>. If it has
    /// not ended after <paramref name="limit"/>, kills it with every rank and throws <see cref="TimeoutException"/>.
    /// </summary>
    public static JobResult Run(int ranks, string mode, TimeSpan limit) =>
        RunProcess(FindMpiexec(), ["-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), Dotnet(), TestAppDll, mode], null, limit);

    /// <summary>Runs <c>mpiexec -n <paramref name="ranks"/> dotnet <paramref name="dll"/> <paramref name="arguments"/></c>, as <see cref="Run"/> does.</summary>
    public static JobResult RunDll(int ranks, string dll, IEnumerable<string> arguments, TimeSpan limit) =>
        RunProcess(FindMpiexec(), new[] { "-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), Dotnet(), dll }.Concat(arguments), null, limit);

    /// <summary>Runs the test app as one process without mpiexec (MPI's singleton start), with extra environment variables.</summary>
    public static JobResult RunSingleton(string mode, IReadOnlyDictionary<string, string> environment, TimeSpan limit) =>
        RunProcess(Dotnet(), [TestAppDll, mode], environment, limit);

    private static string Dotnet() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static JobResult RunProcess(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, TimeSpan limit)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (KeyValuePair<string, string> pair in environment ?? new Dictionary<string, string>())
        {
            info.Environment[pair.Key] = pair.Value;
        }

        string commandLine = fileName + " " + string.Join(" ", info.ArgumentList);
        var output = new StringBuilder();
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (output)
            {
                throw new TimeoutException($"'{commandLine}' hung: killed with its ranks after {limit.TotalSeconds:F0} s. Output so far:\n{output}");
            }
        }

        process.WaitForExit(); // drains the asynchronous readers
        lock (output)
        {
            return new JobResult(commandLine, process.ExitCode, output.ToString(), stopwatch.Elapsed);
        }
    }
}
