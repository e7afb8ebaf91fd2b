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

    /// <summary>
    /// Whether a step is one elementwise update with coefficients fixed for the step — no clipping by the global norm,
    /// no L1 shrinkage — so that a generated network may fuse it into its backward pass (<see cref="FusedStep"/>).
    /// </summary>
    public bool CanFuse => StepIsElementwise;

    /// <summary>The float velocity of every parameter, created (zeroed) on first use, for a fused step.</summary>
    /// <exception cref="InvalidOperationException">This optimizer holds double state from earlier steps.</exception>
    internal float[] FusedVelocity()
    {
        State<float>(ref _velocity, 0, 0);
        return (float[])_velocity!;
    }

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, int offset, T learningRate, T gradientScale, T l2)
    {
        Span<T> v = State<T>(ref _velocity, offset, parameters.Length);
        T mu = T.CreateTruncating(MomentumCoefficient);
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
        // The same operations on the elements past the last whole vector, so that every element of a range is updated
        // alike, wherever the vector loop ends (a fused step, FusedStep, relies on it).
        for (; i < parameters.Length; i++)
        {
            T g = T.FusedMultiplyAdd(gradients[i], gradientScale, l2 * parameters[i]);
            T vel = T.FusedMultiplyAdd(mu, v[i], g);
            v[i] = vel;
            T step = Nesterov ? T.FusedMultiplyAdd(mu, vel, g) : vel;
            parameters[i] = T.FusedMultiplyAdd(-learningRate, step, parameters[i]);
        }
    }
}
