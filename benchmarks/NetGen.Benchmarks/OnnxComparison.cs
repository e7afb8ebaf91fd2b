using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace NetGen.Benchmarks;

/// <summary>
/// `--onnx [shape] [batch]`: NetGen's forward pass against ONNX Runtime's in interleaved rounds in one process (the
/// setup and the agreement check of <see cref="OnnxRuntimeBenchmarks"/>), printing samples per second, GFLOP/s and the
/// ratio per shape and batch. Quicker than the BenchmarkDotNet run and less exact; the ratio is what it is for.
/// </summary>
public static class OnnxComparison
{
    /// <summary>The networks compared, by the names <see cref="Sides.Create"/> knows; a command picks them by a prefix.</summary>
    public static readonly string[] Shapes =
    {
        "seed 784-500-10", "control 16-32-32-4", "wide 3072-1024-512-10", "cnn 1x28x28-32c-64c-128-10",
        "frozen seed 784-500-10", "frozen wide 3072-1024-512-10",
#if NETGEN_BAKED
        "baked seed 784-500-10", "baked wide 3072-1024-512-10",
#endif
    };

    public static int Run(string[] args)
    {
        string[] shapes = Shapes;
        int[] batches = { 1, 64, 1024 };
        if (args.Length > 1) shapes = shapes.Where(s => s.StartsWith(args[1], StringComparison.Ordinal)).ToArray();
        if (shapes.Length == 0)
        {
            Console.Error.WriteLine($"--onnx: no network's name starts with '{args[1]}'; expected a prefix of one of: {string.Join(", ", Shapes)}" +
                (args[1].StartsWith("baked", StringComparison.Ordinal)
                    ? ". The baked networks are built with -p:NetGenBaked=true, after --write-baked (docs/performance.md)." : "."));
            return 2;
        }
        if (args.Length > 2 && (!int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out int rows) || rows < 1 || rows > 65_536))
        {
            Console.Error.WriteLine($"--onnx: expected a batch of 1 to 65,536 rows, found '{args[2]}'.");
            return 2;
        }
        if (args.Length > 2) batches = new[] { int.Parse(args[2], CultureInfo.InvariantCulture) };
        Console.WriteLine("shape                         batch   NetGen samples/s   GFLOP/s   ONNX Runtime samples/s   GFLOP/s   NetGen/ORT");
        foreach (string shape in shapes)
        foreach (int batch in batches)
        {
            var bench = new OnnxRuntimeBenchmarks { Shape = shape, Batch = batch };
            bench.Setup();
            long flops = Flops(Sides.CreateInference(shape).Architecture);
            // Enough calls per round for about 20 ms, eleven rounds each side, alternating.
            int calls = Math.Max(1, (int)(20e-3 / (flops * (double)batch / 100e9)));
            double Time(Action run)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < calls; i++) run();
                return Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
            }
            Time(bench.NetGen);
            Time(bench.OnnxRuntime);
            var ours = new double[11];
            var theirs = new double[11];
            for (int round = 0; round < ours.Length; round++)
            {
                ours[round] = Time(bench.NetGen);
                theirs[round] = Time(bench.OnnxRuntime);
            }
            double t = Timing.Median(ours), p = Timing.Median(theirs);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{shape,-28} {batch,6} {batch / t,18:N0} {flops * batch / t / 1e9,9:F1} {batch / p,24:N0} {flops * batch / p / 1e9,9:F1} {p / t,11:F2}×"));
            bench.Cleanup();
        }
        Console.WriteLine("NetGen/ORT is ONNX Runtime's time over NetGen's: above 1, NetGen is faster.");
        return 0;
    }

    /// <summary>Multiply-adds ×2 of one sample's forward pass: a dense layer's weights, a convolution's weights at every output position.</summary>
    public static long Flops(NetworkArchitecture architecture)
    {
        long flops = 0;
        foreach (LayerDescription layer in architecture.Layers)
        {
            flops += layer.Kind switch
            {
                LayerKind.Dense or LayerKind.Softmax => 2L * layer.Inputs * layer.Outputs,
                LayerKind.Conv2D => 2L * layer.WeightCount * layer.OutputShape.Height * layer.OutputShape.Width,
                _ => 0,
            };
        }
        return flops;
    }
}
