using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;

namespace NormGen.Package.Tests;

/// <summary>What a child process printed (stdout and stderr interleaved), its exit code and how long it ran.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string Output, TimeSpan Elapsed)
{
    /// <summary>Throws with the full output when the process failed.</summary>
    public ProcessResult EnsureSuccess()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"'{CommandLine}' exited with {ExitCode} after {Elapsed.TotalSeconds:F0} s:\n{Output}");
        }
        return this;
    }
}

/// <summary>Runs the dotnet CLI, bash and the built consumers as child processes.</summary>
internal static class ProcessRunner
{
    /// <summary>
    /// Runs <paramref name="fileName"/> and waits at most <paramref name="timeout"/> (then kills it and its children).
    /// The environment is this process's minus the MSBuild variables that the test host inherits from the outer
    /// dotnet test (they would point the inner builds at the outer build's MSBuild), plus <paramref name="environment"/>.
    /// </summary>
    public static ProcessResult Run(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (string key in new List<string>(info.Environment.Keys))
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key == "MSBuildExtensionsPath"
                || key == "MSBuildSDKsPath" || key == "DOTNET_HOST_PATH")
            {
                info.Environment.Remove(key);
            }
        }
        // No long-lived MSBuild nodes or compiler servers: they would outlive the test holding our output pipes.
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        if (environment is not null)
        {
            foreach (KeyValuePair<string, string?> pair in environment)
            {
                info.Environment[pair.Key] = pair.Value;
            }
        }

        string commandLine = fileName + " " + string.Join(" ", info.ArgumentList);
        var output = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        TimeSpan limit = timeout ?? TimeSpan.FromMinutes(15);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"'{commandLine}' did not finish in {limit.TotalMinutes:F0} min:\n{Snapshot(output)}");
        }
        process.WaitForExit(); // drains the asynchronous output readers
        return new ProcessResult(commandLine, process.ExitCode, Snapshot(output), stopwatch.Elapsed);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
