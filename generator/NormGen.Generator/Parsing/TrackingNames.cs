namespace NormGen.Generator.Parsing;

/// <summary>Names of the incremental pipeline's steps, so caching tests can find them.</summary>
internal static class TrackingNames
{
    public const string BatchNorm = "BatchNormSpecs";
    public const string LayerNorm = "LayerNormSpecs";
    public const string RmsNorm = "RmsNormSpecs";
    public const string GroupNorm = "GroupNormSpecs";
    public const string InstanceNorm = "InstanceNormSpecs";
    public const string ValidSpecs = "ValidSpecs";
}
