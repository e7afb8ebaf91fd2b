using System;
using System.Collections.Generic;
using System.Linq;
using NetGen;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Numerics;

/// <summary>
/// Convolutional networks beyond the shared agreement tests (<see cref="ReferenceAgreementTests"/>,
/// <see cref="GradientCheckTests"/>, the PyTorch round trips): PyTorch's names, double precision, the composed network,
/// thread counts, and the runtime's checks of a spatial architecture.
/// </summary>
public class ConvolutionTests
{
    [Fact]
    public void TensorsTakeNnSequentialNumbers()
    {
        // Conv2d 0, ReLU 1, MaxPool2d 2, Conv2d 3, ReLU 4, MaxPool2d 5, Flatten 6, Linear 7, ReLU 8, Dropout 9, Linear 10.
        var names = SafeTensors.Tensors(FashionCnnNet.Architecture).Select(t => t.Name).ToArray();
        Assert.Equal(new[] { "0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "10.weight", "10.bias" }, names);
        var shapes = SafeTensors.Tensors(FashionCnnNet.Architecture).Select(t => string.Join("×", t.Shape)).ToArray();
        Assert.Equal(new[] { "32×1×3×3", "32", "64×32×3×3", "64", "128×3136", "128", "10×128", "10" }, shapes);
        Assert.Equal(32 * 9 + 32 + 64 * 32 * 9 + 64 + 3136 * 128 + 128 + 1280 + 10, FashionCnnNet.ParameterCount);
        Assert.Equal("nn.Sequential(nn.Conv2d(1, 32, 3, stride=1, padding=1), nn.ReLU(), nn.MaxPool2d(2, stride=2), " +
                     "nn.Conv2d(32, 64, 3, stride=1, padding=1), nn.ReLU(), nn.MaxPool2d(2, stride=2), nn.Flatten(), " +
                     "nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10), nn.Softmax(dim=-1))",
            SafeTensors.PyTorchModel(FashionCnnNet.Architecture));
    }

    [Fact]
    public void XavierCountsAConvolutionsFansOverItsKernel()
    {
        LayerDescription conv = FashionCnnNet.Architecture.Layers[2];
        Assert.Equal(LayerKind.Conv2D, conv.Kind);
        Assert.Equal(Math.Sqrt(6.0 / (32 * 9 + 64 * 9)), conv.XavierBound, 12);
        var net = new FashionCnnNet(5);
        float[] w = net.Parameters.Slice(conv.WeightOffset, conv.WeightCount).ToArray();
        Assert.True(w.Max() <= conv.XavierBound && w.Min() >= -conv.XavierBound);
        Assert.True(w.Max() > 0.9 * conv.XavierBound, "the draws should fill the range");
        Assert.All(net.Parameters.Slice(conv.BiasOffset, conv.BiasCount).ToArray(), b => Assert.Equal(0f, b));
    }

    public static IEnumerable<object[]> DoubleNetworks() => new[]
    {
        new object[] { nameof(MaxPoolCnnDouble) }, new object[] { nameof(AvgPoolCnnDouble) }, new object[] { nameof(L2PoolCnnDouble) },
        new object[] { nameof(WinogradCnnDouble) },
    };

    private static INetwork<double> CreateDouble(string name, int seed) => name switch
    {
        nameof(MaxPoolCnnDouble) => new MaxPoolCnnDouble(seed),
        nameof(WinogradCnnDouble) => new WinogradCnnDouble(seed),
        nameof(AvgPoolCnnDouble) => new AvgPoolCnnDouble(seed),
        nameof(L2PoolCnnDouble) => new L2PoolCnnDouble(seed),
        _ => throw new ArgumentException(name),
    };

    /// <summary>In double the generated network and the reference agree to 1e-10: the float tolerance would hide a wrong term no better than this.</summary>
    [Theory]
    [MemberData(nameof(DoubleNetworks))]
    public void DoubleNetworksMatchTheReferenceClosely(string name)
    {
        INetwork<double> net = CreateDouble(name, seed: 3);
        foreach (int batch in new[] { 1, 3, 64 })
        {
            float[] x = TestData.Uniform(batch * net.InputSize, seed: 40 + batch);
            double[] xd = x.Select(v => (double)v).ToArray();
            var t = new float[batch * net.OutputSize];
            var rng = new Random(batch);
            for (int s = 0; s < batch; s++)
            {
                if (net.Architecture.HasSoftmaxOutput) t[s * net.OutputSize + rng.Next(net.OutputSize)] = 1;
                else for (int j = 0; j < net.OutputSize; j++) t[s * net.OutputSize + j] = (float)rng.NextDouble();
            }
            double[] p = net.Parameters.ToArray();
            var output = new double[batch * net.OutputSize];
            net.ForwardBatch(xd, output);
            for (int s = 0; s < batch; s++)
            {
                double[] expected = ReferenceNetwork.Forward(net.Architecture, p, x.AsSpan(s * net.InputSize, net.InputSize)).A[^1];
                for (int j = 0; j < net.OutputSize; j++)
                    Assert.True(Math.Abs(expected[j] - output[s * net.OutputSize + j]) <= 1e-10 * Math.Max(1, Math.Abs(expected[j])), $"{name} batch {batch} output [{s}, {j}]");
            }
            double loss = net.ComputeGradients(xd, t.Select(v => (double)v).ToArray());
            var (refLoss, refGrad) = ReferenceNetwork.LossAndGradient(net.Architecture, p, x, t);
            Assert.True(Math.Abs(loss - refLoss) <= 1e-10 * Math.Max(1, Math.Abs(refLoss)), $"{name} loss {loss} vs {refLoss}");
            double scale = refGrad.Max(Math.Abs);
            for (int i = 0; i < refGrad.Length; i++)
                Assert.True(Math.Abs(refGrad[i] - net.Gradients[i]) <= 1e-10 * scale, $"{name} batch {batch} gradient {i}: {net.Gradients[i]:R} vs {refGrad[i]:R}");
        }
    }

    /// <summary>
    /// The composed network runs the same convolution and pooling kernels from its architecture alone: its forward pass and
    /// gradients agree with the generated network's (to rounding: the dense layers run other kernels).
    /// </summary>
    [Theory]
    [MemberData(nameof(TestData.ConvNetworks), MemberType = typeof(TestData))]
    public void ComposedNetworkComposesTheSameLayers(string name)
    {
        INetwork generated = TestData.Create(name, seed: 8);
        var composed = new ComposedNetwork(generated.Architecture, seed: 8);
        Assert.Equal(generated.Parameters.ToArray(), composed.Parameters.ToArray());
        const int batch = 13;
        float[] x = TestData.Uniform(batch * generated.InputSize, seed: 9);
        float[] t = TestData.Targets(generated, batch, seed: 10);
        var a = new float[batch * generated.OutputSize];
        var b = new float[a.Length];
        generated.ForwardBatch(x, a);
        composed.ForwardBatch(x, b);
        Tolerance.Close(Array.ConvertAll(a, v => (double)v), b, 1e-5, $"{name} composed outputs");
        generated.ComputeGradients(x, t);
        composed.ComputeGradients(x, t);
        Tolerance.Close(generated.Gradients.ToArray().Select(v => (double)v).ToArray(), composed.Gradients, 1e-5, $"{name} composed gradients");
    }

    /// <summary>Training on 1, 2 or 3 threads (data-parallel shards of a fixed size) gives the same parameters to the bit.</summary>
    [Fact]
    public void ThreadCountDoesNotChangeABitOfTraining()
    {
        float[]? reference = null;
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var net = new MaxPoolCnn(4);
            var optimizer = new Adam(net, 1e-2f);
            using var parallel = new DataParallel(net, threads, shardRows: 8);
            for (int step = 0; step < 3; step++)
            {
                float[] x = TestData.Uniform(29 * MaxPoolCnn.InputSize, seed: 60 + step);
                int[] y = TestData.Labels(net, 29, seed: 70 + step);
                parallel.ComputeGradients(x, y);
                optimizer.Step(net.Parameters, net.Gradients);
            }
            float[] parameters = net.Parameters.ToArray();
            if (reference is null) reference = parameters;
            else Assert.True(reference.AsSpan().SequenceEqual(parameters), $"{threads} threads changed the parameters");
        }
    }

    [Theory]
    [InlineData("kernel 0", "has window 0")]
    [InlineData("padding", "padding must be smaller than the kernel")]
    [InlineData("too large", "larger than its input 1×5×5")]
    [InlineData("dense on maps", "add a Flatten layer before it")]
    [InlineData("conv after flatten", "needs feature maps, but its input is the flat vector of 25 elements")]
    [InlineData("group", "must divide the 1 channels")]
    [InlineData("too many weights", "more than 2147483647 parameters")]
    public void SpatialArchitecturesAreChecked(string mistake, string message)
    {
        LayerDefinition[] layers = mistake switch
        {
            "kernel 0" => new[] { LayerDefinition.Conv2D(2, new(0, 3), new(1, 1), new(0, 0)), LayerDefinition.Flatten(), LayerDefinition.Softmax(2) },
            "padding" => new[] { LayerDefinition.Conv2D(2, new(3, 3), new(1, 1), new(3, 0)), LayerDefinition.Flatten(), LayerDefinition.Softmax(2) },
            "too large" => new[] { LayerDefinition.MaxPool2D(new(6, 6), new(1, 1)), LayerDefinition.Flatten(), LayerDefinition.Softmax(2) },
            "dense on maps" => new[] { LayerDefinition.Conv2D(2, new(3, 3), new(1, 1), new(0, 0)), LayerDefinition.Softmax(2) },
            "conv after flatten" => new[] { LayerDefinition.Flatten(), LayerDefinition.Conv2D(2, new(3, 3), new(1, 1), new(0, 0)), LayerDefinition.Softmax(2) },
            "group" => new[] { LayerDefinition.FeatureL2Pool(2), LayerDefinition.Flatten(), LayerDefinition.Softmax(2) },
            _ => new[] { LayerDefinition.Conv2D(70_000, new(5, 5), new(1, 1), new(0, 0)), LayerDefinition.Conv2D(70_000, new(1, 1), new(1, 1), new(0, 0)),
                         LayerDefinition.Flatten(), LayerDefinition.Softmax(2) },
        };
        var e = Assert.Throws<ArgumentException>(() => new NetworkArchitecture(new TensorShape(1, 5, 5), layers, LossFunction.CrossEntropy));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ArchitectureInfersShapesAsPyTorchDoes()
    {
        var arch = new NetworkArchitecture(new TensorShape(3, 11, 10), new[]
        {
            LayerDefinition.Conv2D(4, new(3, 3), new(3, 3), new(1, 1), Activation.LeakyReLU, 0.1f),
            LayerDefinition.AvgPool2D(new(2, 2), new(1, 1)),
            LayerDefinition.Flatten(),
            LayerDefinition.Softmax(4),
        }, LossFunction.CrossEntropy);
        // ⌊(11 + 2 − 3) / 3⌋ + 1 = 4 rows, ⌊(10 + 2 − 3) / 3⌋ + 1 = 4 columns; pooling 2 × 2 by 1: 3 × 3.
        Assert.Equal(new TensorShape(4, 4, 4), arch.Layers[0].OutputShape);
        Assert.Equal(new TensorShape(4, 3, 3), arch.Layers[1].OutputShape);
        Assert.Equal(36, arch.Layers[3].Inputs);
        Assert.Equal(AvgPoolCnn.Architecture.ParameterCount, arch.ParameterCount);
        Assert.Equal(AvgPoolCnn.Architecture.ToString(), arch.ToString());
        Assert.Equal(330, arch.InputSize);
    }

    /// <summary>After the first call of a batch size, forward passes and gradients of a convolutional network allocate nothing.</summary>
    [Fact]
    public void ForwardAndGradientsAllocateNothing()
    {
        var net = new MaxPoolCnn(2);
        float[] x = TestData.Uniform(5 * MaxPoolCnn.InputSize, seed: 3);
        int[] y = TestData.Labels(net, 5, seed: 4);
        var output = new float[5 * MaxPoolCnn.OutputSize];
        var one = new float[MaxPoolCnn.OutputSize];
        Allocations.AssertNone(() =>
        {
            net.ForwardBatch(x, output);
            net.Forward(x.AsSpan(0, MaxPoolCnn.InputSize), one);
            net.ComputeGradients(x, y);
        });
    }

    /// <summary>
    /// Max pooling gives a window's gradient to its first maximum in raster order, as PyTorch does, also where the maximum
    /// repeats: on values drawn from {0, 1, 2} most windows tie. 11 channels run the vector path and its scalar tail, 32
    /// the 512-bit path (with AVX-512), also where the windows tile the map; every input's ∂x is written (it starts as
    /// NaN here), to the bit of a sum into a cleared map (a −0 gradient gives +0, as 0 + −0 does).
    /// </summary>
    [Theory]
    [InlineData(2, 2, 11, 7)] // windows side by side
    [InlineData(3, 1, 11, 7)] // overlapping windows: shares add up
    [InlineData(2, 2, 32, 7)] // side by side, the last column of the map in none
    [InlineData(3, 1, 32, 7)]
    [InlineData(2, 2, 32, 8)] // windows that tile the map
    public void MaxPoolingRoutesTiesToTheFirstMaximum(int window, int stride, int channels, int width)
    {
        const int height = 6;
        var g = new NetGen.CompilerServices.SpatialGeometry(channels, height, width, channels, window, window, stride, stride, 0, 0);
        var rng = new Random(window);
        float[] x = Enumerable.Range(0, g.InSize).Select(_ => (float)rng.Next(3)).ToArray(); // channels-last [h, w, c]
        float[] dy = Enumerable.Range(0, g.OutSize).Select(_ => (float)rng.Next(1, 5)).ToArray();
        for (int o = 0; o < dy.Length; o += 7) dy[o] = -0f;
        var y = new float[g.OutSize];
        var dx = Enumerable.Repeat(float.NaN, g.InSize).ToArray();
        NetGen.CompilerServices.Pooling.MaxForward(g, ref x[0], ref y[0], 1);
        NetGen.CompilerServices.Pooling.MaxBackward(g, ref x[0], ref y[0], ref dy[0], ref dx[0], 1);
        var expected = new float[g.InSize];
        int ties = 0;
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        for (int c = 0; c < channels; c++)
        {
            int best = -1, count = 0;
            for (int ky = 0; ky < window; ky++)
            for (int kx = 0; kx < window; kx++)
            {
                int at = ((oy * stride + ky) * width + ox * stride + kx) * channels + c;
                if (best < 0 || x[at] > x[best]) best = at;
            }
            for (int ky = 0; ky < window; ky++)
            for (int kx = 0; kx < window; kx++)
                count += x[((oy * stride + ky) * width + ox * stride + kx) * channels + c] == x[best] ? 1 : 0;
            ties += count > 1 ? 1 : 0;
            int o = (oy * g.OutWidth + ox) * channels + c;
            Assert.Equal(x[best], y[o]);
            expected[best] += dy[o];
        }
        Assert.True(ties > g.OutSize / 2, $"only {ties} of {g.OutSize} windows tie");
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), dx.Select(BitConverter.SingleToInt32Bits));
    }

