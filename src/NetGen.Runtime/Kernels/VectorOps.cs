using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>Flat elementwise loops over parameter-sized spans, in the widest vectors the hardware has.</summary>
public static class VectorOps
{
    /// <summary><c>y = a·y + b·x</c>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void ScaleAdd(Span<float> y, float a, ReadOnlySpan<float> x, float b)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Expected {y.Length} values, got {x.Length}.", nameof(x));
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float xr = ref MemoryMarshal.GetReference(x);
        int i = 0, n = y.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> va = Vector512.Create(a), vb = Vector512.Create(b);
            for (; i <= n - 16; i += 16)
            {
                Vector512<float> r = Vector512.FusedMultiplyAdd(va, Vector512.LoadUnsafe(ref yr, (nuint)i), vb * Vector512.LoadUnsafe(ref xr, (nuint)i));
                r.StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector.IsHardwareAccelerated)
        {
            Vector<float> va = new(a), vb = new(b);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> r = Vector.FusedMultiplyAdd(va, Vector.LoadUnsafe(ref yr, (nuint)i), vb * Vector.LoadUnsafe(ref xr, (nuint)i));
                r.StoreUnsafe(ref yr, (nuint)i);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = MathF.FusedMultiplyAdd(a, Unsafe.Add(ref yr, i), b * Unsafe.Add(ref xr, i));
    }

    /// <summary><c>y = y − b·sign(y)</c>, the L1 (lasso) shrinkage step, never crossing zero.</summary>
    public static void Shrink(Span<float> y, float b)
    {
        for (int i = 0; i < y.Length; i++)
        {
            float v = y[i];
            y[i] = v > b ? v - b : v < -b ? v + b : 0f;
        }
    }

    /// <summary>Whether every value is finite (no NaN, no infinity).</summary>
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        ref float r = ref MemoryMarshal.GetReference(values);
        int i = 0, n = values.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> max = Vector512.Create(float.MaxValue);
            Vector512<float> bad = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                Vector512<float> v = Vector512.Abs(Vector512.LoadUnsafe(ref r, (nuint)i));
                // NaN fails every comparison, so !(|v| <= max) catches NaN and ±∞.
                bad |= ~Vector512.LessThanOrEqual(v, max);
            }
            if (bad != Vector512<float>.Zero) return false;
        }
        for (; i < n; i++)
        {
            if (!float.IsFinite(Unsafe.Add(ref r, i))) return false;
        }
        return true;
    }
}
