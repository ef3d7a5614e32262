using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using FashionMnistBatchNorm;
using NormGen;
using NormGen.Mpi;

namespace DataParallelMpi;

/// <summary>
/// Trains the main sample's network (five hidden layers of 100 with batch norm, Adam) on the embedded Fashion-MNIST
/// subset, data-parallel over MPI ranks:
/// <code>
/// mpiexec -n 2 dotnet run -c Release --project samples/DataParallelMpi [-- --epochs 3 --train 2000 --batch 200]
/// </code>
/// Every rank takes its shard of each batch (the same shuffle on every rank), batch norm is synchronized through an
/// <see cref="MpiWorkerGroup"/>, and the linear layers' gradients are all-reduced. Rank 0 also trains a second copy of
/// the network alone on the whole batches (what one process does) and prints both losses per step and their
/// differences. Without mpiexec, or with <c>-n 1</c>, it is a group of one: the same program on the whole batch.
/// Exit code 0 when every step matches to float rounding (<see cref="LossTolerance"/>, <see cref="GradientTolerance"/>),
/// 1 otherwise.
/// </summary>
public static class Program
{
    /// <summary>Adam's learning rate, as in the main sample.</summary>
    public const double LearningRate = 1e-3;

    /// <summary>The largest relative loss difference of one step that float rounding explains.</summary>
    public const double LossTolerance = 1e-6;

    /// <summary>The largest gradient or running-statistics difference of one step (relative to the array's largest value) that float rounding explains.</summary>
    public const double GradientTolerance = 1e-4;

    public static int Main(string[] args)
    {
        MpiNativeLibrary.Register();
        var mpi = new MPI.Environment(ref args);
        int rank = MPI.Communicator.world.Rank;
        try
        {
            int code;
            using (var group = new MpiWorkerGroup(TimeSpan.FromMinutes(2)))
            {
                code = Train(group, Options.Parse(args));
            }

            if (code != 0)
            {
                MPI.Environment.Abort(code);
                return code;
            }
        }
        catch (Exception e)
        {
            // Finalizing would wait for ranks that may never come: abort ends them all.
            Console.WriteLine($"rank {rank}: FAILED {e}");
            MPI.Environment.Abort(1);
            return 1;
        }

        mpi.Dispose();
        return 0;
    }

    private static int Train(IWorkerGroup group, Options options)
    {
        FashionMnist data = FashionMnist.Load(null);
        Dataset train = data.Train.Take(options.Train);
        int batch = options.Batch;
        int[] shards = Shards(batch, group.Size);
        int offset = shards.Take(group.Rank).Sum();
        int shard = shards[group.Rank];
        bool printer = group.Rank == 0;
        int classes = FashionMnist.ClassNames.Length;

        var network = new ShardedNetwork(train.Features, classes, options.WeightScale, Math.Max(shard, 1), options.Seed, group);
        var adam = new Adam(network.Parameters(), LearningRate);

        // Rank 0's single-process runs on the whole batches. Lockstep: each step starts from the data-parallel run's
        // weights and running statistics, so the two differ only by the rounding of that one step. Free: its own run
        // from the same seed, with its own Adam.
        ShardedNetwork? lockstep = printer ? new ShardedNetwork(train.Features, classes, options.WeightScale, batch, options.Seed, null) : null;
        ShardedNetwork? free = printer ? new ShardedNetwork(train.Features, classes, options.WeightScale, batch, options.Seed, null) : null;
        Adam? freeAdam = free is null ? null : new Adam(free.Parameters(), LearningRate);

        int steps = train.Count / batch;
        if (printer)
        {
            Console.WriteLine($"Data-parallel training on {group.Size} rank(s) with synchronized batch norm: {train.Count} training images ({data.Source}),");
            Console.WriteLine($"batches of {batch} split into shards of [{string.Join(", ", shards)}] rows, {steps} steps per epoch, Adam {LearningRate:G}, seed {options.Seed}.");
            Console.WriteLine("Rank 0 also runs one process on the whole batches: 'same weights' starts every step from the data-parallel weights");
            Console.WriteLine("and running statistics (the step's own difference); 'own run' trains alone from the same seed.");
            Console.WriteLine("Gradient difference: largest |data-parallel - one process| over every gradient, relative to that array's largest value.");
            Console.WriteLine();
            Console.WriteLine($"{"epoch",5} {"step",4} {"loss, " + group.Size + " rank(s)",15} {"1 proc, same w",15} {"|loss diff|",11} {"gradient diff",13} {"1 proc, own run",15}");
        }

        var x = new float[batch * train.Features];
        var labels = new byte[batch];
        double largestLoss = 0, largestGradient = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            // The same shuffle on every rank.
            int[] order = Enumerable.Range(0, train.Count).ToArray();
            new Random(options.Seed + epoch).Shuffle(order);
            double epochLoss = 0, epochGradient = 0;
            for (int step = 0; step < steps; step++)
            {
                for (int n = 0; n < batch; n++)
                {
                    int image = order[(step * batch) + n];
                    train.Images.AsSpan(image * train.Features, train.Features).CopyTo(x.AsSpan(n * train.Features));
                    labels[n] = train.Labels[image];
                }

                lockstep?.CopyStateFrom(network);
                (double loss, _) = network.TrainStep(x.AsSpan(offset * train.Features, shard * train.Features), labels.AsSpan(offset, shard), batch);
                if (printer)
                {
                    (double sameWeights, _) = lockstep!.TrainStep(x, labels, batch);
                    (double own, _) = free!.TrainStep(x, labels, batch);
                    freeAdam!.Step();
                    double lossDifference = Math.Abs(loss - sameWeights);
                    double gradientDifference = Math.Max(
                        LargestRelativeDifference(network.Parameters().Select(p => p.Gradient), lockstep.Parameters().Select(p => p.Gradient)),
                        LargestRelativeDifference(
                            network.Norms.SelectMany(n => new[] { n.RunningMean, n.RunningVariance }), lockstep.Norms.SelectMany(n => new[] { n.RunningMean, n.RunningVariance })));
                    epochLoss = Math.Max(epochLoss, lossDifference / Math.Max(1, sameWeights));
                    epochGradient = Math.Max(epochGradient, gradientDifference);
                    Console.WriteLine($"{epoch,5} {step + 1,4} {loss,15:F9} {sameWeights,15:F9} {lossDifference,11:E2} {gradientDifference,13:E2} {own,15:F9}");
                }

                adam.Step();
            }

            largestLoss = Math.Max(largestLoss, epochLoss);
            largestGradient = Math.Max(largestGradient, epochGradient);
            double accuracy = network.Accuracy(data.Validation);
            if (printer)
            {
                Console.WriteLine(
                    $"      epoch {epoch}: largest loss difference {epochLoss:E2} (relative), gradient difference {epochGradient:E2}; validation accuracy {accuracy:P1} ({group.Size} rank(s)), {free!.Accuracy(data.Validation):P1} (1 process, own run)");
            }
        }

