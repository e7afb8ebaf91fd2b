using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using NetGen.CompilerServices;

namespace NetGen.Benchmarks;

/// <summary>
/// `--gemm [rows inputs outputs]`: the matrix-product kernels alone against this core's FMA peak, measured in the same
/// process in alternating rounds (the machine's speed drifts within minutes, so a ratio from one run is what means
/// something): <see cref="Gemm.MultiplyPacked"/> on weights packed once, <see cref="Gemm.MultiplyTransposed"/> packing
/// them per call, and <see cref="Gemm.MultiplyRows"/> packing the rows instead; and first the products' register tile
/// alone (6 rows × 64 columns with AVX-512, 6 × 16 without), over a depth whose panel of B stays in L1 (24 KB and 16 KB),
/// the most the products can reach on this core. Default: the seed network's first layer at 256 rows (a chunk of
/// <c>ForwardBatch</c>).
/// </summary>
public static class GemmTimings
{
    public static int Run(string[] args)
    {
        int rows = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 256;
        int inputs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 784;
        int outputs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 500;
        var rng = new Xoshiro256(1);
        float[] x = new float[rows * inputs], w = new float[outputs * inputs], b = new float[outputs], y = new float[rows * outputs];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle() - 0.5f;
        for (int i = 0; i < w.Length; i++) w[i] = rng.NextSingle() - 0.5f;
        var packed = new AlignedBuffer<float>(Gemm.PackedLength(inputs, outputs));
        Gemm.Pack(ref w[0], ref packed.Reference, inputs, outputs, 0, outputs);

        // The tile alone: the same 6 rows of A and one panel of B (k-major) every call, the sums stored to a scratch tile
        // (first: true, last: false, so no partial sums are read and no bias is added: B stands in for the bias argument).
        bool wide = Vector512.IsHardwareAccelerated;
        int tileColumns = wide ? 64 : 16, tileDepth = wide ? 96 : 256;
        float[] tileA = new float[Gemm.RowsPerTile * tileDepth], tileB = new float[tileDepth * tileColumns + 16], tileC = new float[Gemm.RowsPerTile * tileColumns];
        for (int i = 0; i < tileA.Length; i++) tileA[i] = rng.NextSingle() - 0.5f;
        for (int i = 0; i < tileB.Length; i++) tileB[i] = rng.NextSingle() - 0.5f;
        double tileFlops = 2.0 * Gemm.RowsPerTile * tileColumns * tileDepth;
        void Tile()
        {
            for (int i = 0; i < 64; i++)
            {
                if (wide) Gemm.Tile512(ref tileA[0], tileDepth, Gemm.RowsPerTile, ref tileB[0], ref tileB[0], ref tileC[0], tileColumns, tileDepth, first: true, last: false);
                else Gemm.Tile256(ref tileA[0], tileDepth, Gemm.RowsPerTile, ref tileB[0], ref tileB[0], ref tileC[0], tileColumns, tileDepth, first: true, last: false);
            }
        }

        double flops = 2.0 * rows * inputs * outputs;
        int calls = Math.Max(1, (int)(20e-3 / (flops / 100e9)));
        var kernels = new (string Name, Action Run, int Calls)[]
        {
            (FmaPeakBenchmarks.Widest.Name, () => FmaPeakBenchmarks.Widest.Run(), 20),
            ($"register tile {Gemm.RowsPerTile} × {tileColumns}, B in L1", Tile, Math.Max(1, (int)(20e-3 / (64 * tileFlops / 100e9)))),
            ("MultiplyPacked", () => Gemm.MultiplyPacked(ref x[0], ref packed.Reference, ref b[0], ref y[0], rows, inputs, outputs, 0, outputs), calls),
            ("MultiplyTransposed", () => Gemm.MultiplyTransposed(ref x[0], ref w[0], ref b[0], ref y[0], rows, inputs, outputs, 0, outputs), calls),
            ("MultiplyRows", () => Gemm.MultiplyRows(ref x[0], ref w[0], ref b[0], ref y[0], rows, inputs, outputs, 0, outputs), calls),
        };
        double[] work = { FmaPeakBenchmarks.Widest.Flops, 64 * tileFlops, flops, flops, flops };
        var times = new double[kernels.Length][];
        for (int k = 0; k < kernels.Length; k++) times[k] = new double[15];
        for (int round = -5; round < 15; round++)
            for (int k = 0; k < kernels.Length; k++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < kernels[k].Calls; i++) kernels[k].Run();
                double t = Stopwatch.GetElapsedTime(start).TotalSeconds / kernels[k].Calls;
                if (round >= 0) times[k][round] = t;
            }
        double peak = work[0] / Timing.Median(times[0]) / 1e9;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rows} rows × {inputs} inputs × {outputs} outputs; medians of 15 alternating rounds"));
        for (int k = 0; k < kernels.Length; k++)
        {
            double gflops = work[k] / Timing.Median(times[k]) / 1e9;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kernels[k].Name,-30} {gflops,8:F1} GFLOP/s  {100 * gflops / peak,5:F0} % of the peak"));
        }
        return 0;
    }
}
