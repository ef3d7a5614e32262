using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Text.Json;
using Xunit;

namespace NormGen.Tests.SmallBatch;

/// <summary>
/// Batch renormalization and ghost batches against PyTorch autograd applied to their formulas
/// (Fixtures/make_small_batch_fixtures.py): five training steps (y, dx, GammaGrad, BetaGrad, running statistics,
/// BatchesTracked) and an eval step, float within 1e-5 and double within 1e-10 of the fixture.
/// </summary>
public class SmallBatchParityTests
{
    public static IEnumerable<object[]> Cases() =>
        new[] { "renorm", "ghostbatch" }.SelectMany(file => Load(file).Select(c => new object[] { file, c.GetProperty("name").GetString()! }));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_pytorch_autograd(string file, string name)
    {
        JsonElement c = Load(file).Single(e => e.GetProperty("name").GetString() == name);
        string className = "NormGen.Tests.SmallBatch." + string.Concat(name.Split('_').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
        object layer = Activator.CreateInstance(typeof(SmallBatchParityTests).Assembly.GetType(className, throwOnError: true)!)!;
        if (c.GetProperty("dtype").GetString() == "float32")
        {
            Replay((IBatchNormLayer<float>)layer, c, 1e-5);
        }
        else
        {
            Replay((IBatchNormLayer<double>)layer, c, 1e-10);
        }
    }

    private static void Replay<T>(IBatchNormLayer<T> layer, JsonElement c, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string name = c.GetProperty("name").GetString()!;
        Values<T>(c, "gamma").CopyTo(layer.Gamma, 0);
        Values<T>(c, "beta").CopyTo(layer.Beta, 0);
        Values<T>(c, "initial_running_mean").CopyTo(layer.RunningMean, 0);
        Values<T>(c, "initial_running_var").CopyTo(layer.RunningVariance, 0);
        int step = 0;
        foreach (JsonElement s in c.GetProperty("steps").EnumerateArray())
        {
            string where = $"{name} step {++step}";
            T[] x = Values<T>(s, "x");
            var y = new T[x.Length];
            layer.Forward(x, y);
            Compare(y, s, "y", tolerance, where);
            var dx = new T[x.Length];
            layer.Backward(x, Values<T>(s, "dy"), dx);
            Compare(dx, s, "dx", tolerance, where);
            Compare(layer.GammaGrad, s, "dgamma", tolerance, where);
            Compare(layer.BetaGrad, s, "dbeta", tolerance, where);
            Compare(layer.RunningMean, s, "running_mean", tolerance, where);
            Compare(layer.RunningVariance, s, "running_var", tolerance, where);
            Assert.Equal(s.GetProperty("batches_tracked").GetInt64(), layer.BatchesTracked);
        }

        layer.Training = false;
        JsonElement eval = c.GetProperty("eval");
        T[] evalX = Values<T>(eval, "x");
        var evalY = new T[evalX.Length];
        layer.Forward(evalX, evalY);
        Compare(evalY, eval, "y", tolerance, name + " eval");
    }

    private static void Compare<T>(T[] actual, JsonElement owner, string key, double tolerance, string where)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] expected = owner.GetProperty(key).EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(double.CreateTruncating(actual[i]) - expected[i]);
            Assert.True(error <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"{where} {key}[{i}]: {actual[i]} vs {expected[i]}");
        }
    }

    private static T[] Values<T>(JsonElement owner, string key)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        owner.GetProperty(key).EnumerateArray().Select(v => T.CreateTruncating(v.GetDouble())).ToArray();

    private static readonly Dictionary<string, JsonElement[]> Files = new();

    private static JsonElement[] Load(string file)
    {
        lock (Files)
        {
            if (!Files.TryGetValue(file, out JsonElement[]? cases))
            {
                string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", file + ".json");
                using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
                cases = document.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.Clone()).ToArray();
                Files[file] = cases;
            }

            return cases;
        }
    }
}