        // Every rank took the same steps from the same gradients: their parameters and running statistics agree to the bit.
        double checksum = Checksum(network);
        var checksums = new double[group.Size];
        group.AllGather([checksum], checksums);
        bool ranksAgree = checksums.All(c => BitConverter.DoubleToInt64Bits(c) == BitConverter.DoubleToInt64Bits(checksum));
        if (!printer)
        {
            return ranksAgree ? 0 : 1;
        }

        bool match = largestLoss <= LossTolerance && largestGradient <= GradientTolerance;
        Console.WriteLine();
        Console.WriteLine("The own run drifts from the data-parallel one by much more than a step's rounding: Adam divides each gradient by");
        Console.WriteLine("its running RMS, so where a gradient is near 0 a rounding-sized difference becomes a step-sized one, and later steps");
        Console.WriteLine("amplify it. Two single-process runs that merely sum in another order drift the same way.");
        Console.WriteLine($"Every rank's weights and running statistics are bit-identical: {(ranksAgree ? "yes" : "NO")}.");
        Console.WriteLine(match && ranksAgree
            ? $"MATCH: {group.Size} rank(s) with synchronized batch norm compute each step as one process on the whole batch, to float rounding (loss {largestLoss:E2} <= {LossTolerance:E0}, gradients and running statistics {largestGradient:E2} <= {GradientTolerance:E0})."
            : $"MISMATCH: loss difference {largestLoss:E2} (tolerance {LossTolerance:E0}), gradient difference {largestGradient:E2} (tolerance {GradientTolerance:E0}), ranks agree: {ranksAgree}.");
        return match && ranksAgree ? 0 : 1;
    }

    /// <summary>Largest |a - b| over each pair of arrays, relative to the largest |b| of that array.</summary>
    private static double LargestRelativeDifference(IEnumerable<float[]> a, IEnumerable<float[]> b)
    {
        double largest = 0;
        foreach ((float[] first, float[] second) in a.Zip(b))
        {
            double scale = 0, difference = 0;
            for (int i = 0; i < first.Length; i++)
            {
                scale = Math.Max(scale, Math.Abs(second[i]));
                difference = Math.Max(difference, Math.Abs(first[i] - second[i]));
            }

            largest = Math.Max(largest, scale == 0 ? difference : difference / scale);
        }

        return largest;
    }

    /// <summary>Rows per rank: multiples of 4 (the linear layer's row blocks, so each row's output rounds alike), the rest to the last rank.</summary>
    private static int[] Shards(int batch, int ranks)
    {
        int[] shards = new int[ranks];
        int each = batch / ranks / 4 * 4;
        for (int r = 0; r < ranks - 1; r++)
        {
            shards[r] = each;
        }

        shards[^1] = batch - (each * (ranks - 1));
        return shards;
    }

    private static double Checksum(ShardedNetwork network)
    {
        double sum = 0;
        foreach (float[] values in network.Parameters().Select(p => p.Value).Concat(network.Norms.SelectMany(n => new[] { n.RunningMean, n.RunningVariance })))
        {
            for (int i = 0; i < values.Length; i++)
            {
                sum = (sum * 1.0000001) + values[i];
            }
        }

        return sum;
    }

    /// <summary>Command-line options: --epochs, --train (images), --batch (whole batch over every rank), --seed, --weight-scale.</summary>
    private sealed record Options(int Epochs, int Train, int Batch, int Seed, double WeightScale)
    {
        public static Options Parse(string[] args)
        {
            var options = new Options(Epochs: 3, Train: 2000, Batch: 200, Seed: 1, WeightScale: 2e-2);
            for (int i = 0; i + 1 < args.Length; i += 2)
            {
                string value = args[i + 1];
                options = args[i] switch
                {
                    "--epochs" => options with { Epochs = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--train" => options with { Train = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--batch" => options with { Batch = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--seed" => options with { Seed = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--weight-scale" => options with { WeightScale = double.Parse(value, CultureInfo.InvariantCulture) },
                    _ => throw new ArgumentException($"unknown option {args[i]}; use --epochs, --train, --batch, --seed, --weight-scale"),
                };
            }

            if (args.Length % 2 != 0)
            {
                throw new ArgumentException($"option {args[^1]} needs a value");
            }

            return options;
        }
    }
}
