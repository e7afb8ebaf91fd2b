using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>
/// Adam (Kingma &amp; Ba): <c>m ← β₁m + (1 − β₁)g</c>, <c>v ← β₂v + (1 − β₂)g²</c>,
/// <c>θ ← θ − lr·m̂/(√v̂ + ε)</c> with bias-corrected <c>m̂, v̂</c>. With <see cref="DecoupledWeightDecay"/> off, the L2
/// term enters the gradient (<c>g = ∇ + λ₂·W</c>); on, it is AdamW's decoupled decay <c>θ ← θ − lr·λ₂·W</c>.
/// The moments are allocated once, on the first step.
/// </summary>
public class Adam : Optimizer
{
    // T[] of the element type stepped, allocated on the first step: every parameter's first moment, then every one's
    // second. Values below 2⁻¹⁰⁰ (a gradient, a moment) are taken as zero, and so is the square of a gradient below
    // 2⁻⁵⁰ (AdamUpdate): they cannot change a float step (ε = 1e-8 bounds the denominator; √2⁻¹⁰⁰ is 10⁻⁷ of it), and
    // without that a unit whose gradient stays zero decays its moments through the subnormal range, where Intel
    // processors take a microcode assist per operation: the convolutional network's one-image Adam step on a memorized
    // image took about 5 ms there against 0.8–1.1 after (`./build.sh peers cnn`, this project's Emerald Rapids Xeon).
    // .NET has no flush-to-zero mode to set instead.
    private Array? _moments;
    private double _correction1, _correction2;

    /// <summary>Creates the optimizer.</summary>
    public Adam(NetworkArchitecture architecture, ILearningRateSchedule learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f,
        float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(architecture, learningRate, beta1, beta2, epsilon, l2, l1, clipNorm, decoupled: false)
    {
    }

    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number, or another argument is out of range.</exception>
    public Adam(NetworkArchitecture architecture, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(architecture, new ConstantLearningRate(learningRate), beta1, beta2, epsilon, l2, l1, clipNorm)
    {
    }

    /// <summary>Creates the optimizer for <paramref name="network"/>'s architecture, with a constant learning rate.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number, or another argument is out of range.</exception>
    public Adam(INetwork network, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(ArchitectureOf(network), new ConstantLearningRate(learningRate), beta1, beta2, epsilon, l2, l1, clipNorm)
    {
    }

    /// <summary>Creates the optimizer for <paramref name="network"/>'s architecture.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="learningRate"/> is null.</exception>
    public Adam(INetwork network, ILearningRateSchedule learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float l2 = 0f, float l1 = 0f, float? clipNorm = null)
        : this(ArchitectureOf(network), learningRate, beta1, beta2, epsilon, l2, l1, clipNorm)
    {
    }

    /// <summary>For <see cref="AdamW"/>.</summary>
    protected Adam(NetworkArchitecture architecture, ILearningRateSchedule learningRate, float beta1, float beta2, float epsilon,
        float l2, float l1, float? clipNorm, bool decoupled)
        : base(architecture, learningRate, l2, l1, clipNorm)
    {
        if (!(beta1 >= 0f && beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must lie in [0, 1).");
        if (!(beta2 >= 0f && beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must lie in [0, 1).");
        if (!(epsilon > 0f) || !float.IsFinite(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be a positive finite number.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        DecoupledWeightDecay = decoupled;
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
        _correction1 = 1 - Math.Pow(Beta1, step);
        _correction2 = 1 - Math.Pow(Beta2, step);
    }

    /// <summary>
    /// Whether a step is elementwise with coefficients fixed for the step — no clipping by the global norm (an L1
    /// shrinkage is elementwise after the update), and the rule this class (or <see cref="AdamW"/>) defines, not a
    /// subclass's — so that a generated network may fuse it into its backward pass (<see cref="FusedStep"/>).
    /// </summary>
    public bool CanFuse => StepIsElementwise && (GetType() == typeof(Adam) || GetType() == typeof(AdamW));

    /// <summary>The float moments of every parameter, created (zeroed) on first use, for a fused step: the first moments, then the second.</summary>
    /// <exception cref="InvalidOperationException">This optimizer holds double state from earlier steps.</exception>
    internal float[] FusedMoments() => StateArray<float>(ref _moments, 2);

    /// <summary>The rule of the step begun with <paramref name="learningRate"/>, for a range whose λ₂ is <paramref name="l2"/> (0 for biases).</summary>
    internal AdamUpdate<T> RuleOf<T>(T learningRate, T gradientScale, T l2) where T : struct, IFloatingPointIeee754<T>
        => new(DecoupledWeightDecay ? T.Zero : l2, T.One - (DecoupledWeightDecay ? learningRate * l2 : T.Zero),
            T.CreateTruncating(Beta1), T.CreateTruncating(Beta2), T.CreateTruncating(Epsilon),
            T.One / T.CreateTruncating(_correction1), T.One / T.CreateTruncating(_correction2), learningRate, gradientScale, (nuint)ParameterCount);

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, int offset, T learningRate, T gradientScale, T l2)
    {
        // The rule lives in AdamUpdate, which fused steps run in generated kernels too: both give the same bits. Every
        // element past the last whole vector takes the same operations, wherever the vector loop ends. A range may be
        // empty (BeginSlicedStep creates the state that way): its references are then never read.
        T[] moments = StateArray<T>(ref _moments, 2);
        ref T s = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(moments), offset);
        RuleOf(learningRate, gradientScale, l2).Run(ref MemoryMarshal.GetReference(parameters), ref MemoryMarshal.GetReference(gradients), ref s, parameters.Length);
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

    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number, or another argument is out of range.</exception>
    public AdamW(NetworkArchitecture architecture, float learningRate, float weightDecay = 0.01f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float l1 = 0f, float? clipNorm = null)
        : this(architecture, new ConstantLearningRate(learningRate), weightDecay, beta1, beta2, epsilon, l1, clipNorm)
    {
    }

    /// <summary>Creates the optimizer for <paramref name="network"/>'s architecture, with a constant learning rate.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number, or another argument is out of range.</exception>
    public AdamW(INetwork network, float learningRate, float weightDecay = 0.01f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float l1 = 0f, float? clipNorm = null)
        : this(ArchitectureOf(network), new ConstantLearningRate(learningRate), weightDecay, beta1, beta2, epsilon, l1, clipNorm)
    {
    }

    /// <summary>Creates the optimizer for <paramref name="network"/>'s architecture.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="learningRate"/> is null.</exception>
    public AdamW(INetwork network, ILearningRateSchedule learningRate, float weightDecay = 0.01f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float l1 = 0f, float? clipNorm = null)
        : this(ArchitectureOf(network), learningRate, weightDecay, beta1, beta2, epsilon, l1, clipNorm)
    {
    }
}
