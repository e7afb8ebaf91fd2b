using System;
using System.Linq;
using NetGen;
using NetGen.CompilerServices;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Numerics;

public class DropoutTests
{
    [Fact]
    public void ArchitectureRecordsTheDropout()
    {
        Assert.Equal(0.3f, DropNet.Architecture.Layers[0].DropoutProbability);
        Assert.Equal(0.5f, DropNet.Architecture.Layers[1].DropoutProbability);
        Assert.Equal(0f, DropNet.Architecture.Layers[2].DropoutProbability);
        Assert.Equal("37 → Dense(19, Tanh) → Dropout(0.3) → Dense(7, Sigmoid) → Dropout(0.5) → Softmax(5) | CrossEntropy", DropNet.Architecture.ToString());
    }

    [Fact]
    public void InferenceIsTheIdentity()
    {
        // Forward ignores dropout: it equals the reference network, which has none.
        var net = new DropNet(4);
        float[] x = TestData.Uniform(9 * DropNet.InputSize, 5);
        var y = new float[9 * DropNet.OutputSize];
        net.ForwardBatch(x, y);
        var expected = new double[y.Length];
        for (int s = 0; s < 9; s++)
            ReferenceNetwork.Forward(DropNet.Architecture, net.Parameters, x.AsSpan(s * 37, 37)).A[^1].CopyTo(expected, s * 5);
        Tolerance.Close(expected, y, 1e-5, "dropout network at inference");
    }

    [Fact]
    public void TrainingPassesAreSeededAndDifferFromInference()
    {
        var net = new DropNet(4);
        float[] x = TestData.Uniform(8 * 37, 6);
        int[] labels = TestData.Labels(net, 8, 7);
        net.SeedDropout(1);
        float a = net.ComputeGradients(x, labels);
        float[] ga = net.Gradients.ToArray();
        net.SeedDropout(1);
        float b = net.ComputeGradients(x, labels);
        Assert.Equal(a, b);
        Assert.Equal(ga, net.Gradients.ToArray());
        net.SeedDropout(2);
        net.ComputeGradients(x, labels);
        Assert.NotEqual(ga, net.Gradients.ToArray());

        // Without dropout the reference gradient differs from the dropout one.
        var (_, reference) = ReferenceNetwork.LossAndGradient(DropNet.Architecture, net.Parameters, x, ReferenceNetwork.Targets(labels, 5));
        Assert.True(reference.Zip(ga).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public void GradientMatchesCenteredDifferencesUnderAFixedMask()
    {
        const float epsilon = 1e-2f;
        var net = new DropNet(8);
        float[] x = TestData.Uniform(4 * 37, 9);
        float[] t = TestData.Targets(net, 4, 10);
        float Loss()
        {
            net.SeedDropout(77); // the same masks on every evaluation
            return net.ComputeGradients(x, t);
        }
        Loss();
        float[] analytic = net.Gradients.ToArray();
        Span<float> p = net.Parameters;
        int nonZero = 0;
        for (int i = 0; i < p.Length; i++)
        {
            float saved = p[i];
            p[i] = saved + epsilon;
            double plus = Loss();
            p[i] = saved - epsilon;
            double minus = Loss();
            p[i] = saved;
            double centered = (plus - minus) / ((double)(saved + epsilon) - (saved - epsilon));
            Assert.True(Math.Abs(analytic[i] - centered) <= 1e-4 + 1e-2 * Math.Abs(centered),
                $"parameter {i}: analytic {analytic[i]:R}, centered difference {centered:R}");
            if (analytic[i] != 0) nonZero++;
        }
        // Dropped units have exactly zero weight gradients; kept ones do not.
        Assert.InRange(nonZero, p.Length / 4, p.Length - 1);
    }

    [Theory]
    [InlineData(0.2f)]
    [InlineData(0.5f)]
    public void MaskStatistics(float probability)
    {
        const int n = 200_000;
        var rng = new Xoshiro256(3);
        float[] a = Enumerable.Repeat(2f, n).ToArray();
        var mask = new float[n];
        var dropped = new float[n];
        DropoutMath.Apply(ref rng, a, mask, dropped, probability);
        double zeros = mask.Count(m => m == 0f) / (double)n;
        double sigma = Math.Sqrt(probability * (1 - probability) / n);
        Assert.InRange(zeros, probability - 4 * sigma, probability + 4 * sigma);
        Assert.All(mask, m => Assert.True(m == 0f || m == 1f / (1f - probability)));
        // Inverted dropout keeps the expectation: mean mask ≈ 1, mean output ≈ mean input.
        Assert.InRange(mask.Average(), 1 - 4 * sigma / (1 - probability), 1 + 4 * sigma / (1 - probability));
        Assert.Equal(dropped.Average(), 2 * mask.Average(), 4);
        // Neighbours are independent: both dropped with probability p² (elements of one vector, and across vectors).
        foreach (int distance in new[] { 1, 8, 16 })
        {
            int pairs = n - distance, both = 0;
            for (int i = 0; i < pairs; i++) if (mask[i] == 0f && mask[i + distance] == 0f) both++;
            double q = probability * probability, sigmaPairs = Math.Sqrt(q * (1 - q) / pairs);
            Assert.InRange(both / (double)pairs, q - 5 * sigmaPairs, q + 5 * sigmaPairs);
        }
    }

    /// <summary>
    /// The mask is the rule applied to the top 24 bits of each output of SplitMix64 seeded with one draw of the network's
    /// generator (written out here from its definition), the generator left one draw further on; float (vectors of 16 and
    /// a scalar tail) and double alike.
    /// </summary>
    [Theory]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(0f)]
    public void MaskFollowsSplitMix64FromOneDraw(float probability)
    {
        const int n = 10_001;
        uint threshold = (uint)Math.Round(probability * (double)(1 << 24));
        var rng = new Xoshiro256(17);
        var reference = new Xoshiro256(17);
        var mask = new float[n];
        DropoutMath.DrawMask(ref rng, mask.AsSpan(), probability);
        ulong state = reference.NextUInt64();
        float keep = 1f / (1f - probability);
        for (int i = 0; i < n; i++)
        {
            ulong z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            float expected = (uint)(z >> 40) < threshold ? 0f : keep;
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(mask[i]));
        }
        Assert.Equal(reference.NextUInt64(), rng.NextUInt64());

        var rngDouble = new Xoshiro256(17);
        var maskDouble = new double[n];
        DropoutMath.DrawMask(ref rngDouble, maskDouble.AsSpan(), (double)probability);
        for (int i = 0; i < n; i++) Assert.Equal(mask[i] == 0f, maskDouble[i] == 0.0);
    }

