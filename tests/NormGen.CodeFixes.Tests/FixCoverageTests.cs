using System;
using System.Collections.Generic;
using System.Composition;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using NormGen.Generator;
using Xunit;

namespace NormGen.CodeFixes.Tests;

/// <summary>
/// Every NormGen diagnostic has a code fix or a recorded reason for having none, so a new diagnostic cannot slip
/// past the decision; and the code-fix assembly has the shape IDEs and the compiler expect.
/// </summary>
public sealed class FixCoverageTests
{
    /// <summary>Diagnostics without one obvious fix, and why.</summary>
    private static readonly Dictionary<string, string> NoObviousFix = new()
    {
        ["NG0002"] = "each unsupported kind needs a choice: struct to class changes copy semantics, a static class may hold extension methods, an abstract one may be meant as a base, file-local keeps the name private, a generic one needs a type argument",
        ["NG0004"] = "no value to pick for an out-of-range shape",
        ["NG0005"] = "the missing shape is the model's; the message's 64 is an example",
        ["NG0006"] = "an out-of-range momentum may be PyTorch's 1 - m, a percentage or a typo",
        ["NG0007"] = "no single epsilon (PyTorch 1e-5, Keras 1e-3)",
        ["NG0008"] = "float or double: two answers",
        ["NG0009"] = "which of the two attributes to remove",
        ["NG0010"] = "renaming or removing the user's member: no name to pick",
        ["NG0011"] = "several divisors of Channels",
        ["NG0012"] = "which defined value was meant",
        ["NG0013"] = "which dimension to shrink",
        ["NG0014"] = "renaming the type: no name to pick",
        ["NG0015"] = "the base type or the inherited member must change, outside the layer's declaration",
        ["NG0017"] = "the smallest normal value is a bound, not a good epsilon; the right one is a modelling choice",
        ["NG0018"] = "a project setting (LangVersion), not source: set it to 11 or later, or remove it",
        ["NG0020"] = "an out-of-range renorm limit may be a typo or a misread r_max/d_max; no value to pick",
        ["NG0021"] = "the virtual batch size is a modelling choice (a divisor of the batch); no value to pick",
        ["NG0022"] = "two options that do not combine: which one to drop is the user's choice",
    };

    private static readonly Type[] Fixes = typeof(MakeLayerPartialCodeFix).Assembly.GetTypes()
        .Where(type => typeof(CodeFixProvider).IsAssignableFrom(type) && !type.IsAbstract)
        .ToArray();

    [Fact]
    public void EveryDiagnosticHasAFixOrAReasonForNone()
    {
        string[] all = new NormGenAnalyzer().SupportedDiagnostics.Select(d => d.Id).OrderBy(id => id, StringComparer.Ordinal).ToArray();
        string[] fixedIds = Fixes.SelectMany(type => Create(type).FixableDiagnosticIds).ToArray();

        Assert.Equal(new[] { "NG0001", "NG0003", "NG0019" }, fixedIds.OrderBy(id => id, StringComparer.Ordinal));
        Assert.Empty(fixedIds.Intersect(NoObviousFix.Keys));
        Assert.Equal(all, fixedIds.Concat(NoObviousFix.Keys).OrderBy(id => id, StringComparer.Ordinal));
    }

    [Fact]
    public void EachFixIsAnExportedSharedCSharpProviderWithTheBatchFixer()
    {
        Assert.Equal(3, Fixes.Length);
        foreach (Type type in Fixes)
        {
            Assert.True(type.IsPublic && type.IsSealed, type.Name + " must be public sealed for MEF discovery");
            ExportCodeFixProviderAttribute export = type.GetCustomAttribute<ExportCodeFixProviderAttribute>()
                ?? throw new InvalidOperationException(type.Name + " has no [ExportCodeFixProvider]");
            Assert.Equal(new[] { LanguageNames.CSharp }, export.Languages);
            Assert.Equal(type.Name, export.Name);
            Assert.NotNull(type.GetCustomAttribute<SharedAttribute>());
            Assert.Same(WellKnownFixAllProviders.BatchFixer, Create(type).GetFixAllProvider());
        }
    }

    /// <summary>
    /// The command-line compiler instantiates only [DiagnosticAnalyzer] and [Generator] types from analyzer assemblies;
    /// with none here, it never needs Workspaces (which it does not ship) to load this one.
    /// </summary>
    [Fact]
    public void CodeFixAssemblyHoldsNoAnalyzerOrGenerator()
    {
        Type[] types = typeof(MakeLayerPartialCodeFix).Assembly.GetTypes();
        Assert.DoesNotContain(types, type => type.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null);
        Assert.DoesNotContain(types, type => type.GetCustomAttribute<GeneratorAttribute>() is not null);
    }

    private static CodeFixProvider Create(Type type) => (CodeFixProvider)Activator.CreateInstance(type)!;
}
