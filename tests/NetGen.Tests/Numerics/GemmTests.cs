using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.CompilerServices;
using Xunit;

namespace NetGen.Tests.Numerics;

/// <summary>
/// The packed matrix product (<see cref="Gemm"/>) against a plain loop that forms each output as one chain of fused
/// multiply-adds over k in order, then adds the bias: equal to the bit for every shape, edge and column range, because
/// blocking over k resumes the stored partial sums instead of adding blocks up.
/// </summary>
public sealed class GemmTests
{
    private static float[] Random(int n, int seed)
    {
        var rng = new Xoshiro256((ulong)seed);
        var a = new float[n];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextSingle() * 2 - 1;
        return a;
    }

    private static float Reference(float[] x, float[] w, float[] b, int r, int o, int inputs)
    {
        float s = 0f;
        for (int k = 0; k < inputs; k++) s = MathF.FusedMultiplyAdd(x[r * inputs + k], w[o * inputs + k], s);
        return s + b[o];
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 784, 500)]
    [InlineData(5, 17, 63)]
    [InlineData(6, 16, 64)]
    [InlineData(7, 15, 65)]
    [InlineData(13, 300, 10)]
    [InlineData(97, 2100, 130)]     // past one block of rows (96) and two of depth (1,024: three blocks of 700)
    [InlineData(2, 33, 70)]         // tiles of every row count: 2, 3, 4 and (6 + 4) rows
    [InlineData(3, 784, 130)]
    [InlineData(4, 1100, 64)]
    [InlineData(10, 20, 65)]
    [InlineData(12, 40, 600)]       // past two blocks of columns (256)
    public void EveryOutputIsOneFusedChainOverKInOrderPlusTheBias(int rows, int inputs, int outputs)
    {
        float[] x = Random(rows * inputs, 1), w = Random(outputs * inputs, 2), b = Random(outputs, 3);
        var y = new float[rows * outputs];
        Gemm.MultiplyTransposed(ref x[0], ref w[0], ref b[0], ref y[0], rows, inputs, outputs, 0, outputs);
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outputs; o++)
                Assert.True(BitConverter.SingleToInt32Bits(Reference(x, w, b, r, o, inputs)) == BitConverter.SingleToInt32Bits(y[r * outputs + o]),
                    $"y[{r}, {o}] = {y[r * outputs + o]:G9}, expected {Reference(x, w, b, r, o, inputs):G9}");
    }

    [Theory]
    [InlineData(64, 128)]
    [InlineData(3, 200)]
    [InlineData(130, 131)]
    public void AColumnRangeWritesItsColumnsOnlyWithTheBitsOfTheWholeProduct(int lo, int hi)
    {
        const int rows = 20, inputs = 70, outputs = 200;
        hi = Math.Min(hi, outputs);
        float[] x = Random(rows * inputs, 4), w = Random(outputs * inputs, 5), b = Random(outputs, 6);
        var whole = new float[rows * outputs];
        Gemm.MultiplyTransposed(ref x[0], ref w[0], ref b[0], ref whole[0], rows, inputs, outputs, 0, outputs);
        var part = new float[rows * outputs];
        Array.Fill(part, float.NaN);
        Gemm.MultiplyTransposed(ref x[0], ref w[0], ref b[0], ref part[0], rows, inputs, outputs, lo, hi);
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outputs; o++)
            {
                if (o >= lo && o < hi) Assert.Equal(BitConverter.SingleToInt32Bits(whole[r * outputs + o]), BitConverter.SingleToInt32Bits(part[r * outputs + o]));
                else Assert.True(float.IsNaN(part[r * outputs + o]), $"column {o} outside [{lo}, {hi}) was written");
            }
    }

    /// <summary>The activation pass over a row: whole vectors from column 0, the tail as one padded vector with AVX-512, else one value at a time.</summary>
    private static void ActivateRows(float[] y, int rows, int outputs, Activation activation, float slope)
    {
        bool wide = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;
        int width = wide ? 16 : System.Numerics.Vector<float>.Count;
        var lanes = new float[width];
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = y.AsSpan(r * outputs, outputs);
            int j = 0;
            // With AVX-512 the product's tiles take the columns past the last whole vector as one vector, padded with zeros.
            for (; j + width <= outputs || (wide && j < outputs); j += width)
            {
                int count = Math.Min(width, outputs - j);
                Array.Clear(lanes);
                row.Slice(j, count).CopyTo(lanes);
                if (wide) ActivationMath.Apply(activation, System.Runtime.Intrinsics.Vector512.Create(lanes), slope).CopyTo(lanes);
                else ActivationMath.Apply(activation, new System.Numerics.Vector<float>(lanes), slope).CopyTo(lanes);
                lanes.AsSpan(0, count).CopyTo(row.Slice(j));
            }
            for (; j < outputs; j++) row[j] = ActivationMath.Apply(activation, row[j], slope);
        }
    }

    /// <summary>
    /// Weights packed once (<see cref="Gemm.Pack"/>, as <c>ForwardBatch</c> does) give the bits of weights packed per call,
    /// and the activation applied to each tile as it is stored gives the bits of a pass over the
    /// rows; nothing past the last row or column is written.
    /// </summary>
    [Theory]
    [InlineData(1, 1, 1, Activation.Tanh)]
    [InlineData(7, 15, 65, Activation.Sigmoid)]
    [InlineData(13, 300, 10, Activation.ReLU)]
    [InlineData(97, 2100, 130, Activation.LeakyReLU)]
    [InlineData(130, 784, 500, Activation.Tanh)]
    [InlineData(12, 40, 600, Activation.Identity)]
    [InlineData(1, 2100, 700, Activation.ReLU)]     // one row over three column blocks (256) and three depth blocks
    [InlineData(130, 16, 32, Activation.ReLU)]      // narrow layers: 12-row tiles of one or two vectors
    [InlineData(25, 32, 4, Activation.Identity)]
    [InlineData(12, 64, 17, Activation.Tanh)]
    [InlineData(11, 20, 33, Activation.Sigmoid)]
    public void PackedOnceAndActivatedOnStoreEqualsPerCallPackingThenAPass(int rows, int inputs, int outputs, Activation activation)
    {
        const float slope = 0.05f;
        float[] x = Random(rows * inputs, 7), w = Random(outputs * inputs, 8), b = Random(outputs, 9);
        // One row of NaN past the end: a store past the last row or column would overwrite it.
        var expected = new float[(rows + 1) * outputs];
        Array.Fill(expected, float.NaN);
        Gemm.MultiplyTransposed(ref x[0], ref w[0], ref b[0], ref expected[0], rows, inputs, outputs, 0, outputs);
        ActivateRows(expected, rows, outputs, activation, slope);

        var fused = new float[expected.Length];
        Array.Fill(fused, float.NaN);
        Gemm.MultiplyTransposed(ref x[0], ref w[0], ref b[0], ref fused[0], rows, inputs, outputs, 0, outputs, activation, slope);
        Assert.Equal(expected, fused);

        // Packed in two halves, as two threads that split the outputs at a multiple of 64 would.
        var packed = new float[Gemm.PackedLength(inputs, outputs)];
        int cut = Math.Min(outputs, 64);
        Gemm.Pack(ref w[0], ref packed[0], inputs, outputs, 0, cut);
        Gemm.Pack(ref w[0], ref packed[0], inputs, outputs, cut, outputs);
        var once = new float[expected.Length];
        Array.Fill(once, float.NaN);
        Gemm.MultiplyPacked(ref x[0], ref packed[0], ref b[0], ref once[0], rows, inputs, outputs, 0, outputs, activation, slope);
        Assert.Equal(expected, once);
        for (int i = rows * outputs; i < once.Length; i++) Assert.True(float.IsNaN(once[i]), $"element {i} past the last row was written");

        // The panels taken last to first (a one-row call turning its order over the weights): the same bits.
        var turned = new float[expected.Length];
        Array.Fill(turned, float.NaN);
        Gemm.MultiplyPacked(ref x[0], ref packed[0], ref b[0], ref turned[0], rows, inputs, outputs, 0, outputs, activation, slope, backwards: true);
        Assert.Equal(expected, turned);
    }

    /// <summary>
    /// The product with the roles swapped (<see cref="Gemm.MultiplyRows"/>: the rows packed, the weights broadcast, the
    /// result transposed back) gives the bits of <see cref="Gemm.MultiplyTransposed"/>, for whole and partial panels of
    /// 64 rows, any depth, edge tiles of outputs, a column range of a thread, and every activation; it writes nothing
    /// outside its rows and columns.
    /// </summary>
    [Theory]
    [InlineData(1, 1, 1, 0, 1, Activation.Identity)]
    [InlineData(5, 15, 7, 0, 7, Activation.Tanh)]
    [InlineData(17, 300, 130, 0, 130, Activation.ReLU)]
    [InlineData(64, 784, 500, 0, 500, Activation.Tanh)]
    [InlineData(65, 1300, 200, 64, 200, Activation.LeakyReLU)]   // two blocks of depth
    [InlineData(130, 40, 37, 0, 37, Activation.Sigmoid)]
    public void RowsPackedGiveTheBitsOfWeightsPacked(int rows, int inputs, int outputs, int lo, int hi, Activation activation)
    {
        const float slope = 0.05f;
        float[] x = Random(rows * inputs, 10), w = Random(outputs * inputs, 11), b = Random(outputs, 12);
        var expected = new float[(rows + 1) * outputs];
        Array.Fill(expected, float.NaN);
        Gemm.MultiplyTransposed(ref x[0], ref w[0], ref b[0], ref expected[0], rows, inputs, outputs, lo, hi, activation, slope);
        var swapped = new float[expected.Length];
        Array.Fill(swapped, float.NaN);
        Gemm.MultiplyRows(ref x[0], ref w[0], ref b[0], ref swapped[0], rows, inputs, outputs, lo, hi, activation, slope);
        Assert.Equal(expected, swapped);
        for (int i = 0; i < swapped.Length; i++)
        {
            bool inside = i < rows * outputs && i % outputs >= lo && i % outputs < hi;
            if (!inside) Assert.True(float.IsNaN(swapped[i]), $"element {i} outside the rows and columns [{lo}, {hi}) was written");
        }
    }

    /// <summary>
    /// The register transposes the packing and <see cref="Gemm.MultiplyRows"/> take — 8 × 8 with AVX (the portable flavor's),
    /// 16 × 16 with AVX-512 — write every element of the block to its mirrored place and nothing between the rows of the
    /// destination, for rows of the source and the destination longer than the block.
    /// </summary>
    [Theory]
    [InlineData(8, 8, 8)]
    [InlineData(8, 784, 16)]
    [InlineData(16, 16, 16)]
    [InlineData(16, 112, 64)]
    public void RegisterTransposesMirrorTheBlock(int n, int stride, int ldd)
    {
        if (n == 8 ? !Avx.IsSupported : !Avx512F.IsSupported) return; // the kernels call it only where the instructions are
        float[] src = Random(n * stride, 20);
        var dst = new float[n * ldd];
        Array.Fill(dst, float.NaN);
        if (n == 8) Gemm.Transpose8(ref src[0], stride, ref dst[0], ldd);
        else Gemm.Transpose16(ref src[0], stride, ref dst[0], ldd);
        for (int c = 0; c < n; c++)
            for (int j = 0; j < ldd; j++)
            {
                if (j < n) Assert.True(src[j * stride + c] == dst[c * ldd + j], $"dst[{c}, {j}] = {dst[c * ldd + j]}, expected src[{j}, {c}] = {src[j * stride + c]}");
                else Assert.True(float.IsNaN(dst[c * ldd + j]), $"dst[{c}, {j}] past the block was written");
            }
    }
}
