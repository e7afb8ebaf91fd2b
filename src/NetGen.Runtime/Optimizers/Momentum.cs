using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using NetGen.CompilerServices;

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

    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number, or another argument is out of range.</exception>
    public Momentum(NetworkArchitecture architecture, float learningRate, float momentum = 0.9f, bool nesterov = false, float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(architecture, new ConstantLearningRate(learningRate), momentum, nesterov, l2, l1, clipNorm)
    {
    }

    /// <summary>Creates the optimizer for <paramref name="network"/>'s architecture, with a constant learning rate.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number, or another argument is out of range.</exception>
    public Momentum(INetwork network, float learningRate, float momentum = 0.9f, bool nesterov = false, float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(ArchitectureOf(network), new ConstantLearningRate(learningRate), momentum, nesterov, l2, l1, clipNorm)
    {
    }

    /// <summary>Creates the optimizer for <paramref name="network"/>'s architecture.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="learningRate"/> is null.</exception>
    public Momentum(INetwork network, ILearningRateSchedule learningRate, float momentum = 0.9f, bool nesterov = false, float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(ArchitectureOf(network), learningRate, momentum, nesterov, l2, l1, clipNorm)
    {
    }

    /// <summary>μ.</summary>
    public float MomentumCoefficient { get; }

    /// <summary>Whether the update is Nesterov's.</summary>
    public bool Nesterov { get; }

    /// <summary>
    /// Whether a step is elementwise with coefficients fixed for the step — no clipping by the global norm (an L1
    /// shrinkage is elementwise after the update) — so that a generated network may fuse it into its backward pass
    /// (<see cref="FusedStep"/>).
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
        // The rule lives in MomentumUpdate, which fused steps run in generated kernels too: both give the same bits. Every
        // element past the last whole vector takes the same operations, wherever the vector loop ends. Whole Vector512s first
        // where they are accelerated (the seed network's step 62–75 µs against 79–84 with Vector<T>'s 256 bits, alternating).
        var update = new MomentumUpdate<T>(l2, T.CreateTruncating(MomentumCoefficient), -learningRate, Nesterov, gradientScale);
        ref T p = ref MemoryMarshal.GetReference(parameters);
        ref T g = ref MemoryMarshal.GetReference(gradients);
        ref T s = ref MemoryMarshal.GetReference(v);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<T>.Count <= parameters.Length; i += Vector512<T>.Count)
                update.Weight(ref p, ref s, (nuint)i, Vector512.LoadUnsafe(ref g, (nuint)i));
        }
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + Vector<T>.Count <= parameters.Length; i += Vector<T>.Count)
                update.Weight(ref p, ref s, (nuint)i, Vector.LoadUnsafe(ref g, (nuint)i));
        }
        for (; i < parameters.Length; i++) update.Weight(ref Unsafe.Add(ref p, i), ref Unsafe.Add(ref s, i), Unsafe.Add(ref g, i));
    }
}
