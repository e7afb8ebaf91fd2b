using System;
using System.Diagnostics;
using System.Globalization;
using NetGen.CompilerServices;

namespace NetGen.Benchmarks;

/// <summary>
/// `--training [batch ...]`: one thread's fused SGD training step (<c>TrainStep</c>) of the seed and wide networks at
/// batches 20, 64 and 256 (or those given) against the core's FMA peak (<see cref="FmaPeakBenchmarks.Widest"/>), in alternating rounds in one
/// process, medians of 9. A step's work is counted as its matrix products: per dense layer and sample, 2 · inputs ·
/// outputs for the forward pass, as much for the weight gradient and, after the first layer, as much for the input
/// delta; activations, the loss and the update are not counted, so the fraction is of useful arithmetic.
/// </summary>
public static class TrainingPeak
{
    public static int Run(string[] args)
    {
        int[] batches = args.Length == 0 ? new[] { 20, 64, 256 } : new int[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            if (!int.TryParse(args[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out batches[i]) || batches[i] is < 1 or > 4096)
            {
                Console.Error.WriteLine($"--training takes batch sizes from 1 to 4096, got '{args[i]}'.");
                return 2;
            }
        }
        Console.WriteLine("network                  batch     µs per step   samples/s    GFLOP/s   % of the peak");
        foreach (string name in new[] { "seed 784-500-10", "wide 3072-1024-512-10" })
        foreach (int batch in batches)
        {
            INetwork net = name.StartsWith("seed", StringComparison.Ordinal) ? new SeedNet(1) : new WideNet(1);
            NetworkArchitecture architecture = net.Architecture;
            var sgd = new Sgd(architecture, new ConstantLearningRate(1e-4f));
            float[] x = Sides.Inputs(batch * architecture.InputSize);
            var rng = new Xoshiro256(2);
            var y = new int[batch];
            for (int i = 0; i < batch; i++) y[i] = rng.NextInt(architecture.OutputSize);
            double flops = 0;
            bool firstLayer = true;
            foreach (LayerDescription layer in architecture.Layers)
            {
                if (layer.Kind is not (LayerKind.Dense or LayerKind.Softmax)) continue;
                flops += (firstLayer ? 4.0 : 6.0) * batch * layer.Inputs * layer.Outputs;
                firstLayer = false;
            }
            int steps = Math.Max(3, (int)(30e-3 / (flops / 100e9)));
            double TimeStep()
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < steps; i++) net.TrainStep(x, y, sgd);
                return Stopwatch.GetElapsedTime(start).TotalSeconds / steps;
            }
            var widest = FmaPeakBenchmarks.Widest;
            double TimePeak()
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < 20; i++) widest.Run();
                return Stopwatch.GetElapsedTime(start).TotalSeconds / 20;
            }
            TimeStep();
            TimePeak();
            var ours = new double[9];
            var peak = new double[9];
            for (int r = 0; r < ours.Length; r++)
            {
                ours[r] = TimeStep();
                peak[r] = TimePeak();
            }
            double t = Timing.Median(ours), p = widest.Flops / Timing.Median(peak);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-24} {batch,5} {t * 1e6,15:F0} {batch / t,11:N0} {flops / t / 1e9,10:F1} {100 * flops / t / p,13:F0} %"));
        }
        Console.WriteLine($"The peak: {FmaPeakBenchmarks.Widest.Name}, timed in the same rounds.");
        return 0;
    }
}
