using System;

namespace NetGen.Benchmarks;

/// <summary>What the hand-timed modes (`--guard`, `--scaling`, `--peers`) share.</summary>
public static class Timing
{
    /// <summary>The median of <paramref name="values"/> (the upper one of an even count); sorts a copy.</summary>
    public static double Median(double[] values)
    {
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }
}
