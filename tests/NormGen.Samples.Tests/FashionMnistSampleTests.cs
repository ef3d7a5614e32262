using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text.Json;
using FashionMnistBatchNorm;
using Spectre.Console.Testing;
using Xunit;

namespace NormGen.Samples.Tests;

/// <summary>Runs the Fashion-MNIST sample once with --quick --small-batches (in this process) and checks its outputs.</summary>
public sealed class QuickRunFixture : IDisposable
{
    public QuickRunFixture()
    {
        OutputDirectory = Path.Combine(Path.GetTempPath(), "normgen-sample-" + Guid.NewGuid().ToString("N"));
        var console = new StringWriter();
        ExitCode = Program.Run(["--quick", "--small-batches", "--out", OutputDirectory], console, interactive: false);
        Console = console.ToString();
        string json = Path.Combine(OutputDirectory, "results.json");
        Results = File.Exists(json) ? JsonDocument.Parse(File.ReadAllText(json)) : null;
    }

    public string OutputDirectory { get; }

    public int ExitCode { get; }

    public string Console { get; }

    public JsonDocument? Results { get; }

    public void Dispose()
    {
        Results?.Dispose();
        if (Directory.Exists(OutputDirectory))
        {
            Directory.Delete(OutputDirectory, recursive: true);
        }
    }
}

public sealed class FashionMnistSampleTests : IClassFixture<QuickRunFixture>
{
    private readonly QuickRunFixture _run;

    public FashionMnistSampleTests(QuickRunFixture run) => _run = run;

    [Fact]
    public void QuickRunCompletesAndWritesItsFiles()
    {
        Assert.True(_run.ExitCode == 0, "exit code " + _run.ExitCode + ":\n" + _run.Console);
        Assert.NotNull(_run.Results);
        Assert.True(File.Exists(Path.Combine(_run.OutputDirectory, "results.md")));
        Assert.Contains("Weight-scale experiment", _run.Console, StringComparison.Ordinal);
        Assert.Contains("ScottPlot 5", _run.Console, StringComparison.Ordinal);
        JsonElement root = _run.Results!.RootElement;
        Assert.Equal(5000, root.GetProperty("trainImages").GetInt32());
        Assert.Equal(1000, root.GetProperty("validationImages").GetInt32());
        Assert.All(root.GetProperty("runs").EnumerateArray(), r => Assert.Equal(r.GetProperty("epochs").GetInt32(), r.GetProperty("epochValidationAccuracy").GetArrayLength()));
    }

    [Fact]
    public void BatchNormTrainsAtWeightScaleOneThousandthWherePlainNetCannot()
    {
        JsonElement row = _run.Results!.RootElement.GetProperty("weightScale").EnumerateArray()
            .Single(r => Math.Abs(r.GetProperty("scale").GetDouble() - 1e-3) < 1e-12);
        double batchNorm = row.GetProperty("batchNormBestValidationAccuracy").GetDouble();
        double plain = row.GetProperty("noNormBestValidationAccuracy").GetDouble();

        // The plain net's signal vanishes through 5 layers of N(0, 1e-6) weights: it stays near chance (10%).
        Assert.True(plain < 0.2, $"plain net at 1e-3: {plain:P1}");
        Assert.True(batchNorm > plain + 0.3, $"batch norm {batchNorm:P1} vs plain {plain:P1} at weight scale 1e-3");
    }

    [Fact]
    public void BatchNormRunsReportAccuracyAfterExactRecalibration()
    {
        foreach (JsonElement run in _run.Results!.RootElement.GetProperty("runs").EnumerateArray())
        {
            JsonElement recalibrated = run.GetProperty("recalibratedValidationAccuracy");
            if (run.GetProperty("norm").GetString() is "batch" or "renorm" or "ghost")
            {
                // A broken collection (statistics left at 0 and 1, or garbage) drops a trained net towards chance. Batch
                // norm with batches of 2 hardly trains in a quick run (its inference accuracy is itself near 30%), so the
                // bar holds from batches of 5.
                Assert.InRange(recalibrated.GetDouble(), 0, 1);
                if (run.GetProperty("batchSize").GetInt32() >= 5)
                {
                    Assert.True(recalibrated.GetDouble() > 0.3, run.ToString());
                }
            }
            else
            {
                Assert.Equal(JsonValueKind.Null, recalibrated.ValueKind);
            }
        }

        Assert.Contains("exact BN stats", _run.Console, StringComparison.Ordinal);
    }

