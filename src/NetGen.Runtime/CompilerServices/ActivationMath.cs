using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// Activation functions and their derivatives, in scalar, <see cref="Vector{T}"/> and <see cref="Vector512{T}"/> form,
/// for <c>float</c> and <c>double</c> elements. Generated networks call these from their fused epilogues. Derivatives
/// are expressed through the activation's output <c>a = f(z)</c>, so the backward pass needs no stored pre-activations:
/// tanh′ = 1 − a², sigmoid′ = a(1 − a), ReLU′ = [a &gt; 0], leaky ReLU′ = a &gt; 0 ? 1 : slope.
/// </summary>
/// <remarks>
/// The methods are generic over the element type; the JIT compiles one body per type, so a float network pays nothing
/// for the double support. Only <c>Exp</c> and fused multiply-add lack generic vector forms; <see cref="VectorMath"/>
/// dispatches those on the type, a branch the JIT removes.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ActivationMath
{
    // Odd Taylor series of tanh, x + x³·P(x²), used for |x| below a threshold where 1 − 2/(e^{2x} + 1) cancels.
    // For float the threshold is 0.55 (first omitted term below 2.3e-8 there); for double it is 0.1, where the
    // omitted term is below 1e-19 relative and the cancellation costs at most a few ulps.
    private const double T3 = -1.0 / 3, T5 = 2.0 / 15, T7 = -17.0 / 315, T9 = 62.0 / 2835;
    private const double T11 = -1382.0 / 155925, T13 = 21844.0 / 6081075, T15 = -929569.0 / 638512875;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T SmallTanh<T>() where T : IFloatingPointIeee754<T> => T.CreateTruncating(typeof(T) == typeof(float) ? 0.55 : 0.1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T C<T>(double value) where T : IFloatingPointIeee754<T> => T.CreateTruncating(value);

    /// <summary>Hyperbolic tangent of every lane, accurate to a few ulps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Tanh<T>(Vector512<T> x) where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return TanhSingle(x.AsSingle()).As<float, T>();
        Vector512<T> ax = Vector512.Abs(x);
        Vector512<T> e = VectorMath.Exp(ax + ax);
        Vector512<T> one = Vector512<T>.One;
        Vector512<T> large = one - Vector512.Create(C<T>(2)) / (e + one);
        Vector512<T> x2 = ax * ax;
        Vector512<T> p = VectorMath.Fma(Vector512.Create(C<T>(T15)), x2, Vector512.Create(C<T>(T13)));
        p = VectorMath.Fma(p, x2, Vector512.Create(C<T>(T11)));
        p = VectorMath.Fma(p, x2, Vector512.Create(C<T>(T9)));
        p = VectorMath.Fma(p, x2, Vector512.Create(C<T>(T7)));
        p = VectorMath.Fma(p, x2, Vector512.Create(C<T>(T5)));
        p = VectorMath.Fma(p, x2, Vector512.Create(C<T>(T3)));
        Vector512<T> small = VectorMath.Fma(ax * x2, p, ax);
        Vector512<T> r = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(SmallTanh<T>())), small, large);
        return Vector512.CopySign(r, x);
    }

    /// <summary>Hyperbolic tangent of every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Tanh<T>(Vector<T> x) where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return Vector.As<float, T>(TanhSingle(Vector.AsVectorSingle(x)));
        Vector<T> ax = Vector.Abs(x);
        Vector<T> e = VectorMath.Exp(ax + ax);
        Vector<T> one = Vector<T>.One;
        Vector<T> large = one - new Vector<T>(C<T>(2)) / (e + one);
        Vector<T> x2 = ax * ax;
        Vector<T> p = VectorMath.Fma(new Vector<T>(C<T>(T15)), x2, new Vector<T>(C<T>(T13)));
        p = VectorMath.Fma(p, x2, new Vector<T>(C<T>(T11)));
        p = VectorMath.Fma(p, x2, new Vector<T>(C<T>(T9)));
        p = VectorMath.Fma(p, x2, new Vector<T>(C<T>(T7)));
        p = VectorMath.Fma(p, x2, new Vector<T>(C<T>(T5)));
        p = VectorMath.Fma(p, x2, new Vector<T>(C<T>(T3)));
        Vector<T> small = VectorMath.Fma(ax * x2, p, ax);
        Vector<T> r = Vector.ConditionalSelect(Vector.LessThan(ax, new Vector<T>(SmallTanh<T>())), small, large);
        return Vector.CopySign(r, x);
    }

    // Float tanh as expm1(2|x|) / (expm1(2|x|) + 2), with the sign of x put back: one formula over the whole range, so
    // neither a second polynomial for small |x| nor a select. expm1(y) = 2ⁿ·q + (2ⁿ − 1), where n = round(y / ln 2),
    // r = y − n·ln 2 (two-part ln 2, |r| ≤ ln 2 / 2) and q = eʳ − 1 = r + r²·P(r), P the Taylor series to r⁶/7! (the
    // first omitted term is below 2e-8 of q). For n = 0 it is q itself, so tanh x ≈ x keeps full relative accuracy as
    // x goes to zero; from n = 1 on, 2ⁿ·q + (2ⁿ − 1) ≥ 0.4 cancels nothing. |x| is capped at 10, where tanh rounds to
    // 1, which keeps 2ⁿ far from overflow. Worst error over 4 million draws against double tanh: 2.3 ulp (the
    // Exp-based form above, still the double path: 2.0 ulp), at half its cost. n is a whole number from 0 to 29, so the
    // platform's conversion (ConvertToInt32Native, one instruction) gives what the saturating one does without its
    // range fix-up: the same bits on 44 million float patterns (every 97th), and 10 % less time a value (0.342 against
    // 0.375 ns, one thread, alternating in one process).
    private const float Ln2High = 0.693145751953125f;           // ln 2 to 16 bits: n·Ln2High is exact for n < 2⁸
    private const float Ln2Low = 1.42860682030941723212e-6f;    // ln 2 − Ln2High
    private const float Log2E = 1.44269504088896341f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TanhSingle(Vector512<float> x)
    {
        Vector512<float> y = Vector512.Min(Vector512.Abs(x), Vector512.Create(10f)) * 2f;
        Vector512<float> n = Vector512.Round(y * Log2E);
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), y);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(1f / 40320), r, Vector512.Create(1f / 5040));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 720));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 120));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5f));
        Vector512<float> q = Vector512.FusedMultiplyAdd(p, r * r, r);
        Vector512<float> scale = ((Vector512.ConvertToInt32Native(n) + Vector512.Create(127)) << 23).AsSingle();
        Vector512<float> em = Vector512.FusedMultiplyAdd(scale, q, scale - Vector512<float>.One);
        return Vector512.CopySign(em / (em + Vector512.Create(2f)), x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> TanhSingle(Vector<float> x)
    {
        Vector<float> y = Vector.Min(Vector.Abs(x), new Vector<float>(10f)) * 2f;
        Vector<float> n = Vector.Round(y * Log2E);
        Vector<float> r = Vector.FusedMultiplyAdd(n, new Vector<float>(-Ln2High), y);
        r = Vector.FusedMultiplyAdd(n, new Vector<float>(-Ln2Low), r);
        Vector<float> p = Vector.FusedMultiplyAdd(new Vector<float>(1f / 40320), r, new Vector<float>(1f / 5040));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 720));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 120));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 24));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 6));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(0.5f));
        Vector<float> q = Vector.FusedMultiplyAdd(p, r * r, r);
        Vector<float> scale = Vector.AsVectorSingle(Vector.ShiftLeft(Vector.ConvertToInt32Native(n) + new Vector<int>(127), 23));
        Vector<float> em = Vector.FusedMultiplyAdd(scale, q, scale - Vector<float>.One);
        return Vector.CopySign(em / (em + new Vector<float>(2f)), x);
    }

    /// <summary>Hyperbolic tangent of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Tanh<T>(T x) where T : IFloatingPointIeee754<T> => T.Tanh(x);

    /// <summary>Logistic sigmoid of every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sigmoid<T>(Vector512<T> x) where T : IFloatingPointIeee754<T> => Vector512<T>.One / (Vector512<T>.One + VectorMath.Exp(-x));

    /// <summary>Logistic sigmoid of every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Sigmoid<T>(Vector<T> x) where T : IFloatingPointIeee754<T> => Vector<T>.One / (Vector<T>.One + VectorMath.Exp(-x));

    /// <summary>Logistic sigmoid of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T x) where T : IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));

    /// <summary>ReLU of every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ReLU<T>(Vector512<T> x) where T : IFloatingPointIeee754<T> => Vector512.Max(x, Vector512<T>.Zero);

    /// <summary>ReLU of every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> ReLU<T>(Vector<T> x) where T : IFloatingPointIeee754<T> => Vector.Max(x, Vector<T>.Zero);

    /// <summary>ReLU of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ReLU<T>(T x) where T : IFloatingPointIeee754<T> => x > T.Zero ? x : T.Zero;

    /// <summary>Leaky ReLU of every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LeakyReLU<T>(Vector512<T> x, T slope) where T : IFloatingPointIeee754<T>
        => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), x, x * slope);

    /// <summary>Leaky ReLU of every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> LeakyReLU<T>(Vector<T> x, T slope) where T : IFloatingPointIeee754<T>
        => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), x, x * slope);

    /// <summary>Leaky ReLU of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T LeakyReLU<T>(T x, T slope) where T : IFloatingPointIeee754<T> => x > T.Zero ? x : x * slope;

    /// <summary>tanh′ from the output: <c>1 − a²</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> TanhDerivative<T>(Vector512<T> a) where T : IFloatingPointIeee754<T> => VectorMath.Fma(-a, a, Vector512<T>.One);

    /// <summary>tanh′ from the output: <c>1 − a²</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> TanhDerivative<T>(Vector<T> a) where T : IFloatingPointIeee754<T> => VectorMath.Fma(-a, a, Vector<T>.One);

    /// <summary>tanh′ from the output: <c>1 − a²</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T TanhDerivative<T>(T a) where T : IFloatingPointIeee754<T> => T.FusedMultiplyAdd(-a, a, T.One);

    /// <summary>sigmoid′ from the output: <c>a(1 − a)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> SigmoidDerivative<T>(Vector512<T> a) where T : IFloatingPointIeee754<T> => a * (Vector512<T>.One - a);

    /// <summary>sigmoid′ from the output: <c>a(1 − a)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> SigmoidDerivative<T>(Vector<T> a) where T : IFloatingPointIeee754<T> => a * (Vector<T>.One - a);

    /// <summary>sigmoid′ from the output: <c>a(1 − a)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SigmoidDerivative<T>(T a) where T : IFloatingPointIeee754<T> => a * (T.One - a);

    /// <summary>ReLU′ from the output: 1 where <c>a &gt; 0</c>, else 0 (subgradient 0 at 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ReLUDerivative<T>(Vector512<T> a) where T : IFloatingPointIeee754<T>
        => Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<T>.Zero), Vector512<T>.One, Vector512<T>.Zero);

    /// <summary>ReLU′ from the output: 1 where <c>a &gt; 0</c>, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> ReLUDerivative<T>(Vector<T> a) where T : IFloatingPointIeee754<T>
        => Vector.ConditionalSelect(Vector.GreaterThan(a, Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero);

    /// <summary>ReLU′ from the output: 1 where <c>a &gt; 0</c>, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ReLUDerivative<T>(T a) where T : IFloatingPointIeee754<T> => a > T.Zero ? T.One : T.Zero;

    /// <summary>Leaky ReLU′ from the output (the slope is non-negative, so <c>a &gt; 0</c> exactly when <c>z &gt; 0</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LeakyReLUDerivative<T>(Vector512<T> a, T slope) where T : IFloatingPointIeee754<T>
        => Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<T>.Zero), Vector512<T>.One, Vector512.Create(slope));

    /// <summary>Leaky ReLU′ from the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> LeakyReLUDerivative<T>(Vector<T> a, T slope) where T : IFloatingPointIeee754<T>
        => Vector.ConditionalSelect(Vector.GreaterThan(a, Vector<T>.Zero), Vector<T>.One, new Vector<T>(slope));

    /// <summary>Leaky ReLU′ from the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T LeakyReLUDerivative<T>(T a, T slope) where T : IFloatingPointIeee754<T> => a > T.Zero ? T.One : slope;

    /// <summary>Applies an activation to every lane (Identity, and any other value, leaves the lanes as they are).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Apply<T>(Activation activation, Vector512<T> z, T slope) where T : IFloatingPointIeee754<T> => activation switch
    {
        Activation.Sigmoid => Sigmoid(z),
        Activation.Tanh => Tanh(z),
        Activation.ReLU => ReLU(z),
        Activation.LeakyReLU => LeakyReLU(z, slope),
        _ => z,
    };

    /// <summary>Applies an activation to every lane (Identity, and any other value, leaves the lanes as they are).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Apply<T>(Activation activation, Vector<T> z, T slope) where T : IFloatingPointIeee754<T> => activation switch
    {
        Activation.Sigmoid => Sigmoid(z),
        Activation.Tanh => Tanh(z),
        Activation.ReLU => ReLU(z),
        Activation.LeakyReLU => LeakyReLU(z, slope),
        _ => z,
    };

    /// <summary>Applies an activation to one value (the straightforward form, for references and generic code).</summary>
    public static T Apply<T>(Activation activation, T z, T slope) where T : IFloatingPointIeee754<T> => activation switch
    {
        Activation.Identity => z,
        Activation.Sigmoid => Sigmoid(z),
        Activation.Tanh => Tanh(z),
        Activation.ReLU => ReLU(z),
        Activation.LeakyReLU => LeakyReLU(z, slope),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    /// <summary>The activation's derivative expressed through its output <c>a = f(z)</c>.</summary>
    public static T DerivativeFromOutput<T>(Activation activation, T a, T slope) where T : IFloatingPointIeee754<T> => activation switch
    {
        Activation.Identity => T.One,
        Activation.Sigmoid => SigmoidDerivative(a),
        Activation.Tanh => TanhDerivative(a),
        Activation.ReLU => ReLUDerivative(a),
        Activation.LeakyReLU => LeakyReLUDerivative(a, slope),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };
}
