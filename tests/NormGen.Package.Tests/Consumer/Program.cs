using System;
using System.Globalization;
using System.Text;
using NormGen;

namespace NormGenConsumer;

/// <summary>
/// Runs the generated layers on the fixed inputs of Inputs.cs (written by the package test) and prints each result as
/// "key: v0 v1 ..." in round-trip invariant format; the test checks every line against its own scalar formulas.
/// </summary>
public static class Program
{
    public static int Main()
    {
        RunFloatBatchNorm();
        RunDoubleBatchNorm();
        RunSpatialBatchNorm();
#if NORMGEN_LAYERNORM
        RunLayerNorm();
#endif
        Console.WriteLine("done");
        return 0;
    }

    private static void RunFloatBatchNorm()
    {
        var layer = new BnFloat();
        Print("BnFloat.features", BnFloat.Features);
        Inputs.BnFloatGamma.CopyTo(layer.Gamma, 0);
        Inputs.BnFloatBeta.CopyTo(layer.Beta, 0);
        var y = new float[Inputs.BnFloatX.Length];
        layer.Forward(Inputs.BnFloatX, y);
        Print("BnFloat.train.y", y);
        var dx = new float[y.Length];
        layer.Backward(Inputs.BnFloatX, Inputs.BnFloatDy, dx);
        Print("BnFloat.dx", dx);
        Print("BnFloat.gammaGrad", layer.GammaGrad);
        Print("BnFloat.betaGrad", layer.BetaGrad);
        Print("BnFloat.runningMean", layer.RunningMean);
        Print("BnFloat.runningVariance", layer.RunningVariance);
        Print("BnFloat.batchesTracked", layer.BatchesTracked);
        layer.Training = false;
        layer.Forward(Inputs.BnFloatX, y);
        Print("BnFloat.infer.y", y);
    }

    private static void RunDoubleBatchNorm()
    {
        // Through the interface, as a training loop holding many layers would.
        IBatchNormLayer<double> layer = new BnDouble();
        var y = new double[Inputs.BnDoubleX1.Length];
        layer.Forward(Inputs.BnDoubleX1, y);
        Print("BnDouble.train1.y", y);
        layer.Forward(Inputs.BnDoubleX2, y);
        Print("BnDouble.train2.y", y);
        Print("BnDouble.runningMean", layer.RunningMean);
        Print("BnDouble.runningVariance", layer.RunningVariance);
        Print("BnDouble.batchesTracked", layer.BatchesTracked);
        layer.Training = false;
        layer.Forward(Inputs.BnDoubleX1, y);
        Print("BnDouble.infer.y", y);
    }

    private static void RunSpatialBatchNorm()
    {
        var layer = new BnSpatialRelu();
        Print("BnSpatialRelu.sampleLength", layer.SampleLength);
        Inputs.BnSpatialGamma.CopyTo(layer.Gamma, 0);
        Inputs.BnSpatialBeta.CopyTo(layer.Beta, 0);
        var y = new float[Inputs.BnSpatialX.Length];
        layer.Forward(Inputs.BnSpatialX, y);
        Print("BnSpatialRelu.train.y", y);
        Print("BnSpatialRelu.runningMean", layer.RunningMean);
        Print("BnSpatialRelu.runningVariance", layer.RunningVariance);
        layer.Training = false;
        layer.Forward(Inputs.BnSpatialX, y);
        Print("BnSpatialRelu.infer.y", y);
    }

#if NORMGEN_LAYERNORM
    private static void RunLayerNorm()
    {
        INormalizationLayer<float> layer = new LnFloat();
        Inputs.LnGamma.CopyTo(layer.Gamma, 0);
        Inputs.LnBeta.CopyTo(layer.Beta, 0);
        var y = new float[Inputs.LnX.Length];
        layer.Forward(Inputs.LnX, y);
        Print("LnFloat.y", y);
        var dx = new float[y.Length];
        layer.Backward(Inputs.LnX, Inputs.LnDy, dx);
        Print("LnFloat.dx", dx);
        Print("LnFloat.gammaGrad", layer.GammaGrad);
        Print("LnFloat.betaGrad", layer.BetaGrad);
    }
#endif

    private static void Print(string key, long value) =>
        Console.WriteLine(key + ": " + value.ToString(CultureInfo.InvariantCulture));

    private static void Print(string key, float[] values)
    {
        var line = new StringBuilder(key).Append(':');
        foreach (float v in values)
        {
            line.Append(' ').Append(v.ToString("R", CultureInfo.InvariantCulture));
        }
        Console.WriteLine(line.ToString());
    }

    private static void Print(string key, double[] values)
    {
        var line = new StringBuilder(key).Append(':');
        foreach (double v in values)
        {
            line.Append(' ').Append(v.ToString("R", CultureInfo.InvariantCulture));
        }
        Console.WriteLine(line.ToString());
    }
}
