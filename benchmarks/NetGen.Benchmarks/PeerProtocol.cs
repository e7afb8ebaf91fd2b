using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using NetGen;
using NetGen.CompilerServices;

namespace NetGen.Benchmarks;

/// <summary>
/// NetGen's side of <c>benchmarks/peers</c>: the protocol of <c>peer.py</c> on generated networks, one thread — the
/// seed network trained by SGD (L2 on weights) at batch 1, 20 and 64, its single-sample forward, the control network
/// trained at batch 1. Each figure is the median over rounds of the mean time per call in nanoseconds; one JSON line.
/// </summary>
public static class PeerProtocol
{
    private const int Rounds = 7;

    /// <param name="cnnOnly">Only the convolutional network's figures (`--peers cnn`), for alternating runs with `peer.py torch cnn`.</param>
    public static int Run(bool cnnOnly = false)
    {
        var json = new StringBuilder("{\"side\":\"netgen\"");
        if (!cnnOnly) Dense(json);
        // The convolutional network: Adam steps at batch 1, 20, 64 and 256, one image forward, and 1,024 images forward.
        foreach (int batch in new[] { 1, 20, 64, 256 })
            json.Append(Field($"cnn_train_b{batch}", AdamStep(new CnnNet(1), batch, Math.Max(10, 400 / batch))));
        var cnn = new CnnNet(1);
        float[] image = Sides.Inputs(CnnNet.InputSize), images = Sides.Inputs(1024 * CnnNet.InputSize);
        var classes = new float[CnnNet.OutputSize];
        var batchClasses = new float[1024 * CnnNet.OutputSize];
        json.Append(Field("cnn_forward_1", MedianNs(() => cnn.Forward(image, classes), 400)));
        json.Append(Field("cnn_forward_b1024", MedianNs(() => cnn.ForwardBatch(images, batchClasses), 3)));
        Console.WriteLine(json.Append('}'));
        return 0;
    }

    /// <summary>The dense networks' figures: the seed network trained and run, the control network trained.</summary>
    private static void Dense(StringBuilder json)
    {
        foreach (int batch in new[] { 1, 20, 64 })
        {
            json.Append(Field($"seed_train_b{batch}", TrainStep(new SeedNet(1), batch, Math.Max(20, 4000 / batch), fused: false)));
            json.Append(Field($"seed_train_fused_b{batch}", TrainStep(new SeedNet(1), batch, Math.Max(20, 4000 / batch), fused: true)));
        }
        var seed = new SeedNet(1);
        float[] one = Sides.Inputs(SeedNet.InputSize);
        var probabilities = new float[SeedNet.OutputSize];
        json.Append(Field("seed_forward_1", MedianNs(() => seed.Forward(one, probabilities), 2000)));
        json.Append(Field("control_train_b1", TrainStep(new ControlNet(1), 1, 4000, fused: false)));
        json.Append(Field("control_train_fused_b1", TrainStep(new ControlNet(1), 1, 4000, fused: true)));
    }

    /// <summary>One SGD step: <c>ComputeGradients</c> then <c>Step</c>, or with <paramref name="fused"/> <c>TrainStep</c>, which updates inside the backward pass.</summary>
    private static double TrainStep(INetwork net, int batch, int calls, bool fused)
    {
        var sgd = new Sgd(net.Architecture, new ConstantLearningRate(1e-4f), l2: 1e-5f);
        float[] x = Sides.Inputs(batch * net.InputSize);
        var rng = new Xoshiro256(2);
        int[] labels = Enumerable.Range(0, batch).Select(_ => rng.NextInt(net.OutputSize)).ToArray();
        if (fused) return MedianNs(() => net.TrainStep(x, labels, sgd), calls);
        return MedianNs(() =>
        {
            net.ComputeGradients(x, labels);
            sgd.Step(net.Parameters, net.Gradients);
        }, calls);
    }

    /// <summary>One Adam step (<c>TrainStep</c>: gradients, then the update) on random images and labels.</summary>
    private static double AdamStep(INetwork net, int batch, int calls)
    {
        var adam = new Adam(net.Architecture, 1e-3f);
        float[] x = Sides.Inputs(batch * net.InputSize);
        var rng = new Xoshiro256(2);
        int[] labels = Enumerable.Range(0, batch).Select(_ => rng.NextInt(net.OutputSize)).ToArray();
        return MedianNs(() => net.TrainStep(x, labels, adam), calls);
    }

    private static double MedianNs(Action call, int calls)
    {
        // Warm up past tiered compilation: the JIT recompiles hot methods on a background thread about 100 ms after
        // their first calls (and restarts that delay while new methods keep arriving), so warm up by time, not by count.
        long warm = Stopwatch.GetTimestamp();
        for (int pass = 0; pass < 3; pass++)
        {
            while (Stopwatch.GetElapsedTime(warm).TotalMilliseconds < 400 * (pass + 1)) call();
            System.Threading.Thread.Sleep(100);
        }
        var times = new double[Rounds];
        for (int r = 0; r < Rounds; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) call();
            times[r] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
        }
        return Timing.Median(times);
    }

    private static string Field(string name, double ns) => string.Create(CultureInfo.InvariantCulture, $",\"{name}\":{ns:F1}");
}