    [Fact]
    public void SmallBatchRunsCoverEveryVariantWithTheSameSeedAndEpochs()
    {
        JsonElement[] runs = _run.Results!.RootElement.GetProperty("runs").EnumerateArray()
            .Where(r => r.GetProperty("experiment").GetString() == "batch-size")
            .ToArray();
        string[] variants = runs
            .Select(r => $"{r.GetProperty("norm").GetString()} {r.GetProperty("batchSize").GetInt32()}/{r.GetProperty("virtualBatchSize").GetInt32()}")
            .ToArray();

        Assert.Equal(
            ["batch 2/0", "batch 50/0", "renorm 2/0", "renorm 50/0", "ghost 50/10", "ghost 50/5", "layer 2/0", "layer 50/0", "none 2/0"],
            variants);
        Assert.Single(runs.Select(r => r.GetProperty("seed").GetInt32()).Distinct());
        Assert.Single(runs.Select(r => r.GetProperty("epochs").GetInt32()).Distinct());
        Assert.Single(runs.Select(r => r.GetProperty("trainImages").GetInt32()).Distinct());
        Assert.Contains("batch renorm (r_max 3, d_max 5)", _run.Console, StringComparison.Ordinal);
        Assert.Contains("ghost batch norm, virtual 5", _run.Console, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyBatchStatisticsMakeTrainingAndInferenceModeDisagree()
    {
        foreach (JsonElement run in _run.Results!.RootElement.GetProperty("runs").EnumerateArray())
        {
            double training = run.GetProperty("trainingModeTrainAccuracy").GetDouble();
            double inference = run.GetProperty("inferenceModeTrainAccuracy").GetDouble();
            Assert.InRange(training, 0, 1);
            Assert.InRange(inference, 0, 1);
            if (run.GetProperty("norm").GetString() is "layer" or "none")
            {
                // Per-sample computations: the batching of the two passes may change rounding, not a prediction in a hundred.
                Assert.True(Math.Abs(training - inference) < 0.01, run.ToString());
            }
        }

        Assert.Contains("gap = inference - training", _run.Console, StringComparison.Ordinal);
    }

    [Fact]
    public void ResultsMarkdownStartsWithTheCommandThatProducedIt()
    {
        string first = File.ReadLines(Path.Combine(_run.OutputDirectory, "results.md")).First();

        Assert.Equal(
            $"Produced by `dotnet run -c Release --project samples/FashionMnistBatchNorm -- --quick --small-batches --out {_run.OutputDirectory}`",
            first);
    }

    [Fact]
    public void MainExperimentBatchNormLearnsFasterThanPlainNet()
    {
        var main = _run.Results!.RootElement.GetProperty("runs").EnumerateArray()
            .Where(r => r.GetProperty("experiment").GetString() == "main")
            .ToDictionary(r => r.GetProperty("norm").GetString()!, r => r.GetProperty("epochLoss")[0].GetDouble());

        Assert.True(main["batch"] < main["none"], $"first-epoch loss: batch norm {main["batch"]}, plain {main["none"]}");
    }

    [Fact]
    public void PlotsAreValidPngImages()
    {
        string[] plots = _run.Results!.RootElement.GetProperty("plots").EnumerateArray().Select(p => p.GetString()!).ToArray();
        Assert.Equal(["loss.png", "accuracy.png", "weight-scale.png", "batch-size.png"], plots);
        foreach (string name in plots)
        {
            byte[] png = File.ReadAllBytes(Path.Combine(_run.OutputDirectory, name));
            byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
            Assert.True(png.Length > 1000, $"{name}: {png.Length} bytes");
            Assert.Equal(signature, png[..8]);

            // The first chunk is IHDR: length 13, type, then big-endian width and height.
            Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(8)));
            Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
            Assert.True(BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)) > 0, name + ": width");
            Assert.True(BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)) > 0, name + ": height");
        }
    }
}

/// <summary>Smaller checks that do not need the full quick run.</summary>
public sealed class FashionMnistSampleUnitTests
{
    [Fact]
    public void SameSeedGivesTheSameNumbers()
    {
        FashionMnist data = FashionMnist.Load(null);
        var spec = new RunSpec("test", NormKind.Batch, 25, 2e-2, 1, 500, 7);

        RunResult first = new Trainer(data, new PlainProgress(TextWriter.Null)).Run(spec);
        RunResult second = new Trainer(data, new PlainProgress(TextWriter.Null)).Run(spec);
        RunResult otherSeed = new Trainer(data, new PlainProgress(TextWriter.Null)).Run(spec with { Seed = 8 });

        Assert.Equal(first.IterationLoss, second.IterationLoss);
        Assert.Equal(first.EpochValidationAccuracy, second.EpochValidationAccuracy);
        Assert.NotEqual(first.IterationLoss, otherSeed.IterationLoss);
    }

