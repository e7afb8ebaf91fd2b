using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using NetGen;

namespace NetGen.Benchmarks;

/// <summary>
/// The quick check CI can afford: training steps of the small control network at batch 1, generated against composed,
/// timed in interleaved rounds; fails when the generated side is less than the minimum ratio (<see cref="MinimumRatio"/>
/// unless given: <c>--guard 1.2</c>) times as fast. Only the ratio is judged, never an absolute time, so a slow or busy
/// machine does not fail it. The ratio judged is the median of <see cref="Processes"/> processes' ratios, each timed in
/// its own process (<c>--guard-once</c>): the same code runs up to twice as fast in one process as in the next on this
/// project's host (docs/performance.md), and one process's reading measures where its code landed as much as the code.
/// </summary>
public static class RegressionGuard
{
    /// <summary>The smallest acceptable composed/generated time ratio.</summary>
    public const double MinimumRatio = 1.5;

    /// <summary>Processes whose ratios' median is judged.</summary>
    private const int Processes = 3;

    private const int StepsPerRound = 20_000;
    private const int Rounds = 15;
    private const double WarmUpSeconds = 1.0;

    /// <summary>
    /// <c>--guard [minimum]</c>: times the ratio in <see cref="Processes"/> child processes, one after another, prints each
    /// and judges their median.
    /// </summary>
    public static int Run(string[] args)
    {
        double minimum = args.Length > 1 && double.TryParse(args[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double m) && m > 0 ? m : MinimumRatio;
        var ratios = new List<double>();
        for (int i = 0; i < Processes; i++)
        {
            double? ratio = RunChild();
            if (ratio is null) return 1;
            ratios.Add(ratio.Value);
        }
        double median = ratios.OrderBy(r => r).ElementAt(Processes / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"guard: median of {Processes} processes' ratios {median:F2} ({string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}; minimum {minimum})"));
        if (median >= minimum) return 0;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"guard failed: generated training of the small network is only {median:F2}× composed (the median of {Processes} processes); expected at least {minimum}×."));
        return 1;
    }

    /// <summary>Runs <c>--guard-once</c> in a child process of this program, echoes its output and returns its ratio (null, with the reason printed, if it gave none).</summary>
    private static double? RunChild()
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The guard cannot find its own program to run it again.");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        // Under `dotnet NetGen.Benchmarks.dll` the process is dotnet itself: hand it the assembly again.
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(RegressionGuard).Assembly.Location);
        start.ArgumentList.Add("--guard-once");
        using Process child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {host}.");
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        Console.Write(output);
        const string marker = "ratio=";
        string? line = output.Split('\n').FirstOrDefault(l => l.StartsWith(marker, StringComparison.Ordinal));
        if (child.ExitCode == 0 && line is not null
            && double.TryParse(line.AsSpan(marker.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out double ratio)) return ratio;
        Console.Error.WriteLine($"guard failed: the timing process exited with {child.ExitCode} and printed no ratio.");
        return null;
    }

    /// <summary><c>--guard-once</c>: the ratio timed in this process, printed for <see cref="Run"/> as <c>ratio=…</c>.</summary>
    public static int RunOnce()
    {
        var generated = new ControlNet(1);
        var composed = new ComposedNetwork(ControlNet.Architecture, seed: 1);
        float[] x = Sides.Inputs(ControlNet.InputSize);
        int[] label = { 2 };
        var sgdGenerated = new Sgd(ControlNet.Architecture, new ConstantLearningRate(1e-4f), l2: 1e-5f);
        var sgdComposed = new Sgd(ControlNet.Architecture, new ConstantLearningRate(1e-4f), l2: 1e-5f);

        double Time(INetwork net, Sgd sgd)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < StepsPerRound; i++)
            {
                net.ComputeGradients(x, label);
                sgd.Step(net.Parameters, net.Gradients);
            }
            return Stopwatch.GetElapsedTime(start).TotalNanoseconds / StepsPerRound;
        }

        // Warm up past tiered compilation: rounds for at least WarmUpSeconds, not a count of them. The JIT promotes a method
        // to optimized code only after 100 ms without new unoptimized methods, then compiles it in the background; a
        // profile of five warm-up rounds (130 ms) still found the optimizer's ScaleAdd and some composed kernels in
        // unoptimized code during the timed rounds.
        static void WarmUp(Action round)
        {
            long start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(start).TotalSeconds < WarmUpSeconds) round();
        }
        WarmUp(() => { Time(generated, sgdGenerated); Time(composed, sgdComposed); });
        var generatedNs = new double[Rounds];
        var composedNs = new double[Rounds];
        for (int r = 0; r < Rounds; r++)
        {
            if (r % 2 == 0)
            {
                generatedNs[r] = Time(generated, sgdGenerated);
                composedNs[r] = Time(composed, sgdComposed);
            }
            else
            {
                composedNs[r] = Time(composed, sgdComposed);
                generatedNs[r] = Time(generated, sgdGenerated);
            }
        }
        double a = Timing.Median(generatedNs), b = Timing.Median(composedNs), ratio = b / a;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"guard (one process): control 16-32-32-4 training step at batch 1: generated {a:F0} ns, composed {b:F0} ns (medians of {Rounds} rounds), ratio {ratio:F2}"));

        // For information, not judged: the same step as TrainStep, with the SGD update fused into the backward pass on
        // both sides (the same parameter bits as the two calls).
        double Fused(INetwork net, Sgd sgd)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < StepsPerRound; i++) net.TrainStep(x, label, sgd);
            return Stopwatch.GetElapsedTime(start).TotalNanoseconds / StepsPerRound;
        }
        WarmUp(() => { Fused(generated, sgdGenerated); Fused(composed, sgdComposed); });
        for (int r = 0; r < Rounds; r++)
        {
            if (r % 2 == 0) { generatedNs[r] = Fused(generated, sgdGenerated); composedNs[r] = Fused(composed, sgdComposed); }
            else { composedNs[r] = Fused(composed, sgdComposed); generatedNs[r] = Fused(generated, sgdGenerated); }
        }
        double fa = Timing.Median(generatedNs), fb = Timing.Median(composedNs);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"guard (one process, information): the same step fused (TrainStep): generated {fa:F0} ns, composed {fb:F0} ns, ratio {fb / fa:F2}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio={ratio:F4}"));
        return 0;
    }
}