    /// <summary>
    /// Every pooling over windows equals a plain loop to the bit: the maximum (the first in raster order, from −∞), the sum
    /// in raster order over the count, the fused chain of squares under the root. 11 channels run the vector path and its
    /// scalar tail; a 2 × 2 window over 16 or 32 channels (float and double) the unrolled 512-bit path with AVX-512, the
    /// 3 × 3 window over 32 channels the Vector&lt;T&gt; loop.
    /// </summary>
    [Theory]
    [InlineData(2, 2, 11)]
    [InlineData(2, 2, 32)]
    [InlineData(3, 1, 32)]
    [InlineData(2, 1, 16)]
    public void PoolingEqualsAPlainLoop(int window, int stride, int channels)
    {
        Check<float>(window, stride, channels);
        Check<double>(window, stride, channels);

        static void Check<T>(int window, int stride, int channels) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            const int height = 7, width = 6, rows = 2;
            var g = new NetGen.CompilerServices.SpatialGeometry(channels, height, width, channels, window, window, stride, stride, 0, 0);
            var rng = new Random(channels + window);
            T[] x = Enumerable.Range(0, rows * g.InSize).Select(_ => T.CreateTruncating(rng.NextDouble() * 4 - 2)).ToArray();
            foreach (string kind in new[] { "max", "mean", "l2" })
            {
                var y = new T[rows * g.OutSize];
                if (kind == "max") NetGen.CompilerServices.Pooling.MaxForward(g, ref x[0], ref y[0], rows);
                else if (kind == "mean") NetGen.CompilerServices.Pooling.AverageForward(g, ref x[0], ref y[0], rows);
                else NetGen.CompilerServices.Pooling.L2Forward(g, ref x[0], ref y[0], rows);
                for (int r = 0; r < rows; r++)
                for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                for (int c = 0; c < channels; c++)
                {
                    T value = kind == "max" ? T.NegativeInfinity : T.Zero;
                    for (int ky = 0; ky < window; ky++)
                    for (int kx = 0; kx < window; kx++)
                    {
                        T v = x[r * g.InSize + ((oy * stride + ky) * width + ox * stride + kx) * channels + c];
                        value = kind == "max" ? (v > value ? v : value) : kind == "mean" ? value + v : T.FusedMultiplyAdd(v, v, value);
                    }
                    value = kind == "max" ? value : kind == "mean" ? value / T.CreateTruncating(window * window) : T.Sqrt(value);
                    int o = r * g.OutSize + (oy * g.OutWidth + ox) * channels + c;
                    Assert.True(value.Equals(y[o]), $"{typeof(T).Name} {kind} row {r} ({oy}, {ox}) channel {c}: {y[o]} against {value}");
                }
            }
        }
    }

    /// <summary>
    /// Flatten's reordering and the input's, both ways, equal a plain index loop: maps whose sides are whole 16 × 16 blocks
    /// (AVX-512's register transposes), blocks with edges in either direction, and sides under 16.
    /// </summary>
    [Theory]
    [InlineData(64, 49)]
    [InlineData(16, 16)]
    [InlineData(35, 37)]
    [InlineData(3, 110)]
    [InlineData(17, 5)]
    public void LayoutsEqualAPlainLoop(int channels, int positions)
    {
        const int rows = 2;
        float[] x = TestData.Uniform(rows * channels * positions, seed: channels + positions);
        var first = new float[x.Length];
        var last = new float[x.Length];
        NetGen.CompilerServices.Layout.ToChannelsFirst(ref x[0], ref first[0], rows, channels, positions);
        NetGen.CompilerServices.Layout.ToChannelsLast(ref x[0], ref last[0], rows, channels, positions);
        for (int r = 0; r < rows; r++)
        for (int p = 0; p < positions; p++)
        for (int c = 0; c < channels; c++)
        {
            int channelsLast = r * channels * positions + p * channels + c, channelsFirst = r * channels * positions + c * positions + p;
            Assert.Equal(x[channelsLast], first[channelsFirst]);
            Assert.Equal(x[channelsFirst], last[channelsLast]);
        }
    }
}
