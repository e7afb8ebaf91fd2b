using System;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>
/// Stochastic gradient descent as the lecture notes give it, online (batch 1), minibatch or full batch depending on
/// the batch the gradients came from: <c>W ← W − μ(t)·(∇W + λ₂·W)</c>, then L1 shrinkage by <c>μ(t)·λ₁</c>;
/// <c>b ← b − μ(t)·∇b</c>. Regularization touches weights only.
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    public Sgd(NetworkArchitecture architecture, ILearningRateSchedule learningRate, float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : base(architecture, learningRate, l2, l1, clipNorm)
    {
    }

    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number, or another argument is out of range.</exception>
    public Sgd(NetworkArchitecture architecture, float learningRate, float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(architecture, new ConstantLearningRate(learningRate), l2, l1, clipNorm)
    {
    }

    /// <summary>Creates the optimizer for <paramref name="network"/>'s architecture, with a constant learning rate.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number, or another argument is out of range.</exception>
    public Sgd(INetwork network, float learningRate, float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(ArchitectureOf(network), new ConstantLearningRate(learningRate), l2, l1, clipNorm)
    {
    }

    /// <summary>Creates the optimizer for <paramref name="network"/>'s architecture.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="learningRate"/> is null.</exception>
    public Sgd(INetwork network, ILearningRateSchedule learningRate, float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(ArchitectureOf(network), learningRate, l2, l1, clipNorm)
    {
    }

    /// <summary>
    /// Whether a step is elementwise with coefficients fixed for the step — no clipping by the global norm (an L1
    /// shrinkage is elementwise after the update) — so that a generated network may fuse it into its backward pass
    /// (<see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{int}, IOptimizer)"/>, <see cref="FusedStep"/>).
    /// </summary>
    public bool CanFuse => StepIsElementwise;

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, int offset, T learningRate, T gradientScale, T l2)
        => VectorOps.ScaleAdd(parameters, T.One - learningRate * l2, gradients, -learningRate * gradientScale);
}
