using System;
using System.Diagnostics;
using System.Globalization;
using NetGen;
using NetGen.CompilerServices;

namespace NetGen.Benchmarks;

/// <summary>
/// `--scaling`: data-parallel training of the seed network on one and on two threads, timed in interleaved rounds in one
/// process (medians of 7), so that a neighbour's load on a shared machine hits every side alike. Shards are half the
/// batch; the plain single-threaded step (gradients, then the optimizer) is the baseline.
/// </summary>
public static class ParallelScaling
{
    public static int Run()
    {
        foreach (int batch in new[] { 64, 256 })
        {
            var net = new SeedNet(1);
            var sgd = new Sgd(SeedNet.Architecture, new ConstantLearningRate(1e-4f), l2: 1e-5f);
            float[] x = Sides.Inputs(batch * SeedNet.InputSize);
            var rng = new Xoshiro256(2);
            var y = new int[batch];
            for (int i = 0; i < batch; i++) y[i] = rng.NextInt(SeedNet.OutputSize);
            using var one = new DataParallel(net, 1, batch / 2);
            using var two = new DataParallel(net, 2, batch / 2);
            using var split = new LayerParallel(net, 2);
            int steps = Math.Max(10, 20_000 / batch);

            double Time(Action step)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < steps; i++) step();
                return Stopwatch.GetElapsedTime(start).TotalMicroseconds / steps;
            }
            Action plainStep = () => { net.ComputeGradients(x, y); sgd.Step(net); };
            Action shardedOne = () => one.TrainStep(x, y, sgd), shardedTwo = () => two.TrainStep(x, y, sgd);
            Action fusedStep = () => net.TrainStep(x, y, sgd), splitTwo = () => split.TrainStep(x, y, sgd);
            Action[] modes = { plainStep, shardedOne, shardedTwo, fusedStep, splitTwo };

            for (int w = 0; w < 3; w++) foreach (Action mode in modes) Time(mode);
            var times = new double[modes.Length][];
            for (int m = 0; m < modes.Length; m++) times[m] = new double[7];
            for (int r = 0; r < 7; r++)
                for (int m = 0; m < modes.Length; m++) times[m][r] = Time(modes[m]);
            // The ceiling for this work on this machine right now: two networks, each training on its own thread with
            // no synchronization at all, against the same two one after the other.
            var other = new SeedNet(2);
            var otherSgd = new Sgd(SeedNet.Architecture, new ConstantLearningRate(1e-4f), l2: 1e-5f);
            void Plain(INetwork n, Sgd o) { for (int i = 0; i < steps; i++) { n.ComputeGradients(x, y); o.Step(n); } }
            double Independent(bool together)
            {
                long start = Stopwatch.GetTimestamp();
                if (together)
                {
                    var thread = new System.Threading.Thread(() => Plain(other, otherSgd));
                    thread.Start();
                    Plain(net, sgd);
                    thread.Join();
                }
                else
                {
                    Plain(net, sgd);
                    Plain(other, otherSgd);
                }
                return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
            Independent(false);
            Independent(true);
            var apart = new double[5];
            var together = new double[5];
            for (int r = 0; r < apart.Length; r++)
            {
                apart[r] = Independent(false);
                together[r] = Independent(true);
            }
            double p = Timing.Median(times[0]), s = Timing.Median(times[1]), d = Timing.Median(times[2]), f = Timing.Median(times[3]), c = Timing.Median(times[4]);
            double ceiling = Timing.Median(apart) / Timing.Median(together);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"seed 784-500-10 training step, batch {batch}: plain {p:F0} µs, sharded on 1 thread {s:F0} µs, on 2 threads {d:F0} µs: {p / d:F2}× plain, {s / d:F2}× sharded; two independent trainings on 2 threads: {ceiling:F2}× (this machine's ceiling now)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"seed 784-500-10 fused SGD step, batch {batch}: TrainStep on 1 thread {f:F0} µs, layers cut across 2 threads {c:F0} µs: {f / c:F2}× one thread, {p / c:F2}× plain"));
        }
        MainRecipe();
        return 0;
    }

    /// <summary>
    /// The main job's step: the seed network with dropout 0.3, momentum 0.9 with L2, batch 64 — fused on one thread, cut
    /// across two, and the plain two calls — interleaved, medians of 7 rounds.
    /// </summary>
    private static void MainRecipe()
    {
        const int batch = 64;
        var net = new SeedDropoutNet(1);
        var momentum = new Momentum(SeedDropoutNet.Architecture, new ConstantLearningRate(1e-4f), momentum: 0.9f, l2: 5e-5f);
        float[] x = Sides.Inputs(batch * SeedDropoutNet.InputSize);
        var rng = new Xoshiro256(2);
        var y = new int[batch];
        for (int i = 0; i < batch; i++) y[i] = rng.NextInt(SeedDropoutNet.OutputSize);
        using var split = new LayerParallel(net, 2);
        const int steps = 300;
        double Time(Action step)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < steps; i++) step();
            return Stopwatch.GetElapsedTime(start).TotalMicroseconds / steps;
        }
        Action[] modes =
        {
            () => { net.ComputeGradients(x, y); momentum.Step(net); },
            () => net.TrainStep(x, y, momentum),
            () => split.TrainStep(x, y, momentum),
        };
        for (int w = 0; w < 3; w++) foreach (Action mode in modes) Time(mode);
        var times = new double[modes.Length][];
        for (int m = 0; m < modes.Length; m++) times[m] = new double[7];
        for (int r = 0; r < 7; r++)
            for (int m = 0; m < modes.Length; m++) times[m][r] = Time(modes[m]);
        double p = Timing.Median(times[0]), f = Timing.Median(times[1]), c = Timing.Median(times[2]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"main recipe (seed with dropout 0.3, momentum), batch {batch}: plain {p:F0} µs, fused on 1 thread {f:F0} µs, layers cut across 2 threads {c:F0} µs: {f / c:F2}× one thread fused, {p / c:F2}× plain"));
    }
}
