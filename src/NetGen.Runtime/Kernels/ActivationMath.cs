using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Activation functions and their derivatives, in scalar, <see cref="Vector{T}"/> and <see cref="Vector512{T}"/> form.
/// Generated networks call these from their fused epilogues. Derivatives are expressed through the
/// activation's output <c>a = f(z)</c>, so the backward pass needs no stored pre-activations:
/// tanh′ = 1 − a², sigmoid′ = a(1 − a), ReLU′ = [a &gt; 0], leaky ReLU′ = a &gt; 0 ? 1 : slope.
/// </summary>
public static class ActivationMath
{
    // Odd Taylor series of tanh, x + x³·P(x²), used for |x| < SmallTanh where 1 − 2/(e^{2x} + 1) cancels.
    // The first omitted term is below 2.3e-8 at |x| = 0.55.
    private const float SmallTanh = 0.55f;
    private const float T3 = -1f / 3f, T5 = 2f / 15f, T7 = -17f / 315f, T9 = 62f / 2835f;
    private const float T11 = -1382f / 155925f, T13 = 21844f / 6081075f, T15 = -929569f / 638512875f;

    /// <summary>Hyperbolic tangent of 16 lanes, accurate to a few ulps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> ax = Vector512.Abs(x);
        Vector512<float> e = Vector512.Exp(ax + ax);
        Vector512<float> one = Vector512<float>.One;
        Vector512<float> large = one - Vector512.Create(2f) / (e + one);
        Vector512<float> x2 = ax * ax;
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(T15), x2, Vector512.Create(T13));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(T11));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(T9));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(T7));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(T5));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(T3));
        Vector512<float> small = Vector512.FusedMultiplyAdd(ax * x2, p, ax);
        Vector512<float> r = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(SmallTanh)), small, large);
        return Vector512.CopySign(r, x);
    }

    /// <summary>Hyperbolic tangent of <see cref="Vector{T}.Count"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> x)
    {
        Vector<float> ax = Vector.Abs(x);
        Vector<float> e = Vector.Exp(ax + ax);
        Vector<float> one = Vector<float>.One;
        Vector<float> large = one - new Vector<float>(2f) / (e + one);
        Vector<float> x2 = ax * ax;
        Vector<float> p = Vector.FusedMultiplyAdd(new Vector<float>(T15), x2, new Vector<float>(T13));
        p = Vector.FusedMultiplyAdd(p, x2, new Vector<float>(T11));
        p = Vector.FusedMultiplyAdd(p, x2, new Vector<float>(T9));
        p = Vector.FusedMultiplyAdd(p, x2, new Vector<float>(T7));
        p = Vector.FusedMultiplyAdd(p, x2, new Vector<float>(T5));
        p = Vector.FusedMultiplyAdd(p, x2, new Vector<float>(T3));
        Vector<float> small = Vector.FusedMultiplyAdd(ax * x2, p, ax);
        Vector<float> r = Vector.ConditionalSelect(Vector.LessThan(ax, new Vector<float>(SmallTanh)), small, large);
        return Vector.CopySign(r, x);
    }

    /// <summary>Hyperbolic tangent of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);

    /// <summary>Logistic sigmoid of 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-x));

    /// <summary>Logistic sigmoid of <see cref="Vector{T}.Count"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sigmoid(Vector<float> x) => Vector<float>.One / (Vector<float>.One + Vector.Exp(-x));

    /// <summary>Logistic sigmoid of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>ReLU of 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReLU(Vector512<float> x) => Vector512.Max(x, Vector512<float>.Zero);

    /// <summary>ReLU of <see cref="Vector{T}.Count"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> ReLU(Vector<float> x) => Vector.Max(x, Vector<float>.Zero);

    /// <summary>ReLU of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReLU(float x) => x > 0f ? x : 0f;

    /// <summary>Leaky ReLU of 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LeakyReLU(Vector512<float> x, float slope)
        => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * slope);

    /// <summary>Leaky ReLU of <see cref="Vector{T}.Count"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> LeakyReLU(Vector<float> x, float slope)
        => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), x, x * slope);

    /// <summary>Leaky ReLU of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LeakyReLU(float x, float slope) => x > 0f ? x : x * slope;

    /// <summary>tanh′ from the output: <c>1 − a²</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> TanhDerivative(Vector512<float> a) => Vector512.FusedMultiplyAdd(-a, a, Vector512<float>.One);

    /// <summary>tanh′ from the output: <c>1 − a²</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> TanhDerivative(Vector<float> a) => Vector.FusedMultiplyAdd(-a, a, Vector<float>.One);

    /// <summary>tanh′ from the output: <c>1 − a²</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float TanhDerivative(float a) => MathF.FusedMultiplyAdd(-a, a, 1f);

    /// <summary>sigmoid′ from the output: <c>a(1 − a)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SigmoidDerivative(Vector512<float> a) => a * (Vector512<float>.One - a);

    /// <summary>sigmoid′ from the output: <c>a(1 − a)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> SigmoidDerivative(Vector<float> a) => a * (Vector<float>.One - a);

    /// <summary>sigmoid′ from the output: <c>a(1 − a)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SigmoidDerivative(float a) => a * (1f - a);

    /// <summary>ReLU′ from the output: 1 where <c>a &gt; 0</c>, else 0 (subgradient 0 at 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReLUDerivative(Vector512<float> a)
        => Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<float>.Zero), Vector512<float>.One, Vector512<float>.Zero);

    /// <summary>ReLU′ from the output: 1 where <c>a &gt; 0</c>, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> ReLUDerivative(Vector<float> a)
        => Vector.ConditionalSelect(Vector.GreaterThan(a, Vector<float>.Zero), Vector<float>.One, Vector<float>.Zero);

    /// <summary>ReLU′ from the output: 1 where <c>a &gt; 0</c>, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReLUDerivative(float a) => a > 0f ? 1f : 0f;

    /// <summary>Leaky ReLU′ from the output (the slope is non-negative, so <c>a &gt; 0</c> exactly when <c>z &gt; 0</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LeakyReLUDerivative(Vector512<float> a, float slope)
        => Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<float>.Zero), Vector512<float>.One, Vector512.Create(slope));

    /// <summary>Leaky ReLU′ from the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> LeakyReLUDerivative(Vector<float> a, float slope)
        => Vector.ConditionalSelect(Vector.GreaterThan(a, Vector<float>.Zero), Vector<float>.One, new Vector<float>(slope));

    /// <summary>Leaky ReLU′ from the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LeakyReLUDerivative(float a, float slope) => a > 0f ? 1f : slope;

    /// <summary>Applies an activation to one value (the straightforward form, for references and generic code).</summary>
    public static float Apply(Activation activation, float z, float slope) => activation switch
    {
        Activation.Identity => z,
        Activation.Sigmoid => Sigmoid(z),
        Activation.Tanh => Tanh(z),
        Activation.ReLU => ReLU(z),
        Activation.LeakyReLU => LeakyReLU(z, slope),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    /// <summary>The activation's derivative expressed through its output <c>a = f(z)</c>.</summary>
    public static float DerivativeFromOutput(Activation activation, float a, float slope) => activation switch
    {
        Activation.Identity => 1f,
        Activation.Sigmoid => SigmoidDerivative(a),
        Activation.Tanh => TanhDerivative(a),
        Activation.ReLU => ReLUDerivative(a),
        Activation.LeakyReLU => LeakyReLUDerivative(a, slope),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };
}
