using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace NormGen.Benchmarks;

/// <summary>
/// Checks, before any timing, that the generated layer and both peers compute the same batch norm:
/// each is compared with a double-precision reference written in the staged cs231n form (a different
/// derivation of the backward pass than the closed form the peers use). Compared per shape: training y,
/// running mean and variance after one step, dx, dGamma, dBeta after Backward, and inference y.
/// Also counts, exactly, the bytes each operation allocates on the calling thread
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/> around repeated calls), which is free of the
/// background-thread noise a profiler-style diagnoser can pick up on long-running cases.
/// </summary>
public static class Verification
{
    /// <summary>Largest accepted error, max |actual - reference| / max |reference|, for float32 against double.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Calls per allocation measurement.</summary>
    public const int AllocationCalls = 20;

    private const double Momentum = 0.9;
    private const double Epsilon = 1e-5;

    /// <summary>
    /// Verifies the given shapes (all benchmark shapes when none are given) and prints a table.
    /// <c>--json PATH</c> among the arguments also writes the allocation counts as JSON for build/bench_report.py.
    /// </summary>
    /// <returns>True when every error is within <see cref="Tolerance"/>.</returns>
    public static bool Run(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var shapes = new List<string>();
        string? jsonPath = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--json" && i + 1 < args.Length)
            {
                jsonPath = args[++i];
            }
            else
            {
                shapes.Add(args[i]);
            }
        }

        bool ok = true;
        var allocations = new List<Allocation>();
        output.WriteLine("shape      implementation    y(train)  runMean   runVar    dx        dGamma    dBeta     y(infer)  " +
            "allocated B/call (train, backward, infer)");
        foreach (string shape in shapes.Count > 0 ? shapes.ToArray() : BenchmarkData.Shapes)
        {
            (int batch, int features) = BenchmarkData.Parse(shape);
            var x = new float[batch * features];
            var dy = new float[x.Length];
            BenchmarkData.FillInput(x, features, seed: 1);
            BenchmarkData.FillGaussian(dy, seed: 2);
            var gamma = new float[features];
            var beta = new float[features];
            BenchmarkData.FillAffine(gamma, beta, seed: 3);
            var reference = Reference.Compute(x, dy, gamma, beta, batch, features);

            ok &= Check(output, shape, "Generated", reference, Adapt(GeneratedLayers.Create(features)), x, dy, gamma, beta, allocations);
            ok &= Check(output, shape, "Scalar", reference, Adapt(new ScalarBatchNorm(features)), x, dy, gamma, beta, allocations);
            ok &= Check(output, shape, "TensorPrimitives", reference, Adapt(new TensorPrimitivesBatchNorm(features)), x, dy, gamma, beta, allocations);
        }

        if (jsonPath is not null)
        {
            WriteAllocations(jsonPath, allocations);
        }

