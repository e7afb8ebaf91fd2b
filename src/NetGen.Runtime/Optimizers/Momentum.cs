using System;
using System.Numerics;
using System.Runtime.InteropServices;
using NetGen.Kernels;

namespace NetGen;

/// <summary>
/// SGD with momentum (PyTorch's formulation): <c>v ← μ·v + g</c>, then <c>θ ← θ − lr·v</c> (classical) or
/// <c>θ ← θ − lr·(g + μ·v)</c> (Nesterov), where <c>g = ∇ + λ₂·W</c> for weights. The velocity is allocated once, on the first step.
/// </summary>
public sealed class Momentum : Optimizer
{
    private Array? _velocity; // T[] of the element type stepped, allocated on the first step

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
    }

    /// <summary>μ.</summary>
    public float MomentumCoefficient { get; }

    /// <summary>Whether the update is Nesterov's.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, int offset, T learningRate, T gradientScale, T l2)
    {
        Span<T> v = State<T>(ref _velocity, offset, parameters.Length);
        T mu = T.CreateTruncating(MomentumCoefficient), nesterov = Nesterov ? T.One : T.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<T>> pv = MemoryMarshal.Cast<T, Vector<T>>(parameters);
            ReadOnlySpan<Vector<T>> gv = MemoryMarshal.Cast<T, Vector<T>>(gradients);
            Span<Vector<T>> vv = MemoryMarshal.Cast<T, Vector<T>>(v);
            var vs = new Vector<T>(gradientScale);
            var vl2 = new Vector<T>(l2);
            var vmu = new Vector<T>(mu);
            var vlr = new Vector<T>(learningRate);
            for (int k = 0; k < pv.Length; k++)
            {
                Vector<T> g = VectorMath.Fma(gv[k], vs, vl2 * pv[k]);
                Vector<T> vel = VectorMath.Fma(vmu, vv[k], g);
                vv[k] = vel;
                Vector<T> step = Nesterov ? VectorMath.Fma(vmu, vel, g) : vel;
                pv[k] = VectorMath.Fma(-vlr, step, pv[k]);
            }
            i = pv.Length * Vector<T>.Count;
        }
        for (; i < parameters.Length; i++)
        {
            T g = gradients[i] * gradientScale + l2 * parameters[i];
            T vel = mu * v[i] + g;
            v[i] = vel;
            parameters[i] -= learningRate * (nesterov * (g + mu * vel) + (T.One - nesterov) * vel);
        }
    }
}