    /// <summary>
    /// A mask drawn in parts, from any start and of any length (as the workers of a step cut across threads draw the
    /// rows of their units), has the bits of the mask drawn whole.
    /// </summary>
    [Fact]
    public void PartsOfAMaskHaveTheBitsOfTheWhole()
    {
        const ulong key = 0x0123_4567_89AB_CDEFUL;
        const int n = 5_000;
        var whole = new float[n];
        DropoutMath.DrawMask(key, 0, whole.AsSpan(), 0.3f);
        var parts = new float[n];
        var cuts = new Xoshiro256(4);
        for (int start = 0; start < n;)
        {
            int length = Math.Min(n - start, 1 + cuts.NextInt(70));
            DropoutMath.DrawMask(key, start, parts.AsSpan(start, length), 0.3f);
            start += length;
        }
        Assert.Equal(whole, parts);
        // A different key gives a different mask; the same key and a shifted start, the same elements shifted.
        var other = new float[n];
        DropoutMath.DrawMask(key + 1, 0, other.AsSpan(), 0.3f);
        Assert.NotEqual(whole, other);
        var shifted = new float[n - 37];
        DropoutMath.DrawMask(key, 37, shifted.AsSpan(), 0.3f);
        Assert.Equal(whole.AsSpan(37).ToArray(), shifted);
        Assert.Throws<ArgumentOutOfRangeException>(() => DropoutMath.DrawMask(key, -1, parts.AsSpan(), 0.3f));
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    public void AbsurdProbabilityIsRefused(float probability)
    {
        var rng = new Xoshiro256(1);
        var mask = new float[4];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => DropoutMath.DrawMask(ref rng, mask.AsSpan(), probability));
        Assert.Contains("[0, 1)", error.Message);
    }
}
