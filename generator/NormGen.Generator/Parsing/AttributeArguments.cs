using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Generator.Diagnostics;
using NormGen.Generator.Shared;

namespace NormGen.Generator.Parsing;

/// <summary>
/// The named arguments of one layer attribute, with the source location of each, so a problem
/// is reported on the argument the user wrote. Reading never throws; a bad value becomes a diagnostic.
/// </summary>
internal sealed class AttributeArguments
{
    private readonly Dictionary<string, TypedConstant> _values = new(StringComparer.Ordinal);
    private readonly AttributeSyntax? _syntax;
    private readonly List<Diagnostic> _problems;

    public AttributeArguments(AttributeData attribute, string attributeName, string typeName, List<Diagnostic> problems)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            _values[argument.Key] = argument.Value;
        }

        _syntax = attribute.ApplicationSyntaxReference?.GetSyntax() as AttributeSyntax;
        AttributeName = attributeName;
        TypeName = typeName;
        _problems = problems;
    }

    /// <summary>The attribute's short name, e.g. BatchNorm.</summary>
    public string AttributeName { get; }

    /// <summary>The attributed type's name, for messages.</summary>
    public string TypeName { get; }

    /// <summary>True when any argument failed to bind (the compiler reports that; we stay quiet).</summary>
    public bool HasBindingErrors
    {
        get
        {
            foreach (TypedConstant value in _values.Values)
            {
                if (value.Kind == TypedConstantKind.Error)
                {
                    return true;
                }
            }

            return false;
        }
    }

    public bool HasProblems => _problems.Count > 0;

    /// <summary>The location of argument <paramref name="name"/>, or of the whole attribute when it was not written.</summary>
    public Location LocationOf(string name)
    {
        if (_syntax?.ArgumentList is { } list)
        {
            foreach (AttributeArgumentSyntax argument in list.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name)
                {
                    return argument.GetLocation();
                }
            }
        }

        return _syntax?.GetLocation() ?? Location.None;
    }

    public Location AttributeLocation => _syntax?.GetLocation() ?? Location.None;

    public void Report(DiagnosticDescriptor descriptor, Location location, params object[] args) =>
        _problems.Add(Diagnostic.Create(descriptor, location, args));

    /// <summary>A required shape argument in [1, LayerLimits.MaxFeatures]: Features, Channels, Groups.</summary>
    public int RequiredShape(string name)
    {
        if (!_values.TryGetValue(name, out TypedConstant value) || value.Value is not int number)
        {
            Report(DiagnosticDescriptors.MissingRequiredArgument, AttributeLocation, AttributeName, TypeName, name);
            return 0;
        }

        return CheckShape(name, number);
    }

    /// <summary>An optional shape argument in [1, LayerLimits.MaxFeatures], such as Spatial.</summary>
    public int OptionalShape(string name, int defaultValue) =>
        _values.TryGetValue(name, out TypedConstant value) && value.Value is int number
            ? CheckShape(name, number)
            : defaultValue;

    /// <summary>
    /// When the shape arguments are valid, checks that their product (the elements per sample) is within
    /// LayerLimits.MaxFeatures, reporting on <paramref name="locationName"/>.
    /// </summary>
    public void CheckSampleLength(string product, int first, int second, string locationName)
    {
        long length = (long)first * second;
        if (!HasProblems && length > LayerLimits.MaxFeatures)
        {
            Report(DiagnosticDescriptors.SampleTooLarge, LocationOf(locationName), product, Literals.Long(length), Literals.Int(LayerLimits.MaxFeatures));
        }
    }

    /// <summary>
    /// Epsilon: finite and positive (NG0007), and a normal number in the layer's element type (NG0017): an epsilon that
    /// rounds to 0 or to a subnormal gives NaN or infinity for a feature with zero variance.
    /// </summary>
    public double Epsilon(double defaultValue, Model.ElementKind element)
    {
        const string Name = nameof(BatchNormAttribute.Epsilon);
        double epsilon = Double(Name, defaultValue);
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
        {
            Report(DiagnosticDescriptors.EpsilonInvalid, LocationOf(Name), Literals.Display(epsilon));
            return epsilon;
        }

        const double SmallestNormalFloat = 1.1754943508222875E-38;
        const double SmallestNormalDouble = 2.2250738585072014E-308;
        bool isFloat = element == Model.ElementKind.Float;
        double smallest = isFloat ? SmallestNormalFloat : SmallestNormalDouble;
        double rounded = isFloat ? (float)epsilon : epsilon;
        if (rounded < smallest)
        {
            Report(
                DiagnosticDescriptors.EpsilonNotNormal,
                LocationOf(Name),
                Literals.Display(epsilon),
                rounded == 0 ? "rounds to 0" : "is subnormal",
                isFloat ? "float" : "double",
                isFloat ? "1.1754944E-38" : "2.2250738585072014E-308");
        }

        return epsilon;
    }

    public double Momentum(double defaultValue)
    {
        double momentum = Double(nameof(BatchNormAttribute.Momentum), defaultValue);
        if (!(momentum >= 0 && momentum <= 1))
        {
            Report(DiagnosticDescriptors.MomentumOutOfRange, LocationOf(nameof(BatchNormAttribute.Momentum)), Literals.Display(momentum));
        }

        return momentum;
    }

    public bool Boolean(string name, bool defaultValue) =>
        _values.TryGetValue(name, out TypedConstant value) && value.Value is bool flag ? flag : defaultValue;

    /// <summary>ElementType: float (the default) or double.</summary>
    public Model.ElementKind ElementType()
    {
        if (!_values.TryGetValue(nameof(BatchNormAttribute.ElementType), out TypedConstant value) || value.Value is not ITypeSymbol type)
        {
            return Model.ElementKind.Float;
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Single:
                return Model.ElementKind.Float;
            case SpecialType.System_Double:
                return Model.ElementKind.Double;
            default:
                Report(DiagnosticDescriptors.ElementTypeUnsupported, LocationOf(nameof(BatchNormAttribute.ElementType)), type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
                return Model.ElementKind.Float;
        }
    }

    /// <summary>An enum option: one of the values the runtime's enum (linked here) defines.</summary>
    public TEnum EnumOption<TEnum>(string name, TEnum defaultValue)
        where TEnum : struct, Enum
    {
        if (!_values.TryGetValue(name, out TypedConstant value) || value.Value is not int number)
        {
            return defaultValue;
        }

        if (!Enum.IsDefined(typeof(TEnum), number))
        {
            string enumName = typeof(TEnum).Name;
            string allowed = string.Join(" or ", Array.ConvertAll(Enum.GetNames(typeof(TEnum)), n => enumName + "." + n));
            Report(DiagnosticDescriptors.UnknownEnumValue, LocationOf(name), name, number.ToString(CultureInfo.InvariantCulture), enumName, allowed);
            return defaultValue;
        }

        return (TEnum)Enum.ToObject(typeof(TEnum), number);
    }

    /// <summary>Whether the user wrote argument <paramref name="name"/>.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>An int argument, or <paramref name="defaultValue"/> when it was not written.</summary>
    public int Int(string name, int defaultValue) =>
        _values.TryGetValue(name, out TypedConstant value) && value.Value is int number ? number : defaultValue;

    /// <summary>A double argument, or <paramref name="defaultValue"/> when it was not written.</summary>
    public double Double(string name, double defaultValue) =>
        _values.TryGetValue(name, out TypedConstant value) && value.Value is double number ? number : defaultValue;

    private int CheckShape(string name, int number)
    {
        if (number < 1 || number > LayerLimits.MaxFeatures)
        {
            Report(DiagnosticDescriptors.ShapeOutOfRange, LocationOf(name), name, Literals.Int(number), AttributeName, Literals.Int(LayerLimits.MaxFeatures));
        }

        return number;
    }
}
