using System;
using Xunit;

namespace NormGen.Tests.Runtime;

public class GradientCheckTests
{
    [Theory]
    [InlineData(FiniteDifference.Central, 1e-5, 1e-9)]
    [InlineData(FiniteDifference.FourthOrder, 1e-3, 1e-11)]
    public void Numerical_gradient_of_a_scalar_function_matches_the_derivative(FiniteDifference scheme, double h, double tolerance)
    {
        // f(x) = sum sin(x_i) * x_i^2, df/dx_i = cos(x_i) x_i^2 + 2 x_i sin(x_i)
        double[] x = { -1.5, -0.2, 0.3, 1.1, 2.7 };
        double[] gradient = GradientCheck.NumericalGradient(v => Sum(v, t => Math.Sin(t) * t * t), x, h, scheme);
        double[] expected = Array.ConvertAll(x, t => Math.Cos(t) * t * t + 2 * t * Math.Sin(t));
        Assert.True(GradientCheck.RelativeError(expected, gradient) < tolerance, $"error {GradientCheck.RelativeError(expected, gradient):E2}");
        Assert.Equal(new[] { -1.5, -0.2, 0.3, 1.1, 2.7 }, x); // restored
    }

    [Fact]
    public void Numerical_gradient_of_an_array_function_against_an_upstream_gradient()
    {
        // f(x)_j = x_j^3; with upstream u, d(sum f*u)/dx_j = 3 x_j^2 u_j
        double[] x = { 0.5, -2, 3 };
        double[] upstream = { 1, -0.5, 2 };
        double[] gradient = GradientCheck.NumericalGradient((input, output) =>
        {
            for (int i = 0; i < input.Length; i++)
            {
                output[i] = input[i] * input[i] * input[i];
            }
        }, x, upstream);
        double[] expected = { 0.75, -6, 54 };
        Assert.True(GradientCheck.RelativeError(expected, gradient) < 1e-9);
    }

    [Theory]
    [InlineData(FiniteDifference.Central)]
    [InlineData(FiniteDifference.FourthOrder)]
    public void A_constant_function_has_exactly_zero_gradient(FiniteDifference scheme)
    {
        double[] gradient = GradientCheck.NumericalGradient(v => 0.1 + 1e3, new double[] { 0.3, -7, 1e4 }, 1e-3, scheme);
        Assert.Equal(new double[3], gradient);
    }

    [Fact]
    public void Relative_error_is_the_cs231n_formula()
    {
        Assert.Equal(0, GradientCheck.RelativeError(new double[] { 0, 1 }, new double[] { 0, 1 }));
        Assert.Equal(1.0 / 3, GradientCheck.RelativeError(new double[] { 1 }, new double[] { 2 }), 15);
        Assert.Equal(1e-9 / 1e-8, GradientCheck.RelativeError(new double[] { 0 }, new double[] { 1e-9 }), 12); // the 1e-8 floor
        Assert.Equal(0.5, GradientCheck.RelativeError(new double[] { 1, 3 }, new double[] { 1, 1 }), 15); // the maximum
        Assert.Throws<ArgumentException>(() => GradientCheck.RelativeError(new double[2], new double[3]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1e-5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_bad_step_is_rejected(double h) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientCheck.NumericalGradient(v => v[0], new double[] { 1 }, h));

    [Fact]
    public void Check_layer_catches_a_wrong_gradient()
    {
        var wrong = new WrongGradientLayer();
        LayerGradientErrors errors = GradientCheck.CheckLayer(wrong, new double[] { 1, 2, 3 }, new double[] { 1, 1, 1 });
        Assert.True(errors.Dx > 0.1, $"dx error {errors.Dx}");
        Assert.Equal(0, errors.DGamma);
    }

    private static double Sum(double[] values, Func<double, double> f)
    {
        double sum = 0;
        foreach (double v in values)
        {
            sum += f(v);
        }

        return sum;
    }

    /// <summary>y = x^2 with a Backward that forgets the factor 2: the check must notice.</summary>
    private sealed class WrongGradientLayer : INormalizationLayer<double>
    {
        public string Name => "Wrong";

        public int SampleLength => 1;

        public bool Training { get; set; } = true;

        public int MaxDegreeOfParallelism { get; set; } = 1;

        public double[] Gamma { get; } = Array.Empty<double>();

        public double[] Beta { get; } = Array.Empty<double>();

        public double[] GammaGrad { get; } = Array.Empty<double>();

        public double[] BetaGrad { get; } = Array.Empty<double>();

        public void Forward(ReadOnlySpan<double> x, Span<double> y)
        {
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = x[i] * x[i];
            }
        }

        public void Backward(ReadOnlySpan<double> x, ReadOnlySpan<double> dy, Span<double> dx)
        {
            for (int i = 0; i < x.Length; i++)
            {
                dx[i] = x[i] * dy[i];
            }
        }
    }
}
