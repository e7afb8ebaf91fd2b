using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>The element-type-generic pieces the layers over feature maps share: activations, their derivatives and column sums over spans.</summary>
internal static class Products
{
    /// <summary>Applies <paramref name="activation"/> in place.</summary>
    public static void Activate<T>(Span<T> values, Activation activation, T slope) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (activation == Activation.Identity) return;
        if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated)
        {
            DenseKernels.Activate(MemoryMarshal.Cast<T, float>(values), activation, Unsafe.As<T, float>(ref slope));
            return;
        }
        int i = 0;
        if (typeof(T) == typeof(float) && Vector.IsHardwareAccelerated)
        {
            // Without AVX-512 (the portable flavor): whole Vector<T>s as PortableDense applies them, the tail one at a time.
            ref T v = ref MemoryMarshal.GetReference(values);
            for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
                ActivationMath.Apply(activation, Vector.LoadUnsafe(ref v, (nuint)i), slope).StoreUnsafe(ref v, (nuint)i);
        }
        for (; i < values.Length; i++) values[i] = ActivationMath.Apply(activation, values[i], slope);
    }

    /// <summary><c>delta ∘= f′(a)</c>, the derivative taken from the activations <paramref name="a"/>.</summary>
    public static void TimesDerivative<T>(Span<T> delta, ReadOnlySpan<T> a, Activation activation, T slope) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (activation == Activation.Identity) return;
        int i = 0;
        if (activation == Activation.ReLU && Vector.IsHardwareAccelerated)
        {
            ref T d = ref MemoryMarshal.GetReference(delta);
            ref T y = ref MemoryMarshal.GetReference(a);
            for (; i <= delta.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> keep = Vector.GreaterThan(Vector.LoadUnsafe(ref y, (nuint)i), Vector<T>.Zero);
                Vector.BitwiseAnd(Vector.LoadUnsafe(ref d, (nuint)i), keep).StoreUnsafe(ref d, (nuint)i);
            }
        }
        if (activation == Activation.ReLU)
        {
            for (; i < delta.Length; i++) delta[i] = a[i] > T.Zero ? delta[i] : T.Zero; // as the vector loop's mask: +0 where a ≤ 0
            return;
        }
        for (; i < delta.Length; i++) delta[i] *= ActivationMath.DerivativeFromOutput(activation, a[i], slope);
    }

    /// <summary><c>sums[j] += Σ_i rows[i, j]</c>, each sum in the order of the rows (the same bits on the vector path and off it).</summary>
    public static void AddRows<T>(ref T rows, int count, int width, Span<T> sums) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + Vector512<T>.Count <= width; j += Vector512<T>.Count)
            {
                Vector512<T> s = Vector512.Create<T>(sums.Slice(j, Vector512<T>.Count));
                for (int i = 0; i < count; i++) s += Vector512.LoadUnsafe(ref rows, (nuint)((nint)i * width + j));
                s.CopyTo(sums.Slice(j));
            }
        }
        else if (Vector.IsHardwareAccelerated)
        {
            for (; j + Vector<T>.Count <= width; j += Vector<T>.Count)
            {
                Vector<T> s = new(sums.Slice(j, Vector<T>.Count));
                for (int i = 0; i < count; i++) s += Vector.LoadUnsafe(ref rows, (nuint)((nint)i * width + j));
                s.CopyTo(sums.Slice(j));
            }
        }
        for (; j < width; j++)
        {
            T s = sums[j];
            for (int i = 0; i < count; i++) s += Unsafe.Add(ref rows, (nint)i * width + j);
            sums[j] = s;
        }
    }
}
