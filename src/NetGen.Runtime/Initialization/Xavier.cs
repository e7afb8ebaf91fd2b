using System;
using System.Numerics;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>
/// Xavier/Glorot uniform initialization as the lecture notes give it: every weight of a layer drawn from
/// U[−r, r] with <c>r = √6 / √(fan_in + fan_out)</c>, four times that for sigmoid layers; biases zero.
/// </summary>
public static class Xavier
{
    /// <summary>The seed a generated network's parameterless constructor uses.</summary>
    public const int DefaultSeed = 1234;

    /// <summary>Initializes all parameters of a network laid out as <paramref name="architecture"/> describes (float or double).</summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not have the architecture's parameter count.</exception>
    public static void Initialize<T>(Span<T> parameters, NetworkArchitecture architecture, int seed) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(architecture);
        NetworkGuard.Length(parameters.Length, architecture.ParameterCount, nameof(parameters));
        var rng = new Xoshiro256(unchecked((ulong)seed));
        foreach (LayerDescription layer in architecture.Layers)
        {
            double bound = layer.XavierBound;
            Span<T> weights = parameters.Slice(layer.WeightOffset, layer.WeightCount);
            for (int i = 0; i < weights.Length; i++) weights[i] = T.CreateTruncating((2.0 * rng.NextDouble() - 1.0) * bound); // the same draws for float and double
            parameters.Slice(layer.BiasOffset, layer.BiasCount).Clear();
        }
    }
}
