using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>Inverted dropout for generated networks' training passes.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DropoutMath
{
    /// <summary>
    /// Draws a mask (0 with probability <paramref name="probability"/>, else <c>1/(1 − p)</c>) from one draw of
    /// <paramref name="rng"/> and writes <c>dropped = activations ∘ mask</c>: <see cref="DrawMask{T}(ulong, long, Span{T}, T)"/>
    /// with that draw as the key, then <see cref="ApplyMask{T}"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Apply<T>(ref Xoshiro256 rng, ReadOnlySpan<T> activations, Span<T> mask, Span<T> dropped, T probability) where T : IFloatingPointIeee754<T>
        => Apply(rng.NextUInt64(), 0, activations, mask, dropped, probability);

    /// <summary>
    /// Draws elements <paramref name="start"/> … of the mask of <paramref name="key"/> and writes
    /// <c>dropped = activations ∘ mask</c>: <see cref="DrawMask{T}(ulong, long, Span{T}, T)"/> then <see cref="ApplyMask{T}"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Apply<T>(ulong key, long start, ReadOnlySpan<T> activations, Span<T> mask, Span<T> dropped, T probability) where T : IFloatingPointIeee754<T>
    {
        if (mask.Length != activations.Length || dropped.Length != activations.Length)
            throw new ArgumentException($"Expected spans of length {activations.Length}, got {mask.Length} and {dropped.Length}.", nameof(mask));
        DrawMask(key, start, mask, probability);
        ApplyMask<T>(activations, mask, dropped);
    }

    /// <summary>Draws a whole mask from one draw of <paramref name="rng"/>: <see cref="DrawMask{T}(ulong, long, Span{T}, T)"/> with that draw as the key and <paramref name="mask"/> from element 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is not in [0, 1).</exception>
    public static void DrawMask<T>(ref Xoshiro256 rng, Span<T> mask, T probability) where T : IFloatingPointIeee754<T>
        => DrawMask(rng.NextUInt64(), 0, mask, probability);

    /// <summary>
    /// Elements <paramref name="start"/> … <paramref name="start"/> + <c>mask.Length</c> − 1 of the mask of
    /// <paramref name="key"/>: element <c>i</c> is 0 when the top 24 bits of the <c>i</c>-th output (from 0) of SplitMix64
    /// seeded with <paramref name="key"/> fall below <c>p·2²⁴</c>, else <c>1/(1 − p)</c>. Every element is a function of the
    /// key and its index alone, so threads that draw different parts of one mask get the bits of one thread drawing it whole.
    /// </summary>
    /// <remarks>
    /// A step draws one key per dropout layer from the network's xoshiro256** generator (in layer order, the same on one
    /// thread or many), then the mask from the key: eight elements per 512-bit vector operation instead of one serial
    /// generator step each. The main job's 32,000-element mask took 69 µs drawn serially from the generator (one thread,
    /// before the phases of a step cut across threads) and takes 9–10 µs from its key, shared between the threads (Zen 4).
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is not in [0, 1), or <paramref name="start"/> is negative.</exception>
    public static void DrawMask<T>(ulong key, long start, Span<T> mask, T probability) where T : IFloatingPointIeee754<T>
    {
        if (!(probability >= T.Zero && probability < T.One))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "Expected a dropout probability in [0, 1).");
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        T keep = T.One / (T.One - probability);
        // An integer threshold on 24-bit draws: exact, and the same rule for float and double.
        uint threshold = (uint)Math.Round(double.CreateTruncating(probability) * (1 << 24));
        ulong first = key + unchecked((ulong)(start + 1) * Gamma); // SplitMix64's state before its output number `start`
        int i = 0, n = mask.Length;
        if (typeof(T) == typeof(float))
        {
            ref uint m = ref Unsafe.As<T, uint>(ref MemoryMarshal.GetReference(mask));
            uint keepBits = BitConverter.SingleToUInt32Bits(float.CreateTruncating(keep));
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<ulong> state = Vector512.Create(first) + Vector512<ulong>.Indices * Gamma;
                Vector512<ulong> step = Vector512.Create(unchecked(8 * Gamma));
                for (; i <= n - 16; i += 16)
                {
                    Vector512<uint> draws = Vector512.Narrow(Mix(state) >> 40, Mix(state + step) >> 40);
                    state += step + step;
                    // A draw below the threshold drops: all ones there, then the keep factor's bits masked off.
                    Vector512<uint> dropped = Vector512.ShiftRightArithmetic((draws - Vector512.Create(threshold)).AsInt32(), 31).AsUInt32();
                    Vector512.AndNot(Vector512.Create(keepBits), dropped).StoreUnsafe(ref m, (nuint)i);
                }
            }
            else if (Vector.IsHardwareAccelerated && Vector<ulong>.Count >= 2)
            {
                int lanes = Vector<ulong>.Count;
                Vector<ulong> state = new Vector<ulong>(first) + Vector<ulong>.Indices * Gamma;
                Vector<ulong> step = new(unchecked((ulong)lanes * Gamma));
                for (; i <= n - 2 * lanes; i += 2 * lanes)
                {
                    Vector<uint> draws = Vector.Narrow(Mix(state) >> 40, Mix(state + step) >> 40);
                    state += step + step;
                    Vector<uint> dropped = Vector.AsVectorUInt32(Vector.ShiftRightArithmetic(Vector.AsVectorInt32(draws - new Vector<uint>(threshold)), 31));
                    Vector.AndNot(new Vector<uint>(keepBits), dropped).StoreUnsafe(ref m, (nuint)i);
                }
            }
            for (; i < n; i++)
            {
                uint draw = (uint)(Mix(first + (ulong)i * Gamma) >> 40);
                Unsafe.Add(ref m, i) = draw < threshold ? 0u : keepBits;
            }
        }
        else
        {
            for (; i < n; i++) mask[i] = (uint)(Mix(first + (ulong)i * Gamma) >> 40) < threshold ? T.Zero : keep;
        }
    }

    /// <summary>SplitMix64's increment (the golden ratio in 64 bits).</summary>
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>SplitMix64's output function of its state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Mix(Vector512<ulong> z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<ulong> Mix(Vector<ulong> z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
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
