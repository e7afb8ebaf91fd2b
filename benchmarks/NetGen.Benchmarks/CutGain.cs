using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using NetGen;
using NetGen.CompilerServices;

namespace NetGen.Benchmarks;

/// <summary>
/// `--cut [rounds] [targets] [shards]`: where cutting layers across two threads (<see cref="LayerParallel"/>) starts to
/// pay, per network and batch size: the network's own step (momentum; on class labels, or on one-hot target vectors with
/// `targets`) on one thread against the cut on two, timed in interleaved rounds in one process (medians), with the
/// step's size in parameters × rows and the trainer's automatic thread count (<see cref="TrainerOptions.Threads"/> left
/// null) there. With `shards`, convolutional networks, which the cut does not take, and dense batches over 256 rows
/// (which it takes in chunks) against <see cref="DataParallel"/> on two threads in the shards the trainer takes for the
/// first and a network composed at run time would take for the second.
/// </summary>
public static class CutGain
{
    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;
        bool targets = args.Skip(2).Contains("targets"), shards = args.Skip(2).Contains("shards");
        int[] batches = { 2, 8, 16, 32, 64, 128, 256, 512, 1024 }, large = { 512, 1024, 4096 };
        (string Name, Func<INetwork> Create, int[] Batches)[] networks = shards
            ? new (string, Func<INetwork>, int[])[]
            {
                ("tiny cnn 1x12x12-4c-10", () => new TinyCnn(1), new[] { 2, 4, 8, 16, 24, 32, 64, 128 }),
                ("small cnn 1x28x28-8c/2-32-10", () => new SmallCnn(1), new[] { 2, 4, 8, 16, 24, 32, 64, 128 }),
                ("cnn 1x28x28-32c-64c-128-10", () => new CnnNet(1), new[] { 2, 4, 8, 16, 24, 32, 64, 128 }),
                ("control 16-32-32-4", () => new ControlNet(1), large),
                ("mid 784-128-10", () => new MidNet(1), large),
                ("seed 784-500-10, dropout", () => new SeedDropoutNet(1), large),
            }
            : new (string, Func<INetwork>, int[])[]
            {
                ("control 16-32-32-4", () => new ControlNet(1), batches),
                ("narrow 784-32-10", () => new NarrowNet(1), batches),
                ("mid 784-128-10", () => new MidNet(1), batches),
                ("seed 784-500-10, dropout", () => new SeedDropoutNet(1), batches),
                ("wide 3072-1024-512-10", () => new WideNet(1), batches),
            };
        Console.WriteLine($"momentum step on {(targets ? "target vectors" : "class labels")}, one thread against " +
            $"{(shards ? "data-parallel shards on two" : "layers cut across two")}; medians of {rounds} interleaved rounds, µs per step:");
        foreach (var (name, create, sizes) in networks)
        {
            foreach (int batch in sizes)
            {
                INetwork one = create(), two = create();
                float[] x = Sides.Inputs(batch * one.InputSize);
                var rng = new Xoshiro256(2);
                var y = new int[batch];
                for (int i = 0; i < batch; i++) y[i] = rng.NextInt(Math.Max(2, one.OutputSize));
                float[] t = new float[batch * one.OutputSize];
                for (int i = 0; i < batch; i++) t[i * one.OutputSize + y[i] % one.OutputSize] = 1; // one-hot rows as targets
                Momentum Rule() => new(one.Architecture, new ConstantLearningRate(1e-5f), momentum: 0.9f, l2: 5e-5f);
                Momentum oneRule = Rule(), twoRule = Rule();
                // The shards the trainer runs on two threads: 32 rows, 256 for batches over 256 (those of a network the cut does
                // not take), half a CNN's batch up to 64 rows.
                int shardRows = Trainer.Parallelism(two, new Sgd(two.Architecture, 0.1f), new TrainerOptions { BatchSize = batch, Threads = 2 }, batch, 2).ShardRows ?? Math.Min(batch, 256);
                using var team = new LayerParallel(two, 2);
                using var parallel = new DataParallel(two, 2, shardRows);
                long work = (long)one.Parameters.Length * batch;
                int steps = (int)Math.Clamp(30_000_000 / Math.Max(1, work), 3, 20_000);
                double Time(Action step)
                {
                    long start = Stopwatch.GetTimestamp();
                    for (int i = 0; i < steps; i++) step();
                    return Stopwatch.GetElapsedTime(start).TotalMicroseconds / steps;
                }
                Action single = targets ? () => one.TrainStep(x, t, oneRule) : () => one.TrainStep(x, y, oneRule);
                Action cut = shards
                    ? targets ? () => { if (float.IsFinite(parallel.ComputeGradients(x, t))) twoRule.Step(two.Parameters, two.Gradients); } : () => parallel.TrainStep(x, y, twoRule)
                    : targets ? () => team.TrainStep(x, t, twoRule) : () => team.TrainStep(x, y, twoRule);
                long warm = Stopwatch.GetTimestamp();
                while (Stopwatch.GetElapsedTime(warm).TotalMilliseconds < 300) { Time(single); Time(cut); }
                var a = new double[rounds];
                var b = new double[rounds];
                for (int r = 0; r < rounds; r++)
                {
                    if (r % 2 == 0) { a[r] = Time(single); b[r] = Time(cut); }
                    else { b[r] = Time(cut); a[r] = Time(single); }
                }
                double ta = Timing.Median(a), tb = Timing.Median(b);
                var (auto, autoRows) = Trainer.Parallelism(two, twoRule, new TrainerOptions { BatchSize = batch }, batch, processors: 2);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-30} batch {batch,4}: {work,13:N0} parameter-rows, one thread {ta,9:F1}, {(shards ? "shards" : "cut")} {tb,9:F1} ({ta / tb:F2}×); " +
                    $"automatic: {auto} thread{(auto == 1 ? "" : "s")}{(autoRows is int rows ? $" in {rows}-row shards" : "")}"));
            }
        }
        return 0;
    }
}
