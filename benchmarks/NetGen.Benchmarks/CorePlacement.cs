using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using NetGen;
using NetGen.CompilerServices;

namespace NetGen.Benchmarks;

/// <summary>
/// `--placement [seconds]`: how the main job's step cut across two threads depends on where the machine puts the two
/// cores. Rounds, each: the round trip of one cache line between two threads (a ping-pong), then the main recipe's step
/// (<see cref="SeedDropoutNet"/>, momentum, batch 64) fused on one thread, cut across two (<see cref="LayerParallel"/>),
/// and two independent trainings on two threads, 150 ms each, then the ping-pong again. A round whose two round trips
/// are both short (under 150 ns: the cores share a cache) counts as near, both long (over 200 ns) as far; the medians
/// are printed per kind, with each worker's time per phase of the cut step (<see cref="PhaseClock"/>: computing its
/// part, then waiting at the barrier after it). On a virtual machine the host may move its cores between the two kinds
/// while it runs.
/// </summary>
public static class CorePlacement
{
    private const int BatchRows = 64;
    private const int SliceMilliseconds = 150;

    public static int Run(string[] args)
    {
        int seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 60;
        float[] x = Sides.Inputs(BatchRows * SeedDropoutNet.InputSize);
        var rng = new Xoshiro256(2);
        var y = new int[BatchRows];
        for (int i = 0; i < BatchRows; i++) y[i] = rng.NextInt(SeedDropoutNet.OutputSize);
        Momentum Recipe() => new(SeedDropoutNet.Architecture, new ConstantLearningRate(1e-4f), momentum: 0.9f, l2: 5e-5f);
        var one = new SeedDropoutNet(1);
        Momentum oneRule = Recipe();
        var cut = new SeedDropoutNet(1);
        Momentum cutRule = Recipe();
        using var team = new LayerParallel(cut, 2);
        var second = new SeedDropoutNet(2);
        Momentum secondRule = Recipe();

        int phases = ((ISplitTraining)cut).Phases;
        var phaseClock = new PhaseClock(2, phases);
        double OneThread() => Rate(() => one.TrainStep(x, y, oneRule));
        double Cut() => Rate(() => team.TrainStep(x, y, cutRule));
        // The cut step timed per phase: [worker · phases + phase], µs per step of work, then of waiting after it.
        (double Rate, double[] Work, double[] Wait) TimedCut()
        {
            phaseClock.Reset();
            team.Clock = phaseClock;
            double rate = Cut();
            team.Clock = null;
            var work = new double[2 * phases];
            var wait = new double[2 * phases];
            for (int w = 0; w < 2; w++)
            {
                for (int p = 0; p < phases; p++)
                {
                    work[w * phases + p] = phaseClock.Work(w, p);
                    wait[w * phases + p] = phaseClock.Wait(w, p);
                }
            }
            return (rate, work, wait);
        }
        double Independent()
        {
            long steps = 0;
            bool stop = false;
            var thread = new Thread(() => { while (!Volatile.Read(ref stop)) { second.TrainStep(x, y, secondRule); Interlocked.Increment(ref steps); } });
            long start = Stopwatch.GetTimestamp();
            thread.Start();
            while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < SliceMilliseconds)
            {
                one.TrainStep(x, y, oneRule);
                Interlocked.Increment(ref steps);
            }
            Volatile.Write(ref stop, true);
            thread.Join();
            return steps / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        OneThread(); Cut(); Independent(); RoundTrip(); // warm-up
        var rounds = new List<(double Before, double After, double One, double Cut, double Two, double[] Work, double[] Wait)>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            double before = RoundTrip();
            double o = OneThread();
            var (c, work, wait) = TimedCut();
            double t = Independent();
            rounds.Add((before, RoundTrip(), o, c, t, work, wait));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"main recipe (seed with dropout 0.3, momentum, batch {BatchRows}), {rounds.Count} rounds of {SliceMilliseconds} ms per side over {seconds} s; medians, steps/s:"));
        foreach ((string kind, Func<double, bool> test) in new (string, Func<double, bool>)[] { ("near", ns => ns < 150), ("far", ns => ns > 200) })
        {
            var these = rounds.Where(r => test(r.Before) && test(r.After)).ToArray();
            if (these.Length == 0)
            {
                Console.WriteLine($"  {kind}: no rounds");
                continue;
            }
            double trip = Timing.Median(these.Select(r => (r.Before + r.After) / 2).ToArray());
            double o = Timing.Median(these.Select(r => r.One).ToArray()), c = Timing.Median(these.Select(r => r.Cut).ToArray());
            double t = Timing.Median(these.Select(r => r.Two).ToArray());
            double ratio = Timing.Median(these.Select(r => r.Cut / r.One).ToArray());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {kind} ({these.Length} rounds, round trip {trip:F0} ns): one thread {o:F0}, cut across 2 {c:F0} ({ratio:F2}× one), two independent {t:F0} ({t / o:F2}× one)"));
            for (int w = 0; w < 2; w++)
            {
                var parts = Enumerable.Range(0, phases).Select(p => string.Create(CultureInfo.InvariantCulture,
                    $"{Timing.Median(these.Select(r => r.Work[w * phases + p]).ToArray()):F0}+{Timing.Median(these.Select(r => r.Wait[w * phases + p]).ToArray()):F0}"));
                Console.WriteLine($"    worker {w}, µs per step in phases 0–{phases - 1} (work+wait at the barrier): {string.Join(", ", parts)}");
            }
        }
        int mixed = rounds.Count(r => !(r.Before < 150 && r.After < 150) && !(r.Before > 200 && r.After > 200));
        Console.WriteLine($"  mixed: {mixed} rounds (the placement changed during the round), not counted");
        return 0;
    }

    /// <summary>Steps per second of <paramref name="step"/> over one slice.</summary>
    private static double Rate(Action step)
    {
        long steps = 0, start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < SliceMilliseconds)
        {
            step();
            steps++;
        }
        return steps / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>
    /// Median nanoseconds for one cache line to go to another thread and back: the two threads take turns to write a
    /// counter, each spinning until the other has written, for <paramref name="milliseconds"/>.
    /// </summary>
    internal static double RoundTrip(int milliseconds = 100)
    {
        var line = new long[16]; // the counter at [8]: a cache line of its own whatever the array's alignment
        bool stop = false;
        var echo = new Thread(() =>
        {
            long seen = 1;
            while (!Volatile.Read(ref stop))
            {
                if (Volatile.Read(ref line[8]) == seen)
                {
                    Volatile.Write(ref line[8], seen + 1);
                    seen += 2;
                }
            }
        });
        echo.Start();
        var samples = new List<double>();
        long value = 0, start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < milliseconds)
        {
            long begin = Stopwatch.GetTimestamp();
            for (int i = 0; i < 1000; i++)
            {
                Volatile.Write(ref line[8], value + 1);
                while (Volatile.Read(ref line[8]) != value + 2) { }
                value += 2;
            }
            samples.Add(Stopwatch.GetElapsedTime(begin).TotalNanoseconds / 1000);
        }
        Volatile.Write(ref stop, true);
        echo.Join();
        return Timing.Median(samples.ToArray());
    }
}
