using System;
using System.Runtime.CompilerServices;
using NetGen.CompilerServices;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Numerics;

/// <summary>
/// A 3 × 3, stride-1 convolution with at least 8 input channels and an even output size runs forward by Winograd's
/// F(2 × 2, 3 × 3); every other geometry by the direct product. Both must equal a straightforward convolution written
/// here (channels-last, PyTorch's weights), in float to rounding and in double to 1e-12, including channel counts that
/// are not whole vectors, no padding, and several calls on one scratch with other weights in between.
/// </summary>
public sealed class WinogradTests
{
    private static double[] Direct(SpatialGeometry g, float[] x, float[] w, float[] b)
    {
        var y = new double[g.OutSize];
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        for (int o = 0; o < g.OutChannels; o++)
        {
            double sum = b[o];
            for (int c = 0; c < g.InChannels; c++)
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int iy = oy * g.StrideHeight - g.PaddingHeight + ky, ix = ox * g.StrideWidth - g.PaddingWidth + kx;
                if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue;
                sum += (double)w[((o * g.InChannels + c) * g.KernelHeight + ky) * g.KernelWidth + kx] * x[(iy * g.InWidth + ix) * g.InChannels + c];
            }
            y[(oy * g.OutWidth + ox) * g.OutChannels + o] = sum;
        }
        return y;
    }

    [Theory]
    [InlineData(8, 6, 6, 16, 1)]    // Winograd: whole vectors
    [InlineData(9, 14, 14, 13, 1)]  // Winograd: channel tails in and out
    [InlineData(32, 8, 10, 64, 0)]  // Winograd: no padding, a wide map
    [InlineData(32, 14, 14, 64, 1)] // Winograd: the conv network's second layer
    [InlineData(8, 7, 7, 16, 1)]    // direct: an odd output size
    [InlineData(4, 6, 6, 16, 1)]    // direct: too few input channels
    public void ForwardEqualsTheStraightforwardConvolution(int inChannels, int height, int width, int outChannels, int padding)
    {
        var g = new SpatialGeometry(inChannels, height, width, outChannels, 3, 3, 1, 1, padding, padding);
        var scratch = new float[Convolution.ScratchLength(g)];
        for (int round = 0; round < 3; round++) // new weights each call, on the same scratch
        {
            float[] x = TestData.Uniform(2 * g.InSize, seed: 10 + round), w = TestData.Uniform(g.WeightCount, seed: 20 + round);
            float[] b = TestData.Uniform(outChannels, seed: 30 + round);
            var y = new float[2 * g.OutSize];
            Convolution.Forward(g, ref x[0], ref w[0], ref b[0], ref y[0], 2, scratch, Activation.Identity, 0f);
            for (int r = 0; r < 2; r++)
            {
                double[] expected = Direct(g, x.AsSpan(r * g.InSize, g.InSize).ToArray(), w, b);
                Tolerance.Close(expected, y.AsSpan(r * g.OutSize, g.OutSize), 1e-5, $"{inChannels}×{height}×{width}→{outChannels} sample {r} round {round}");
            }
        }
    }

    /// <summary>
    /// The input gradient — by Winograd on the flipped filters where <see cref="Winograd.AppliesToInputGradient"/> (a
    /// 3 × 3, stride-1 layer of at least 8 output channels, padding at most 2, an even input), directly otherwise — and
    /// the weight and bias gradients against the adjoint written out here, over three rounds of new weights on one
    /// scratch with a forward pass before each backward pass.
    /// </summary>
    [Theory]
    [InlineData(16, 6, 6, 8, 1, true)]     // whole vectors
    [InlineData(13, 14, 14, 9, 1, true)]   // channel tails both ways
    [InlineData(32, 8, 10, 64, 0, true)]   // no padding: δ padded by 2
    [InlineData(8, 6, 4, 16, 2, true)]     // padding 2: δ not padded
    [InlineData(32, 14, 14, 64, 1, true)]  // the conv network's second layer
    [InlineData(16, 7, 7, 8, 1, false)]    // an odd input size: direct
    [InlineData(16, 6, 6, 4, 1, false)]    // too few output channels to sum over: direct
    [InlineData(8, 4, 4, 16, 3, false)]    // padding 3: direct
    public void InputGradientEqualsTheStraightforwardAdjoint(int inChannels, int height, int width, int outChannels, int padding, bool winograd)
    {
        var g = new SpatialGeometry(inChannels, height, width, outChannels, 3, 3, 1, 1, padding, padding);
        Assert.Equal(winograd, Winograd.AppliesToInputGradient(g));
        var scratch = new float[Convolution.ScratchLength(g)];
        const int rows = 3;
        for (int round = 0; round < 3; round++)
        {
            float[] x = TestData.Uniform(rows * g.InSize, seed: 40 + round), w = TestData.Uniform(g.WeightCount, seed: 50 + round);
            float[] b = TestData.Uniform(outChannels, seed: 60 + round), delta = TestData.Uniform(rows * g.OutSize, seed: 70 + round);
            var y = new float[rows * g.OutSize];
            Convolution.Forward(g, ref x[0], ref w[0], ref b[0], ref y[0], rows, scratch, Activation.Identity, 0f);
            var dx = new float[rows * g.InSize];
            var gradient = new float[g.WeightCount + outChannels];
            float[] dy = (float[])delta.Clone();
            Convolution.Backward(g, ref x[0], ref y[0], ref dy[0], ref w[0], ref dx[0], rows, scratch, Activation.Identity, 0f,
                ref gradient[0], ref gradient[g.WeightCount], ref Unsafe.NullRef<float>(), ref Unsafe.NullRef<float>(), new StoreGradient<float>(false));
            var expectedDx = new double[dx.Length];
            var expectedGradient = new double[gradient.Length];
            for (int r = 0; r < rows; r++)
            for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            for (int o = 0; o < outChannels; o++)
            {
                double d = delta[r * g.OutSize + (oy * g.OutWidth + ox) * outChannels + o];
                expectedGradient[g.WeightCount + o] += d;
                for (int c = 0; c < inChannels; c++)
                for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++)
                {
                    int iy = oy - padding + ky, ix = ox - padding + kx;
                    if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
                    int at = ((o * inChannels + c) * 3 + ky) * 3 + kx, input = r * g.InSize + (iy * width + ix) * inChannels + c;
                    expectedDx[input] += d * w[at];
                    expectedGradient[at] += d * x[input];
                }
            }
            string what = $"{inChannels}×{height}×{width}→{outChannels}, padding {padding}, round {round}";
            Tolerance.Close(expectedDx, dx, 1e-5, $"∂x of {what}");
            Tolerance.Close(expectedGradient, gradient, 1e-5, $"∂W and ∂b of {what}");
        }
    }

    [Fact]
    public void DoubleForwardEqualsTheStraightforwardConvolutionClosely()
    {
        var g = new SpatialGeometry(11, 10, 8, 18, 3, 3, 1, 1, 1, 1);
        float[] xf = TestData.Uniform(g.InSize, seed: 5), wf = TestData.Uniform(g.WeightCount, seed: 6), bf = TestData.Uniform(18, seed: 7);
        double[] x = Array.ConvertAll(xf, v => (double)v), w = Array.ConvertAll(wf, v => (double)v), b = Array.ConvertAll(bf, v => (double)v);
        var y = new double[g.OutSize];
        Convolution.Forward(g, ref x[0], ref w[0], ref b[0], ref y[0], 1, new double[Convolution.ScratchLength(g)], Activation.Identity, 0.0);
        double[] expected = Direct(g, xf, wf, bf);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - y[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: {y[i]:R} vs {expected[i]:R}");
    }

    /// <summary>
    /// A convolution keeps its filters packed between calls on unchanged weights and compares every bit to know: a change
    /// of the last weight alone is seen, and so is a backward pass in between (which packs the filters the other way).
    /// </summary>
    [Fact]
    public void PackedFiltersFollowTheWeights()
    {
        var g = new SpatialGeometry(8, 6, 6, 16, 3, 3, 1, 1, 1, 1);
        var scratch = new float[Convolution.ScratchLength(g)];
        float[] x = TestData.Uniform(g.InSize, seed: 1), w = TestData.Uniform(g.WeightCount, seed: 2), b = TestData.Uniform(16, seed: 3);
        var y = new float[g.OutSize];
        Convolution.Forward(g, ref x[0], ref w[0], ref b[0], ref y[0], 1, scratch, Activation.Identity, 0f);
        w[^1] += 0.5f;
        Convolution.Forward(g, ref x[0], ref w[0], ref b[0], ref y[0], 1, scratch, Activation.Identity, 0f);
        Tolerance.Close(Direct(g, x, w, b), y, 1e-5, "after the last weight changed");

        var net = new WinogradCnn(4);
        float[] input = TestData.Uniform(2 * WinogradCnn.InputSize, seed: 5);
        float[] before = new float[2 * WinogradCnn.OutputSize], after = new float[2 * WinogradCnn.OutputSize];
        net.ForwardBatch(input, before);
        net.ComputeGradients(input, new[] { 1, 3 });
        net.ForwardBatch(input, after);
        Assert.Equal(before, after);
    }

    /// <summary>
    /// Where Winograd's output transform or the direct product's tiles store through ReLU themselves (float, output channels
    /// that fill 512-bit vectors), the result has the bits of the plain convolution followed by ReLU, −0 and all; with
    /// channel tails the separate pass runs. The direct cases cover 6-row tiles with rows left over, 1, 2 and 3 vectors
    /// of filters, and stride 2.
    /// </summary>
    [Theory]
    [InlineData(32, 14, 14, 64, 1)] // Winograd
    [InlineData(16, 6, 8, 32, 1)]   // Winograd
    [InlineData(9, 6, 6, 13, 1)]    // Winograd, channel tails: the separate pass
    [InlineData(1, 28, 28, 32, 1)]  // direct: the first layer of the conv network
    [InlineData(3, 9, 11, 16, 2)]   // direct, stride 2
    [InlineData(8, 7, 7, 48, 1)]    // direct: an odd output, three vectors of filters
    public void ReLUStoredByTheTransformEqualsTheSeparatePass(int inChannels, int height, int width, int outChannels, int stride)
    {
        var g = new SpatialGeometry(inChannels, height, width, outChannels, 3, 3, stride, stride, 1, 1);
        float[] x = TestData.Uniform(3 * g.InSize, seed: 41), w = TestData.Uniform(g.WeightCount, seed: 42), b = TestData.Uniform(outChannels, seed: 43);
        var plain = new float[3 * g.OutSize];
        var activated = new float[plain.Length];
        Convolution.Forward(g, ref x[0], ref w[0], ref b[0], ref plain[0], 3, new float[Convolution.ScratchLength(g)], Activation.Identity, 0f);
        Convolution.Forward(g, ref x[0], ref w[0], ref b[0], ref activated[0], 3, new float[Convolution.ScratchLength(g)], Activation.ReLU, 0f);
        int negative = 0;
        for (int i = 0; i < plain.Length; i++)
        {
            negative += plain[i] < 0 ? 1 : 0;
            float expected = plain[i] > 0 ? plain[i] : 0f;
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(activated[i]), $"output {i}: {activated[i]:R} against {expected:R}");
        }
        Assert.True(negative > plain.Length / 4, $"only {negative} of {plain.Length} outputs negative: ReLU barely tested");
    }

    /// <summary>
    /// One image takes Winograd's tiles in groups (a smaller working set), a batch all at once: the same bits, including
    /// the group left over (49 tiles = 24 + 24 + 1) and channel tails.
    /// </summary>
    [Theory]
    [InlineData(32, 14, 14, 64)]
    [InlineData(9, 14, 14, 13)]
    [InlineData(8, 6, 6, 16)]
    public void OneImageEqualsItsRowOfABatchBitForBit(int inChannels, int height, int width, int outChannels)
    {
        var g = new SpatialGeometry(inChannels, height, width, outChannels, 3, 3, 1, 1, 1, 1);
        float[] x = TestData.Uniform(2 * g.InSize, seed: 51), w = TestData.Uniform(g.WeightCount, seed: 52), b = TestData.Uniform(outChannels, seed: 53);
        var batch = new float[2 * g.OutSize];
        var one = new float[g.OutSize];
        Convolution.Forward(g, ref x[0], ref w[0], ref b[0], ref batch[0], 2, new float[Convolution.ScratchLength(g)], Activation.ReLU, 0f);
        for (int r = 0; r < 2; r++)
        {
            Convolution.Forward(g, ref x[r * g.InSize], ref w[0], ref b[0], ref one[0], 1, new float[Convolution.ScratchLength(g)], Activation.ReLU, 0f);
            Assert.Equal(batch.AsSpan(r * g.OutSize, g.OutSize).ToArray(), one);
        }
    }
}
