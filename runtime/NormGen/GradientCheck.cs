using System;

namespace NormGen;

/// <summary>Relative errors of a layer's analytic gradients against central finite differences.</summary>
/// <param name="Dx">Relative error of dx.</param>
/// <param name="DGamma">Relative error of dGamma (0 when the layer has no Gamma).</param>
/// <param name="DBeta">Relative error of dBeta (0 when the layer has no Beta).</param>
public readonly record struct LayerGradientErrors(double Dx, double DGamma, double DBeta)
{
    /// <summary>The largest of the three errors.</summary>
    public double Max => Math.Max(Dx, Math.Max(DGamma, DBeta));
}

/// <summary>Which central difference a numerical gradient uses.</summary>
public enum FiniteDifference
{
    /// <summary><c>(f(x + h) - f(x - h)) / 2h</c>: error O(h^2), the cs231n scheme. Good with h near 1e-5.</summary>
    Central = 0,

    /// <summary>
    /// <c>(-f(x + 2h) + 8 f(x + h) - 8 f(x - h) + f(x - 2h)) / 12h</c>: error O(h^4), so a larger h (near 1e-3) keeps
    /// rounding error small too; about 100x more accurate for smooth functions, at twice the evaluations.
    /// </summary>
    FourthOrder = 1,
}

/// <summary>
/// Numerical gradient checks in the spirit of cs231n: central differences of a scalar function or
/// of an array function against an upstream gradient, and the relative error
/// <c>max(|a - b| / max(1e-8, |a| + |b|))</c>. Everything is in double precision.
/// </summary>
public static class GradientCheck
{
    /// <summary>Default finite-difference step for <see cref="FiniteDifference.Central"/>.</summary>
    public const double DefaultStep = 1e-5;

    /// <summary>Default finite-difference step for <see cref="FiniteDifference.FourthOrder"/>.</summary>
    public const double DefaultFourthOrderStep = 1e-3;

    /// <summary>
    /// Central-difference gradient of scalar <paramref name="f"/> at <paramref name="x"/>, one coordinate at a time:
    /// <c>(f(x + h e_i) - f(x - h e_i)) / 2h</c>, or the fourth-order stencil. <paramref name="x"/> is restored after each probe.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="h"/> is not positive and finite.</exception>
    public static double[] NumericalGradient(Func<double[], double> f, double[] x, double h = DefaultStep, FiniteDifference scheme = FiniteDifference.Central)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        CheckStep(h);
        var gradient = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            double At(double offset)
            {
                x[i] = saved + offset;
                return f(x);
            }

            // Differences of symmetric pairs first: a constant loss then gives exactly 0.
            gradient[i] = scheme == FiniteDifference.FourthOrder
                ? ((At(-2 * h) - At(2 * h)) + 8 * (At(h) - At(-h))) / (12 * h)
                : (At(h) - At(-h)) / (2 * h);
            x[i] = saved;
        }

        return gradient;
    }

    /// <summary>
    /// Central-difference gradient of <c>sum(f(x) * upstream)</c> with respect to <paramref name="x"/>,
    /// where <paramref name="f"/> writes its output into the second array (length of <paramref name="upstream"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="h"/> is not positive and finite.</exception>
    public static double[] NumericalGradient(Action<double[], double[]> f, double[] x, double[] upstream, double h = DefaultStep, FiniteDifference scheme = FiniteDifference.Central)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(upstream);
        var output = new double[upstream.Length];
        return NumericalGradient(
            input =>
            {
                f(input, output);
                return Dot(output, upstream);
            },
            x,
            h,
            scheme);
    }

    /// <summary>
    /// <c>max over i of |a_i - b_i| / max(1e-8, |a_i| + |b_i|)</c>; 0 for empty spans.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static double RelativeError(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"RelativeError: lengths differ ({a.Length} and {b.Length}).");
        }

        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double error = Math.Abs(a[i] - b[i]) / Math.Max(1e-8, Math.Abs(a[i]) + Math.Abs(b[i]));
            worst = Math.Max(worst, error);
        }

        return worst;
    }

    /// <summary>
    /// Checks a layer's Backward against finite differences of <c>sum(Forward(x) * dy)</c> with respect to
    /// x, Gamma and Beta, in training mode, with the fourth-order stencil by default (h = 1e-3), whose own error is far
    /// below the 1e-8 (dx) and 1e-10 (parameters) relative errors a correct double-precision layer reaches. Runs Forward
    /// about 4 * (x.Length + 2 * Gamma.Length) times, which also updates any running statistics; Gamma, Beta and x are
    /// left as they were.
    /// </summary>
    /// <param name="layer">A double-precision layer; left in training mode.</param>
    /// <param name="x">Input of length batch * SampleLength.</param>
    /// <param name="dy">Upstream gradient, same length as x.</param>
    /// <param name="h">Finite-difference step; null picks the scheme's default.</param>
    /// <param name="scheme">The finite-difference stencil.</param>
    /// <exception cref="ArgumentException">Lengths do not match the layer.</exception>
    public static LayerGradientErrors CheckLayer(
        INormalizationLayer<double> layer, double[] x, double[] dy, double? h = null, FiniteDifference scheme = FiniteDifference.FourthOrder)
    {
        double step = h ?? (scheme == FiniteDifference.FourthOrder ? DefaultFourthOrderStep : DefaultStep);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dy);
        if (dy.Length != x.Length)
        {
            throw new ArgumentException($"{layer.Name}: dy must have the length of x ({x.Length}); got {dy.Length}.", nameof(dy));
        }

        layer.Training = true;
        var y = new double[x.Length];
        var dx = new double[x.Length];
        layer.Forward(x, y);
        layer.Backward(x, dy, dx);
        var gammaGrad = (double[])layer.GammaGrad.Clone();
        var betaGrad = (double[])layer.BetaGrad.Clone();

        double Loss(double[] unused)
        {
            layer.Forward(x, y);
            return Dot(y, dy);
        }

        double dxError = RelativeError(dx, NumericalGradient(Loss, x, step, scheme));
        double gammaError = RelativeError(gammaGrad, NumericalGradient(Loss, layer.Gamma, step, scheme));
        double betaError = RelativeError(betaGrad, NumericalGradient(Loss, layer.Beta, step, scheme));
        return new LayerGradientErrors(dxError, gammaError, betaError);
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static void CheckStep(double h)
    {
        if (!(h > 0) || double.IsInfinity(h))
        {
            throw new ArgumentOutOfRangeException(nameof(h), h, "The finite-difference step must be positive and finite.");
        }
    }
}
