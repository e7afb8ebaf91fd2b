using System;
using System.Numerics;
using System.Runtime.InteropServices;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>
/// Adam (Kingma &amp; Ba): <c>m ← β₁m + (1 − β₁)g</c>, <c>v ← β₂v + (1 − β₂)g²</c>,
/// <c>θ ← θ − lr·m̂/(√v̂ + ε)</c> with bias-corrected <c>m̂, v̂</c>. With <see cref="DecoupledWeightDecay"/> off, the L2
/// term enters the gradient (<c>g = ∇ + λ₂·W</c>); on, it is AdamW's decoupled decay <c>θ ← θ − lr·λ₂·W</c>.
/// The moments are allocated once, on the first step.
/// </summary>
public class Adam : Optimizer
{
    private Array? _m, _v; // T[] of the element type stepped, allocated on the first step
    private const double FlushBelow = 7.888609052210118e-31;      // 2⁻¹⁰⁰
    private const double SquareFlushBelow = 8.881784197001252e-16; // 2⁻⁵⁰: (1 − β₂)·g·g stays normal from there
    private double _correction1, _correction2;

    /// <summary>Creates the optimizer.</summary>
    public Adam(NetworkArchitecture architecture, ILearningRateSchedule learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f,
        float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(architecture, learningRate, beta1, beta2, epsilon, l2, l1, clipNorm, decoupled: false)
    {
    }

    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number, or another argument is out of range.</exception>
    public Adam(NetworkArchitecture architecture, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(architecture, new ConstantLearningRate(learningRate), beta1, beta2, epsilon, l2, l1, clipNorm)
    {
    }

    /// <summary>Creates the optimizer for <paramref name="network"/>'s architecture, with a constant learning rate.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number, or another argument is out of range.</exception>
    public Adam(INetwork network, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(ArchitectureOf(network), new ConstantLearningRate(learningRate), beta1, beta2, epsilon, l2, l1, clipNorm)
    {
    }

    /// <summary>Creates the optimizer for <paramref name="network"/>'s architecture.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="learningRate"/> is null.</exception>
    public Adam(INetwork network, ILearningRateSchedule learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(ArchitectureOf(network), learningRate, beta1, beta2, epsilon, l2, l1, clipNorm)
    {
    }

    /// <summary>For <see cref="AdamW"/>.</summary>
    protected Adam(NetworkArchitecture architecture, ILearningRateSchedule learningRate, float beta1, float beta2, float epsilon,
        float l2, float l1, float? clipNorm, bool decoupled)
        : base(architecture, learningRate, l2, l1, clipNorm)
    {
        if (!(beta1 >= 0f && beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must lie in [0, 1).");
        if (!(beta2 >= 0f && beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must lie in [0, 1).");
        if (!(epsilon > 0f) || !float.IsFinite(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be a positive finite number.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        DecoupledWeightDecay = decoupled;
    }

    /// <summary>β₁.</summary>
    public float Beta1 { get; }

    /// <summary>β₂.</summary>
    public float Beta2 { get; }

    /// <summary>ε.</summary>
    public float Epsilon { get; }

    /// <summary>Whether λ₂ is AdamW's decoupled weight decay rather than an L2 term in the gradient.</summary>
    public bool DecoupledWeightDecay { get; }

    /// <inheritdoc/>
    protected override void BeginStep(long step)
    {
        _correction1 = 1 - Math.Pow(Beta1, step);
        _correction2 = 1 - Math.Pow(Beta2, step);
    }

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, int offset, T learningRate, T gradientScale, T l2)
    {
        Span<T> m = State<T>(ref _m, offset, parameters.Length), v = State<T>(ref _v, offset, parameters.Length);
        T coupled = DecoupledWeightDecay ? T.Zero : l2, decay = DecoupledWeightDecay ? learningRate * l2 : T.Zero;
        T b1 = T.CreateTruncating(Beta1), b2 = T.CreateTruncating(Beta2), eps = T.CreateTruncating(Epsilon);
        T c1 = T.One / T.CreateTruncating(_correction1), c2 = T.One / T.CreateTruncating(_correction2);
        // Values below 2⁻¹⁰⁰ (a gradient, a moment) are taken as zero, and so is the square of a gradient below 2⁻⁵⁰: they
        // cannot change a float step (ε = 1e-8 bounds the denominator; √2⁻¹⁰⁰ is 10⁻⁷ of it), and without that a unit
        // whose gradient stays zero decays its moments through the subnormal range, where Intel processors take a
        // microcode assist per operation: the convolutional network's one-image Adam step on a memorized image took about
        // 5 ms there against 0.8–1.1 after (`./build.sh peers cnn`, this project's Emerald Rapids Xeon). .NET has no
        // flush-to-zero mode to set instead.
        T flush = T.CreateTruncating(FlushBelow), squareFlush = T.CreateTruncating(SquareFlushBelow);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<T>> pv = MemoryMarshal.Cast<T, Vector<T>>(parameters);
            ReadOnlySpan<Vector<T>> gv = MemoryMarshal.Cast<T, Vector<T>>(gradients);
            Span<Vector<T>> mv = MemoryMarshal.Cast<T, Vector<T>>(m), vv = MemoryMarshal.Cast<T, Vector<T>>(v);
            Vector<T> vs = new(gradientScale), vcoupled = new(coupled), vb1 = new(b1), vb1c = new(T.One - b1), vb2 = new(b2), vb2c = new(T.One - b2);
            Vector<T> vc1 = new(c1), vc2 = new(c2), veps = new(eps), vlr = new(learningRate), vdecay = new(T.One - decay);
            Vector<T> vflush = new(flush), vsquareFlush = new(squareFlush);
            for (int k = 0; k < pv.Length; k++)
            {
                Vector<T> g = VectorMath.Fma(gv[k], vs, vcoupled * pv[k]);
                g = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(g), vflush), Vector<T>.Zero, g);
                Vector<T> gs = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(g), vsquareFlush), Vector<T>.Zero, g);
                Vector<T> mk = VectorMath.Fma(vb1, mv[k], vb1c * g);
                Vector<T> vk = VectorMath.Fma(vb2, vv[k], vb2c * gs * gs);
                mk = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(mk), vflush), Vector<T>.Zero, mk);
                vk = Vector.ConditionalSelect(Vector.LessThan(vk, vflush), Vector<T>.Zero, vk);
                mv[k] = mk;
                vv[k] = vk;
                Vector<T> update = mk * vc1 / (Vector.SquareRoot(vk * vc2) + veps);
                pv[k] = VectorMath.Fma(-vlr, update, pv[k] * vdecay);
            }
            i = pv.Length * Vector<T>.Count;
        }
        for (; i < parameters.Length; i++)
        {
            T g = gradients[i] * gradientScale + coupled * parameters[i];
            if (T.Abs(g) < flush) g = T.Zero;
            T gs = T.Abs(g) < squareFlush ? T.Zero : g;
            T mi = b1 * m[i] + (T.One - b1) * g, vi = b2 * v[i] + (T.One - b2) * gs * gs;
            m[i] = T.Abs(mi) < flush ? T.Zero : mi;
            v[i] = vi < flush ? T.Zero : vi;
            T update = m[i] * c1 / (T.Sqrt(v[i] * c2) + eps);
            parameters[i] = parameters[i] * (T.One - decay) - learningRate * update;
        }
    }
}

/// <summary>AdamW (Loshchilov &amp; Hutter): Adam with weight decay decoupled from the gradient, <c>θ ← θ(1 − lr·λ) − lr·m̂/(√v̂ + ε)</c>, weights only.</summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer; <paramref name="weightDecay"/> is λ.</summary>
    public AdamW(NetworkArchitecture architecture, ILearningRateSchedule learningRate, float weightDecay = 0.01f, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-8f, float l1 = 0f, float? clipNorm = null)
        : base(architecture, learningRate, beta1, beta2, epsilon, weightDecay, l1, clipNorm, decoupled: true)
    {
    }

    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number, or another argument is out of range.</exception>
    public AdamW(NetworkArchitecture architecture, float learningRate, float weightDecay = 0.01f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float l1 = 0f, float? clipNorm = null)
        : this(architecture, new ConstantLearningRate(learningRate), weightDecay, beta1, beta2, epsilon, l1, clipNorm)
    {
    }

    /// <summary>Creates the optimizer for <paramref name="network"/>'s architecture, with a constant learning rate.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number, or another argument is out of range.</exception>
    public AdamW(INetwork network, float learningRate, float weightDecay = 0.01f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float l1 = 0f, float? clipNorm = null)
        : this(ArchitectureOf(network), new ConstantLearningRate(learningRate), weightDecay, beta1, beta2, epsilon, l1, clipNorm)
    {
    }

    /// <summary>Creates the optimizer for <paramref name="network"/>'s architecture.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="learningRate"/> is null.</exception>
    public AdamW(INetwork network, ILearningRateSchedule learningRate, float weightDecay = 0.01f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float l1 = 0f, float? clipNorm = null)
        : this(ArchitectureOf(network), learningRate, weightDecay, beta1, beta2, epsilon, l1, clipNorm)
    {
    }
}
