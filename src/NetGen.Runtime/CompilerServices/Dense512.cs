using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// The last one or two rows of a panel in a generated <c>Vector512</c> forward kernel, against its four weight rows from
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
    /// <c>y[r..r1, o..o + 4) = x[r..r1] · W[o..o + 4]ᵀ + b[o..o + 4)</c> for the one or two rows [<paramref name="r"/>,
    /// <paramref name="r1"/>) of a panel. Two rows share each weight vector (a block of four rows computing two of them
    /// twice read <c>--onnx seed 2</c> 0.85× ONNX Runtime) and ask for the lines of the four rows from
    /// <paramref name="next"/> into L2 as they go, as the generated blocks do; a single row does not (a probe found it
    /// slower with the requests, docs/performance.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void LastRows(ref T x, ref T w, ref T b, ref T y, int r, int r1, int o, ref T next)
    {
        if (r + 1 < r1) TwoRows(ref x, ref w, ref b, ref y, r, o, ref next);
        else OneRow(ref x, ref w, ref b, ref y, r, o);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwoRows(ref T x, ref T w, ref T b, ref T y, int r, int o, ref T next)
    {
        int ins = TLayer.Inputs, outs = TLayer.Outputs, vectorIns = ins - ins % Vector512<T>.Count;
        ref T x0 = ref Unsafe.Add(ref x, (nint)r * ins), x1 = ref Unsafe.Add(ref x, (nint)(r + 1) * ins);
        ref T w0 = ref Unsafe.Add(ref w, (nint)o * ins), w1 = ref Unsafe.Add(ref w, (nint)(o + 1) * ins);
        ref T w2 = ref Unsafe.Add(ref w, (nint)(o + 2) * ins), w3 = ref Unsafe.Add(ref w, (nint)(o + 3) * ins);
        Vector512<T> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<T> c10 = default, c11 = default, c12 = default, c13 = default;
        for (int k = 0; k < vectorIns; k += Vector512<T>.Count)
        {
            VectorOps.PrefetchRows(ref Unsafe.Add(ref next, k), ins);
            Vector512<T> xv0 = Vector512.LoadUnsafe(ref x0, (nuint)k), xv1 = Vector512.LoadUnsafe(ref x1, (nuint)k);
            Vector512<T> wv = Vector512.LoadUnsafe(ref w0, (nuint)k);
            c00 = VectorMath.Fma(xv0, wv, c00); c10 = VectorMath.Fma(xv1, wv, c10);
            wv = Vector512.LoadUnsafe(ref w1, (nuint)k);
            c01 = VectorMath.Fma(xv0, wv, c01); c11 = VectorMath.Fma(xv1, wv, c11);
            wv = Vector512.LoadUnsafe(ref w2, (nuint)k);
            c02 = VectorMath.Fma(xv0, wv, c02); c12 = VectorMath.Fma(xv1, wv, c12);
            wv = Vector512.LoadUnsafe(ref w3, (nuint)k);
            c03 = VectorMath.Fma(xv0, wv, c03); c13 = VectorMath.Fma(xv1, wv, c13);
        }
        T s00 = Vector512.Sum(c00), s01 = Vector512.Sum(c01), s02 = Vector512.Sum(c02), s03 = Vector512.Sum(c03);
        T s10 = Vector512.Sum(c10), s11 = Vector512.Sum(c11), s12 = Vector512.Sum(c12), s13 = Vector512.Sum(c13);
        for (int k = vectorIns; k < ins; k++)
        {
            T a0 = Unsafe.Add(ref x0, k), a1 = Unsafe.Add(ref x1, k);
            T ws0 = Unsafe.Add(ref w0, k), ws1 = Unsafe.Add(ref w1, k), ws2 = Unsafe.Add(ref w2, k), ws3 = Unsafe.Add(ref w3, k);
            s00 = T.FusedMultiplyAdd(a0, ws0, s00); s01 = T.FusedMultiplyAdd(a0, ws1, s01);
            s02 = T.FusedMultiplyAdd(a0, ws2, s02); s03 = T.FusedMultiplyAdd(a0, ws3, s03);
            s10 = T.FusedMultiplyAdd(a1, ws0, s10); s11 = T.FusedMultiplyAdd(a1, ws1, s11);
            s12 = T.FusedMultiplyAdd(a1, ws2, s12); s13 = T.FusedMultiplyAdd(a1, ws3, s13);
        }
        PortableDense<TLayer, T>.Store4(ref Unsafe.Add(ref y, (nint)r * outs), ref b, o, s00, s01, s02, s03);
        PortableDense<TLayer, T>.Store4(ref Unsafe.Add(ref y, (nint)(r + 1) * outs), ref b, o, s10, s11, s12, s13);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneRow(ref T x, ref T w, ref T b, ref T y, int r, int o)
    {
        int ins = TLayer.Inputs, outs = TLayer.Outputs, vectorIns = ins - ins % Vector512<T>.Count;
        ref T x0 = ref Unsafe.Add(ref x, (nint)r * ins);
        ref T w0 = ref Unsafe.Add(ref w, (nint)o * ins), w1 = ref Unsafe.Add(ref w, (nint)(o + 1) * ins);
        ref T w2 = ref Unsafe.Add(ref w, (nint)(o + 2) * ins), w3 = ref Unsafe.Add(ref w, (nint)(o + 3) * ins);
        Vector512<T> c00 = default, c01 = default, c02 = default, c03 = default;
        for (int k = 0; k < vectorIns; k += Vector512<T>.Count)
        {
            Vector512<T> xv0 = Vector512.LoadUnsafe(ref x0, (nuint)k);
            c00 = VectorMath.Fma(xv0, Vector512.LoadUnsafe(ref w0, (nuint)k), c00);
            c01 = VectorMath.Fma(xv0, Vector512.LoadUnsafe(ref w1, (nuint)k), c01);
            c02 = VectorMath.Fma(xv0, Vector512.LoadUnsafe(ref w2, (nuint)k), c02);
            c03 = VectorMath.Fma(xv0, Vector512.LoadUnsafe(ref w3, (nuint)k), c03);
        }
        T s00 = Vector512.Sum(c00), s01 = Vector512.Sum(c01), s02 = Vector512.Sum(c02), s03 = Vector512.Sum(c03);
        for (int k = vectorIns; k < ins; k++)
        {
            T a0 = Unsafe.Add(ref x0, k);
            s00 = T.FusedMultiplyAdd(a0, Unsafe.Add(ref w0, k), s00); s01 = T.FusedMultiplyAdd(a0, Unsafe.Add(ref w1, k), s01);
            s02 = T.FusedMultiplyAdd(a0, Unsafe.Add(ref w2, k), s02); s03 = T.FusedMultiplyAdd(a0, Unsafe.Add(ref w3, k), s03);
        }
        PortableDense<TLayer, T>.Store4(ref Unsafe.Add(ref y, (nint)r * outs), ref b, o, s00, s01, s02, s03);
    }
}
