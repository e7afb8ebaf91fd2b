using System;
using System.Diagnostics;
using System.Globalization;
using NetGen;
using NetGen.CompilerServices;

namespace NetGen.Benchmarks;

/// <summary>
/// `--cut [rounds] [targets]`: where cutting layers across two threads (<see cref="LayerParallel"/>) starts to pay, per
/// network and batch size: the network's own step (momentum; fused on class labels, gradients then the optimizer's step
/// on target vectors with `targets`) on one thread against the cut on two, timed in interleaved rounds in one process
/// (medians), with the step's size in parameters × rows and whether the trainer's automatic thread count
/// (<see cref="TrainerOptions.Threads"/> left null) takes the cut there.
/// </summary>
public static class CutGain
{
    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;
        bool targets = args.Length > 2 && args[2] == "targets";
        (string Name, Func<INetwork> Create)[] networks =
        {
            ("control 16-32-32-4", () => new ControlNet(1)),
            ("narrow 784-32-10", () => new NarrowNet(1)),
            ("mid 784-128-10", () => new MidNet(1)),
            ("seed 784-500-10, dropout", () => new SeedDropoutNet(1)),
            ("wide 3072-1024-512-10", () => new WideNet(1)),
        };
        Console.WriteLine($"momentum step on {(targets ? "target vectors" : "class labels")}, one thread against layers cut across two; " +
            $"medians of {rounds} interleaved rounds, µs per step:");
        foreach (var (name, create) in networks)
        {
            foreach (int batch in new[] { 2, 8, 16, 32, 64, 128, 256 })
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
                using var team = new LayerParallel(two, 2);
                long work = (long)one.Parameters.Length * batch;
                int steps = (int)Math.Clamp(30_000_000 / Math.Max(1, work), 3, 20_000);
                double Time(Action step)
                {
                    long start = Stopwatch.GetTimestamp();
                    for (int i = 0; i < steps; i++) step();
                    return Stopwatch.GetElapsedTime(start).TotalMicroseconds / steps;
                }
                Action single = targets ? () => one.TrainStep(x, t, oneRule) : () => one.TrainStep(x, y, oneRule);
                Action cut = targets ? () => team.TrainStep(x, t, twoRule) : () => team.TrainStep(x, y, twoRule);
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
                int auto = Trainer.Parallelism(two, twoRule, new TrainerOptions { BatchSize = batch }, batch, processors: 2).Threads;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-26} batch {batch,3}: {work,11:N0} parameter-rows, one thread {ta,9:F1}, cut {tb,9:F1} ({ta / tb:F2}×); automatic: {auto} thread{(auto == 1 ? "" : "s")}"));
            }
        }
        return 0;
    }
}
