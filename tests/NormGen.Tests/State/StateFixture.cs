using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace NormGen.Tests.State;

/// <summary>One stored variant of a case (model, model_f16, model_bf16): its exact values and the eval output they give.</summary>
/// <param name="Arrays">Stored float values by short key (weight, bias, running_mean, running_var), as float64.</param>
/// <param name="BatchesTracked">Stored num_batches_tracked, or null when the layer has none.</param>
/// <param name="EvalY">PyTorch's eval output on <see cref="StateCase.EvalX"/> with these values (float64 arithmetic).</param>
public sealed record StateVariant(IReadOnlyDictionary<string, double[]> Arrays, long? BatchesTracked, double[] EvalY);

/// <summary>A training step after loading: the input and PyTorch's running statistics and count after it.</summary>
public sealed record StateNextStep(double[] X, double[] RunningMean, double[] RunningVariance, long BatchesTracked);

/// <summary>A layer of the fixture model written by Fixtures/make_state_fixtures.py.</summary>
/// <param name="Name">Case name; the key of <see cref="StateLayers.Factories"/>.</param>
/// <param name="IsFloat32">True for float layers.</param>
/// <param name="Prefix">Key prefix in the files, e.g. <c>layers.bn1d_f32</c>.</param>
/// <param name="Keys">The short keys PyTorch's state_dict has for the layer, in its order.</param>
/// <param name="EvalX">Input of the eval step, row-major.</param>
/// <param name="Variants">By file name without extension.</param>
/// <param name="NextStep">For batch norm with running statistics: one further training step; otherwise null.</param>
public sealed record StateCase(
    string Name, bool IsFloat32, string Prefix, IReadOnlyList<string> Keys, double[] EvalX,
    IReadOnlyDictionary<string, StateVariant> Variants, StateNextStep? NextStep)
{
    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>Reads Fixtures/state/cases.json and locates the fixture files.</summary>
public static class StateFixture
{
    private static readonly Lazy<(IReadOnlyList<StateCase> Cases, IReadOnlyList<string> KerasCases)> Parsed = new(Parse);

    /// <summary>Every case.</summary>
    public static IReadOnlyList<StateCase> Cases => Parsed.Value.Cases;

    /// <summary>Cases also stored under Keras names in keras.safetensors.</summary>
    public static IReadOnlyList<string> KerasCases => Parsed.Value.KerasCases;

    /// <summary>The stored variants: file names without extension.</summary>
    public static readonly string[] Variants = ["model", "model_f16", "model_bf16"];

    /// <summary>One case by name.</summary>
    public static StateCase Case(string name) => Cases.Single(c => c.Name == name);

    /// <summary>Theory data: every case name.</summary>
    public static Xunit.TheoryData<string> Names()
    {
        var data = new Xunit.TheoryData<string>();
        foreach (StateCase c in Cases)
        {
            data.Add(c.Name);
        }

        return data;
    }

    /// <summary>Theory data: every case name with every variant.</summary>
    public static Xunit.TheoryData<string, string> NamesAndVariants()
    {
        var data = new Xunit.TheoryData<string, string>();
        foreach (StateCase c in Cases)
        {
            foreach (string variant in Variants)
            {
                data.Add(c.Name, variant);
            }
        }

        return data;
    }

    /// <summary>The path of a fixture file in Fixtures/state (copied beside the test assembly).</summary>
    public static string PathOf(string file)
    {
        string copied = Path.Combine(AppContext.BaseDirectory, "Fixtures", "state", file);
        return File.Exists(copied) ? copied : throw new FileNotFoundException($"Fixture {copied} was not copied beside the tests.", copied);
    }

    private static (IReadOnlyList<StateCase>, IReadOnlyList<string>) Parse()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(PathOf("cases.json")));
        var cases = new List<StateCase>();
        foreach (JsonElement c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            var variants = new Dictionary<string, StateVariant>();
            foreach (JsonProperty v in c.GetProperty("variants").EnumerateObject())
            {
                var arrays = new Dictionary<string, double[]>();
                long? count = null;
                foreach (JsonProperty s in v.Value.GetProperty("state").EnumerateObject())
                {
                    if (s.Value.ValueKind == JsonValueKind.Array)
                    {
                        arrays[s.Name] = Numbers(s.Value);
                    }
                    else
                    {
                        count = s.Value.GetInt64();
                    }
                }

                variants[v.Name] = new StateVariant(arrays, count, Numbers(v.Value.GetProperty("eval_y")));
            }

            StateNextStep? next = c.TryGetProperty("next_step", out JsonElement n)
                ? new StateNextStep(Numbers(n.GetProperty("x")), Numbers(n.GetProperty("running_mean")),
                    Numbers(n.GetProperty("running_var")), n.GetProperty("num_batches_tracked").GetInt64())
                : null;
            cases.Add(new StateCase(
                c.GetProperty("name").GetString()!,
                c.GetProperty("dtype").GetString() == "float32",
                c.GetProperty("prefix").GetString()!,
                c.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToList(),
                Numbers(c.GetProperty("eval_x")),
                variants,
                next));
        }

        List<string> keras = doc.RootElement.GetProperty("keras_cases").EnumerateArray().Select(k => k.GetString()!).ToList();
        return (cases, keras);
    }

    private static double[] Numbers(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
