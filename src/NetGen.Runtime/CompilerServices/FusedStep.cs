using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.CompilerServices;

/// <summary>
/// For generated code: an optimizer step that a network performs inside its backward pass, element by element, so that
/// the gradient is never stored (<see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{int}, IOptimizer)"/>,
/// <see cref="ISplitTraining"/>). Two rules can be fused, both elementwise with coefficients fixed for the step:
/// <list type="bullet">
/// <item><see cref="Sgd"/>: <c>w ← WeightFactor·w + GradientFactor·∇w</c> for weights, <c>b ← b + GradientFactor·∇b</c> for biases;</item>
/// <item><see cref="NetGen.Momentum"/>: <c>g ← ∇ + L2·w</c> (L2 0 for biases), <c>v ← Momentum·v + g</c>,
/// <c>w ← w − LearningRate·v</c> (Nesterov: <c>w ← w − LearningRate·(Momentum·v + g)</c>), with the velocity at the
/// parameter's own index (<see cref="Velocity"/>).</item>
/// </list>
/// Each operation is the one the optimizer's own <c>Step</c> performs on the stored gradient, rounding included, so
/// the parameters come out with the same bits.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct FusedStep
{
    private readonly Optimizer? _optimizer;
    private readonly float[]? _velocity;

    private FusedStep(Optimizer optimizer, float[]? velocity, float weightFactor, float gradientFactor, float learningRate, float l2, float momentum, bool nesterov)
    {
        _optimizer = optimizer;
        _velocity = velocity;
        WeightFactor = weightFactor;
        GradientFactor = gradientFactor;
        LearningRate = learningRate;
        L2 = l2;
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>SGD: the factor of the weight, <c>1 − μ·λ₂</c>.</summary>
    public float WeightFactor { get; }

    /// <summary>SGD: the factor of the gradient, <c>−μ</c>.</summary>
    public float GradientFactor { get; }

    /// <summary>Momentum: the step's learning rate μ.</summary>
    public float LearningRate { get; }

    /// <summary>Momentum: λ₂ for weights (biases use 0).</summary>
    public float L2 { get; }

    /// <summary>Momentum: the momentum coefficient.</summary>
    public float Momentum { get; }

    /// <summary>Momentum: whether the step is Nesterov's.</summary>
    public bool Nesterov { get; }

    /// <summary>The SGD step as a kernel epilogue.</summary>
    public SgdUpdate Sgd => new(WeightFactor, GradientFactor);

    /// <summary>The momentum step as a kernel epilogue, its velocity at <see cref="Velocity"/>.</summary>
    public MomentumUpdate<float> MomentumUpdate => new(L2, Momentum, -LearningRate, Nesterov, 1f);

    /// <summary>Whether the step was begun by <see cref="Begin"/> (a default instance was not: it updates nothing).</summary>
    public bool IsBegun => _optimizer is not null;

    /// <summary>Whether this is a momentum step (it has a velocity); otherwise plain SGD.</summary>
    public bool HasVelocity => _velocity is not null;

    /// <summary>The velocity of parameter 0, laid out like the parameters; a null reference for SGD.</summary>
    public ref float Velocity => ref _velocity is null ? ref Unsafe.NullRef<float>() : ref MemoryMarshal.GetArrayDataReference(_velocity);

    /// <summary>Whether a step of <paramref name="optimizer"/> can be fused: a plain <see cref="Sgd"/> or <see cref="NetGen.Momentum"/> without gradient clipping or L1 shrinkage, which need the whole gradient first.</summary>
    public static bool CanFuse(IOptimizer optimizer) => optimizer switch
    {
        Sgd sgd => sgd.CanFuse,
        Momentum momentum => momentum.CanFuse,
        _ => false,
    };

    /// <summary>
    /// Begins the optimizer's step (its step count and learning rate advance as in <c>Step</c>); the caller then updates
    /// every parameter once by the rule above and calls <see cref="End"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The optimizer cannot be fused (<see cref="CanFuse"/>), or a momentum optimizer holds double state.</exception>
    /// <exception cref="ArgumentException"><paramref name="parameterCount"/> is not the optimizer's architecture's.</exception>
    public static FusedStep Begin(IOptimizer optimizer, int parameterCount)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!CanFuse(optimizer))
            throw new InvalidOperationException($"A {optimizer.GetType().Name} step cannot be fused into the backward pass: only Sgd and Momentum without gradient clipping or L1 shrinkage can (those need the whole gradient first).");
        if (optimizer is Momentum momentum)
        {
            float[] velocity = momentum.FusedVelocity(); // created here, on one thread, before any worker reads it
            float rate = momentum.BeginExternalStep(parameterCount);
            return new FusedStep(momentum, velocity, 0f, 0f, rate, momentum.L2, momentum.MomentumCoefficient, momentum.Nesterov);
        }
        var sgd = (Sgd)optimizer;
        float lr = sgd.BeginExternalStep(parameterCount);
        // The coefficients of Sgd.Update with gradientScale 1, to the bit.
        return new FusedStep(sgd, null, 1f - lr * sgd.L2, -lr * 1f, lr, sgd.L2, 0f, false);
    }

    /// <summary>Ends the step begun by <see cref="Begin"/>.</summary>
    public void End() => (_optimizer ?? throw new InvalidOperationException("This step was never begun.")).EndSlicedStep();
}
