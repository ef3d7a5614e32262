using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace NormGen.Tests.Parity;

/// <summary>One training step of a PyTorch fixture case; arrays are flattened row-major.</summary>
/// <param name="X">Input, (batch, sample length).</param>
/// <param name="Dy">Upstream gradient fed to Backward.</param>
/// <param name="Y">Expected output of the training Forward.</param>
/// <param name="Dx">Expected input gradient.</param>
/// <param name="DGamma">Expected Gamma gradient (empty when the layer has no Gamma).</param>
/// <param name="DBeta">Expected Beta gradient (empty when the layer has no Beta).</param>
/// <param name="RunningMean">Expected running mean after the step, or null where none is kept.</param>
/// <param name="RunningVariance">Expected running variance after the step, or null where none is kept.</param>
/// <param name="BatchesTracked">Expected PyTorch num_batches_tracked after the step, or null.</param>
public sealed record ParityStep(
    double[] X,
    double[] Dy,
    double[] Y,
    double[] Dx,
    double[] DGamma,
    double[] DBeta,
    double[]? RunningMean,
    double[]? RunningVariance,
    long? BatchesTracked);

/// <summary>A fixture case written by Fixtures/make_pytorch_fixtures.py: its configuration, parameters and steps.</summary>
/// <param name="Name">Stable case name; the key of <see cref="ParityLayers.Factories"/>.</param>
/// <param name="Kind">batchnorm1d, batchnorm2d, layernorm, rmsnorm, groupnorm or instancenorm.</param>
/// <param name="IsFloat32">True for float32 cases, false for float64.</param>
/// <param name="Batch">Samples per step.</param>
/// <param name="ParameterCount">Features (or channels): the length of Gamma and the running statistics.</param>
/// <param name="Spatial">Spatial positions per feature or channel.</param>
/// <param name="Mode">Running-statistics mode for batch norm (exponential, cumulative, none); null otherwise.</param>
/// <param name="Gamma">Gamma to copy into the layer (empty when not affine).</param>
/// <param name="Beta">Beta to copy into the layer (empty when not affine, and for RMS norm).</param>
/// <param name="Steps">The training steps, in order.</param>
/// <param name="EvalX">Input of the final inference step.</param>
/// <param name="EvalY">Expected output of the final inference step.</param>
public sealed record ParityCase(
    string Name,
    string Kind,
    bool IsFloat32,
    int Batch,
    int ParameterCount,
    int Spatial,
    string? Mode,
    double[] Gamma,
    double[] Beta,
    IReadOnlyList<ParityStep> Steps,
    double[] EvalX,
    double[] EvalY)
{
    /// <summary>Elements per sample, as the layer's SampleLength must report.</summary>
    public int SampleLength => ParameterCount * Spatial;

    /// <summary>True for the batch-norm kinds, whose layers keep running statistics.</summary>
    public bool IsBatchNorm => Kind.StartsWith("batchnorm", StringComparison.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>Loads the PyTorch fixtures from tests/NormGen.Tests/Fixtures/pytorch.</summary>
public static class ParityFixture
{
    /// <summary>Every fixture file, by kind (its file name without .json).</summary>
    public static readonly string[] Kinds =
        ["batchnorm1d", "batchnorm2d", "layernorm", "rmsnorm", "groupnorm", "instancenorm"];

    private static readonly ConcurrentDictionary<string, IReadOnlyList<ParityCase>> Cache = new();

    /// <summary>The cases of one fixture file.</summary>
    /// <param name="kind">One of <see cref="Kinds"/>.</param>
    public static IReadOnlyList<ParityCase> Load(string kind) => Cache.GetOrAdd(kind, static k => Parse(FixturePath(k)));

    /// <summary>One case by name.</summary>
    /// <exception cref="KeyNotFoundException">No case of that kind has the name.</exception>
    public static ParityCase Case(string kind, string name) =>
        Load(kind).FirstOrDefault(c => c.Name == name)
        ?? throw new KeyNotFoundException($"No case '{name}' in {kind}.json.");

    /// <summary>Theory data: the case names of one fixture file.</summary>
    public static Xunit.TheoryData<string> Names(string kind)
    {
        var data = new Xunit.TheoryData<string>();
        foreach (var c in Load(kind))
        {
            data.Add(c.Name);
        }

        return data;
    }

    private static string FixturePath(string kind)
    {
        var file = kind + ".json";

        // Copied beside the test assembly when the project copies Fixtures/**; otherwise read from the source tree.
        var copied = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", file);
        if (File.Exists(copied))
        {
            return copied;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NormGen.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "NormGen.Tests", "Fixtures", "pytorch", file);
            }
        }

        throw new FileNotFoundException($"Neither {copied} nor a NormGen.sln above {AppContext.BaseDirectory} exists.", file);
    }

    private static IReadOnlyList<ParityCase> Parse(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var cases = new List<ParityCase>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            var f32 = c.GetProperty("dtype").GetString() switch
            {
                "float32" => true,
                "float64" => false,
                var other => throw new InvalidDataException($"Unknown dtype '{other}' in {path}."),
            };
            var parameterCount = c.TryGetProperty("features", out var features)
                ? features.GetInt32()
                : c.GetProperty("channels").GetInt32();
            var steps = c.GetProperty("steps").EnumerateArray().Select(s => new ParityStep(
                Numbers(s, "x", f32)!,
                Numbers(s, "dy", f32)!,
                Numbers(s, "y", f32)!,
                Numbers(s, "dx", f32)!,
                Numbers(s, "dgamma", f32) ?? [],
                Numbers(s, "dbeta", f32) ?? [],
                Numbers(s, "running_mean", f32),
                Numbers(s, "running_var", f32),
                s.GetProperty("batches_tracked").ValueKind == JsonValueKind.Null
                    ? null
                    : s.GetProperty("batches_tracked").GetInt64())).ToArray();
            var eval = c.GetProperty("eval");
            cases.Add(new ParityCase(
                c.GetProperty("name").GetString()!,
                c.GetProperty("kind").GetString()!,
                f32,
                c.GetProperty("batch").GetInt32(),
                parameterCount,
                c.GetProperty("spatial").GetInt32(),
                c.TryGetProperty("mode", out var mode) ? mode.GetString() : null,
                Numbers(c, "gamma", f32)!,
                Numbers(c, "beta", f32)!,
                steps,
                Numbers(eval, "x", f32)!,
                Numbers(eval, "y", f32)!));
        }

        return cases;
    }

    // float32 values are written as their shortest float text: parse them as float so they round-trip exactly.
    private static double[]? Numbers(JsonElement parent, string property, bool f32)
    {
        var array = parent.GetProperty(property);
        if (array.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var values = new double[array.GetArrayLength()];
        var i = 0;
        foreach (var v in array.EnumerateArray())
        {
            values[i++] = f32 ? v.GetSingle() : v.GetDouble();
        }

        return values;
    }
}
