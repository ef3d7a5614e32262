using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;

namespace NormGen.Benchmarks;

/// <summary>
/// A peer in a long-lived child process (build/bench_torch_worker.py, the oneDNN worker built by build/bench.sh),
/// driven over the line protocol of benchmarks/README.md: <c>hello</c>, <c>load</c>, <c>verify</c>, <c>time</c>,
/// <c>quit</c>, one JSON answer line per command. The worker reads the case's raw float32 files and times with the
/// same loop as <see cref="Timing"/>. Its stderr goes to a log file.
/// </summary>
public sealed class WorkerImplementation : Implementation
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromMinutes(10);
    private readonly Func<BenchCase, string?> notApplicable;
    private readonly Func<BenchCase, string> loadSuffix;
    private readonly string dataDirectory;
    private readonly StreamWriter? log;
    private readonly Process? process;
    private BenchCase? current;

    /// <summary>Starts the worker and asks for its version.</summary>
    /// <param name="id">Implementation id (pytorch, onednn).</param>
    /// <param name="label">Report name.</param>
    /// <param name="start">Program, arguments and environment variables of the worker.</param>
    /// <param name="dataDirectory">Where the case directories (named by case id) with the float32 files are.</param>
    /// <param name="logPath">File that receives the worker's stderr.</param>
    /// <param name="notApplicable">Cases the peer has no version of, with the reason (null otherwise).</param>
    /// <param name="loadSuffix">Extra words for a case's <c>load</c> command (oneDNN's layout), or "".</param>
    public WorkerImplementation(
        string id, string label, ProcessStartInfo start, string dataDirectory, string logPath,
        Func<BenchCase, string?> notApplicable, Func<BenchCase, string> loadSuffix)
    {
        ArgumentNullException.ThrowIfNull(start);
        Id = id;
        Label = label;
        this.dataDirectory = dataDirectory;
        this.notApplicable = notApplicable;
        this.loadSuffix = loadSuffix;
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        try
        {
            log = new StreamWriter(logPath, append: true) { AutoFlush = true };
            process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null.");
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (log)
                    {
                        try
                        {
                            log.WriteLine(e.Data);
                        }
                        catch (ObjectDisposedException)
                        {
                            // The run is over; late stderr lines are dropped.
                        }
                    }
                }
            };
            process.BeginErrorReadLine();
            JsonElement hello = Send("hello");
            Info = Describe(hello);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or BenchmarkException or IOException)
        {
            Unavailable = $"{start.FileName} {string.Join(' ', start.ArgumentList)} did not start: {e.Message}";
            Stop();
        }
    }

    /// <inheritdoc/>
    public override string Id { get; }

    /// <inheritdoc/>
    public override string Label { get; }

    /// <inheritdoc/>
    public override string? NotApplicable(BenchCase benchCase) => notApplicable(benchCase);

    /// <inheritdoc/>
    public override bool Supports(BenchCase benchCase, BenchOp op) => notApplicable(benchCase) is null;

    /// <inheritdoc/>
    public override string Load(CaseData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        BenchCase c = data.Case;
        string directory = Path.Combine(dataDirectory, c.Id);
        string suffix = loadSuffix(c);
        JsonElement reply = Send(string.Create(
            CultureInfo.InvariantCulture,
            $"load {c.Kind.Id()} {c.Batch} {c.Channels} {c.Spatial} {c.Groups} {directory}{(suffix.Length > 0 ? " " + suffix : "")}"));
        current = c;
        return reply.TryGetProperty("info", out JsonElement info) ? info.ToString() : "";
    }

    /// <inheritdoc/>
    public override Outputs Verify(CaseData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        BenchCase c = data.Case;
        string directory = Path.Combine(dataDirectory, c.Id, Id);
        Directory.CreateDirectory(directory);
        if (current != c)
        {
            Load(data);
        }

        JsonElement reply = Send($"verify {directory}");
        var files = reply.GetProperty("files").EnumerateArray().Select(f => f.GetString()).ToHashSet();
        float[]? Read(string name, int count) => files.Contains(name) ? FloatFiles.Read(Path.Combine(directory, name), count) : null;
        return new Outputs(
            Read("y_train.f32", c.Elements),
            Read("running_mean_after.f32", c.Channels),
            Read("running_var_after.f32", c.Channels),
            Read("dx.f32", c.Elements),
            Read("dgamma.f32", c.Channels),
            Read("dbeta.f32", c.Channels),
            Read("y_infer.f32", c.Elements));
    }

    /// <inheritdoc/>
    public override Measurement Measure(BenchOp op, TimingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        JsonElement reply = Send($"time {op.Id()} {settings.ProtocolArguments}");
        double[] perCall = reply.GetProperty("per_call_ns").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        return new Measurement(
            reply.GetProperty("calls_per_batch").GetInt32(),
            perCall,
            reply.GetProperty("cpu_ns").GetInt64(),
            reply.GetProperty("wall_ns").GetInt64(),
            null);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Stop();
        }

        base.Dispose(disposing);
    }

    private static string Describe(JsonElement hello)
    {
        string version = hello.TryGetProperty("version", out JsonElement v) ? v.ToString() : "?";
        string threads = hello.TryGetProperty("threads", out JsonElement t) ? t.ToString() : "?";
        string info = hello.TryGetProperty("info", out JsonElement i)
            ? (i.ValueKind == JsonValueKind.Array ? string.Join("; ", i.EnumerateArray().Select(e => e.ToString().Trim())) : i.ToString())
            : "";
        return $"{version}, threads {threads}{(info.Length > 0 ? $" ({info})" : "")}";
    }

    /// <summary>Sends one command and returns the answer; a worker that fails to answer is stopped for the rest of the run.</summary>
    private JsonElement Send(string command)
    {
        if (process is null || Unavailable is not null)
        {
            throw new BenchmarkException($"{Label} worker is not running: {Unavailable}");
        }

        string? line;
        try
        {
            process.StandardInput.WriteLine(command);
            process.StandardInput.Flush();
            Task<string?> read = process.StandardOutput.ReadLineAsync();
            line = read.Wait(ReplyTimeout) ? read.Result : throw new TimeoutException($"no answer within {ReplyTimeout.TotalMinutes} min");
        }
        catch (Exception e) when (e is IOException or TimeoutException or AggregateException or ObjectDisposedException)
        {
            Unavailable = $"worker stopped answering at '{command}': {e.GetBaseException().Message}";
            Stop();
            throw new BenchmarkException(Unavailable, e);
        }

        if (line is null)
        {
            Unavailable = $"worker exited at '{command}' (see its log)";
            Stop();
            throw new BenchmarkException(Unavailable);
        }

        JsonElement reply;
        try
        {
            reply = JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new BenchmarkException($"{Label} worker answered '{command}' with something that is not JSON: {line}", e);
        }

        if (reply.TryGetProperty("ok", out JsonElement ok) && ok.ValueKind == JsonValueKind.True)
        {
            return reply;
        }

        if (reply.TryGetProperty("na", out JsonElement na))
        {
            throw new BenchmarkException($"{Label}: {na}", notApplicable: true);
        }

        string reason = reply.TryGetProperty("error", out JsonElement error) ? error.ToString() : line;
        throw new BenchmarkException($"{Label}: {reason}");
    }

    private void Stop()
    {
        if (process is not null)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.StandardInput.WriteLine("quit");
                    process.StandardInput.Flush();
                    if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
                    {
                        process.Kill(entireProcessTree: true);
                    }
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }

        if (log is not null)
        {
            lock (log)
            {
                log.Dispose();
            }
        }
    }
}
