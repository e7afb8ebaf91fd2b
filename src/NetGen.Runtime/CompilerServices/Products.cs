using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>The element-type-generic pieces the layers over feature maps share: a matrix product, activations and their derivatives over spans.</summary>
internal static class Products
{
    /// <summary>
    /// <c>y[rows, outputs] = x[rows, inputs] · W[outputs, inputs]ᵀ + b</c>: <see cref="Gemm"/> for float on vector hardware,
    /// elsewhere a loop that forms each output as the same chain of fused multiply-adds over k from zero, plus the bias.
    /// </summary>
    public static void MultiplyTransposed<T>(ref T x, ref T w, ref T b, ref T y, int rows, int inputs, int outputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Gemm.IsAccelerated)
        {
            Gemm.MultiplyTransposed(ref Unsafe.As<T, float>(ref x), ref Unsafe.As<T, float>(ref w), ref Unsafe.As<T, float>(ref b),
                ref Unsafe.As<T, float>(ref y), rows, inputs, outputs, 0, outputs);
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            ref T xr = ref Unsafe.Add(ref x, (nint)r * inputs);
            for (int o = 0; o < outputs; o++)
            {
                ref T wo = ref Unsafe.Add(ref w, (nint)o * inputs);
                T sum = T.Zero;
                for (int k = 0; k < inputs; k++) sum = T.FusedMultiplyAdd(Unsafe.Add(ref xr, k), Unsafe.Add(ref wo, k), sum);
                Unsafe.Add(ref y, (nint)r * outputs + o) = sum + Unsafe.Add(ref b, o);
            }
        }
    }

    /// <summary>Applies <paramref name="activation"/> in place.</summary>
    public static void Activate<T>(Span<T> values, Activation activation, T slope) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (activation == Activation.Identity) return;
        if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated)
        {
            DenseKernels.Activate(MemoryMarshal.Cast<T, float>(values), activation, Unsafe.As<T, float>(ref slope));
            return;
        }
        for (int i = 0; i < values.Length; i++) values[i] = ActivationMath.Apply(activation, values[i], slope);
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
        for (; j < width; j++)
        {
            T s = sums[j];
            for (int i = 0; i < count; i++) s += Unsafe.Add(ref rows, (nint)i * width + j);
            sums[j] = s;
        }
    }

    /// <summary><c>target += source</c>.</summary>
    public static void Add<T>(ReadOnlySpan<T> source, Span<T> target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                (new Vector<T>(target.Slice(i)) + new Vector<T>(source.Slice(i))).CopyTo(target.Slice(i));
            }
        }
        for (; i < source.Length; i++) target[i] += source[i];
    }
}
