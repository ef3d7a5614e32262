using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Generator.Kinds;
using NormGen.Generator.Model;
using NormGen.Generator.Parsing;

namespace NormGen.Generator;

/// <summary>
/// Turns every class marked with a NormGen layer attribute into a shape-specialized layer.
/// Pipeline per kind: ForAttributeWithMetadataName -> LayerParser (a small equatable spec, or nothing when the
/// declaration is invalid: the analyzer reports why) -> the kind's emitter. Specs hold no Roslyn objects, so
/// edits elsewhere leave them cached.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NormGenGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        foreach (LayerKind kind in LayerKinds.All)
        {
            IncrementalValuesProvider<LayerSpec> specs = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    kind.AttributeMetadataName,
                    static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                    (syntaxContext, cancellationToken) => syntaxContext.TargetSymbol is INamedTypeSymbol type
                        ? LayerParser.Parse(kind, type, syntaxContext.Attributes[0], cancellationToken).Spec
                        : null)
                .WithTrackingName(kind.TrackingName)
                .Where(static spec => spec is not null)
                .Select(static (spec, _) => spec!)
                .WithTrackingName(LayerKind.ValidSpecsTrackingName);

            context.RegisterSourceOutput(specs, (output, spec) => output.AddSource(spec.Target.HintName, kind.Emit(spec)));
        }
    }
}
