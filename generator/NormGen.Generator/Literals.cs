using System.Globalization;
using NormGen.Generator.Model;

namespace NormGen.Generator;

/// <summary>
/// Numbers as C# source text: invariant culture and round-trip formats, so generated code and
/// messages never depend on the machine's culture (decimal comma, U+2212 minus sign, ...).
/// </summary>
internal static class Literals
{
    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Long(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A double literal that round-trips, e.g. <c>1E-05</c> or <c>0.9</c>.</summary>
    public static string Double(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return double.IsNaN(value) ? "double.NaN" : value > 0 ? "double.PositiveInfinity" : "double.NegativeInfinity";
        }

        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOf('.') < 0 && text.IndexOf('E') < 0 ? text + ".0" : text;
    }

    /// <summary>A literal of the layer's element type: <c>0.1f</c> for float, <c>0.1</c> for double.</summary>
    public static string Element(double value, ElementKind element) =>
        element == ElementKind.Float
            ? ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f"
            : Double(value);

    /// <summary>A value for a comment, rounded to 15 digits so 1 - 0.9 reads 0.1.</summary>
    public static string Readable(double value) => value.ToString("G15", CultureInfo.InvariantCulture);

    /// <summary>A value as the user reads it in a diagnostic.</summary>
    public static string Display(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Bool(bool value) => value ? "true" : "false";

    public static string TypeKeyword(ElementKind element) => element == ElementKind.Float ? "float" : "double";
}
