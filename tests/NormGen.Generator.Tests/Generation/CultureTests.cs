using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using NormGen.Generator.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NormGen.Generator.Tests.Generation;

/// <summary>
/// Generated code and diagnostic messages must not depend on the culture the compiler runs under: a decimal comma
/// or a U+2212 minus sign in a literal would not even compile.
/// </summary>
public class CultureTests(ITestOutputHelper output)
{
    private static readonly string[] Sources =
    {
        """
        using NormGen;
        namespace Culture;
        [BatchNorm(Features = 7, Momentum = 0.123456789, Epsilon = 1.5e-7)] partial class A { }
        [BatchNorm(Features = 1000, Spatial = 3, ElementType = typeof(double), Epsilon = 0.001, Momentum = 0.99)] partial class B { }
        [BatchNorm(Features = 5, Momentum = -0.25)] partial class Bad1 { }
        [BatchNorm(Features = 5, Epsilon = -1e-300)] partial class Bad2 { }
        [BatchNorm(Features = -12345)] partial class Bad3 { }
        [BatchNorm(Features = 4096, Spatial = 65536)] partial class Bad4 { }
        """,
    };

    /// <summary>A culture with every number symbol changed, so it does not matter what ICU ships here.</summary>
    private static CultureInfo OddCulture()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NegativeSign = "\u2212";
        culture.NumberFormat.PositiveSign = "\u2795";
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = "\u00A0";
        culture.NumberFormat.NaNSymbol = "nicht";
        culture.NumberFormat.PositiveInfinitySymbol = "\u221E\u221E";
        return culture;
    }

    [Theory]
    [InlineData("tr-TR")]
    [InlineData("ar-SA")]
    [InlineData("fa-IR")]
    [InlineData("sv-SE")]
    [InlineData("custom")]
    public void OutputIsByteIdenticalUnderAnyCulture(string name)
    {
        CultureInfo culture = name == "custom" ? OddCulture() : CultureInfo.GetCultureInfo(name);
        output.WriteLine($"{name}: negative sign U+{(int)culture.NumberFormat.NegativeSign[0]:X4}, decimal separator '{culture.NumberFormat.NumberDecimalSeparator}', " +
                         $"-1.5.ToString() = '{(-1.5).ToString(culture)}', invariant globalization: {AppContext.TryGetSwitch("System.Globalization.Invariant", out bool invariant) && invariant}");

        (string Text, string Messages) expected = RunUnder(CultureInfo.InvariantCulture);
        (string Text, string Messages) actual = RunUnder(culture);

        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.Messages, actual.Messages);
        Assert.Contains("1.5E-07", expected.Text);
        Assert.Contains("Momentum = -0.25 is not valid", expected.Messages);
    }

    /// <summary>The cultures the issue names really are odd here (if ICU is present): otherwise the test above proves less.</summary>
    [Fact]
    public void NamedCulturesDifferFromInvariant()
    {
        Assert.Equal("\u2212", OddCulture().NumberFormat.NegativeSign);
        bool icu = !(AppContext.TryGetSwitch("System.Globalization.Invariant", out bool invariant) && invariant);
        if (icu)
        {
            Assert.Equal(",", CultureInfo.GetCultureInfo("tr-TR").NumberFormat.NumberDecimalSeparator);
            Assert.Equal("\u2212", CultureInfo.GetCultureInfo("sv-SE").NumberFormat.NegativeSign);
        }
    }

    private static (string Text, string Messages) RunUnder(CultureInfo culture)
    {
        CultureInfo before = CultureInfo.CurrentCulture, beforeUi = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = culture;
            GeneratorRun run = GeneratorHarness.Run(Sources);
            Assert.Equal(2, run.GeneratedSources.Count);
            Assert.True(!run.Errors.Any(d => !d.Id.StartsWith("NG", StringComparison.Ordinal)), run.Describe());
            string text = string.Join("\n//----\n", run.GeneratedSources.Select(s => s.HintName + "\n" + s.Text));
            string messages = string.Join("\n", run.Diagnostics.Where(d => d.Id.StartsWith("NG", StringComparison.Ordinal)).Select(d => d.Id + ": " + d.GetMessage(culture)));
            return (text, messages);
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
            CultureInfo.CurrentUICulture = beforeUi;
        }
    }
}
