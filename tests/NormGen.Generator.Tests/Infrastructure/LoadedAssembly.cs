using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;

namespace NormGen.Generator.Tests.Infrastructure;

/// <summary>
/// A compilation emitted to memory and loaded into a collectible AssemblyLoadContext. The NormGen runtime resolves
/// from the default context, so generated layers cast to the test's INormalizationLayer&lt;T&gt;. Dispose unloads it.
/// </summary>
internal sealed class LoadedAssembly : IDisposable
{
    private readonly AssemblyLoadContext _context;

    private LoadedAssembly(AssemblyLoadContext context, Assembly assembly)
    {
        _context = context;
        Assembly = assembly;
    }

    public Assembly Assembly { get; }

    /// <summary>Emits the compilation (failing the test on any error) and returns the image.</summary>
    public static byte[] Emit(Compilation compilation)
    {
        using var image = new MemoryStream();
        EmitResult result = compilation.Emit(image);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return image.ToArray();
    }

    /// <summary>Loads an emitted image into a new collectible context.</summary>
    public static LoadedAssembly Load(byte[] image)
    {
        var context = new AssemblyLoadContext("NormGen.Generator.Tests.Layers", isCollectible: true);
        using var stream = new MemoryStream(image);
        return new LoadedAssembly(context, context.LoadFromStream(stream));
    }

    public T Create<T>(string typeName) =>
        (T)Activator.CreateInstance(Assembly.GetType(typeName, throwOnError: true)!)!;

    public void Dispose() => _context.Unload();
}
