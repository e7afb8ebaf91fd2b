using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// The last one to three rows of a panel in a generated <c>Vector512</c> forward kernel (five or six for a layer whose
/// weights stream from L3, the generator's <c>Planner.SixRowBlocks</c>), against its four weight rows from
/// <c>o</c>: the generator writes the blocks of four rows of the batch, and calls these for what they leave, with the
/// layer's constants from <typeparamref name="TLayer"/> (so the JIT compiles them once per layer, sizes folded in).
/// Every output sums in the generated blocks' order (one vector chain over the inputs, its horizontal sum, the inputs
/// past the last whole vector, the bias), so a row has the same bits in any block, and as one sample.
/// </summary>
/// <typeparam name="TLayer">The layer's constants.</typeparam>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Dense512<TLayer, T>
    where TLayer : struct, IDenseLayer
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// <c>y[r..r1, o..o + 4) = x[r..r1] · W[o..o + 4]ᵀ + b[o..o + 4)</c> for the one to six rows [<paramref name="r"/>,
    /// <paramref name="r1"/>) a panel's blocks of four leave (five or six only where the generator's
    /// <c>Planner.SixRowBlocks</c> leaves them, four never). The rows share each weight vector (a block of four computing
    /// two or three of them again read <c>--onnx seed 2</c> 0.85–0.87× ONNX Runtime, <c>seed 3</c> 0.90–0.95×;
    /// docs/performance.md) and two or more ask for the lines of the four rows from <paramref name="next"/> into L2 as
    /// they go, as the generated blocks do (without the requests the wide network's 2 and 3 rows ran slower); a single
    /// row does not, as the block the generator wrote for it did not (it mostly follows blocks of four that asked already).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void LastRows(ref T x, ref T w, ref T b, ref T y, int r, int r1, int o, ref T next)
    {
        switch (r1 - r)
        {
            case >= 6: BlockOfFiveOrSix<Rows6>(ref x, ref w, ref b, ref y, r, o, ref next); break;
            case 5: BlockOfFiveOrSix<Rows5>(ref x, ref w, ref b, ref y, r, o, ref next); break;
            case 4: // not left by the generator (a block of four takes them); three and one, the same bits
                Block(ref x, ref w, ref b, ref y, r, o, ref next, 3);
                Block(ref x, ref w, ref b, ref y, r + 3, o, ref next, 1);
                break;
            case 3: Block(ref x, ref w, ref b, ref y, r, o, ref next, 3); break;
            case 2: Block(ref x, ref w, ref b, ref y, r, o, ref next, 2); break;
            default: Block(ref x, ref w, ref b, ref y, r, o, ref next, 1); break;
        }
    }

    /// <summary>
    /// <paramref name="rows"/> (1 to 3, a constant once inlined: the JIT drops the other rows' accumulators and loads)
    /// × four outputs, each weight vector loaded once for all rows. The rows are addressed from one reference each for
    /// the inputs and the weights: with a reference per row the JIT kept three of them on the stack and reloaded them at
    /// every step, and a probe (the seed network's first layer, 12 rows, blocks of 1 / 2 / 3 rows only) ran 55–62 /
    /// 60–68 / 68–80 GFLOP/s that way against 72 / 84 / 91 this way (the generated blocks of four: about 112).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block(ref T x, ref T w, ref T b, ref T y, int r, int o, ref T next, int rows)
    {
        int ins = TLayer.Inputs, outs = TLayer.Outputs, vectorIns = ins - ins % Vector512<T>.Count;
        // Every row at a constant distance from the block's first (x0, w0): one register each, the rest addressing.
        ref T x0 = ref Unsafe.Add(ref x, (nint)r * ins);
        ref T w0 = ref Unsafe.Add(ref w, (nint)o * ins);
        nuint row1 = (nuint)ins, row2 = 2 * (nuint)ins, row3 = 3 * (nuint)ins;
        Vector512<T> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<T> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<T> c20 = default, c21 = default, c22 = default, c23 = default;
        for (int k = 0; k < vectorIns; k += Vector512<T>.Count)
        {
            nuint at = (nuint)k;
            if (rows > 1) VectorOps.PrefetchRows(ref Unsafe.Add(ref next, k), ins);
            Vector512<T> xv0 = Vector512.LoadUnsafe(ref x0, at);
            Vector512<T> xv1 = rows > 1 ? Vector512.LoadUnsafe(ref x0, at + row1) : default;
            Vector512<T> xv2 = rows > 2 ? Vector512.LoadUnsafe(ref x0, at + row2) : default;
            Vector512<T> wv = Vector512.LoadUnsafe(ref w0, at);
            c00 = VectorMath.Fma(xv0, wv, c00);
            if (rows > 1) c10 = VectorMath.Fma(xv1, wv, c10);
            if (rows > 2) c20 = VectorMath.Fma(xv2, wv, c20);
            wv = Vector512.LoadUnsafe(ref w0, at + row1);
            c01 = VectorMath.Fma(xv0, wv, c01);
            if (rows > 1) c11 = VectorMath.Fma(xv1, wv, c11);
            if (rows > 2) c21 = VectorMath.Fma(xv2, wv, c21);
            wv = Vector512.LoadUnsafe(ref w0, at + row2);
            c02 = VectorMath.Fma(xv0, wv, c02);
            if (rows > 1) c12 = VectorMath.Fma(xv1, wv, c12);
            if (rows > 2) c22 = VectorMath.Fma(xv2, wv, c22);
            wv = Vector512.LoadUnsafe(ref w0, at + row3);
            c03 = VectorMath.Fma(xv0, wv, c03);
            if (rows > 1) c13 = VectorMath.Fma(xv1, wv, c13);
            if (rows > 2) c23 = VectorMath.Fma(xv2, wv, c23);
        }
        Finish(ref x0, ref w0, ref b, ref Unsafe.Add(ref y, (nint)r * outs), o, c00, c01, c02, c03);
        if (rows > 1) Finish(ref Unsafe.Add(ref x0, ins), ref w0, ref b, ref Unsafe.Add(ref y, (nint)(r + 1) * outs), o, c10, c11, c12, c13);
        if (rows > 2) Finish(ref Unsafe.Add(ref x0, 2 * ins), ref w0, ref b, ref Unsafe.Add(ref y, (nint)(r + 2) * outs), o, c20, c21, c22, c23);
    }

    /// <summary>
    /// <see cref="Block"/> for <typeparamref name="TRows"/> 5 or 6 rows (24 accumulators at six), for a layer whose weights
    /// stream from L3, so its four weight rows are read once for them: a method of its own, compiled once per row count
    /// (too large to inline, so the count is a type, not an argument), since the JIT tracks a limited number of locals per
    /// method and with these accumulators beside <see cref="Block"/>'s inlined copies the smaller blocks ran slower
    /// (<c>--onnx seed 5</c> 0.73–0.75× ONNX Runtime against 0.99–1.02×).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void BlockOfFiveOrSix<TRows>(ref T x, ref T w, ref T b, ref T y, int r, int o, ref T next)
        where TRows : struct, IRowCount
    {
        int ins = TLayer.Inputs, outs = TLayer.Outputs, vectorIns = ins - ins % Vector512<T>.Count;
        bool six = TRows.Count == 6;
        // Every row at a constant distance from the block's first (x0, w0): one register each, the rest addressing.
        ref T x0 = ref Unsafe.Add(ref x, (nint)r * ins);
        ref T w0 = ref Unsafe.Add(ref w, (nint)o * ins);
        nuint row1 = (nuint)ins, row2 = 2 * (nuint)ins, row3 = 3 * (nuint)ins, row4 = 4 * (nuint)ins, row5 = 5 * (nuint)ins;
        Vector512<T> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<T> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<T> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<T> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<T> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector512<T> c50 = default, c51 = default, c52 = default, c53 = default;
        for (int k = 0; k < vectorIns; k += Vector512<T>.Count)
        {
            nuint at = (nuint)k;
            VectorOps.PrefetchRows(ref Unsafe.Add(ref next, k), ins);
            Vector512<T> xv0 = Vector512.LoadUnsafe(ref x0, at), xv1 = Vector512.LoadUnsafe(ref x0, at + row1);
            Vector512<T> xv2 = Vector512.LoadUnsafe(ref x0, at + row2), xv3 = Vector512.LoadUnsafe(ref x0, at + row3);
            Vector512<T> xv4 = Vector512.LoadUnsafe(ref x0, at + row4);
            Vector512<T> xv5 = six ? Vector512.LoadUnsafe(ref x0, at + row5) : default;
            Vector512<T> wv = Vector512.LoadUnsafe(ref w0, at);
            c00 = VectorMath.Fma(xv0, wv, c00); c10 = VectorMath.Fma(xv1, wv, c10); c20 = VectorMath.Fma(xv2, wv, c20);
            c30 = VectorMath.Fma(xv3, wv, c30); c40 = VectorMath.Fma(xv4, wv, c40);
            if (six) c50 = VectorMath.Fma(xv5, wv, c50);
            wv = Vector512.LoadUnsafe(ref w0, at + row1);
            c01 = VectorMath.Fma(xv0, wv, c01); c11 = VectorMath.Fma(xv1, wv, c11); c21 = VectorMath.Fma(xv2, wv, c21);
            c31 = VectorMath.Fma(xv3, wv, c31); c41 = VectorMath.Fma(xv4, wv, c41);
            if (six) c51 = VectorMath.Fma(xv5, wv, c51);
            wv = Vector512.LoadUnsafe(ref w0, at + row2);
            c02 = VectorMath.Fma(xv0, wv, c02); c12 = VectorMath.Fma(xv1, wv, c12); c22 = VectorMath.Fma(xv2, wv, c22);
            c32 = VectorMath.Fma(xv3, wv, c32); c42 = VectorMath.Fma(xv4, wv, c42);
            if (six) c52 = VectorMath.Fma(xv5, wv, c52);
            wv = Vector512.LoadUnsafe(ref w0, at + row3);
            c03 = VectorMath.Fma(xv0, wv, c03); c13 = VectorMath.Fma(xv1, wv, c13); c23 = VectorMath.Fma(xv2, wv, c23);
            c33 = VectorMath.Fma(xv3, wv, c33); c43 = VectorMath.Fma(xv4, wv, c43);
            if (six) c53 = VectorMath.Fma(xv5, wv, c53);
        }
        Finish(ref x0, ref w0, ref b, ref Unsafe.Add(ref y, (nint)r * outs), o, c00, c01, c02, c03);
        Finish(ref Unsafe.Add(ref x0, ins), ref w0, ref b, ref Unsafe.Add(ref y, (nint)(r + 1) * outs), o, c10, c11, c12, c13);
        Finish(ref Unsafe.Add(ref x0, 2 * ins), ref w0, ref b, ref Unsafe.Add(ref y, (nint)(r + 2) * outs), o, c20, c21, c22, c23);
        Finish(ref Unsafe.Add(ref x0, 3 * ins), ref w0, ref b, ref Unsafe.Add(ref y, (nint)(r + 3) * outs), o, c30, c31, c32, c33);
        Finish(ref Unsafe.Add(ref x0, 4 * ins), ref w0, ref b, ref Unsafe.Add(ref y, (nint)(r + 4) * outs), o, c40, c41, c42, c43);
        if (six) Finish(ref Unsafe.Add(ref x0, 5 * ins), ref w0, ref b, ref Unsafe.Add(ref y, (nint)(r + 5) * outs), o, c50, c51, c52, c53);
    }

    /// <summary>One row's four outputs from their chains: the horizontal sums, the inputs past the last whole vector, the bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(ref T x0, ref T w0, ref T b, ref T y0, int o, Vector512<T> c0, Vector512<T> c1, Vector512<T> c2, Vector512<T> c3)
    {
        int ins = TLayer.Inputs;
        T s0 = Vector512.Sum(c0), s1 = Vector512.Sum(c1), s2 = Vector512.Sum(c2), s3 = Vector512.Sum(c3);
        for (int k = ins - ins % Vector512<T>.Count; k < ins; k++)
        {
            T a = Unsafe.Add(ref x0, k);
            s0 = T.FusedMultiplyAdd(a, Unsafe.Add(ref w0, k), s0); s1 = T.FusedMultiplyAdd(a, Unsafe.Add(ref w0, ins + k), s1);
            s2 = T.FusedMultiplyAdd(a, Unsafe.Add(ref w0, 2 * ins + k), s2); s3 = T.FusedMultiplyAdd(a, Unsafe.Add(ref w0, 3 * ins + k), s3);
        }
        PortableDense<TLayer, T>.Store4(ref y0, ref b, o, s0, s1, s2, s3);
    }
}
