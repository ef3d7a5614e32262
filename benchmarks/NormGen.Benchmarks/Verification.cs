using System;
using System.Collections.Generic;
using System.Linq;

namespace NormGen.Benchmarks;

/// <summary>
/// Checks an implementation's outputs against <see cref="NormReference"/> before anything of it is timed on the case.
/// Error of an output = max |actual - reference| / max |reference| (absolute when the reference is all zero; NaN
/// fails). Passes when every output the implementation produced is within <see cref="Tolerance"/>, and it produced
/// every output its operations need (y for training Forward, dx and the Gamma gradient for Backward, y for inference).
/// </summary>
public static class Verification
{
    /// <summary>Largest accepted error for float32 against double.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Compares <paramref name="outputs"/> with <paramref name="reference"/>.</summary>
    /// <returns>The error of each output compared, and the problems (empty when the check passed).</returns>
    public static (Dictionary<string, double> Errors, List<string> Problems) Check(
        Implementation implementation, NormReference reference, Outputs outputs)
    {
        ArgumentNullException.ThrowIfNull(implementation);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(outputs);
        BenchCase c = reference.Case;
        var errors = new Dictionary<string, double>();
        var problems = new List<string>();

        void Compare(string name, float[]? actual, double[]? expected, bool required)
        {
            if (actual is null || expected is null)
            {
                if (required && expected is not null)
                {
                    problems.Add($"{name} missing");
                }

                return;
            }

            if (actual.Length != expected.Length)
            {
                problems.Add($"{name} has {actual.Length} values, expected {expected.Length}");
                return;
            }

            double error = Error(actual, expected);
            errors[name] = error;
            if (!(error <= Tolerance))
            {
                problems.Add($"{name} error {error:G3} > {Tolerance:G2}");
            }
        }

        bool trains = implementation.Supports(c, BenchOp.TrainForward);
        Compare("y_train", outputs.YTrain, reference.TrainY, trains);
        Compare("running_mean", outputs.RunningMean, reference.RunningMean, false);
        Compare("running_var", outputs.RunningVariance, reference.RunningVariance, false);
        Compare("dx", outputs.Dx, reference.Dx, implementation.Supports(c, BenchOp.Backward));
        Compare("dgamma", outputs.DGamma, reference.DGamma, implementation.Supports(c, BenchOp.Backward));
        Compare("dbeta", outputs.DBeta, reference.DBeta, false);
        Compare("y_infer", outputs.YInfer, reference.InferY, implementation.Supports(c, BenchOp.Inference));
        if (errors.Count == 0 && problems.Count == 0)
        {
            problems.Add("no output to compare");
        }

        return (errors, problems);
    }

    /// <summary>max |actual - expected| / max |expected| (absolute when expected is all zero; NaN gives infinity).</summary>
    public static double Error(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
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

    /// <summary>The largest error in <paramref name="errors"/> (0 when empty).</summary>
    public static double Worst(Dictionary<string, double> errors) =>
        errors is null || errors.Count == 0 ? 0 : errors.Values.Max();
}
