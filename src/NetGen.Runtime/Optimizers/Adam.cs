using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace NetGen;

/// <summary>
/// Adam (Kingma &amp; Ba): <c>m ← β₁m + (1 − β₁)g</c>, <c>v ← β₂v + (1 − β₂)g²</c>,
/// <c>θ ← θ − lr·m̂/(√v̂ + ε)</c> with bias-corrected <c>m̂, v̂</c>. With <see cref="DecoupledWeightDecay"/> off, the L2
/// term enters the gradient (<c>g = ∇ + λ₂·W</c>); on, it is AdamW's decoupled decay <c>θ ← θ − lr·λ₂·W</c>.
/// The moments are allocated once.
/// </summary>
public class Adam : Optimizer
{
    private readonly float[] _m, _v;
    private float _correction1, _correction2;

    /// <summary>Creates the optimizer.</summary>
    public Adam(NetworkArchitecture architecture, ILearningRateSchedule learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f,
        float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(architecture, learningRate, beta1, beta2, epsilon, l2, l1, clipNorm, decoupled: false)
    {
    }

    /// <summary>For <see cref="AdamW"/>.</summary>
    protected Adam(NetworkArchitecture architecture, ILearningRateSchedule learningRate, float beta1, float beta2, float epsilon,
        float l2, float l1, float? clipNorm, bool decoupled)
        : base(architecture, learningRate, l2, l1, clipNorm)
    {
        if (!(beta1 >= 0f && beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must lie in [0, 1).");
        if (!(beta2 >= 0f && beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must lie in [0, 1).");
        if (!(epsilon > 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be positive.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        DecoupledWeightDecay = decoupled;
        _m = new float[architecture.ParameterCount];
        _v = new float[architecture.ParameterCount];
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
        _correction1 = (float)(1 - Math.Pow(Beta1, step));
        _correction2 = (float)(1 - Math.Pow(Beta2, step));
    }

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, float learningRate, float gradientScale, float l2)
    {
        Span<float> m = _m.AsSpan(offset, parameters.Length), v = _v.AsSpan(offset, parameters.Length);
        float coupled = DecoupledWeightDecay ? 0f : l2, decay = DecoupledWeightDecay ? learningRate * l2 : 0f;
        float b1 = Beta1, b2 = Beta2, c1 = 1f / _correction1, c2 = 1f / _correction2, eps = Epsilon;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<float>> pv = MemoryMarshal.Cast<float, Vector<float>>(parameters);
            ReadOnlySpan<Vector<float>> gv = MemoryMarshal.Cast<float, Vector<float>>(gradients);
            Span<Vector<float>> mv = MemoryMarshal.Cast<float, Vector<float>>(m), vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            Vector<float> vs = new(gradientScale), vcoupled = new(coupled), vb1 = new(b1), vb1c = new(1 - b1), vb2 = new(b2), vb2c = new(1 - b2);
            Vector<float> vc1 = new(c1), vc2 = new(c2), veps = new(eps), vlr = new(learningRate), vdecay = new(1 - decay);
            for (int k = 0; k < pv.Length; k++)
            {
                Vector<float> g = Vector.FusedMultiplyAdd(gv[k], vs, vcoupled * pv[k]);
                Vector<float> mk = Vector.FusedMultiplyAdd(vb1, mv[k], vb1c * g);
                Vector<float> vk = Vector.FusedMultiplyAdd(vb2, vv[k], vb2c * g * g);
                mv[k] = mk;
                vv[k] = vk;
                Vector<float> update = mk * vc1 / (Vector.SquareRoot(vk * vc2) + veps);
                pv[k] = Vector.FusedMultiplyAdd(-vlr, update, pv[k] * vdecay);
            }
            i = pv.Length * Vector<float>.Count;
        }
        for (; i < parameters.Length; i++)
        {
            float g = gradients[i] * gradientScale + coupled * parameters[i];
            m[i] = b1 * m[i] + (1 - b1) * g;
            v[i] = b2 * v[i] + (1 - b2) * g * g;
            float update = m[i] * c1 / (MathF.Sqrt(v[i] * c2) + eps);
            parameters[i] = parameters[i] * (1 - decay) - learningRate * update;
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
}
