using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NormGen.Generator.Tests.Robustness;

/// <summary>How the declaration's namespace is written.</summary>
internal enum NamespaceStyle
{
    Global,
    FileScoped,
    Block,
    NestedBlocks,
}

/// <summary>The attributed type's declaration form.</summary>
internal enum TargetKind
{
    Class,
    SealedClass,
    Record,
    RecordClass,
    StaticClass,
    AbstractClass,
    GenericClass,
    FileClass,
    Struct,
    RecordStruct,
    Interface,
}

/// <summary>An enclosing type.</summary>
internal sealed record OuterType(string Keyword, bool Partial, bool Generic);

/// <summary>A named attribute argument as written, with what the compiler makes of it.</summary>
/// <param name="Text">The argument text after "Name = ".</param>
/// <param name="CompilerError">The compiler error it causes (a wrong type), or null.</param>
/// <param name="Value">The bound value when it binds: int, double, a type keyword, or null.</param>
internal sealed record Argument(string Name, string Text, string? CompilerError, object? Value);

/// <summary>A user member on the layer type.</summary>
internal sealed record Member(string Text, string Name);

/// <summary>One randomly built layer declaration, rendered to C# and with the diagnostics it must get.</summary>
/// <param name="Layer">The attribute: BatchNorm, LayerNorm, RmsNorm, GroupNorm or InstanceNorm.</param>
internal sealed record Declaration(
    string Layer,
    NamespaceStyle NamespaceStyle,
    string Namespace,
    OuterType[] Outers,
    TargetKind Kind,
    bool Partial,
    string Name,
    Argument[] Arguments,
    bool SecondAttribute,
    Member[] Members,
    string? BaseType)
{
    public const int MaxShape = 1 << 24;

    /// <summary>The attributes the declarations use: every registered kind.</summary>
    public static readonly string[] Layers = Kinds.LayerKinds.All.Select(k => k.AttributeName).ToArray();

    /// <summary>Names this kind's generated code declares on the layer, from the emitter's own list (GeneratedMembersTests checks it).</summary>
    public HashSet<string> Generated => new(Kinds.LayerKinds.Find("NormGen." + Layer + "Attribute")!.MemberNames);

    public bool IsClass => Kind is not (TargetKind.Struct or TargetKind.RecordStruct or TargetKind.Interface);

    /// <summary>The type's name as C# sees it (no @).</summary>
    public string PlainName => Name.TrimStart('@');

    public string Render()
    {
        var text = new StringBuilder();
        text.AppendLine("using NormGen;");
        text.AppendLine("using System;");
        text.AppendLine();
        int closing = 0;
        switch (NamespaceStyle)
        {
            case NamespaceStyle.FileScoped:
                text.AppendLine("namespace " + Namespace + ";");
                break;
            case NamespaceStyle.Block:
                text.AppendLine("namespace " + Namespace + " {");
                closing++;
                break;
            case NamespaceStyle.NestedBlocks:
                text.AppendLine("namespace Top {");
                text.AppendLine("namespace " + Namespace + " {");
                closing += 2;
                break;
        }

        for (int i = 0; i < Outers.Length; i++)
        {
            OuterType outer = Outers[i];
            string keyword = outer.Keyword.StartsWith("static ", StringComparison.Ordinal) ? "static " + (outer.Partial ? "partial " : "") + "class" : (outer.Partial ? "partial " : "") + outer.Keyword;
            text.AppendLine("public " + keyword + " Outer" + i + (outer.Generic ? "<T" + i + ">" : "") + " {");
            closing++;
        }

        string arguments = string.Join(", ", Arguments.Select(a => a.Name + " = " + a.Text));
        text.Append("[" + Layer + (Arguments.Length > 0 ? "(" + arguments + ")" : "") + "]");
        text.AppendLine(SecondAttribute ? (Layer == "LayerNorm" ? "[RmsNorm(Features = 3)]" : "[LayerNorm(Features = 3)]") : "");
        text.Append(Modifiers()).Append(Name).Append(Kind == TargetKind.GenericClass ? "<TElement>" : "");
        text.Append(BaseType is null ? "" : " : " + BaseType);
        text.AppendLine(" {");
        foreach (Member member in Members)
        {
            text.AppendLine("    " + member.Text);
        }

        text.AppendLine("}");
        text.Append('}', closing);
        text.AppendLine();
        return text.ToString();
    }

    private string Modifiers()
    {
        string partial = Partial ? "partial " : "";
        return Kind switch
        {
            TargetKind.Class => "public " + partial + "class ",
            TargetKind.SealedClass => "internal sealed " + partial + "class ",
            TargetKind.Record => "public " + partial + "record ",
            TargetKind.RecordClass => "public sealed " + partial + "record class ",
            TargetKind.StaticClass => "public static " + partial + "class ",
            TargetKind.AbstractClass => "public abstract " + partial + "class ",
            TargetKind.GenericClass => "public " + partial + "class ",
            TargetKind.FileClass => "file " + partial + "class ",
            TargetKind.Struct => "public " + partial + "struct ",
            TargetKind.RecordStruct => "public " + partial + "record struct ",
            _ => "public " + partial + "interface ",
        };
    }

    /// <summary>
    /// The error IDs this declaration must get, sorted: the compiler's for what it rejects itself, otherwise NormGen's,
    /// following the parser's documented order (target checks stop at the first problem; argument problems all appear).
    /// </summary>
    public string[] ExpectedErrors()
    {
        var errors = new List<string>();
        bool argumentErrors = Arguments.Any(a => a.CompilerError is not null);
        if (!IsClass)
        {
            // The compiler checks the attribute's target only once its arguments bind.
            if (!argumentErrors)
            {
                errors.Add("CS0592");
            }

            if (SecondAttribute)
            {
                errors.Add("CS0592");
            }
        }

        errors.AddRange(Arguments.Where(a => a.CompilerError is not null).Select(a => a.CompilerError!));
        if (!IsClass)
        {
            return Sorted(errors);
        }

        if (SecondAttribute)
        {
            errors.Add("NG0009");
            return Sorted(errors);
        }

        if (errors.Count > 0)
        {
            return Sorted(errors);
        }

        if (Kind is TargetKind.StaticClass or TargetKind.AbstractClass or TargetKind.GenericClass or TargetKind.FileClass)
        {
            return new[] { "NG0002" };
        }

        if (Kind is TargetKind.Record or TargetKind.RecordClass)
        {
            return new[] { "NG0019" };
        }

        if (!Partial)
        {
            return new[] { "NG0001" };
        }

        // Innermost first: a type nested in a generic type is generic too (IsGenericType).
        for (int i = Outers.Length - 1; i >= 0; i--)
        {
            if (!Outers[i].Partial || Outers.Take(i + 1).Any(o => o.Generic))
            {
                return new[] { "NG0003" };
            }
        }

        HashSet<string> generated = Generated;
        if (generated.Contains(PlainName))
        {
            errors.Add("NG0014");
        }

        errors.AddRange(Members.Select(m => m.Name).Where(generated.Contains).Where(n => n != PlainName).Distinct().Select(_ => "NG0010"));
        if (BaseType == "Module")
        {
            errors.Add("NG0015");
        }

        AddArgumentErrors(errors);
        return Sorted(errors);
    }

    /// <summary>The argument problems, in the order the kind's parser checks them.</summary>
    private void AddArgumentErrors(List<string> errors)
    {
        // Shapes: each required one missing (NG0005) or out of range (NG0004); then the kind's combined checks, made
        // only while nothing else is wrong (the parsers check HasProblems).
        bool shapeProblem = false;
        int? Shape(string name, bool required, int defaultValue)
        {
            int? value = Value<int>(name);
            if (value is null)
            {
                if (required)
                {
                    errors.Add("NG0005");
                    shapeProblem = true;
                }

                return required ? null : defaultValue;
            }

            if (value < 1 || value > MaxShape)
            {
                errors.Add("NG0004");
                shapeProblem = true;
            }

            return value;
        }

        long sampleLength = 0;
        switch (Layer)
        {
            case "BatchNorm":
                sampleLength = (long)(Shape("Features", true, 0) ?? 0) * (Shape("Spatial", false, 1) ?? 1);
                break;
            case "GroupNorm":
                int? groups = Shape("Groups", true, 0);
                int? channels = Shape("Channels", true, 0);
                int spatial = Shape("Spatial", false, 1) ?? 1;
                if (!shapeProblem && errors.Count == 0 && channels!.Value % groups!.Value != 0)
                {
                    errors.Add("NG0011");
                }

                sampleLength = (long)(channels ?? 0) * spatial;
                break;
            case "InstanceNorm":
                sampleLength = (long)(Shape("Channels", true, 0) ?? 0) * (Shape("Spatial", false, 1) ?? 1);
                break;
            default:
                Shape("Features", true, 0);
                break;
        }

        if (!shapeProblem && errors.Count == 0 && sampleLength > MaxShape)
        {
            errors.Add("NG0013");
        }

        bool isFloat = true;
        if (Argument("ElementType")?.Value is string element)
        {
            if (element is not ("float" or "double"))
            {
                errors.Add("NG0008");
            }

            isFloat = element != "double";
        }

        double epsilon = Value<double>("Epsilon") ?? 1e-5;
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
        {
            errors.Add("NG0007");
        }
        else if ((isFloat ? (float)epsilon : epsilon) < (isFloat ? 1.1754943508222875E-38 : 2.2250738585072014E-308))
        {
            errors.Add("NG0017");
        }

        double momentum = Value<double>("Momentum") ?? 0.9;
        if (!(momentum >= 0 && momentum <= 1))
        {
            errors.Add("NG0006");
        }

        if (Value<int>("RunningStats") is int stats && (stats < 0 || stats > 2))
        {
            errors.Add("NG0012");
        }

        if (Value<int>("Activation") is int activation && (activation < 0 || activation > 1))
        {
            errors.Add("NG0012");
        }

        AddSmallBatchErrors(errors, Shape: Value<int>("Spatial") ?? 1);
    }

    /// <summary>Batch renormalization and ghost batches: NG0020 and NG0021 per value, then NG0022 per unsupported pair.</summary>
    private void AddSmallBatchErrors(List<string> errors, int Shape)
    {
        bool renorm = Value<bool>("Renorm") ?? false;
        if (Value<double>("RenormMaxScale") is double scale && !(scale >= 1))
        {
            errors.Add("NG0020");
        }

        if (Value<double>("RenormMaxShift") is double shift && !(shift >= 0))
        {
            errors.Add("NG0020");
        }

        int virtualBatch = Value<int>("VirtualBatchSize") ?? 0;
        if (virtualBatch < 0 || virtualBatch > MaxShape || (virtualBatch > 0 && (long)virtualBatch * Shape < 2))
        {
            errors.Add("NG0021");
        }

        if (renorm && Value<int>("RunningStats") == 2)
        {
            errors.Add("NG0022");
        }

        if (renorm && virtualBatch > 0)
        {
            errors.Add("NG0022");
        }

        if (!renorm)
        {
            errors.AddRange(new[] { "RenormMaxScale", "RenormMaxShift" }.Where(name => Argument(name) is not null).Select(_ => "NG0022"));
        }
    }

    /// <summary>For an NG diagnostic on an argument, the argument's name (its location must start with it).</summary>
    public static string? ArgumentOf(string id, string message) => id switch
    {
        "NG0006" => "Momentum",
        "NG0007" or "NG0017" => "Epsilon",
        "NG0008" => "ElementType",
        "NG0011" => "Groups",
        "NG0020" or "NG0021" => message.Substring(0, message.IndexOf(' ')),
        "NG0013" => "Spatial",
        "NG0004" or "NG0012" => message.Substring(0, message.IndexOf(' ')),
        _ => null,
    };

    private Argument? Argument(string name) => Arguments.FirstOrDefault(a => a.Name == name);

    private T? Value<T>(string name)
        where T : struct =>
        Argument(name)?.Value is T value ? value : null;

    private static string[] Sorted(List<string> errors) => errors.OrderBy(e => e, StringComparer.Ordinal).ToArray();

    public override string ToString() => Render();
}

/// <summary>Literal text for random values, written the way users write them.</summary>
internal static class Literal
{
    public static string Double(double value) =>
        double.IsNaN(value) ? "double.NaN"
        : double.IsPositiveInfinity(value) ? "double.PositiveInfinity"
        : double.IsNegativeInfinity(value) ? "double.NegativeInfinity"
        : value.ToString("R", CultureInfo.InvariantCulture);

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
