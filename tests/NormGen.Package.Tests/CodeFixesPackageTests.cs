using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace NormGen.Package.Tests;

/// <summary>
/// analyzers/dotnet/cs/NormGen.CodeFixes.dll as packed: built against Roslyn 4.8 with Workspaces, holding the IDE's
/// [ExportCodeFixProvider] types and nothing the command-line compiler would instantiate. The consumer builds in
/// <see cref="ConsumerTests"/> (warnings as errors, " 0 Warning(s)") show csc accepts the DLL beside the generator.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class CodeFixesPackageTests(PackageFixture fixture)
{
    private static readonly Version Roslyn48 = new(4, 8, 0, 0);

    [Fact]
    public void CodeFixesReferenceWorkspacesNoNewerThanRoslyn48()
    {
        using var pe = new PEReader(File.OpenRead(fixture.Package.CodeFixesDll));
        MetadataReader metadata = pe.GetMetadataReader();
        var roslyn = metadata.AssemblyReferences
            .Select(h => metadata.GetAssemblyReference(h))
            .Where(r => metadata.GetString(r.Name).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            .Select(r => (Name: metadata.GetString(r.Name), r.Version))
            .ToArray();
        Assert.Contains(roslyn, r => r.Name == "Microsoft.CodeAnalysis.Workspaces");
        Assert.All(roslyn, r => Assert.True(r.Version <= Roslyn48, $"{r.Name} {r.Version} is newer than 4.8.0"));
    }

    [Fact]
    public void CodeFixesExportThreeProvidersAndNoAnalyzerOrGenerator()
    {
        using var pe = new PEReader(File.OpenRead(fixture.Package.CodeFixesDll));
        MetadataReader metadata = pe.GetMetadataReader();
        var attributesByType = new Dictionary<string, List<string>>();
        foreach (TypeDefinitionHandle handle in metadata.TypeDefinitions)
        {
            TypeDefinition type = metadata.GetTypeDefinition(handle);
            attributesByType[metadata.GetString(type.Name)] = type.GetCustomAttributes()
                .Select(a => AttributeTypeName(metadata, metadata.GetCustomAttribute(a)))
                .ToList();
        }

        string[] exported = attributesByType.Where(t => t.Value.Contains("ExportCodeFixProviderAttribute")).Select(t => t.Key).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "DeclareLayerAsClassCodeFix", "MakeEnclosingTypesPartialCodeFix", "MakeLayerPartialCodeFix" }, exported);
        Assert.DoesNotContain(attributesByType, t => t.Value.Contains("DiagnosticAnalyzerAttribute") || t.Value.Contains("GeneratorAttribute"));
    }

    /// <summary>
    /// The compiler's own view, in a process without Roslyn's Workspaces (this test project references only
    /// Microsoft.CodeAnalysis.CSharp 4.8): the DLL loads as an analyzer reference without failures and offers
    /// nothing to run, so csc has no reason to warn (CS8032) about it.
    /// </summary>
    [Fact]
    public void CompilerLoadsTheCodeFixesAsAnAnalyzerReferenceWithNothingToRun()
    {
        Assert.Null(AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "Microsoft.CodeAnalysis.Workspaces"));
        var failures = new List<string>();
        var reference = new AnalyzerFileReference(fixture.Package.CodeFixesDll, new NoLoadLoader());
        reference.AnalyzerLoadFailed += (_, e) => failures.Add($"{e.ErrorCode}: {e.Message}");

        Assert.Empty(reference.GetAnalyzers(LanguageNames.CSharp));
        Assert.Empty(reference.GetGenerators(LanguageNames.CSharp));
        Assert.Empty(failures);
    }

    private static string AttributeTypeName(MetadataReader metadata, CustomAttribute attribute)
    {
        EntityHandle type = attribute.Constructor.Kind == HandleKind.MemberReference
            ? metadata.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent
            : metadata.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType();
        return type.Kind == HandleKind.TypeReference
            ? metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)type).Name)
            : metadata.GetString(metadata.GetTypeDefinition((TypeDefinitionHandle)type).Name);
    }

    /// <summary>Fails the test if the compiler path tries to load the assembly at all: it only needs to read metadata.</summary>
    private sealed class NoLoadLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public System.Reflection.Assembly LoadFromPath(string fullPath) =>
            throw new InvalidOperationException("the compiler path loaded " + fullPath + " although it holds no analyzer or generator");
    }
}
