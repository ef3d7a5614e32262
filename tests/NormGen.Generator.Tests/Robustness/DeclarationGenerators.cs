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

    /// <summary>Names some kinds' generated members have (NG0014), and names only their implementation uses (fine).</summary>
    private static readonly string[] TakenNames = { "Forward", "Gamma", "RunningMean", "Channels", "@var", "Math", "_pivot", "Unsafe" };

    /// <summary>Namespaces, some named like framework types and namespaces the generated code uses: they must not matter.</summary>
    private static readonly string[] Namespaces =
    {
        "Net", "A.B.C", "@class", "Ünïcode.层", "@namespace.@int", "NormGen.Layers", "System2.Runtime", "Contoso.ML.Math",
        "Game.MemoryMarshal", "Vector256.Unsafe", "Span",
    };

    /// <summary>Members of the layer: some collide with a kind's public members (NG0010), the rest must not matter.</summary>
    private static readonly Member[] MemberPool =
    {
        new("public void Forward() { }", "Forward"),
        new("public int Gamma => 1;", "Gamma"),
        new("public int _pivot = 1;", "_pivot"),
        new("public class Features { }", "Features"),
        new("public class Channels { }", "Channels"),
        new("public int RunningMean => 2;", "RunningMean"),
        new("public static int RowsPerChunk = 3;", "RowsPerChunk"),
        new("public void Helper() { }", "Helper"),
        new("public int Count { get; set; }", "Count"),
        new("public class MemoryMarshal { }", "MemoryMarshal"),
        new("public static double Math => 4;", "Math"),
    };

    private static readonly Member[] HarmlessMembers = MemberPool.Where(m => m.Name is "_pivot" or "RowsPerChunk" or "Helper" or "Count" or "MemoryMarshal" or "Math").ToArray();

    private static Gen<Argument?> Missing => Fixed<Argument?>(null);

    /// <summary>Always <paramref name="value"/> (Gen.Const with a null or a record is ambiguous with its factory overload).</summary>
    private static Gen<T> Fixed<T>(T value) => Gen.OneOf(new[] { value });

    private static Gen<Argument?> Momentum => Gen.Frequency(
        (2, Missing),
        (6, Gen.Double[0, 1].Select(v => Double("Momentum", v))),
        (1, Gen.OneOf(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.5, 1.5, 1e308, -1e-300, 0.0, 1.0, -0.0).Select(v => Double("Momentum", v))),
        (1, Fixed<Argument?>(new Argument("Momentum", "1", null, 1.0))),
        (1, Gen.Int[0, 3].Select(i => i == 0 ? new Argument("Momentum", "true", "CS0029", null) : new Argument("Momentum", "0.5", null, 0.5)).Select(a => (Argument?)a)));

    private static Gen<Argument?> Epsilon => Gen.Frequency(
        (2, Missing),
        (6, Gen.Double[1e-12, 1].Select(v => Double("Epsilon", v))),
        (1, Gen.OneOf(0.0, -1e-5, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e308, double.Epsilon, 1e-40, 1e-50, 2e-38).Select(v => Double("Epsilon", v))),
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

    /// <summary>r_max or d_max: mostly valid, sometimes below the minimum or NaN.</summary>
    private static Gen<Argument?> RenormLimit(string name, double minimum) => Gen.Frequency(
        (6, Missing),
        (2, Gen.Double[minimum, minimum + 5].Select(v => Double(name, v))),
        (1, Gen.OneOf(minimum - 0.5, double.NaN, double.PositiveInfinity, minimum).Select(v => Double(name, v))));

    private static Gen<Argument?> VirtualBatchSize => Gen.Frequency(
        (6, Missing),
        (2, Gen.Int[2, 64].Select(v => Int("VirtualBatchSize", v))),
        (1, Gen.OneOf(0, 1, -1, 16777217).Select(v => Int("VirtualBatchSize", v))));

    private static Gen<Argument?> Flag(string name) => Gen.Frequency(
        (2, Missing),
        (1, Gen.Bool.Select(b => (Argument?)new Argument(name, b ? "true" : "false", null, b))));

    private static Gen<Argument?> Shape(string name, bool required) => required
        ? Gen.Frequency(
            (14, Gen.Int[1, 2000].Select(v => Int(name, v))),
            (1, Gen.OneOf(0, -1, -1000, 16777216, 16777217, int.MaxValue, int.MinValue).Select(v => Int(name, v))),
            (1, Missing),
            (1, Gen.Int[0, 1].Select(i => i == 0 ? new Argument(name, "\"x\"", "CS0029", null) : new Argument(name, "0x10", null, 16)).Select(a => (Argument?)a)))
        : Gen.Frequency(
            (3, Missing),
            (2, Gen.Int[1, 300].Select(v => Int(name, v))),
            (1, Gen.OneOf(0, -3, 16777216, 65536, 1 << 20).Select(v => Int(name, v))));

    /// <summary>Groups that often divide the usual channel counts, sometimes not, sometimes invalid.</summary>
    private static Gen<Argument?> Groups => Gen.Frequency(
        (8, Gen.OneOf(1, 2, 3, 4, 8, 16, 32).Select(v => Int("Groups", v))),
        (2, Shape("Groups", required: true)));

    private static Gen<Argument?> Channels => Gen.Frequency(
        (8, Gen.OneOf(1, 2, 4, 8, 12, 16, 32, 64, 96).Select(v => Int("Channels", v))),
        (2, Shape("Channels", required: true)));

    private static Gen<Argument[]> Arguments(string layer)
    {
        Gen<Argument?> activation = Enum("Activation", "Activation", new[] { "None", "Relu" }, new[] { 2, 5, -1 });
        Gen<Argument?> none = Missing;
        (Gen<Argument?> a, Gen<Argument?> b, Gen<Argument?> c, Gen<Argument?> d, Gen<Argument?> e, Gen<Argument?> f) = layer switch
        {
            "BatchNorm" => (Shape("Features", true), Shape("Spatial", false), Momentum,
                            Enum("RunningStats", "RunningStatsMode", new[] { "Exponential", "Cumulative", "None" }, new[] { 3, 7, -1 }), activation, Flag("UnbiasedRunningVariance")),
            "LayerNorm" => (Shape("Features", true), none, none, none, activation, none),
            "RmsNorm" => (Shape("Features", true), none, none, none, none, none),
            "GroupNorm" => (Groups, Channels, Shape("Spatial", false), none, none, none),
            _ => (Channels, Shape("Spatial", false), none, none, none, none),
        };
        bool batchNorm = layer == "BatchNorm";
        return Gen.Select(
            Gen.Select(a, b, c, d, e, f),
            Gen.Select(Epsilon, ElementType, Flag("Affine")),
            Gen.Select(
                batchNorm ? Flag("Renorm") : none,
                batchNorm ? RenormLimit("RenormMaxScale", 1) : none,
                batchNorm ? RenormLimit("RenormMaxShift", 0) : none,
                batchNorm ? VirtualBatchSize : none),
            (x, y, z) => new[] { x.Item1, x.Item2, x.Item3, x.Item4, x.Item5, x.Item6, y.Item1, y.Item2, y.Item3, z.Item1, z.Item2, z.Item3, z.Item4 }
                .Where(argument => argument is not null).Select(argument => argument!).ToArray());
    }

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
        Gen.OneOf(Declaration.Layers).SelectMany(layer => DeclarationsOf(layer));

    private static Gen<Declaration> DeclarationsOf(string layer) =>
        Gen.Select(
            Gen.Select(Gen.Enum<NamespaceStyle>(), Gen.OneOf(Namespaces), Outers, Kind),
            Gen.Select(Gen.Int[0, 99].Select(p => p < 90), Gen.Frequency((10, Gen.OneOf(Names)), (1, Gen.OneOf(TakenNames))), Arguments(layer), Gen.Int[0, 99].Select(p => p < 8)),
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
                    layer,
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