    [Fact]
    public void LiveProgressShowsTheRunningNumbersAndLeavesOneLinePerRun()
    {
        using var console = new TestConsole().Interactive().EmitAnsiSequences().Width(160);
        var spec = new RunSpec("test", NormKind.Batch, 50, 2e-2, 2, 100, 1);
        var result = new RunResult { Spec = spec, BestValidationAccuracy = 0.4, FinalValidationAccuracy = 0.35, Seconds = 1 };

        Assert.True(LiveProgress.IsSupported(console));
        int returned = LiveProgress.Run(
            console,
            progress =>
            {
                progress.StartPlan([spec]);
                progress.Heading("1/1 Test experiment");
                progress.StartRun(spec, batchesPerEpoch: 2);
                progress.Iteration(0, 1, 2.4, 0.05);
                progress.Iteration(0, 2, 2.3, 0.1);
                progress.EndEpoch(0, 2.2, 0.15);
                progress.Iteration(1, 1, 2.0, 0.2);
                progress.Iteration(1, 2, 1.9, 0.3);
                progress.EndEpoch(1, 1.8, 0.35);
                progress.EndRun(result);
                return 42;
            },
            redrawInterval: TimeSpan.Zero);

        string text = console.Output;
        Assert.Equal(42, returned);
        Assert.Contains("\u001b[", text, StringComparison.Ordinal); // drawn in place with escape sequences
        Assert.Contains("1/1 Test experiment", text, StringComparison.Ordinal);
        Assert.Contains("batch norm, batch 50, scale 2e-2", text, StringComparison.Ordinal);
        Assert.Contains("all runs (run 1 of 1)", text, StringComparison.Ordinal);
        Assert.Contains("epoch  1/2  loss 2.300  train  10.0%  val   --", text, StringComparison.Ordinal);
        Assert.Contains("epoch  2/2  loss 1.900  train  30.0%  val  15.0%", text, StringComparison.Ordinal);
        Assert.Contains(ProgressText.Summary(result), text, StringComparison.Ordinal);

        // Not detailed: no epoch lines in the scrollback, only the run's summary.
        Assert.DoesNotContain("loss 2.200", text, StringComparison.Ordinal);
    }

    [Fact]
    public void LiveProgressNeedsAnInteractiveAnsiConsole()
    {
        using var redirected = new TestConsole(); // ANSI-capable but not interactive
        using var noAnsi = new TestConsole().Interactive().SupportsAnsi(false); // e.g. TERM=dumb
        using var terminal = new TestConsole().Interactive().SupportsAnsi(true);

        Assert.False(LiveProgress.IsSupported(redirected));
        Assert.False(LiveProgress.IsSupported(noAnsi));
        Assert.True(LiveProgress.IsSupported(terminal));
    }

    [Theory]
    [InlineData("short line", 20, new[] { "short line" })]
    [InlineData("abc def ghi", 7, new[] { "abc def", "ghi" })]
    [InlineData("abc  def  ghi", 8, new[] { "abc  def", "ghi" })]
    [InlineData("abcdefghij k", 4, new[] { "abcd", "efgh", "ij k" })]
    [InlineData("", 5, new[] { "" })]
    public void LiveLinesAreWrappedToTheConsoleWidth(string text, int width, string[] expected) =>
        Assert.Equal(expected, ProgressText.Wrap(text, width));

