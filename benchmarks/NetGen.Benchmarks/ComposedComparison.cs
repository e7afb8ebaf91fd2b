using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using NetGen.CompilerServices;

namespace NetGen.Benchmarks;

/// <summary>
/// `--composed [shape] [batch]`: one training step (Adam, <c>TrainStep</c>) of a generated network against the
/// <see cref="ComposedNetwork"/> of the same architecture, in alternating rounds in one process; the ratio is the
/// composed network's time over the generated one's. The convolutional network by default, at batch 64.
/// </summary>
public static class ComposedComparison
{
    public static int Run(string[] args)
    {
        string shape = args.Length > 1 ? args[1] : "cnn 1x28x28-32c-64c-128-10";
        int batch = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;
        INetwork generated = Sides.Create(shape, "generated"), composed = Sides.Create(shape, "composed");
        float[] x = Sides.Inputs(batch * generated.InputSize);
        var rng = new Xoshiro256(2);
        int[] labels = Enumerable.Range(0, batch).Select(_ => rng.NextInt(generated.OutputSize)).ToArray();
        var forGenerated = new Adam(generated.Architecture, 1e-3f);
        var forComposed = new Adam(composed.Architecture, 1e-3f);
        double Time(INetwork net, IOptimizer optimizer)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < 10; i++) net.TrainStep(x, labels, optimizer);
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds / 10;
        }
        for (int i = 0; i < 3; i++)
        {
            Time(generated, forGenerated);
            Time(composed, forComposed);
        }
        var ours = new double[7];
        var theirs = new double[7];
        for (int round = 0; round < ours.Length; round++)
        {
            ours[round] = Time(generated, forGenerated);
            theirs[round] = Time(composed, forComposed);
        }
        double g = Timing.Median(ours), h = Timing.Median(theirs);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{shape}, Adam step at batch {batch}: generated {g:F2} ms, composed {h:F2} ms (medians of 7 rounds of 10 steps), composed/generated {h / g:F2}×"));
        return 0;
    }
}
