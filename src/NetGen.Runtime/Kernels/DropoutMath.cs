using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Kernels;

/// <summary>Inverted dropout for generated networks' training passes.</summary>
public static class DropoutMath
{
    /// <summary>
    /// Draws a mask (0 with probability <paramref name="probability"/>, else <c>1/(1 − p)</c>) and writes
    /// <c>dropped = activations ∘ mask</c>: <see cref="DrawMask{T}"/> then <see cref="ApplyMask{T}"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Apply<T>(ref Xoshiro256 rng, ReadOnlySpan<T> activations, Span<T> mask, Span<T> dropped, T probability) where T : IFloatingPointIeee754<T>
    {
        if (mask.Length != activations.Length || dropped.Length != activations.Length)
            throw new ArgumentException($"Expected spans of length {activations.Length}, got {mask.Length} and {dropped.Length}.", nameof(mask));
        DrawMask(ref rng, mask, probability);
        ApplyMask<T>(activations, mask, dropped);
    }

    /// <summary>
    /// Draws a mask, one draw per element in order: 0 with probability <paramref name="probability"/>, else <c>1/(1 − p)</c>.
    /// A step cut across threads draws its masks this way before its phases, in the order a single-threaded pass does.
    /// </summary>
    public static void DrawMask<T>(ref Xoshiro256 rng, Span<T> mask, T probability) where T : IFloatingPointIeee754<T>
    {
        T keep = T.One / (T.One - probability);
        // Compare 24-bit draws against an integer threshold: exact and cheap.
        uint threshold = (uint)Math.Round(double.CreateTruncating(probability) * (1 << 24));
        for (int i = 0; i < mask.Length; i++) mask[i] = (uint)(rng.NextUInt64() >> 40) < threshold ? T.Zero : keep;
    }

    /// <summary><c>dropped = activations ∘ mask</c>, element by element.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void ApplyMask<T>(ReadOnlySpan<T> activations, ReadOnlySpan<T> mask, Span<T> dropped) where T : IFloatingPointIeee754<T>
    {
        if (mask.Length != activations.Length || dropped.Length != activations.Length)
            throw new ArgumentException($"Expected spans of length {activations.Length}, got {mask.Length} and {dropped.Length}.", nameof(mask));
        ref T a = ref MemoryMarshal.GetReference(activations);
        ref T m = ref MemoryMarshal.GetReference(mask);
        ref T d = ref MemoryMarshal.GetReference(dropped);
        int i = 0, n = activations.Length;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
                (Vector.LoadUnsafe(ref a, (nuint)i) * Vector.LoadUnsafe(ref m, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref a, i) * Unsafe.Add(ref m, i);
    }
}
