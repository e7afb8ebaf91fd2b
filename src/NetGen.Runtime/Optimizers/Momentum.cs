using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace NetGen;

/// <summary>
/// SGD with momentum (PyTorch's formulation): <c>v ← μ·v + g</c>, then <c>θ ← θ − lr·v</c> (classical) or
/// <c>θ ← θ − lr·(g + μ·v)</c> (Nesterov), where <c>g = ∇ + λ₂·W</c> for weights. The velocity is allocated once.
/// </summary>
public sealed class Momentum : Optimizer
{
    private readonly float[] _velocity;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="architecture">Tells weights from biases.</param>
    /// <param name="learningRate">The schedule.</param>
    /// <param name="momentum">μ in [0, 1).</param>
    /// <param name="nesterov">Use Nesterov's look-ahead form.</param>
    /// <param name="l2">λ₂ on weights.</param>
    /// <param name="l1">λ₁ on weights.</param>
    /// <param name="clipNorm">Global-norm clipping threshold.</param>
    public Momentum(NetworkArchitecture architecture, ILearningRateSchedule learningRate, float momentum = 0.9f, bool nesterov = false,
        float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : base(architecture, learningRate, l2, l1, clipNorm)
    {
        if (!(momentum >= 0f && momentum < 1f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must lie in [0, 1).");
        MomentumCoefficient = momentum;
        Nesterov = nesterov;
        _velocity = new float[architecture.ParameterCount];
    }

    /// <summary>μ.</summary>
    public float MomentumCoefficient { get; }

    /// <summary>Whether the update is Nesterov's.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, float learningRate, float gradientScale, float l2)
    {
        Span<float> v = _velocity.AsSpan(offset, parameters.Length);
        float mu = MomentumCoefficient, nesterov = Nesterov ? 1f : 0f;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<float>> pv = MemoryMarshal.Cast<float, Vector<float>>(parameters);
            ReadOnlySpan<Vector<float>> gv = MemoryMarshal.Cast<float, Vector<float>>(gradients);
            Span<Vector<float>> vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            var vs = new Vector<float>(gradientScale);
            var vl2 = new Vector<float>(l2);
            var vmu = new Vector<float>(mu);
            var vlr = new Vector<float>(learningRate);
            for (int k = 0; k < pv.Length; k++)
            {
                Vector<float> g = Vector.FusedMultiplyAdd(gv[k], vs, vl2 * pv[k]);
                Vector<float> vel = Vector.FusedMultiplyAdd(vmu, vv[k], g);
                vv[k] = vel;
                Vector<float> step = Nesterov ? Vector.FusedMultiplyAdd(vmu, vel, g) : vel;
                pv[k] = Vector.FusedMultiplyAdd(-vlr, step, pv[k]);
            }
            i = pv.Length * Vector<float>.Count;
        }
        for (; i < parameters.Length; i++)
        {
            float g = gradients[i] * gradientScale + l2 * parameters[i];
            float vel = mu * v[i] + g;
            v[i] = vel;
            parameters[i] -= learningRate * (nesterov * (g + mu * vel) + (1 - nesterov) * vel);
        }
    }
}
