using System.Linq;
using CsCheck;

namespace NormGen.Generator.Tests.Robustness;

/// <summary>CsCheck generators for <see cref="Declaration"/>: valid and invalid values, odd names and shapes.</summary>
internal static class DeclarationGenerators
{
    private static readonly string[] Names =
    {
        "Layer", "Hidden1Norm", "Ñorm", "层", "Δ_2", "@class", "@int", "_under", "@partial", "@record",
    };

    /// <summary>Names the generated code declares or uses (NG0014).</summary>
    private static readonly string[] TakenNames = { "Forward", "Gamma", "Shape", "@var", "Math", "_pivot" };

    private static readonly string[] Namespaces =
    {
        "Net", "A.B.C", "@class", "Ünïcode.层", "@namespace.@int", "NormGen.Layers", "System2.Runtime",
    };

    private static readonly Member[] MemberPool =
    {
        new("public void Forward() { }", "Forward"),
        new("public int Gamma => 1;", "Gamma"),
        new("public int _pivot = 1;", "_pivot"),
        new("public class Features { }", "Features"),
        new("public static int RowsPerChunk = 3;", "RowsPerChunk"),
        new("public void Helper() { }", "Helper"),
        new("public int Count { get; set; }", "Count"),
    };

    private static readonly Member[] HarmlessMembers = MemberPool.Where(m => !Declaration.Generated.Contains(m.Name)).ToArray();

    private static Gen<Argument?> Missing => Fixed<Argument?>(null);

    /// <summary>Always <paramref name="value"/> (Gen.Const with a null or a record is ambiguous with its factory overload).</summary>
    private static Gen<T> Fixed<T>(T value) => Gen.OneOf(new[] { value });

    private static Gen<Argument?> Features => Gen.Frequency(
        (14, Gen.Int[1, 2000].Select(v => Int("Features", v))),
        (1, Gen.OneOf(0, -1, -1000, 16777216, 16777217, int.MaxValue, int.MinValue).Select(v => Int("Features", v))),
        (1, Missing),
        (1, Gen.Int[0, 1].Select(i => i == 0 ? new Argument("Features", "\"x\"", "CS0029", null) : new Argument("Features", "0x10", null, 16)).Select(a => (Argument?)a)));

    private static Gen<Argument?> Spatial => Gen.Frequency(
        (3, Missing),
        (2, Gen.Int[1, 300].Select(v => Int("Spatial", v))),
        (1, Gen.OneOf(0, -3, 16777216, 65536, 1 << 20).Select(v => Int("Spatial", v))));

    private static Gen<Argument?> Momentum => Gen.Frequency(
        (2, Missing),
        (6, Gen.Double[0, 1].Select(v => Double("Momentum", v))),
        (1, Gen.OneOf(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.5, 1.5, 1e308, -1e-300, 0.0, 1.0, -0.0).Select(v => Double("Momentum", v))),
        (1, Fixed<Argument?>(new Argument("Momentum", "1", null, 1.0))),
        (1, Gen.Int[0, 3].Select(i => i == 0 ? new Argument("Momentum", "true", "CS0029", null) : new Argument("Momentum", "0.5", null, 0.5)).Select(a => (Argument?)a)));

    private static Gen<Argument?> Epsilon => Gen.Frequency(
        (2, Missing),
        (6, Gen.Double[1e-12, 1].Select(v => Double("Epsilon", v))),
        (1, Gen.OneOf(0.0, -1e-5, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e308, double.Epsilon).Select(v => Double("Epsilon", v))),
        (1, Gen.Int[0, 3].Select(i => i == 0 ? new Argument("Epsilon", "\"e\"", "CS0029", null) : new Argument("Epsilon", "1e-3", null, 1e-3)).Select(a => (Argument?)a)));

    private static Gen<Argument?> ElementType => Gen.Frequency(
        (3, Missing),
        (6, Gen.OneOf("float", "double").Select(t => (Argument?)new Argument("ElementType", "typeof(" + t + ")", null, t))),
        (1, Gen.OneOf(("int", "int"), ("decimal", "decimal"), ("string", "string"), ("System.Half", "Half"))
            .Select(t => (Argument?)new Argument("ElementType", "typeof(" + t.Item1 + ")", null, t.Item2))),
        (1, Gen.Int[0, 3].Select(i => i == 0 ? new Argument("ElementType", "3", "CS0029", null) : new Argument("ElementType", "typeof(Single)", null, "float")).Select(a => (Argument?)a)));

