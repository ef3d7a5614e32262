using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Generator.Diagnostics;

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

    /// <summary>A required shape argument in [1, max]: Features, Channels, Groups.</summary>
    public int RequiredShape(string name, int max)
    {
        if (!_values.TryGetValue(name, out TypedConstant value) || value.Value is not int number)
        {
            Report(DiagnosticDescriptors.MissingRequiredArgument, AttributeLocation, AttributeName, TypeName, name);
            return 0;
        }

        return CheckShape(name, number, max);
    }

    /// <summary>An optional shape argument in [1, max], such as Spatial.</summary>
    public int OptionalShape(string name, int defaultValue, int max) =>
        _values.TryGetValue(name, out TypedConstant value) && value.Value is int number
            ? CheckShape(name, number, max)
            : defaultValue;

    public double Epsilon(double defaultValue)
    {
        double epsilon = Double("Epsilon", defaultValue);
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
        {
            Report(DiagnosticDescriptors.EpsilonInvalid, LocationOf("Epsilon"), Literals.Display(epsilon));
        }

        return epsilon;
    }

    public double Momentum(double defaultValue)
    {
        double momentum = Double("Momentum", defaultValue);
        if (!(momentum >= 0 && momentum <= 1))
        {
            Report(DiagnosticDescriptors.MomentumOutOfRange, LocationOf("Momentum"), Literals.Display(momentum));
        }

        return momentum;
    }

    public bool Boolean(string name, bool defaultValue) =>
        _values.TryGetValue(name, out TypedConstant value) && value.Value is bool flag ? flag : defaultValue;

    /// <summary>ElementType: float (the default) or double.</summary>
    public Model.ElementKind ElementType()
    {
        if (!_values.TryGetValue("ElementType", out TypedConstant value) || value.Value is not ITypeSymbol type)
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
                Report(DiagnosticDescriptors.ElementTypeUnsupported, LocationOf("ElementType"), type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
                return Model.ElementKind.Float;
        }
    }

    /// <summary>An enum option whose defined values are 0 .. names.Length - 1.</summary>
    public int EnumOption(string name, string enumName, string[] names)
    {
        if (!_values.TryGetValue(name, out TypedConstant value) || value.Value is not int number)
        {
            return 0;
        }

        if (number < 0 || number >= names.Length)
        {
            string allowed = string.Join(" or ", Array.ConvertAll(names, n => enumName + "." + n));
            Report(DiagnosticDescriptors.UnknownEnumValue, LocationOf(name), name, number.ToString(CultureInfo.InvariantCulture), enumName, allowed);
            return 0;
        }

        return number;
    }

    private double Double(string name, double defaultValue) =>
        _values.TryGetValue(name, out TypedConstant value) && value.Value is double number ? number : defaultValue;

    private int CheckShape(string name, int number, int max)
    {
        if (number < 1 || number > max)
        {
            Report(DiagnosticDescriptors.ShapeOutOfRange, LocationOf(name), name, number.ToString(CultureInfo.InvariantCulture), AttributeName, max.ToString(CultureInfo.InvariantCulture));
        }

        return number;
    }
}
