using System;
using System.Diagnostics;
using System.Globalization;

namespace NetGen.Benchmarks;

/// <summary>
/// `--bandwidth`: how fast one thread reads a buffer the size of the seed network's weights (1.57 MB), twice that, the
/// wide network's weights (14.7 MB) and 100 MB, over and over (best of 200 passes of <see cref="ReadBandwidthBenchmarks.Sum"/>): the ceiling one
/// sample's forward pass, which reads every weight once, is measured against.
/// </summary>
public static class ReadBandwidth
{
    public static int Run()
    {
        foreach (double megabytes in new[] { 1.57, 3.14, 14.70, 100.0 })
        {
            var buffer = new float[(int)(megabytes * 1e6 / 4) / 64 * 64];
            buffer.AsSpan().Fill(1f);
            double best = 0;
            for (int pass = 0; pass < 200; pass++)
            {
                long start = Stopwatch.GetTimestamp();
                float sum = ReadBandwidthBenchmarks.Sum(ref buffer[0], buffer.Length);
                double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                if (sum != buffer.Length) throw new InvalidOperationException("The sum is wrong.");
                best = Math.Max(best, buffer.Length * 4.0 / seconds / 1e9);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{buffer.Length * 4 / 1e6,7:F2} MB read over and over: {best,6:F1} GB/s (best of 200 passes)"));
        }
        return 0;
    }
}
