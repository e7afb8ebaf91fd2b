using System;

namespace NetGen;

/// <summary>
/// Inverted dropout on the output of the layer declared before it: during training passes
/// (<c>ComputeGradients</c>) each unit is zeroed with probability <see cref="Probability"/> and the survivors are
/// scaled by <c>1/(1 − p)</c>; at inference (<c>Forward</c>, <c>ForwardBatch</c>, <c>Predict</c>) it is the identity.
/// It must sit between two layers. The mask is drawn from a generator seeded by the network's seed
/// (reseed with the generated <c>SeedDropout</c>), so training is reproducible.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : Attribute
{
    /// <summary>Declares dropout with drop probability <paramref name="probability"/> in [0, 1).</summary>
    public DropoutAttribute(double probability) => Probability = probability;

    /// <summary>The probability of dropping a unit.</summary>
    public double Probability { get; }
}
