using System;
using System.ComponentModel;
using NetGen.Kernels;

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

    /// <summary>
    /// Whether a step is one elementwise update with coefficients fixed for the step — no clipping by the global norm,
    /// no L1 shrinkage — so that a generated network may fuse it into its backward pass
    /// (<see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{int}, IOptimizer)"/>).
    /// </summary>
    public bool CanFuse => ClipNorm is null && L1 == 0f;

    /// <summary>
    /// For generated code: begins a step whose update the caller performs itself, element by element, as
    /// <c>w ← weightFactor·w + gradientFactor·∇w</c> for weights and <c>b ← b + gradientFactor·∇b</c> for biases — exactly
    /// what <see cref="Optimizer.Step(Span{float}, ReadOnlySpan{float})"/> computes — and then calls <see cref="EndFusedStep"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="CanFuse"/> is false.</exception>
    /// <exception cref="ArgumentException"><paramref name="parameterCount"/> is not the architecture's.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void BeginFusedStep(int parameterCount, out float weightFactor, out float gradientFactor)
    {
        if (!CanFuse)
            throw new InvalidOperationException("A step with gradient clipping or L1 shrinkage cannot be fused into the backward pass: it needs the whole gradient first.");
        float lr = BeginExternalStep(parameterCount); // Sgd has no state to create first
        // The coefficients of Update below with gradientScale 1, to the bit.
        weightFactor = 1f - lr * L2;
        gradientFactor = -lr * 1f;
    }

    /// <summary>For generated code: ends a step begun by <see cref="BeginFusedStep"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void EndFusedStep() => EndSlicedStep();

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, int offset, T learningRate, T gradientScale, T l2)
        => VectorOps.ScaleAdd(parameters, T.One - learningRate * l2, gradients, -learningRate * gradientScale);
}
