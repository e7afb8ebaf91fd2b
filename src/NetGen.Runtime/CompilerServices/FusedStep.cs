using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.CompilerServices;

/// <summary>
/// For generated code: an optimizer step that a network performs inside its backward pass, element by element, so that
/// the gradient is never stored (<see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{int}, IOptimizer)"/>,
/// <see cref="ISplitTraining"/>). Three rules can be fused, all elementwise with coefficients fixed for the step:
/// <list type="bullet">
/// <item><see cref="NetGen.Sgd"/>: <c>w ← WeightFactor·w + GradientFactor·∇w</c> for weights, <c>b ← b + GradientFactor·∇b</c> for biases;</item>
/// <item><see cref="NetGen.Momentum"/>: <c>g ← ∇ + L2·w</c> (L2 0 for biases), <c>v ← Momentum·v + g</c>,
/// <c>w ← w − LearningRate·v</c> (Nesterov: <c>w ← w − LearningRate·(Momentum·v + g)</c>), with the velocity at the
/// parameter's own index in <see cref="State"/>;</item>
/// <item><see cref="NetGen.Adam"/> and <see cref="NetGen.AdamW"/>: <see cref="AdamUpdate{T}"/>, with the first moment at
/// the parameter's own index in <see cref="State"/> and the second a parameter count further on.</item>
/// </list>
/// With an L1 term (λ₁ &gt; 0) each rule is followed on weights by the shrinkage <c>w ← w − b·sign(w)</c>, never
/// crossing zero, <c>b = μ·λ₁</c> (<see cref="ShrinkingUpdate{T, TUpdate}"/>). Each operation is the one the optimizer's
/// own <c>Step</c> performs on the stored gradient, rounding included, so the parameters come out with the same bits.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct FusedStep
{
    private readonly Optimizer? _optimizer;
    private readonly float[]? _state;
    private readonly Rule _rule;
    private readonly bool _accumulate; // a stored gradient added to the one there (a chunk after a batch's first)

    private enum Rule { Sgd, Momentum, Adam, Store }

    private FusedStep(Optimizer optimizer, Rule rule, float[]? state, float weightFactor, float gradientFactor, float learningRate, float l2, float momentum, bool nesterov,
        AdamUpdate<float> adam = default, bool accumulate = false)
    {
        _accumulate = accumulate;
        Shrinks = rule != Rule.Store && optimizer.L1 > 0f; // a stored gradient is shrunk by its caller's update
        Shrinkage = learningRate * optimizer.L1; // the threshold Optimizer.Step computes, to the bit
        _optimizer = optimizer;
        _state = state;
        _rule = rule;
        WeightFactor = weightFactor;
        GradientFactor = gradientFactor;
        LearningRate = learningRate;
        L2 = l2;
        Momentum = momentum;
        Nesterov = nesterov;
        AdamUpdate = adam;
    }

    /// <summary>Whether the kernels run <see cref="MomentumUpdate"/>; with neither this nor <see cref="IsAdam"/>, <see cref="Sgd"/>.</summary>
    public bool IsMomentum => _rule == Rule.Momentum;

    /// <summary>Whether the kernels run <see cref="AdamUpdate"/>; with neither this nor <see cref="IsMomentum"/>, <see cref="Sgd"/>.</summary>
    public bool IsAdam => _rule == Rule.Adam;

    /// <summary>
    /// Whether the kernels store the gradient at <see cref="State"/> instead of updating (<see cref="GradientStore"/>): the
    /// first pass of a step that needs the whole gradient first, whose caller then updates from it
    /// (<see cref="StoreGradients"/>).
    /// </summary>
    public bool StoresGradient => _rule == Rule.Store;

    /// <summary>The gradient's store into <see cref="State"/>, for <see cref="StoresGradient"/>.</summary>
    public StoreGradientInState<float> GradientStore => new(_accumulate);

    /// <summary>SGD: the factor of the weight, <c>1 − μ·λ₂</c>.</summary>
    public float WeightFactor { get; }

    /// <summary>SGD: the factor of the gradient, <c>−μ</c>.</summary>
    public float GradientFactor { get; }

    /// <summary>The step's learning rate μ.</summary>
    public float LearningRate { get; }

    /// <summary>Momentum: λ₂ for weights (biases use 0).</summary>
    public float L2 { get; }

    /// <summary>Momentum: the momentum coefficient.</summary>
    public float Momentum { get; }

    /// <summary>Momentum: whether the step is Nesterov's.</summary>
    public bool Nesterov { get; }

    /// <summary>The SGD step as a kernel epilogue.</summary>
    public SgdUpdate Sgd => new(WeightFactor, GradientFactor);

    /// <summary>The momentum step as a kernel epilogue, its velocity at <see cref="State"/>.</summary>
    public MomentumUpdate<float> MomentumUpdate => new(L2, Momentum, -LearningRate, Nesterov, 1f);

    /// <summary>The Adam (or AdamW) step as a kernel epilogue, its moments at <see cref="State"/>; a default instance for other rules.</summary>
    public AdamUpdate<float> AdamUpdate { get; }

    /// <summary>
    /// Whether the optimizer has an L1 term, so that every weight is shrunk after its update: the kernels then take
    /// <see cref="ShrinkingSgd"/>, <see cref="ShrinkingMomentum"/> or <see cref="ShrinkingAdam"/>. (Even when
    /// <see cref="Shrinkage"/> rounds to zero the shrinkage runs, as in <c>Step</c>: it turns −0 and NaN into +0.)
    /// </summary>
    public bool Shrinks { get; }

    /// <summary>The step's L1 threshold <c>b = μ·λ₁</c>; 0 without an L1 term.</summary>
    public float Shrinkage { get; }

    /// <summary>The SGD step followed by the L1 shrinkage of weights.</summary>
    public ShrinkingUpdate<float, SgdUpdate> ShrinkingSgd => new(Sgd, Shrinkage);

    /// <summary>The momentum step followed by the L1 shrinkage of weights.</summary>
    public ShrinkingUpdate<float, MomentumUpdate<float>> ShrinkingMomentum => new(MomentumUpdate, Shrinkage);

    /// <summary>The Adam (or AdamW) step followed by the L1 shrinkage of weights.</summary>
    public ShrinkingUpdate<float, AdamUpdate<float>> ShrinkingAdam => new(AdamUpdate, Shrinkage);

    /// <summary>Whether the step was begun by <see cref="Begin"/> (a default instance was not: it updates nothing).</summary>
    public bool IsBegun => _optimizer is not null;

    /// <summary>The optimizer's state for parameter 0, laid out like the parameters (the velocity; Adam's first moments, then its second); a null reference for SGD, which keeps none.</summary>
    public ref float State => ref _state is null ? ref Unsafe.NullRef<float>() : ref MemoryMarshal.GetArrayDataReference(_state);

    /// <summary>
    /// Whether a step of <paramref name="optimizer"/> can be fused: a plain <see cref="NetGen.Sgd"/>, <see cref="NetGen.Momentum"/>,
    /// <see cref="NetGen.Adam"/> or <see cref="NetGen.AdamW"/> without gradient clipping, which needs the whole gradient's norm first
    /// (L1 shrinkage fuses: it is elementwise after the update).
    /// </summary>
    public static bool CanFuse(IOptimizer optimizer) => optimizer switch
    {
        NetGen.Sgd sgd => sgd.CanFuse,
        NetGen.Momentum momentum => momentum.CanFuse,
        Adam adam => adam.CanFuse,
        _ => false,
    };

    /// <summary>
    /// Whether a generated network's own <c>TrainStep</c> fuses a step of <paramref name="optimizer"/>: <see cref="CanFuse"/>,
    /// except for Adam and AdamW, which fuse only when <see cref="LayerParallel"/> cuts the layers across threads. On one
    /// thread their update runs as fast or faster from the stored gradient, in one pass over the parameters and moments,
    /// than inside the weight kernels, where a square root and a division per weight sit on each block's finish
    /// (docs/performance.md has the figures); across threads, fusing is what lets each core update only its own rows.
    /// Generated <c>TrainStep</c>s take <see cref="MomentumUpdate"/> when <see cref="IsMomentum"/> and <see cref="Sgd"/>
    /// otherwise: a rule added here must be added there too.
    /// </summary>
    public static bool FusesInTrainStep(IOptimizer optimizer) => optimizer is not Adam && CanFuse(optimizer);

    /// <summary>
    /// Begins the optimizer's step (its step count and learning rate advance as in <c>Step</c>); the caller then updates
    /// every parameter once by the rule above and calls <see cref="End"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The optimizer cannot be fused (<see cref="CanFuse"/>), or it holds double state.</exception>
    /// <exception cref="ArgumentException"><paramref name="parameterCount"/> is not the optimizer's architecture's.</exception>
    public static FusedStep Begin(IOptimizer optimizer, int parameterCount)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!CanFuse(optimizer))
            throw new InvalidOperationException($"A {optimizer.GetType().Name} step cannot be fused into the backward pass: only Sgd, Momentum, Adam and AdamW without gradient clipping can (clipping needs the whole gradient's norm first).");
        if (optimizer is NetGen.Momentum momentum)
        {
            float[] velocity = momentum.FusedVelocity(); // created here, on one thread, before any worker reads it
            float rate = momentum.BeginExternalStep(parameterCount);
            return new FusedStep(momentum, Rule.Momentum, velocity, 0f, 0f, rate, momentum.L2, momentum.MomentumCoefficient, momentum.Nesterov);
        }
        if (optimizer is Adam adam)
        {
            float[] moments = adam.FusedMoments(); // likewise
            float rate = adam.BeginExternalStep(parameterCount);
            return new FusedStep(adam, Rule.Adam, moments, 0f, 0f, rate, adam.L2, 0f, false, adam.RuleOf(rate, 1f, adam.L2));
        }
        var sgd = (NetGen.Sgd)optimizer;
        float lr = sgd.BeginExternalStep(parameterCount);
        // The coefficients of Sgd.Update with gradientScale 1, to the bit.
        return new FusedStep(sgd, Rule.Sgd, null, 1f - lr * sgd.L2, -lr * 1f, lr, sgd.L2, 0f, false);
    }

    /// <summary>
    /// A pass that stores the gradient into <paramref name="gradients"/>, laid out like the parameters, for a step of
    /// <paramref name="optimizer"/> its caller has begun (<see cref="Optimizer.BeginSlicedStep"/>) and then performs from
    /// the stored gradient: <see cref="End"/> ends that step. With <paramref name="accumulate"/>, the pass adds the
    /// gradient to the one stored there (a chunk of a batch after its first).
    /// </summary>
    internal static FusedStep StoreGradients(Optimizer optimizer, float[] gradients, bool accumulate = false)
        => new(optimizer, Rule.Store, gradients, 0f, 0f, 0f, 0f, 0f, false, accumulate: accumulate);

    /// <summary>Ends the step begun by <see cref="Begin"/> (or by the caller of <see cref="StoreGradients"/>).</summary>
    public void End() => (_optimizer ?? throw new InvalidOperationException("This step was never begun.")).EndSlicedStep();
}
