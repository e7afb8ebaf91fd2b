namespace NetGen;

/// <summary>The activation function applied after a dense layer's affine transform <c>z = W·a + b</c>.</summary>
/// <remarks>The numeric values are part of the declaration contract read by the source generator; do not reorder.</remarks>
public enum Activation
{
    /// <summary><c>f(z) = z</c>.</summary>
    Identity = 0,
    /// <summary>The logistic function <c>f(z) = 1 / (1 + e^(−z))</c>; Xavier initialization uses four times the range.</summary>
    Sigmoid = 1,
    /// <summary>The hyperbolic tangent.</summary>
    Tanh = 2,
    /// <summary><c>f(z) = max(0, z)</c>, with subgradient 0 at 0.</summary>
    ReLU = 3,
    /// <summary><c>f(z) = z</c> for <c>z &gt; 0</c>, else <c>slope·z</c>; the slope is <see cref="DenseAttribute.NegativeSlope"/> (0.01 unless given).</summary>
    LeakyReLU = 4,
}
