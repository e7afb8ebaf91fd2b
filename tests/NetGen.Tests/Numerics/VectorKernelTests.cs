using System;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;
using NetGen.CompilerServices;
using NetGen.Tests.Runtime;
using Xunit;

namespace NetGen.Tests.Numerics;

/// <summary>The runtime's vector building blocks against their one-at-a-time definitions.</summary>
public class VectorKernelTests
{
    /// <summary>
    /// <c>./build.sh test</c> runs the numeric tests a second time with <c>DOTNET_EnableAVX512=0</c>, so that generated
    /// networks take their portable <c>Vector&lt;T&gt;</c> kernels, as on a machine without AVX-512. That run must
    /// really be without <see cref="Vector512"/> acceleration; in any run, acceleration needs the instructions.
    /// </summary>
    [Fact]
    public void Vector512AccelerationFollowsTheRuntimeSwitch()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
            Assert.False(Vector512.IsHardwareAccelerated, "AVX-512 was switched off, yet Vector512 is accelerated: the portable kernels did not run.");
        else
            Assert.True(!Vector512.IsHardwareAccelerated || System.Runtime.Intrinsics.X86.Avx512F.IsSupported || !System.Runtime.Intrinsics.X86.X86Base.IsSupported);
    }

    /// <summary>
    /// The vector tanh of float lanes (expm1 in float, see <see cref="ActivationMath"/>) stays within 2.5 ulp of the
    /// correctly rounded value over ±12 and down to tiny |x|, where tanh x ≈ x; it is odd, 0 at 0, ±1 far out and never NaN
    /// for finite input. Both widths: <see cref="Vector512{T}"/> and <see cref="System.Numerics.Vector{T}"/>.
    /// </summary>
    [Fact]
    public void FloatTanhIsWithinTwoAndAHalfUlps()
    {
        var rng = new Xoshiro256(31);
        int width = System.Numerics.Vector<float>.Count;
        var lanes = new float[16];
        double worst = 0;
        for (int trial = 0; trial < 20_000; trial++)
        {
            for (int i = 0; i < 16; i++)
            {
                float magnitude = trial % 2 == 0 ? 12f * rng.NextSingle() : MathF.Pow(10f, -8f * rng.NextSingle());
                lanes[i] = rng.NextSingle() < 0.5f ? -magnitude : magnitude;
            }
            Vector512<float> wide = ActivationMath.Tanh(Vector512.Create(lanes));
            System.Numerics.Vector<float> narrow = ActivationMath.Tanh(new System.Numerics.Vector<float>(lanes));
            for (int i = 0; i < 16; i++)
            {
                worst = Math.Max(worst, Ulps(wide[i], Math.Tanh(lanes[i])));
                if (i < width) worst = Math.Max(worst, Ulps(narrow[i], Math.Tanh(lanes[i])));
            }
        }
        Assert.InRange(worst, 0, 2.5);
        Vector512<float> edges = ActivationMath.Tanh(Vector512.Create(0f, -0f, 9.1f, -9.1f, 20f, -20f, float.MaxValue, float.MinValue,
            1e-30f, -1e-30f, float.Epsilon, 0.55f, -0.55f, 88f, 89f, 1e10f));
        float[] expected = { 0f, -0f, 1f, -1f, 1f, -1f, 1f, -1f, 1e-30f, -1e-30f, float.Epsilon, (float)Math.Tanh(0.55f), -(float)Math.Tanh(0.55f), 1f, 1f, 1f };
        for (int i = 0; i < 16; i++) Assert.True(Ulps(edges[i], expected[i]) <= 2.5, $"tanh at lane {i}: {edges[i]:R}, expected {expected[i]:R}");
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(edges[1]));

        static double Ulps(float got, double want)
        {
            float rounded = (float)want;
            double ulp = (double)MathF.BitIncrement(MathF.Abs(rounded)) - MathF.Abs(rounded);
            return Math.Abs(got - want) / ulp;
        }
    }

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

    /// <summary>
    /// The gradient's norm split across threads (each its range of blocks' sums, then the sums added up in order) is
    /// <see cref="VectorOps.Norm{T}"/> to the bit for any split and length — no block, part of one, whole blocks and a
    /// tail, the seed network's parameter count — and within float rounding of the norm summed plainly in double.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(2047)]
    [InlineData(2048)]
    [InlineData(6150)]
    [InlineData(397510)]
    public void NormInBlocksIsTheNorm(int length)
    {
        var rng = new Xoshiro256((ulong)length + 1);
        float[] values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.NextInt(9) - 4));
        double norm = VectorOps.Norm<float>(values);
        int blocks = VectorOps.NormBlocks<float>(length);
        foreach (int parts in new[] { 1, 2, 3, 5 })
        {
            var sums = new double[blocks];
            int per = (blocks + parts - 1) / parts;
            for (int part = parts - 1; part >= 0; part--)
            {
                int first = Math.Min(blocks, part * per);
                VectorOps.NormBlockSums<float>(values, first, Math.Min(blocks, first + per), sums);
            }
            Assert.Equal(BitConverter.DoubleToInt64Bits(norm), BitConverter.DoubleToInt64Bits(VectorOps.NormFromBlocks<float>(values, sums)));
        }
        double plain = Math.Sqrt(values.Sum(v => (double)v * v));
        Assert.True(Math.Abs(norm - plain) <= 1e-6 * plain, $"norm {norm:R}, summed plainly {plain:R}");
    }

    /// <summary>
    /// L1 shrinkage moves every value toward zero by b and never across it, element by element as its definition says, in
    /// <see cref="Vector512"/> and <see cref="Vector{T}"/> blocks and in the tail alike: values at ±b exactly, just past
    /// them, signed zeros, infinities and NaN (taken to zero), for float and double, and with b = 0 (nothing moves).
    /// </summary>
    [Fact]
    public void ShrinkIsTheL1StepElementByElement()
    {
        var rng = new Xoshiro256(17);
        for (int length = 0; length <= 75; length++)
        {
            foreach (float b in new[] { 0.25f, 0f })
            {
                float[] special = { b, -b, MathF.BitIncrement(b), MathF.BitDecrement(-b), 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 3f, -3f };
                float[] y = Enumerable.Range(0, length).Select(i => i % 3 == 0 ? special[i / 3 % special.Length] : rng.NextSingle() - 0.5f).ToArray();
                float[] shrunk = (float[])y.Clone();
                VectorOps.Shrink<float>(shrunk, b);
                for (int i = 0; i < length; i++)
                {
                    float expected = y[i] > b ? y[i] - b : y[i] < -b ? y[i] + b : 0f;
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(shrunk[i]),
                        $"length {length}, b {b}, element {i}: {y[i]:R} became {shrunk[i]:R}, expected {expected:R}");
                }
                double[] yd = y.Select(v => (double)v).ToArray(), shrunkD = (double[])yd.Clone();
                VectorOps.Shrink<double>(shrunkD, b);
                for (int i = 0; i < length; i++)
                {
                    double expected = yd[i] > b ? yd[i] - b : yd[i] < -b ? yd[i] + b : 0d;
                    Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(shrunkD[i]));
                }
            }
        }
    }

    /// <summary>
    /// The copy that checks as it goes (the layer-cut trainer's rows of a batch) copies every value, the bad ones too, and
    /// finds a NaN or an infinity of either sign at every place, in the vectors and in the tail, for float and double;
    /// the space after the copy is left alone, and a destination too short is refused.
    /// </summary>
    [Fact]
    public void CopyFiniteCopiesAndFindsEveryNonFiniteValue()
    {
        var rng = new Xoshiro256(6);
        for (int length = 0; length <= 70; length++)
        {
            float[] source = Enumerable.Range(0, length).Select(_ => rng.NextSingle() * 8f - 4f).ToArray();
            var copy = new float[length + 3];
            copy.AsSpan(length).Fill(7f);
            Assert.True(VectorOps.CopyFinite<float>(source, copy));
            Assert.Equal(source, copy[..length]);
            Assert.All(copy[length..], v => Assert.Equal(7f, v));
            double[] wide = source.Select(v => v * 1.5).ToArray();
            var wideCopy = new double[length];
            Assert.True(VectorOps.CopyFinite<double>(wide, wideCopy));
            Assert.Equal(wide, wideCopy);
            for (int at = 0; at < length; at++)
            {
                foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                {
                    float[] poisoned = source.ToArray();
                    poisoned[at] = bad;
                    Assert.False(VectorOps.CopyFinite<float>(poisoned, copy), $"{bad} at {at} of {length}");
                    Assert.Equal(poisoned, copy[..length]);
                    double[] widePoisoned = wide.ToArray();
                    widePoisoned[at] = bad;
                    Assert.False(VectorOps.CopyFinite<double>(widePoisoned, wideCopy), $"{bad} at {at} of {length} (double)");
                }
            }
        }
        Assert.Throws<ArgumentException>(() => VectorOps.CopyFinite<float>(new float[17], new float[16]));
    }

    private struct Layer37To10 : IDenseLayer
    {
        public static int Inputs => 37;
        public static int Outputs => 10;
        public static int PanelRows => 40;
    }

    private struct Layer72To10 : IDenseLayer
    {
        public static int Inputs => 72;
        public static int Outputs => 10;
        public static int PanelRows => 40;
    }

    /// <summary>
    /// The portable weight update over a column range (a narrow layer's update cut by its inputs, a piece of the first
    /// layer's update): ranges of weight rows and of columns, cut between whole vectors, that cover the layer, taken in any order,
    /// the biases with one of them, give the bits of the whole call — momentum and a stored gradient, with columns past
    /// the last whole vector and without; an empty range of rows, or of columns without the biases, changes nothing.
    /// </summary>
    [Theory]
    [InlineData(7)]
    [InlineData(64)]
    public void PortableUpdateByColumnRangesHasTheBitsOfTheWholeCall(int rows)
    {
        Check<Layer37To10>(rows, new[] { 0, 16, 32, 37 });
        Check<Layer72To10>(rows, new[] { 0, 8, 40, 72 });

        static void Check<TLayer>(int rows, int[] cuts) where TLayer : struct, IDenseLayer
        {
            int ins = TLayer.Inputs, outs = TLayer.Outputs, n = Vector<float>.Count;
            Assert.All(cuts[..^1], c => Assert.Equal(0, c % n)); // the cuts fall between whole vectors
            float[] delta = Seeded.Floats(rows * outs, 31), x = Seeded.Floats(rows * ins, 32);
            float[] w0 = Seeded.Floats(outs * ins, 33), b0 = Seeded.Floats(outs, 34);
            float[] vw0 = Seeded.Floats(outs * ins, 35), vb0 = Seeded.Floats(outs, 36);
            var momentum = new MomentumUpdate<float>(1e-3f, 0.9f, -0.05f, Nesterov: false, GradientScale: 1f);
            foreach (bool store in new[] { false, true })
            {
                (float[] W, float[] B, float[] VW, float[] VB) Fresh() => (w0.ToArray(), b0.ToArray(), vw0.ToArray(), vb0.ToArray());
                void Call((float[] W, float[] B, float[] VW, float[] VB) p, int lo, int hi, int i0, int i1, bool bias)
                {
                    if (store)
                        PortableDense<TLayer, float>.BackwardWeights(ref delta[0], ref x[0], ref p.W[0], ref p.B[0], ref p.VW[0], ref p.VB[0],
                            rows, new StoreGradient<float>(false), lo, hi, i0, i1, bias);
                    else
                        PortableDense<TLayer, float>.BackwardWeights(ref delta[0], ref x[0], ref p.W[0], ref p.B[0], ref p.VW[0], ref p.VB[0],
                            rows, momentum, lo, hi, i0, i1, bias);
                }
                var whole = Fresh();
                if (store)
                    PortableDense<TLayer, float>.BackwardWeights(ref delta[0], ref x[0], ref whole.W[0], ref whole.B[0], ref whole.VW[0],
                        ref whole.VB[0], rows, new StoreGradient<float>(false), 0, outs);
                else
                    PortableDense<TLayer, float>.BackwardWeights(ref delta[0], ref x[0], ref whole.W[0], ref whole.B[0], ref whole.VW[0],
                        ref whole.VB[0], rows, momentum, 0, outs);
                var pieces = Fresh();
                for (int c = cuts.Length - 2; c >= 0; c--) // last columns first
                {
                    Call(pieces, n, outs, cuts[c], cuts[c + 1], bias: c == 1);
                    Call(pieces, 0, n, cuts[c], cuts[c + 1], bias: c == 1);
                }
                Assert.Equal(whole.W, pieces.W);
                Assert.Equal(whole.B, pieces.B);
                Assert.Equal(whole.VW, pieces.VW);
                Assert.Equal(whole.VB, pieces.VB);
                var untouched = Fresh();
                Call(untouched, 3, 3, 0, ins, bias: true);
                Call(untouched, 0, outs, 8, 8, bias: false);
                Assert.Equal(w0, untouched.W);
                Assert.Equal(b0, untouched.B);
                Assert.Equal(vw0, untouched.VW);
                Assert.Equal(vb0, untouched.VB);
            }
        }
    }

    /// <summary>
    /// <c>y = a·y + b·x</c> is <c>fma(a, y, b·x)</c> in every element, to the bit, at every length around the vector
    /// widths: the last whole vector, computed before the loop and stored after it, overlaps the loop's last one.
    /// </summary>
    [Fact]
    public void ScaleAddIsOneFmaPerElementAtEveryLength()
    {
        var rng = new Xoshiro256(5);
        for (int length = 0; length <= 70; length++)
        {
            var x = new float[length];
            var y = new float[length];
            var xd = new double[length];
            var yd = new double[length];
            for (int i = 0; i < length; i++)
            {
                x[i] = rng.NextSingle() * 4f - 2f;
                y[i] = rng.NextSingle() * 4f - 2f;
                xd[i] = x[i] * 1.1;
                yd[i] = y[i] * 0.9;
            }
            float[] expected = y.Select((v, i) => MathF.FusedMultiplyAdd(0.999f, v, -0.03f * x[i])).ToArray();
            double[] expectedDouble = yd.Select((v, i) => Math.FusedMultiplyAdd(0.999, v, -0.03 * xd[i])).ToArray();
            VectorOps.ScaleAdd<float>(y, 0.999f, x, -0.03f);
            VectorOps.ScaleAdd<double>(yd, 0.999, xd, -0.03);
            Assert.Equal(expected, y);
            Assert.Equal(expectedDouble, yd);
        }
        Assert.Throws<ArgumentException>(() => VectorOps.ScaleAdd<float>(new float[17], 1f, new float[16], 1f));
    }

    /// <summary>
    /// A weight update's prefetch is a hint for any share of any block: it returns and changes nothing, for every share of
    /// a block, for shares past the block's lines, for no share at all (zero or negative parts, which would otherwise
    /// never end the walk over the lines), for a block of no rows (a range's last block asks for none past the range),
    /// and for a block past the end of the buffer (formed as pointers, never as references).
    /// </summary>
    [Fact]
    public async Task PrefetchIsAHintForAnyShare()
    {
        var w = new float[64];
        var v = new float[64];
        for (int i = 0; i < w.Length; i++) (w[i], v[i]) = (i, -i);
        float[] before = (float[])w.Clone(), velocityBefore = (float[])v.Clone();
        var sgd = new SgdUpdate(1f, -0.1f);
        var store = new StoreGradient<float>(Accumulate: false);
        var momentum = new MomentumUpdate<float>(0f, 0.9f, -0.1f, Nesterov: false, GradientScale: 1f);
        Task work = Task.Run(() =>
        {
            foreach (var (at, part, parts) in new (nuint, int, int)[] { (0, 0, 1), (0, 3, 4), (0, 30, 4), (0, 0, 0), (0, 2, -1), (48, 0, 1), (4096, 1, 3) })
            {
                sgd.Prefetch(ref w[0], ref v[0], at, 6, 16, 16, part, parts);
                store.Prefetch(ref w[0], ref v[0], at, 4, 8, 24, part, parts);
                momentum.Prefetch(ref w[0], ref v[0], at, 2, 32, 32, part, parts);
            }
            foreach (int rows in new[] { 0, -4 }) momentum.Prefetch(ref w[0], ref v[0], 0, rows, 16, 64, 1, 6);
        });
        Assert.True(await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(30))) == work, "a prefetch did not return");
        Assert.Equal(before, w);
        Assert.Equal(velocityBefore, v);
    }
}