    [Fact]
    public void RedirectedProgressWritesPlainLines()
    {
        var output = new StringWriter();
        var progress = new PlainProgress(output) { Detailed = true };
        var spec = new RunSpec("test", NormKind.None, 50, 1e-3, 1, 100, 1);

        progress.StartPlan([spec]);
        progress.Heading("1/2 First");
        progress.StartRun(spec, batchesPerEpoch: 2);
        progress.Iteration(0, 1, 2.3, 0.1);
        progress.EndEpoch(0, 2.2, 0.15);
        progress.EndRun(new RunResult { Spec = spec, BestValidationAccuracy = 0.15, FinalValidationAccuracy = 0.15, Seconds = 1 });
        progress.Heading("2/2 Second");

        string text = output.ToString();
        string[] lines = text.Split(Environment.NewLine);
        Assert.DoesNotContain('\r', text.Replace(Environment.NewLine, "\n", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', text);
        Assert.Equal(6, lines.Length); // five lines and the empty rest after the last newline
        Assert.Equal("1/2 First", lines[0]);
        Assert.StartsWith("no norm, batch 50, scale 1e-3  epoch  1/1  loss 2.200  val  15.0%  ", lines[1], StringComparison.Ordinal);
        Assert.Equal("no norm, batch 50, scale 1e-3" + new string(' ', 25) + "best val  15.0%  final val  15.0%  (1.0s)", lines[2]);
        Assert.Equal(string.Empty, lines[3]);
        Assert.Equal("2/2 Second", lines[4]);
    }

    [Fact]
    public void DefaultBatchSizeExperimentLeavesOutTheSmallBatchVariants()
    {
        ExperimentPlan plan = ExperimentPlan.Create(Options.Parse([]), 5000);
        ExperimentPlan small = ExperimentPlan.Create(Options.Parse(["--small-batches"]), 5000);

        Assert.Equal(7, plan.BatchSize.Length);
        Assert.DoesNotContain(plan.BatchSize, r => r.BatchSize < 5 || r.Norm is NormKind.BatchRenorm or NormKind.GhostBatch);
        Assert.Equal(16, small.BatchSize.Length);
        Assert.All(plan.BatchSize, r => Assert.Contains(r, small.BatchSize));
        Assert.Equal(
            [(NormKind.GhostBatch, 50, 10), (NormKind.GhostBatch, 50, 5)],
            small.BatchSize.Where(r => r.Norm == NormKind.GhostBatch).Select(r => (r.Norm, r.BatchSize, r.VirtualBatchSize)));
        Assert.Equal([2, 5, 10, 50], small.BatchSize.Where(r => r.Norm == NormKind.BatchRenorm).Select(r => r.BatchSize));
    }

    [Fact]
    public void GhostBatchNormExistsOnlyForTheGeneratedVirtualBatchSizes()
    {
        Assert.Equal(5, Trainer.CreateNorms(NormKind.GhostBatch, 5)!.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.CreateNorms(NormKind.GhostBatch, 7));
    }

    [Fact]
    public void BadArgumentsGiveExitCodeTwoAndUsage()
    {
        var output = new StringWriter();

        int exit = Program.Run(["--epochs", "zero"], output, interactive: false);

        Assert.Equal(2, exit);
        Assert.Contains("--epochs needs an integer; got 'zero'", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Usage:", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingDataDirectoryIsReported()
    {
        var output = new StringWriter();
        string missing = Path.Combine(Path.GetTempPath(), "normgen-no-such-dir-" + Guid.NewGuid().ToString("N"));

        int exit = Program.Run(["--data", missing], output, interactive: false);

        Assert.Equal(1, exit);
        Assert.Contains(missing, output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1e-4, "1e-4")]
    [InlineData(3.1622776601683795e-4, "3.2e-4")]
    [InlineData(2e-2, "2e-2")]
    [InlineData(1.0, "1")]
    [InlineData(0.31622776601683794, "3.2e-1")]
    public void WeightScalesPrintShort(double scale, string expected) => Assert.Equal(expected, Format.Scale(scale));

    [Fact]
    public void LinearBackwardMatchesFiniteDifferences()
    {
        // The sample's own layers (not generated) get the same kind of check as the norms.
        var random = new Random(3);
        var layer = new Linear(7, 4, 0.5, random);
        const int batch = 3;
        float[] x = Enumerable.Range(0, batch * 7).Select(_ => (float)Gaussian.Next(random)).ToArray();
        float[] dy = Enumerable.Range(0, batch * 4).Select(_ => (float)Gaussian.Next(random)).ToArray();
        float[] y = new float[batch * 4];
        float[] dx = new float[x.Length];
        layer.Backward(x, dy, dx, batch);

        double Objective()
        {
            layer.Forward(x, y, batch);
            double sum = 0;
            for (int i = 0; i < y.Length; i++)
            {
                sum += y[i] * dy[i];
            }

            return sum;
        }

        const float h = 1e-2f; // float precision: large step; the objective is linear, so this is exact up to rounding
        for (int i = 0; i < x.Length; i++)
        {
            float saved = x[i];
            x[i] = saved + h;
            double plus = Objective();
            x[i] = saved - h;
            double minus = Objective();
            x[i] = saved;
            Assert.Equal((plus - minus) / (2 * h), dx[i], 2e-3);
        }

        for (int i = 0; i < layer.Weight.Length; i++)
        {
            float saved = layer.Weight[i];
            layer.Weight[i] = saved + h;
            double plus = Objective();
            layer.Weight[i] = saved - h;
            double minus = Objective();
            layer.Weight[i] = saved;
            Assert.Equal((plus - minus) / (2 * h), layer.WeightGrad[i], 2e-3);
        }

        Assert.Equal(Enumerable.Range(0, 4).Select(o => dy[o] + dy[4 + o] + dy[8 + o]), layer.BiasGrad.Select(v => (float)v), new FloatTolerance(1e-5f));
    }

    private sealed class FloatTolerance(float tolerance) : System.Collections.Generic.IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;

        public int GetHashCode(float value) => 0;
    }
}
