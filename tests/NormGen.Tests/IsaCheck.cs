using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.Intrinsics;
using NormGen.Tests.BatchNorm;
using Xunit;

namespace NormGen.Tests;

/// <summary>
/// The generated kernels pick Vector512, Vector256, Vector128 or scalar code at JIT time, so one machine runs only
/// one of them. These tests run the reference checks (batch norm, layer, RMS and group norm, and the runtime's vector
/// primitives) again in child processes with the wider instruction sets switched off (DOTNET_EnableAVX512, DOTNET_EnableAVX2, DOTNET_EnableHWIntrinsic), covering every path.
/// (.NET 10 reads DOTNET_EnableAVX512; the older DOTNET_EnableAVX512F no longer switches Vector512 off.)
/// </summary>
public class IsaCheck
{
    public static TheoryData<string, string> Configurations() => new()
    {
        { "DOTNET_EnableAVX512", "512=False" },
        { "DOTNET_EnableAVX2", "256=False" },
        { "DOTNET_EnableHWIntrinsic", "128=False" },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Reference_checks_pass_with_narrower_vectors(string switchName, string expectedState)
    {
        string assembly = typeof(IsaCheck).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", $"exec \"{assembly}\" --isa-check")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.Environment[switchName] = "0";
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.True(process.ExitCode == 0, output);
        Assert.Contains(expectedState, output);
        Assert.Contains("0 failed", output);
    }

    /// <summary>Runs in the child process: every reference case, reporting the vector widths the JIT accelerates.</summary>
    internal static int Run()
    {
        Console.WriteLine($"Vector512.IsHardwareAccelerated 512={Vector512.IsHardwareAccelerated}, 256={Vector256.IsHardwareAccelerated}, 128={Vector128.IsHardwareAccelerated}");
        var tests = new BatchNormReferenceTests();
        int passed = 0, failed = 0;
        void Check(string name, Action action)
        {
            try
            {
                action();
                passed++;
            }
            catch (Exception error)
            {
                failed++;
                Console.WriteLine($"FAILED {name}: {error.Message}");
            }
        }

        foreach (object[] row in BatchNormReferenceTests.Shapes())
        {
            int features = (int)row[0], batch = (int)row[1];
            Check($"float {features}x{batch}", () => tests.Float_layer_matches_reference(features, batch));
            Check($"double {features}x{batch}", () => tests.Double_layer_matches_reference(features, batch));
        }

        foreach (int batch in new[] { 2, 33 })
        {
            Check($"relu {batch}", () => tests.Fused_relu_layers_match_reference(batch));
            Check($"spatial {batch}", () => tests.Spatial_layers_match_reference(batch));
        }

        Check("non-affine", tests.Non_affine_layer_matches_reference_and_has_no_parameters);

        // The runtime primitives every per-sample kind and spatial batch norm call: one body per vector width, so each
        // configuration here runs a different one (the lengths reach every loop and tail of it).
        var segments = new Runtime.SegmentKernelsTests();
        var rows = new LayerNorm.RowKernelsTests();
        for (int length = 1; length <= 150; length++)
        {
            int n = length;
            Check($"segment kernels {n}", () => segments.Kernels_match_plain_loops(n));
            Check($"row kernels affine {n}", () => rows.Affine_kernels_match_their_formulas(n));
            Check($"row kernels scale {n}", () => rows.Scale_kernels_match_their_formulas(n));
        }

        Check("outlier pivot", segments.Moments_stay_exact_when_the_pivot_is_an_outlier);
        RunReferenceCases(LayerNorm.LayerNormReferenceTests.Shapes(), "layer norm", new LayerNorm.LayerNormReferenceTests().Float_layers_match_the_reference, Check);
        RunReferenceCases(RmsNorm.RmsNormReferenceTests.Shapes(), "RMS norm", new RmsNorm.RmsNormReferenceTests().Float_layers_match_the_reference, Check);
        var groups = new GroupNorm.GroupNormReferenceTests();
        foreach (object[] row in GroupNorm.GroupNormReferenceTests.Cases())
        {
            string name = (string)row[0];
            int batch = (int)row[1];
            Check($"group norm {name} {batch}", () => groups.Float_layer_matches_the_reference(name, batch));
        }

        // The column kernels' own paths: register threshold and tails, every output alignment, a far pivot.
        var columns = new ColumnKernelTests();
        foreach (int batch in new[] { 3, 259 })
        {
            Check($"column widths {batch}", () => columns.Widths_around_the_register_threshold_match_reference(batch));
        }

        Check("alignments", () => columns.Outputs_at_every_alignment_match_reference(128, 1027));
        Check("alignments relu", columns.The_relu_mask_holds_at_every_alignment);
        Check("far pivot", () => columns.Statistics_do_not_cancel_when_the_pivot_is_far_from_the_data(128));

        // The runtime's ColumnKernels at this width (or scalar): every row width, strips against the row walk.
        var columnKernels = new Runtime.ColumnKernelsTests();
        foreach (int features in Runtime.ColumnKernelsTests.Widths())
        {
            Check($"runtime column kernels {features}", () => columnKernels.Kernels_match_plain_loops(features));
        }

        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private static void RunReferenceCases(TheoryData<int, int> shapes, string kind, Action<int, int> test, Action<string, Action> check)
    {
        foreach (object[] row in shapes)
        {
            int features = (int)row[0], batch = (int)row[1];
            check($"{kind} {features}x{batch}", () => test(features, batch));
        }
    }
}
