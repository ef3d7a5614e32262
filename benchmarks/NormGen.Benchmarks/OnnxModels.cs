using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace NormGen.Benchmarks;

/// <summary>
/// The ONNX models of a run, made at bench time by build/make_bench_onnx.py from each case's parameter files, so
/// they hold exactly the Gamma, Beta and running statistics every other implementation uses.
/// </summary>
public sealed class OnnxModels
{
    private readonly Dictionary<string, string> paths;

    private OnnxModels(Dictionary<string, string> paths, string? unavailable)
    {
        this.paths = paths;
        Unavailable = unavailable;
    }

    /// <summary>Why no model could be made (script or onnx missing), or null.</summary>
    public string? Unavailable { get; }

    /// <summary>A set with no models, for runs that leave ONNX Runtime out.</summary>
    public static OnnxModels None(string reason) => new([], reason);

    /// <summary>
    /// Runs <paramref name="script"/> with <paramref name="python"/> once for all <paramref name="cases"/>;
    /// the parameters of each case are in <c>dataDirectory/CASE_ID</c>, the models go to <paramref name="directory"/>.
    /// </summary>
    public static OnnxModels Generate(string python, string script, string directory, string dataDirectory, IReadOnlyList<BenchCase> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        Directory.CreateDirectory(directory);
        var paths = cases.ToDictionary(c => c.Id, c => Path.Combine(directory, c.Id + ".onnx"));
        var manifest = new
        {
            models = cases.Select(c => new
            {
                kind = c.Kind.Id(),
                n = c.Batch,
                c = c.Channels,
                s = c.Spatial,
                groups = c.Groups,
                @params = Path.Combine(dataDirectory, c.Id),
                output = paths[c.Id],
            }).ToArray(),
        };
        string manifestPath = Path.Combine(directory, "manifest.json");
        File.WriteAllText(manifestPath, JsonSerializer.Serialize(manifest));
        var result = ChildProcess.Run(python, [script, "--manifest", manifestPath], TimeSpan.FromMinutes(3));
        if (result.ExitCode != 0)
        {
            return new OnnxModels([], $"{script} failed (exit {result.ExitCode}): {ChildProcess.LastLines(result.Error, 3)}");
        }

        return new OnnxModels(paths, null);
    }

    /// <summary>Why there is no model for <paramref name="benchCase"/>, or null.</summary>
    public string? Problem(BenchCase benchCase)
    {
        ArgumentNullException.ThrowIfNull(benchCase);
        return Unavailable ?? (paths.TryGetValue(benchCase.Id, out string? path) && File.Exists(path) ? null : "no model was written");
    }

    /// <summary>The model file of <paramref name="benchCase"/>.</summary>
    /// <exception cref="BenchmarkException">There is none.</exception>
    public string PathOf(BenchCase benchCase) =>
        Problem(benchCase) is { } problem ? throw new BenchmarkException($"No ONNX model for {benchCase.Id}: {problem}") : paths[benchCase.Id];
}
