using System;

namespace NetGen.Kernels;

/// <summary>Inverted dropout for generated networks' training passes.</summary>
public static class DropoutMath
{
    /// <summary>
    /// Draws a mask (0 with probability <paramref name="probability"/>, else <c>1/(1 − p)</c>) and writes
    /// <c>dropped = activations ∘ mask</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Apply(ref Xoshiro256 rng, ReadOnlySpan<float> activations, Span<float> mask, Span<float> dropped, float probability)
    {
        if (mask.Length != activations.Length || dropped.Length != activations.Length)
            throw new ArgumentException($"Expected spans of length {activations.Length}, got {mask.Length} and {dropped.Length}.", nameof(mask));
        float keep = 1f / (1f - probability);
        // Compare 24-bit draws against an integer threshold: exact and cheap.
        uint threshold = (uint)Math.Round(probability * (1 << 24));
        for (int i = 0; i < activations.Length; i++)
        {
            float m = (uint)(rng.NextUInt64() >> 40) < threshold ? 0f : keep;
            mask[i] = m;
            dropped[i] = activations[i] * m;
        }
    }
}
