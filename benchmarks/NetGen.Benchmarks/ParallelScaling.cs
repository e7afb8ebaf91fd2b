using System;
using System.Diagnostics;
using System.Globalization;
using NetGen;

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
            int steps = Math.Max(10, 20_000 / batch);

            double Time(DataParallel? parallel)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < steps; i++)
                {
                    if (parallel is not null)
                    {
                        parallel.TrainStep(x, y, sgd);
                        continue;
                    }
                    net.ComputeGradients(x, y);
                    sgd.Step(net);
                }
                return Stopwatch.GetElapsedTime(start).TotalMicroseconds / steps;
            }

            for (int w = 0; w < 3; w++) { Time(null); Time(one); Time(two); }
            var plain = new double[7];
            var single = new double[7];
            var dual = new double[7];
            for (int r = 0; r < plain.Length; r++)
            {
                plain[r] = Time(null);
                single[r] = Time(one);
                dual[r] = Time(two);
            }
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
            double p = Timing.Median(plain), s = Timing.Median(single), d = Timing.Median(dual), ceiling = Timing.Median(apart) / Timing.Median(together);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"seed 784-500-10 training step, batch {batch}: plain {p:F0} µs, sharded on 1 thread {s:F0} µs, on 2 threads {d:F0} µs: {p / d:F2}× plain, {s / d:F2}× sharded; two independent trainings on 2 threads: {ceiling:F2}× (this machine's ceiling now)"));
        }
        return 0;
    }
}
