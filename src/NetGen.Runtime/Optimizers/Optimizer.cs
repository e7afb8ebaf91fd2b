using System;
using System.Numerics;
using System.Runtime.InteropServices;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>
/// The shared part of every optimizer: checks the spans, takes the learning rate from the schedule, clips the
/// gradient by its global norm if asked, and walks the architecture's parameter ranges so that regularization
/// reaches weights only, never biases. A subclass implements one flat update over a range.
/// </summary>
public abstract class Optimizer : IOptimizer
{
    private readonly NetworkArchitecture _architecture;

    // Update<T> is a generic virtual method: every call through it pays a dispatch lookup (about 6 ns here, a sixth of a
    // small network's whole step). Delegates bound once resolve the override at creation and call it directly.
    private delegate void RangeUpdate<T>(Span<T> parameters, ReadOnlySpan<T> gradients, int offset, T learningRate, T gradientScale, T l2);
    private RangeUpdate<float>? _updateSingle;
    private RangeUpdate<double>? _updateDouble;

    /// <summary>Creates the optimizer for networks of <paramref name="architecture"/>.</summary>
    /// <param name="architecture">Tells weights from biases.</param>
    /// <param name="learningRate">The schedule μ(t).</param>
    /// <param name="l2">λ₂ ≥ 0: the L2 penalty λ₂/2·‖W‖² on weights.</param>
    /// <param name="l1">λ₁ ≥ 0: the L1 penalty λ₁·‖W‖₁ on weights, applied as a shrinkage step after the update.</param>
    /// <param name="clipNorm">When set, gradients whose global L2 norm exceeds it are scaled down to it.</param>
    protected Optimizer(NetworkArchitecture architecture, ILearningRateSchedule learningRate, float l2, float l1, float? clipNorm)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(learningRate);
        if (!(l2 >= 0f) || !float.IsFinite(l2)) throw new ArgumentOutOfRangeException(nameof(l2), l2, "λ₂ must be a non-negative finite number.");
        if (!(l1 >= 0f) || !float.IsFinite(l1)) throw new ArgumentOutOfRangeException(nameof(l1), l1, "λ₁ must be a non-negative finite number.");
        if (clipNorm is float c && !(c > 0f && float.IsFinite(c))) throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "The clipping norm must be a positive finite number.");
        _architecture = architecture;
        Schedule = learningRate;
        L2 = l2;
        L1 = l1;
        ClipNorm = clipNorm;
    }

    /// <summary>The architecture of a network handed to an optimizer's constructor.</summary>
    private protected static NetworkArchitecture ArchitectureOf(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Architecture;
    }

    /// <summary>The learning-rate schedule.</summary>
    public ILearningRateSchedule Schedule { get; }

    /// <summary>λ₂ (weights only).</summary>
    public float L2 { get; }

    /// <summary>λ₁ (weights only).</summary>
    public float L1 { get; }

    /// <summary>The global-norm clipping threshold, if any.</summary>
    public float? ClipNorm { get; }

    /// <summary>The global L2 norm of the last step's gradient, before clipping.</summary>
    public float LastGradientNorm { get; private set; }

    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public int Epoch { get; set; }

    /// <inheritdoc/>
    public float CurrentLearningRate => Schedule.GetLearningRate(StepCount, Epoch);

    /// <summary>Number of parameters this optimizer updates.</summary>
    protected int ParameterCount => _architecture.ParameterCount;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => StepCore(parameters, gradients);

    /// <inheritdoc/>
    public void Step(Span<double> parameters, ReadOnlySpan<double> gradients) => StepCore(parameters, gradients);

    private void StepCore<T>(Span<T> parameters, ReadOnlySpan<T> gradients) where T : struct, IFloatingPointIeee754<T>
    {
        CheckCount(parameters.Length, nameof(parameters));
        CheckCount(gradients.Length, nameof(gradients));
        T lr = T.CreateTruncating(StepLearningRate());
        T scale = T.One;
        if (ClipNorm is not null)
        {
            double norm = VectorOps.Norm(gradients);
            RecordGradientNorm(norm);
            scale = ClipScale<T>(norm);
        }
        BeginStep(StepCount + 1);
        T l2 = T.CreateTruncating(L2), l1 = T.CreateTruncating(L1);
        RangeUpdate<T> update = typeof(T) == typeof(float)
            ? (RangeUpdate<T>)(object)(_updateSingle ??= Update<float>)
            : (RangeUpdate<T>)(object)(_updateDouble ??= Update<double>);
        foreach (var (start, count, weights) in _architecture.ParameterRanges)
        {
            Span<T> p = parameters.Slice(start, count);
            update(p, gradients.Slice(start, count), start, lr, scale, weights ? l2 : T.Zero);
            if (weights && L1 > 0f) VectorOps.Shrink(p, lr * l1);
        }
        StepCount++;
    }

    /// <summary>
    /// Whether every update of a step is elementwise with coefficients fixed for the step, the L1 shrinkage included — no
    /// clipping by the global norm — as a fused step (<see cref="FusedStep"/>) and a step in independent slices
    /// (<see cref="DataParallel.TrainStep(ReadOnlySpan{float}, ReadOnlySpan{int}, IOptimizer)"/>) need.
    /// </summary>
    internal bool StepIsElementwise => ClipNorm is null;

    /// <summary>Starts a step whose updates then run as slices, possibly on several threads; returns its learning rate.</summary>
    internal float BeginSlicedStep(int parameterCount)
    {
        float lr = BeginExternalStep(parameterCount);
        // Create the state now, on one thread: slices must not race to allocate it.
        (_updateSingle ??= Update<float>)(Span<float>.Empty, ReadOnlySpan<float>.Empty, 0, lr, 1f, 0f);
        return lr;
    }

    /// <summary>Starts a step whose updates someone else performs (slices, or a fused backward pass); returns its learning rate. End it with <see cref="EndSlicedStep"/>.</summary>
    internal float BeginExternalStep(int parameterCount)
    {
        CheckCount(parameterCount, "parameters");
        float lr = StepLearningRate();
        BeginStep(StepCount + 1);
        return lr;
    }

    /// <summary>
    /// The factor of a gradient whose global norm is <paramref name="norm"/>: <c>ClipNorm / norm</c> above the clipping
    /// norm, 1 otherwise (and without clipping).
    /// </summary>
    internal T ClipScale<T>(double norm) where T : struct, IFloatingPointIeee754<T>
        => ClipNorm is float clip && norm > clip ? T.CreateTruncating(clip) / T.CreateTruncating(norm) : T.One;

    /// <summary>Records the norm of a clipped step's gradient as <see cref="LastGradientNorm"/>.</summary>
    internal void RecordGradientNorm(double norm) => LastGradientNorm = (float)norm;

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> of a weight or bias range of <paramref name="count"/>
    /// elements, as the parallel trainers share a range out for <see cref="UpdateSlice"/>: equal parts, each starting a
    /// whole multiple of 64 elements into the range (the last shorter, or empty).
    /// </summary>
    internal static (int From, int To) SliceOf(int count, int part, int parts)
    {
        int per = ((count + parts - 1) / parts + 63) & ~63;
        int from = Math.Min(count, part * per);
        return (from, Math.Min(count, from + per));
    }

    /// <summary>
    /// One slice of a step begun by <see cref="BeginSlicedStep"/>: exactly what <see cref="Step(Span{float}, ReadOnlySpan{float})"/>
    /// does to these elements, provided the slice starts a whole number of 64 elements into its weight or bias range and
    /// <paramref name="gradientScale"/> is <see cref="ClipScale{T}"/>'s factor for the whole gradient (1 without clipping).
    /// </summary>
    internal void UpdateSlice(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, bool weights, float learningRate, float gradientScale = 1f)
    {
        (_updateSingle ??= Update<float>)(parameters, gradients, offset, learningRate, gradientScale, weights ? L2 : 0f);
        if (weights && L1 > 0f) VectorOps.Shrink(parameters, learningRate * L1);
    }

    /// <summary>Ends a step begun by <see cref="BeginSlicedStep"/>.</summary>
    internal void EndSlicedStep() => StepCount++;

    /// <summary>Refuses parameters of another network, saying which network this optimizer was made for.</summary>
    private void CheckCount(int count, string paramName)
    {
        if (count != _architecture.ParameterCount)
            throw new ArgumentException($"This optimizer was created for {_architecture} ({_architecture.ParameterCount} parameters), but it was handed " +
                $"{count}. Create one optimizer per network, from that network (new Sgd(network, …)) or its Architecture.", paramName);
    }

    /// <summary>The schedule's rate for the step about to be taken, refused (before anything changes) unless finite and not negative.</summary>
    /// <exception cref="InvalidOperationException">The schedule gave NaN, an infinity or a negative rate.</exception>
    private float StepLearningRate()
    {
        float lr = CurrentLearningRate;
        if (!(lr >= 0f) || !float.IsFinite(lr))
            throw new InvalidOperationException($"The learning-rate schedule {Schedule} gave {lr} for step {StepCount + 1}; " +
                "a rate must be finite and not negative. No parameter was changed.");
        return lr;
    }

    /// <summary>Called once per step before the updates, with the 1-based number of the step being taken.</summary>
    protected virtual void BeginStep(long step)
    {
    }

    /// <summary>
    /// Updates one contiguous range of parameters. <paramref name="gradientScale"/> is the clipping factor;
    /// <paramref name="l2"/> is λ₂ for a weight range and 0 for a bias range; <paramref name="offset"/> locates the
    /// range's optimizer state (see <see cref="State{T}"/>).
    /// </summary>
    protected abstract void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, int offset, T learningRate, T gradientScale, T l2)
        where T : struct, IFloatingPointIeee754<T>;

    /// <summary>
    /// A slice of per-parameter optimizer state in the element type being stepped, allocated (zeroed) on the first
    /// step: an optimizer serves float networks or double networks, not both.
    /// </summary>
    /// <exception cref="InvalidOperationException">The state already exists in the other element type.</exception>
    protected Span<T> State<T>(ref Array? storage, int offset, int length) => StateArray<T>(ref storage, 1).AsSpan(offset, length);

    /// <summary>
    /// <paramref name="copies"/> values of per-parameter state for each parameter, one copy after another, in the element
    /// type being stepped, allocated (zeroed) on the first call.
    /// </summary>
    /// <exception cref="InvalidOperationException">The state already exists in the other element type.</exception>
    private protected T[] StateArray<T>(ref Array? storage, int copies)
    {
        storage ??= new T[copies * _architecture.ParameterCount];
        if (storage is not T[] typed)
            throw new InvalidOperationException($"This optimizer holds {storage.GetType().GetElementType()!.Name} state from earlier steps; it cannot step {typeof(T).Name} parameters. Create one optimizer per network.");
        return typed;
    }
}