    private static Gen<Argument?> Enum(string name, string enumName, string[] defined, int[] undefined) => Gen.Frequency(
        (3, Missing),
        (4, Gen.Int[0, defined.Length - 1].Select(i => (Argument?)new Argument(name, enumName + "." + defined[i], null, i))),
        (1, Gen.OneOf(undefined.Select(v => (Argument?)new Argument(name, "(" + enumName + ")(" + Literal.Int(v) + ")", null, v)).ToArray())));

    private static Gen<Argument?> Flag(string name) => Gen.Frequency(
        (2, Missing),
        (1, Gen.Bool.Select(b => (Argument?)new Argument(name, b ? "true" : "false", null, b))));

    private static Gen<Argument[]> Arguments =>
        Gen.Select(
            Gen.Select(Features, Spatial, Momentum, Epsilon, ElementType),
            Gen.Select(
                Enum("RunningStats", "RunningStatsMode", new[] { "Exponential", "Cumulative", "None" }, new[] { 3, 7, -1 }),
                Enum("Activation", "Activation", new[] { "None", "Relu" }, new[] { 2, 5, -1 }),
                Flag("Affine"),
                Flag("UnbiasedRunningVariance")),
            (a, b) => new[] { a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, b.Item1, b.Item2, b.Item3, b.Item4 }
                .Where(x => x is not null).Select(x => x!).ToArray());

    private static Gen<TargetKind> Kind => Gen.Frequency(
        (6, Fixed(TargetKind.Class)),
        (2, Fixed(TargetKind.SealedClass)),
        (2, Fixed(TargetKind.Record)),
        (1, Fixed(TargetKind.RecordClass)),
        (1, Gen.OneOf(TargetKind.StaticClass, TargetKind.AbstractClass, TargetKind.GenericClass, TargetKind.FileClass)),
        (1, Gen.OneOf(TargetKind.Struct, TargetKind.RecordStruct, TargetKind.Interface)));

    private static Gen<OuterType> Outer => Gen.Select(
        Gen.OneOf("class", "struct", "record", "record struct", "interface", "static class"),
        Gen.Int[0, 99].Select(p => p < 85),
        Gen.Int[0, 99].Select(p => p < 10),
        (keyword, partial, generic) => new OuterType(keyword, partial, generic && keyword != "static class" || generic && !partial));

    private static Gen<OuterType[]> Outers => Gen.Frequency(
        (6, Fixed(System.Array.Empty<OuterType>())),
        (3, Outer.Array[1]),
        (1, Outer.Array[2]));

    public static Gen<Declaration> Declarations =>
        Gen.Select(
            Gen.Select(Gen.Enum<NamespaceStyle>(), Gen.OneOf(Namespaces), Outers, Kind),
            Gen.Select(Gen.Int[0, 99].Select(p => p < 90), Gen.Frequency((10, Gen.OneOf(Names)), (1, Gen.OneOf(TakenNames))), Arguments, Gen.Int[0, 99].Select(p => p < 8)),
            Gen.Select(
                Gen.Frequency((4, Fixed(System.Array.Empty<Member>())), (2, Gen.OneOf(HarmlessMembers).Array[1, 2]), (1, Gen.OneOf(MemberPool).Array[1, 2])),
                Gen.Frequency((8, Fixed<string?>(null)), (1, Fixed<string?>("Module")), (1, Fixed<string?>("Plain")))),
            (a, b, c) =>
            {
                (NamespaceStyle style, string ns, OuterType[] outers, TargetKind kind) = a;
                (bool partial, string name, Argument[] arguments, bool second) = b;
                (Member[] members, string? baseType) = c;
                bool classWithBody = kind is TargetKind.Class or TargetKind.SealedClass or TargetKind.Record or TargetKind.RecordClass
                    or TargetKind.AbstractClass or TargetKind.GenericClass or TargetKind.FileClass;
                bool canDerive = classWithBody && kind is not (TargetKind.Record or TargetKind.RecordClass);
                return new Declaration(
                    style,
                    ns,
                    kind == TargetKind.FileClass ? System.Array.Empty<OuterType>() : outers,
                    kind,
                    partial,
                    name,
                    arguments,
                    second,
                    classWithBody ? members.DistinctBy(m => m.Name).Where(m => m.Name != name.TrimStart('@')).ToArray() : System.Array.Empty<Member>(),
                    canDerive ? baseType : null);
            });

    private static Argument Int(string name, int value) => new(name, Literal.Int(value), null, value);

    private static Argument Double(string name, double value) => new(name, Literal.Double(value), null, value);
}
