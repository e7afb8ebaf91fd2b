using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NetGen.CompilerServices;

namespace NetGen.Benchmarks;

/// <summary>
/// `--loop forward SHAPE [BATCH] [SECONDS]`, `--loop train seed|wide [BATCH] [SECONDS]`, `--loop tanh`: one piece of work
/// repeated for a profiler to sample, printing its rate. `forward` runs NetGen's side of <see cref="OnnxRuntimeBenchmarks"/>
/// (the shapes of <c>--onnx</c>, by a prefix), `train` the fused SGD step of <c>--training</c>, `tanh` the float vector
/// tanh over 16 KB in L1 (nanoseconds per value). A profile: <c>DOTNET_EnableWriteXorExecute=0 DOTNET_PerfMapEnabled=1
/// perf record -g dotnet benchmarks/NetGen.Benchmarks/bin/Release/net10.0/NetGen.Benchmarks.dll --loop forward seed 1024 8</c>,
/// then <c>perf report --no-children --sort sym -g none</c>.
/// </summary>
public static class ProfileLoop
{
    public static int Run(string[] args)
    {
        string what = args.Length > 1 ? args[1] : "";
        double Arg(int i, double fallback)
        {
            if (args.Length <= i) return fallback;
            if (double.TryParse(args[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value > 0) return value;
            throw new ArgumentException($"Expected a positive number as argument {i} of --loop, got '{args[i]}'.");
        }
        switch (what)
        {
            case "forward" when args.Length > 2:
            {
                int batch = (int)Arg(3, 1024);
                string? shape = Array.Find(OnnxComparison.Shapes, s => s.StartsWith(args[2], StringComparison.Ordinal));
                if (shape is null)
                {
                    Console.Error.WriteLine($"unknown shape '{args[2]}'; expected one of: {string.Join(", ", OnnxComparison.Shapes)}");
                    return 2;
                }
                var bench = new OnnxRuntimeBenchmarks { Shape = shape, Batch = batch };
                bench.Setup();
                long calls = Repeat(Arg(4, 10), bench.NetGen, out double seconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{shape} ForwardBatch at {batch} rows: {calls * batch / seconds:N0} samples/s"));
                bench.Cleanup();
                return 0;
            }
            case "train" when args.Length > 2 && args[2] is "seed" or "wide":
            {
                int batch = (int)Arg(3, 64);
                INetwork net = args[2] == "wide" ? new WideNet(1) : new SeedNet(1);
                var sgd = new Sgd(net.Architecture, new ConstantLearningRate(1e-4f));
                float[] x = Sides.Inputs(batch * net.Architecture.InputSize);
                var rng = new Xoshiro256(2);
                var y = new int[batch];
                for (int i = 0; i < batch; i++) y[i] = rng.NextInt(net.Architecture.OutputSize);
                long calls = Repeat(Arg(4, 10), () => net.TrainStep(x, y, sgd), out double seconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{args[2]} TrainStep at batch {batch}: {seconds / calls * 1e6:F0} µs per step"));
                return 0;
            }
            case "tanh":
            {
                var source = new float[4096];
                var target = new float[4096];
                for (int i = 0; i < source.Length; i++) source[i] = (i % 37 - 18) * 0.1f;
                for (int round = 0; round < 3; round++)
                {
                    long start = Stopwatch.GetTimestamp();
                    Tanh(source, target, 25_000);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"float vector tanh: {Stopwatch.GetElapsedTime(start).TotalNanoseconds / (25_000.0 * source.Length):F3} ns per value"));
                }
                return 0;
            }
            default:
                Console.Error.WriteLine("expected --loop forward SHAPE [BATCH] [SECONDS], --loop train seed|wide [BATCH] [SECONDS] or --loop tanh");
                return 2;
        }
    }

    private static long Repeat(double seconds, Action work, out double elapsed)
    {
        work();
        var clock = Stopwatch.StartNew();
        long calls = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            work();
            calls++;
        }
        elapsed = clock.Elapsed.TotalSeconds;
        return calls;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Tanh(float[] source, float[] target, int passes)
    {
        ref float from = ref source[0], to = ref target[0];
        for (int pass = 0; pass < passes; pass++)
            for (int j = 0; j < source.Length; j += 16)
                ActivationMath.Tanh(Vector512.LoadUnsafe(ref from, (nuint)j)).StoreUnsafe(ref to, (nuint)j);
    }
}