        output.WriteLine(ok ? $"OK: all errors <= {Tolerance:G2}" : $"FAILED: some error > {Tolerance:G2}");
        return ok;
    }

    private static void WriteAllocations(string path, List<Allocation> allocations)
    {
        using var stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("method", $"GC.GetAllocatedBytesForCurrentThread around {AllocationCalls} calls after warmup; least of 3 rounds, per call");
        writer.WriteStartArray("allocations");
        foreach (Allocation allocation in allocations)
        {
            writer.WriteStartObject();
            writer.WriteString("shape", allocation.Shape);
            writer.WriteString("implementation", allocation.Implementation);
            writer.WriteString("operation", allocation.Operation);
            writer.WriteNumber("bytes_per_call", allocation.BytesPerCall);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Bytes the calling thread allocates per call of <paramref name="call"/>: least over 3 rounds, after warmup.</summary>
    private static double AllocatedPerCall(Action call)
    {
        for (int i = 0; i < 3; i++)
        {
            call();
        }

        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < AllocationCalls; i++)
            {
                call();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return (double)least / AllocationCalls;
    }

    private static bool Check(
        TextWriter output, string shape, string name, Reference reference, Layer layer,
        float[] x, float[] dy, float[] gamma, float[] beta, List<Allocation> allocations)
    {
        gamma.CopyTo(layer.Gamma, 0);
        beta.CopyTo(layer.Beta, 0);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        layer.SetTraining(true);
        layer.Forward(x, y);
        double yTrain = Error(y, reference.TrainY);
        double runMean = Error(layer.RunningMean, reference.RunningMean);
        double runVar = Error(layer.RunningVariance, reference.RunningVariance);

        // Backward twice: a repeated call (as the benchmark makes) must give the same result.
        layer.Backward(x, dy, dx);
        layer.Backward(x, dy, dx);
        double dxError = Error(dx, reference.Dx);
        double dGamma = Error(layer.GammaGrad, reference.DGamma);
        double dBeta = Error(layer.BetaGrad, reference.DBeta);

        layer.SetTraining(false);
        Array.Clear(y);
        layer.Forward(x, y);
        double yInfer = Error(y, reference.InferY);

        double[] errors = [yTrain, runMean, runVar, dxError, dGamma, dBeta, yInfer];
        bool ok = Array.TrueForAll(errors, e => e <= Tolerance);
        output.Write($"{shape,-10} {name,-17}");
        foreach (double e in errors)
        {
            output.Write(e.ToString("0.00E+0", CultureInfo.InvariantCulture).PadLeft(9) + " ");
        }

        // Allocation counts come after the checks: repeated training calls move the running statistics.
        layer.SetTraining(true);
        double train = AllocatedPerCall(() => layer.Forward(x, y));
        double backward = AllocatedPerCall(() => layer.Backward(x, dy, dx));
        layer.SetTraining(false);
        double infer = AllocatedPerCall(() => layer.Forward(x, y));
        allocations.Add(new Allocation(shape, name, "TrainForward", train));
        allocations.Add(new Allocation(shape, name, "Backward", backward));
        allocations.Add(new Allocation(shape, name, "InferenceForward", infer));
        output.Write(FormattableString.Invariant($"{train,6:0.#} {backward,6:0.#} {infer,6:0.#}  "));
        output.WriteLine(ok ? "ok" : "FAIL");
        return ok;
    }

    /// <summary>max |actual - expected| / max |expected| (absolute error when expected is all zero; NaN fails).</summary>
    private static double Error(ReadOnlySpan<float> actual, double[] expected)
    {
        double worst = 0;
        double largest = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs(actual[i] - expected[i]);
            worst = double.IsNaN(difference) ? double.PositiveInfinity : Math.Max(worst, difference);
            largest = Math.Max(largest, Math.Abs(expected[i]));
        }

        return largest > 0 ? worst / largest : worst;
    }

    private static Layer Adapt(IBatchNormLayer<float> layer) => new(
        layer.Gamma, layer.Beta, layer.GammaGrad, layer.BetaGrad, layer.RunningMean, layer.RunningVariance,
        training => layer.Training = training, layer.Forward, layer.Backward);

    private static Layer Adapt(ScalarBatchNorm layer) => new(
        layer.Gamma, layer.Beta, layer.GammaGrad, layer.BetaGrad, layer.RunningMean, layer.RunningVariance,
        training => layer.Training = training, layer.Forward, layer.Backward);

    private static Layer Adapt(TensorPrimitivesBatchNorm layer) => new(
        layer.Gamma, layer.Beta, layer.GammaGrad, layer.BetaGrad, layer.RunningMean, layer.RunningVariance,
        training => layer.Training = training, layer.Forward, layer.Backward);

    private sealed record Allocation(string Shape, string Implementation, string Operation, double BytesPerCall);

    private delegate void ForwardAction(ReadOnlySpan<float> x, Span<float> y);

    private delegate void BackwardAction(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx);

    /// <summary>The three implementations seen through one shape.</summary>
    private sealed record Layer(
        float[] Gamma, float[] Beta, float[] GammaGrad, float[] BetaGrad, float[] RunningMean, float[] RunningVariance,
        Action<bool> SetTraining, ForwardAction Forward, BackwardAction Backward);

    /// <summary>Double-precision batch norm, staged as in the cs231n computational graph.</summary>
    private sealed record Reference(
        double[] TrainY, double[] RunningMean, double[] RunningVariance, double[] Dx, double[] DGamma, double[] DBeta, double[] InferY)
    {
        public static Reference Compute(float[] x, float[] dout, float[] gamma, float[] beta, int n, int d)
        {
            var trainY = new double[x.Length];
            var dx = new double[x.Length];
            var inferY = new double[x.Length];
            var runningMean = new double[d];
            var runningVariance = new double[d];
            var dGamma = new double[d];
            var dBeta = new double[d];
            var xmu = new double[n];
            var dxhat = new double[n];
            var dx1 = new double[n];
            for (int j = 0; j < d; j++)
            {
                // Forward: mu, xmu, var, sqrtvar, ivar, xhat, out.
                double mu = 0;
                for (int i = 0; i < n; i++)
                {
                    mu += x[i * d + j];
                }

                mu /= n;
                double variance = 0;
                for (int i = 0; i < n; i++)
                {
                    xmu[i] = x[i * d + j] - mu;
                    variance += xmu[i] * xmu[i];
                }

                variance /= n;
                double sqrtvar = Math.Sqrt(variance + Epsilon);
                double ivar = 1 / sqrtvar;
                for (int i = 0; i < n; i++)
                {
                    trainY[i * d + j] = gamma[j] * (xmu[i] * ivar) + beta[j];
                }

                runningMean[j] = (1 - Momentum) * mu;
                runningVariance[j] = Momentum + (1 - Momentum) * variance * n / (n - 1);

                // Backward through the same graph, node by node.
                double divar = 0;
                for (int i = 0; i < n; i++)
                {
                    double g = dout[i * d + j];
                    dBeta[j] += g;
                    dGamma[j] += g * xmu[i] * ivar;
                    dxhat[i] = g * gamma[j];
                    divar += dxhat[i] * xmu[i];
                }

                double dsqrtvar = -1 / (sqrtvar * sqrtvar) * divar;
                double dvar = 0.5 / Math.Sqrt(variance + Epsilon) * dsqrtvar;
                double dmu = 0;
                for (int i = 0; i < n; i++)
                {
                    double dxmu1 = dxhat[i] * ivar;
                    double dxmu2 = 2 * xmu[i] * dvar / n;
                    dx1[i] = dxmu1 + dxmu2;
                    dmu -= dx1[i];
                }

                for (int i = 0; i < n; i++)
                {
                    dx[i * d + j] = dx1[i] + dmu / n;
                }

                double runningInvStd = 1 / Math.Sqrt(runningVariance[j] + Epsilon);
                for (int i = 0; i < n; i++)
                {
                    inferY[i * d + j] = gamma[j] * (x[i * d + j] - runningMean[j]) * runningInvStd + beta[j];
                }
            }

            return new Reference(trainY, runningMean, runningVariance, dx, dGamma, dBeta, inferY);
        }
    }
}
