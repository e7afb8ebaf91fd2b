using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>
/// The vector operations that .NET offers only per element type (exp, fused multiply-add), as generic methods for
/// <c>float</c> and <c>double</c>. The type test is a JIT-time constant: each instantiation compiles to the one call.
/// </summary>
public static class VectorMath
{
    /// <summary>eˣ per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp<T>(Vector512<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector512.Exp(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.Exp(x.AsDouble()).As<double, T>();
        throw new NotSupportedException($"NetGen vectors hold float or double, not {typeof(T)}.");
    }

    /// <summary>eˣ per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Exp<T>(Vector<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector.As<float, T>(Vector.Exp(Vector.AsVectorSingle(x)));
        if (typeof(T) == typeof(double)) return Vector.As<double, T>(Vector.Exp(Vector.AsVectorDouble(x)));
        throw new NotSupportedException($"NetGen vectors hold float or double, not {typeof(T)}.");
    }

    /// <summary><c>a·b + c</c> per lane, rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        throw new NotSupportedException($"NetGen vectors hold float or double, not {typeof(T)}.");
    }

    /// <summary><c>a·b + c</c> per lane, rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Fma<T>(Vector<T> a, Vector<T> b, Vector<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector.As<float, T>(Vector.FusedMultiplyAdd(Vector.AsVectorSingle(a), Vector.AsVectorSingle(b), Vector.AsVectorSingle(c)));
        if (typeof(T) == typeof(double))
            return Vector.As<double, T>(Vector.FusedMultiplyAdd(Vector.AsVectorDouble(a), Vector.AsVectorDouble(b), Vector.AsVectorDouble(c)));
        throw new NotSupportedException($"NetGen vectors hold float or double, not {typeof(T)}.");
    }

    /// <summary>
    /// Sixteen horizontal sums at once: lane <c>j</c> of the result is <c>Vector512.Sum(cj)</c>, bit for bit. A transposing
    /// tree of 30 two-source permutes and 15 adds instead of sixteen separate reductions (about 100 shuffles and adds);
    /// dot-product kernels use it to finish sixteen outputs as one vector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SumEach(
        Vector512<float> c0, Vector512<float> c1, Vector512<float> c2, Vector512<float> c3,
        Vector512<float> c4, Vector512<float> c5, Vector512<float> c6, Vector512<float> c7,
        Vector512<float> c8, Vector512<float> c9, Vector512<float> c10, Vector512<float> c11,
        Vector512<float> c12, Vector512<float> c13, Vector512<float> c14, Vector512<float> c15)
    {
        if (!Avx512F.IsSupported)
        {
            return Vector512.Create(
                Vector512.Sum(c0), Vector512.Sum(c1), Vector512.Sum(c2), Vector512.Sum(c3), Vector512.Sum(c4), Vector512.Sum(c5), Vector512.Sum(c6), Vector512.Sum(c7),
                Vector512.Sum(c8), Vector512.Sum(c9), Vector512.Sum(c10), Vector512.Sum(c11), Vector512.Sum(c12), Vector512.Sum(c13), Vector512.Sum(c14), Vector512.Sum(c15));
        }
        // Every level adds adjacent lanes (the even lanes of a and b against the odd ones), so each output is summed in
        // the same order as Vector512.Sum's pairwise tree, ((c0 + c1) + (c2 + c3)) + ..., to the bit: a kernel that
        // finishes sixteen outputs here agrees exactly with one that finishes them one at a time.
        Vector512<int> even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<int> odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        Vector512<float> u0 = Pair(c0, c1, even, odd), u1 = Pair(c2, c3, even, odd), u2 = Pair(c4, c5, even, odd), u3 = Pair(c6, c7, even, odd);
        Vector512<float> u4 = Pair(c8, c9, even, odd), u5 = Pair(c10, c11, even, odd), u6 = Pair(c12, c13, even, odd), u7 = Pair(c14, c15, even, odd);
        Vector512<float> t0 = Pair(u0, u1, even, odd), t1 = Pair(u2, u3, even, odd), t2 = Pair(u4, u5, even, odd), t3 = Pair(u6, u7, even, odd);
        Vector512<float> s0 = Pair(t0, t1, even, odd), s1 = Pair(t2, t3, even, odd);
        return Pair(s0, s1, even, odd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pair(Vector512<float> a, Vector512<float> b, Vector512<int> first, Vector512<int> second)
        => Avx512F.PermuteVar16x32x2(a, first, b) + Avx512F.PermuteVar16x32x2(a, second, b);
}