/// <summary>Aligned buffers: aligned, zeroed, the right length, and clear about sizes they cannot hold.</summary>
public class AlignedBufferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1732)]
    public unsafe void FirstElementSitsOnACacheLine(int length)
    {
        for (int attempt = 0; attempt < 8; attempt++) // several allocations: the pinned heap places them differently
        {
            var floats = new AlignedBuffer<float>(length);
            var doubles = new AlignedBuffer<double>(length);
            Assert.Equal(length, floats.Span.Length);
            Assert.Equal(length, doubles.Span.Length);
            Assert.Equal(0, (long)Unsafe.AsPointer(ref floats.Reference) % 64);
            Assert.Equal(0, (long)Unsafe.AsPointer(ref doubles.Reference) % 64);
            Assert.True(floats.Span.ToArray().All(v => v == 0f));
        }
    }

    [Fact]
    public void AbsurdLengthsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedBuffer<float>(-1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedBuffer<float>(int.MaxValue));
        Assert.Contains("aligned buffer", e.Message);
    }

    private readonly struct LastRowsLayer : IDenseLayer
    {
        public static int Inputs => 37; // two whole vectors and five inputs past them
        public static int Outputs => 8;
        public static int PanelRows => 8;
    }

    /// <summary>
    /// <c>Dense512.LastRows</c> over one to six rows (a block of that many; four as three and one) gives every row the bits
    /// it has alone, and the plain sum to rounding.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void LastRowsGiveEveryRowTheBitsItHasAlone(int rows)
    {
        const int ins = 37, outs = 8, first = 2; // the rows start two rows into the batch
        var rng = new Random(rows);
        float[] x = Enumerable.Range(0, (first + rows) * ins).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] w = Enumerable.Range(0, outs * ins).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] b = Enumerable.Range(0, outs).Select(_ => (float)rng.NextDouble()).ToArray();
        var together = new float[(first + rows) * outs];
        var alone = new float[together.Length];
        Array.Fill(together, float.NaN);
        Array.Fill(alone, float.NaN);
        for (int o = 0; o < outs; o += 4)
        {
            Dense512<LastRowsLayer, float>.LastRows(ref x[0], ref w[0], ref b[0], ref together[0], first, first + rows, o, ref w[0]);
            for (int r = first; r < first + rows; r++)
                Dense512<LastRowsLayer, float>.LastRows(ref x[0], ref w[0], ref b[0], ref alone[0], r, r + 1, o, ref w[0]);
        }
        Assert.Equal(alone, together);
        for (int i = 0; i < first * outs; i++) Assert.True(float.IsNaN(together[i]), $"element {i} before the rows was written");
        for (int r = first; r < first + rows; r++)
            for (int o = 0; o < outs; o++)
            {
                double sum = b[o];
                for (int k = 0; k < ins; k++) sum += (double)x[r * ins + k] * w[o * ins + k];
                Assert.Equal(sum, together[r * outs + o], 1e-5);
            }
    }
}
