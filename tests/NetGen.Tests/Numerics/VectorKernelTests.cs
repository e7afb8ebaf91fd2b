using System;
using System.Runtime.Intrinsics;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests.Numerics;

/// <summary>The runtime's vector building blocks against their one-at-a-time definitions.</summary>
public class VectorKernelTests
{
    [Fact]
    public void SumEachIsSixteenVectorSumsToTheBit()
    {
        // Magnitudes from 1e-3 to 1e3 make the order of additions visible in the last bits.
        var rng = new Xoshiro256(12);
        var c = new Vector512<float>[16];
        for (int trial = 0; trial < 2000; trial++)
        {
            for (int j = 0; j < 16; j++)
            {
                var lanes = new float[16];
                for (int i = 0; i < 16; i++) lanes[i] = (rng.NextSingle() - 0.5f) * MathF.Pow(10f, rng.NextInt(7) - 3);
                c[j] = Vector512.Create(lanes);
            }
            Vector512<float> sums = VectorMath.SumEach(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15]);
            for (int j = 0; j < 16; j++)
                Assert.Equal(BitConverter.SingleToInt32Bits(Vector512.Sum(c[j])), BitConverter.SingleToInt32Bits(sums[j]));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(47)]
    public void ScaleIsElementwise(int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = i - 7.25f;
        var y = new float[length];
        VectorOps.Scale<float>(y, 0.3f, x);
        for (int i = 0; i < length; i++) Assert.Equal(0.3f * x[i], y[i]);
        Assert.Throws<ArgumentException>(() => VectorOps.Scale<float>(new float[length + 1], 1f, x));
    }
}
