using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
}
