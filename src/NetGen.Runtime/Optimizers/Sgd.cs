using System;
using NetGen.Kernels;

namespace NetGen;

/// <summary>
/// Stochastic gradient descent as the lecture notes give it, online (batch 1), minibatch or full batch depending
/// on the batch the gradients came from: <c>W ← W − μ(t)·(∇W + λ₂·W) </c> then L1 shrinkage by <c>μ(t)·λ₁</c>,
/// and <c>b ← b − μ(t)·∇b</c>: regularization touches weights only, never biases.
/// </summary>
public sealed class Sgd : IOptimizer
{
    private readonly NetworkArchitecture _architecture;

    /// <summary>Creates the optimizer for networks of <paramref name="architecture"/>.</summary>
    /// <param name="architecture">Tells weights from biases.</param>
    /// <param name="learningRate">The schedule μ(t).</param>
    /// <param name="l2">λ₂ ≥ 0, the L2 weight-decay coefficient (the penalty is λ₂/2·‖W‖²).</param>
    /// <param name="l1">λ₁ ≥ 0, the L1 coefficient (the penalty is λ₁·‖W‖₁).</param>
    public Sgd(NetworkArchitecture architecture, ILearningRateSchedule learningRate, float l2 = 0f, float l1 = 0f)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(learningRate);
        if (!(l2 >= 0f) || !float.IsFinite(l2)) throw new ArgumentOutOfRangeException(nameof(l2), l2, "λ₂ must be a non-negative finite number.");
        if (!(l1 >= 0f) || !float.IsFinite(l1)) throw new ArgumentOutOfRangeException(nameof(l1), l1, "λ₁ must be a non-negative finite number.");
        _architecture = architecture;
        Schedule = learningRate;
        L2 = l2;
        L1 = l1;
    }

    /// <summary>The learning-rate schedule.</summary>
    public ILearningRateSchedule Schedule { get; }

    /// <summary>λ₂.</summary>
    public float L2 { get; }

    /// <summary>λ₁.</summary>
    public float L1 { get; }

    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public int Epoch { get; set; }

    /// <inheritdoc/>
    public float CurrentLearningRate => Schedule.GetLearningRate(StepCount, Epoch);

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        NetworkGuard.Length(parameters.Length, _architecture.ParameterCount, nameof(parameters));
        NetworkGuard.Length(gradients.Length, _architecture.ParameterCount, nameof(gradients));
        float lr = CurrentLearningRate;
        foreach (LayerDescription layer in _architecture.Layers)
        {
            Span<float> w = parameters.Slice(layer.WeightOffset, layer.WeightCount);
            VectorOps.ScaleAdd(w, 1f - lr * L2, gradients.Slice(layer.WeightOffset, layer.WeightCount), -lr);
            if (L1 > 0f) VectorOps.Shrink(w, lr * L1);
            VectorOps.ScaleAdd(parameters.Slice(layer.BiasOffset, layer.BiasCount), 1f, gradients.Slice(layer.BiasOffset, layer.BiasCount), -lr);
        }
        StepCount++;
    }
}
