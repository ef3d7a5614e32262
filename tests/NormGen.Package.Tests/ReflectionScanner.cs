using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace NormGen.Package.Tests;

/// <summary>
/// Lists the reflection an assembly's IL can reach, from its metadata: members of System.Reflection.*, System.Type
/// (beyond typeof and ==), System.Activator, System.Linq.Expressions and object.GetType, and non-attribute types of
/// System.Reflection.*. Attribute constructors (assembly metadata attributes) are not reflection.
/// </summary>
internal static class ReflectionScanner
{
    private static readonly HashSet<string> AllowedTypeMembers = new(StringComparer.Ordinal)
    {
        "GetTypeFromHandle", // typeof(T)
        "op_Equality",       // typeof(T) == typeof(float): a JIT/AOT constant, no metadata needed
        "op_Inequality",
    };

    public static List<string> Find(string assemblyPath)
    {
        using FileStream stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        MetadataReader metadata = pe.GetMetadataReader();
        var uses = new List<string>();
        foreach (MemberReferenceHandle handle in metadata.MemberReferences)
        {
            MemberReference member = metadata.GetMemberReference(handle);
            if (member.Parent.Kind != HandleKind.TypeReference)
            {
                continue; // members of generic instantiations (Vector128<float>, Span<T>, ...)
            }
            string type = FullName(metadata, (TypeReferenceHandle)member.Parent);
            string name = metadata.GetString(member.Name);
            bool reflection =
                (type.StartsWith("System.Reflection.", StringComparison.Ordinal) && name != ".ctor")
                || (type == "System.Type" && !AllowedTypeMembers.Contains(name))
                || type == "System.Activator"
                || type.StartsWith("System.Linq.Expressions.", StringComparison.Ordinal)
                || (type == "System.Object" && name == "GetType");
            if (reflection)
            {
                uses.Add($"{type}::{name}");
            }
        }
        foreach (TypeReferenceHandle handle in metadata.TypeReferences)
        {
            string type = FullName(metadata, handle);
            if (type.StartsWith("System.Reflection.", StringComparison.Ordinal) && !type.EndsWith("Attribute", StringComparison.Ordinal))
            {
                uses.Add(type);
            }
        }
        return uses;
    }

    private static string FullName(MetadataReader metadata, TypeReferenceHandle handle)
    {
        TypeReference type = metadata.GetTypeReference(handle);
        string name = metadata.GetString(type.Name);
        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            return FullName(metadata, (TypeReferenceHandle)type.ResolutionScope) + "+" + name;
        }
        string ns = metadata.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }
}
