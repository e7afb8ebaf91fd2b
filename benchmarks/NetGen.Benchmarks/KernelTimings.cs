using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using NetGen.CompilerServices;

namespace NetGen.Benchmarks;

/// <summary>
/// `--kernels`: the convolutional network's layer kernels timed alone, per image, at batch 64 (best of five rounds of
/// about 200 ms each): the runtime's <c>Convolution</c> and <c>Pooling</c> calls the generated network makes, with GFLOP/s
/// for the convolutions. Rows go in blocks of two, as the generated network's stages take them (Planner.StageRows).
/// </summary>
public static class KernelTimings
{
    public static int Run()
    {
        var conv1 = new SpatialGeometry(1, 28, 28, 32, 3, 3, 1, 1, 1, 1);
        var pool1 = new SpatialGeometry(32, 28, 28, 32, 2, 2, 2, 2, 0, 0);
        var conv2 = new SpatialGeometry(32, 14, 14, 64, 3, 3, 1, 1, 1, 1);
        var pool2 = new SpatialGeometry(64, 14, 14, 64, 2, 2, 2, 2, 0, 0);
        const int rows = 64;
        float[] x = Sides.Inputs(rows * conv1.InSize), w1 = Sides.Inputs(conv1.WeightCount), b1 = new float[32];
        float[] w2 = Sides.Inputs(conv2.WeightCount), b2 = new float[64];
        float[] s0 = new float[rows * conv1.OutSize], s1 = new float[rows * pool1.OutSize], s2 = new float[rows * conv2.OutSize], s3 = new float[rows * pool2.OutSize];
        float[] e0 = Sides.Inputs(s0.Length), e1 = Sides.Inputs(s1.Length), e2 = Sides.Inputs(s2.Length), e3 = Sides.Inputs(s3.Length);
        float[] c1 = new float[Convolution.ScratchLength(conv1)], c2 = new float[Convolution.ScratchLength(conv2)];
        float[] g1 = new float[w1.Length + 32], g2 = new float[w2.Length + 64];
        var store = new StoreGradient<float>(false);
        void Time(string name, double flops, Action call)
        {
            long warm = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(warm).TotalMilliseconds < 500) call();
            double best = double.MaxValue;
            for (int round = 0; round < 5; round++)
            {
                long start = Stopwatch.GetTimestamp();
                int calls = 0;
                while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < 200) { call(); calls++; }
                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds / calls / rows);
            }
            string rate = flops > 0 ? string.Create(CultureInfo.InvariantCulture, $"  {flops / best / 1e9,6:F1} GFLOP/s") : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-28} {best * 1e6,8:F1} µs per image{rate}"));
        }
        Convolution.Forward(conv1, ref x[0], ref w1[0], ref b1[0], ref s0[0], rows, c1, Activation.ReLU, 0f);
        Pooling.MaxForward(pool1, ref s0[0], ref s1[0], rows);
        Convolution.Forward(conv2, ref s1[0], ref w2[0], ref b2[0], ref s2[0], rows, c2, Activation.ReLU, 0f);
        Pooling.MaxForward(pool2, ref s2[0], ref s3[0], rows);
        double f1 = 2.0 * conv1.WeightCount * conv1.Positions, f2 = 2.0 * conv2.WeightCount * conv2.Positions;
        const int block = 2;
        void Blocks(Action<int, bool, bool> call)
        {
            for (int r = 0; r < rows; r += block) call(r, r == 0, r + block >= rows);
        }
        Time("conv1 forward", f1, () => Blocks((r, first, _) => Convolution.Forward(conv1, ref x[r * conv1.InSize], ref w1[0], ref b1[0],
            ref s0[r * conv1.OutSize], block, c1, Activation.ReLU, 0f, prepared: !first)));
        Time("pool1 forward", 0, () => Blocks((r, _, _) => Pooling.MaxForward(pool1, ref s0[r * pool1.InSize], ref s1[r * pool1.OutSize], block)));
        Time("conv2 forward", f2, () => Blocks((r, first, _) => Convolution.Forward(conv2, ref s1[r * conv2.InSize], ref w2[0], ref b2[0],
            ref s2[r * conv2.OutSize], block, c2, Activation.ReLU, 0f, prepared: !first)));
        Time("pool2 forward", 0, () => Blocks((r, _, _) => Pooling.MaxForward(pool2, ref s2[r * pool2.InSize], ref s3[r * pool2.OutSize], block)));
        Time("pool2 backward", 0, () => Blocks((r, _, _) => Pooling.MaxBackward(pool2, ref s2[r * pool2.InSize], ref s3[r * pool2.OutSize],
            ref e3[r * pool2.OutSize], ref e2[r * pool2.InSize], block)));
        Time("conv2 backward (dW and dx)", 2 * f2, () => Blocks((r, first, last) => Convolution.Backward(conv2, ref s1[r * conv2.InSize],
            ref s2[r * conv2.OutSize], ref e2[r * conv2.OutSize], ref w2[0], ref e1[r * conv2.InSize], block, c2, Activation.ReLU, 0f,
            ref g2[0], ref g2[w2.Length], ref Unsafe.NullRef<float>(), ref Unsafe.NullRef<float>(), store, first, last)));
        Time("conv2 backward (dW only)", f2, () => Blocks((r, first, last) => Convolution.Backward(conv2, ref s1[r * conv2.InSize],
            ref s2[r * conv2.OutSize], ref e2[r * conv2.OutSize], ref w2[0], ref Unsafe.NullRef<float>(), block, c2, Activation.ReLU, 0f,
            ref g2[0], ref g2[w2.Length], ref Unsafe.NullRef<float>(), ref Unsafe.NullRef<float>(), store, first, last)));
        Time("pool1 backward", 0, () => Blocks((r, _, _) => Pooling.MaxBackward(pool1, ref s0[r * pool1.InSize], ref s1[r * pool1.OutSize],
            ref e1[r * pool1.OutSize], ref e0[r * pool1.InSize], block)));
        Time("conv1 backward (dW only)", f1, () => Blocks((r, first, last) => Convolution.Backward(conv1, ref x[r * conv1.InSize],
            ref s0[r * conv1.OutSize], ref e0[r * conv1.OutSize], ref w1[0], ref Unsafe.NullRef<float>(), block, c1, Activation.ReLU, 0f,
            ref g1[0], ref g1[w1.Length], ref Unsafe.NullRef<float>(), ref Unsafe.NullRef<float>(), store, first, last)));
        return 0;
    }
}
