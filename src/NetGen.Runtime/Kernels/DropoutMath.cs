using System;
using System.Numerics;

namespace NetGen.Kernels;

/// <summary>Inverted dropout for generated networks' training passes.</summary>
public static class DropoutMath
{
    /// <summary>
    /// Draws a mask (0 with probability <paramref name="probability"/>, else <c>1/(1 − p)</c>) and writes
    /// <c>dropped = activations ∘ mask</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Apply<T>(ref Xoshiro256 rng, ReadOnlySpan<T> activations, Span<T> mask, Span<T> dropped, T probability) where T : IFloatingPointIeee754<T>
    {
        if (mask.Length != activations.Length || dropped.Length != activations.Length)
            throw new ArgumentException($"Expected spans of length {activations.Length}, got {mask.Length} and {dropped.Length}.", nameof(mask));
        T keep = T.One / (T.One - probability);
        // Compare 24-bit draws against an integer threshold: exact and cheap.
        uint threshold = (uint)Math.Round(double.CreateTruncating(probability) * (1 << 24));
        for (int i = 0; i < activations.Length; i++)
        {
            T m = (uint)(rng.NextUInt64() >> 40) < threshold ? T.Zero : keep;
            mask[i] = m;
            dropped[i] = activations[i] * m;
        }
    }
}
