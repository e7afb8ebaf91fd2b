using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// What a weight-gradient kernel does with each finished gradient block: its epilogue, in the manner of a BLIS or MLAS
/// micro-kernel whose finished tile is stored, accumulated or scaled. A kernel is written once, generic over the
/// epilogue (<c>where TUpdate : struct, IParameterUpdate&lt;T&gt;</c>); the JIT compiles one specialized copy per struct,
/// so the update costs what it would cost written inline.
/// </summary>
/// <remarks>
/// <para><c>w</c> and <c>b</c> arguments point at the parameters (or, for <see cref="StoreGradient{T}"/>, at the gradient
/// buffer); <c>v</c> arguments point at the same index in the optimizer's state laid out like the parameters
/// (the velocity of <see cref="MomentumUpdate{T}"/>), or are null references when the update keeps no state.</para>
/// <para>The members are instance members, not <c>static abstract</c> ones as in <c>TensorPrimitives</c>' operators:
/// an update carries coefficients fixed for one step (a learning rate, a momentum), which a kernel copies into
/// registers once.</para>
/// </remarks>
/// <typeparam name="T">The element type: float or double.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IParameterUpdate<T> where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>Updates the weights at <paramref name="w"/> + <paramref name="at"/> from their gradient.</summary>
    void Weight(ref T w, ref T v, nuint at, Vector512<T> gradient);

    /// <inheritdoc cref="Weight(ref T, ref T, nuint, Vector512{T})"/>
    void Weight(ref T w, ref T v, nuint at, Vector<T> gradient);

    /// <summary>Updates the weight <paramref name="w"/> from its gradient.</summary>
    void Weight(ref T w, ref T v, T gradient);

    /// <summary>
    /// Asks for a share of the cache lines that updates of a block will read or write, the block being
    /// <paramref name="rows"/> rows of <paramref name="elements"/> values from <paramref name="w"/> + <paramref name="at"/>,
    /// <paramref name="stride"/> apart (the weights, and the state at <paramref name="v"/> where the update keeps one):
    /// numbering its lines row by row, lines <paramref name="part"/>, <paramref name="part"/> + <paramref name="parts"/>,
    /// <paramref name="part"/> + 2·<paramref name="parts"/>, … (see <see cref="VectorOps.Prefetch{T}"/>). A hint a kernel
    /// gives one register block ahead, a share per row of the batch it sums over: it never faults and changes no value.
    /// </summary>
    void Prefetch(ref T w, ref T v, nuint at, int rows, int stride, int elements, int part, int parts);

    /// <summary>Updates the biases at <paramref name="b"/> + <paramref name="at"/> from their gradient (no weight decay).</summary>
    void Bias(ref T b, ref T v, nuint at, Vector512<T> gradient);

    /// <inheritdoc cref="Bias(ref T, ref T, nuint, Vector512{T})"/>
    void Bias(ref T b, ref T v, nuint at, Vector<T> gradient);

    /// <summary>Updates the bias <paramref name="b"/> from its gradient.</summary>
    void Bias(ref T b, ref T v, T gradient);
}

/// <summary>
/// The plain backward pass: stores the gradient, or adds it to the stored one when <see cref="Accumulate"/>
/// (a batch processed in chunks adds each chunk's gradient to the earlier chunks').
/// </summary>
/// <param name="Accumulate">Whether to add to the stored gradient instead of overwriting it.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct StoreGradient<T>(bool Accumulate) : IParameterUpdate<T>
    where T : struct, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, nuint at, Vector512<T> gradient)
        => (Accumulate ? gradient + Vector512.LoadUnsafe(ref w, at) : gradient).StoreUnsafe(ref w, at);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, nuint at, Vector<T> gradient)
        => (Accumulate ? gradient + Vector.LoadUnsafe(ref w, at) : gradient).StoreUnsafe(ref w, at);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, T gradient) => w = Accumulate ? w + gradient : gradient;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(ref T w, ref T v, nuint at, int rows, int stride, int elements, int part, int parts)
        => VectorOps.Prefetch(ref w, at, rows, stride, elements, part, parts);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, nuint at, Vector512<T> gradient) => Weight(ref b, ref v, at, gradient);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, nuint at, Vector<T> gradient) => Weight(ref b, ref v, at, gradient);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, T gradient) => Weight(ref b, ref v, gradient);
}

/// <summary>
/// <see cref="Sgd"/>'s step: <c>w ← WeightFactor·w + GradientFactor·∇w</c> (one fused multiply-add) for weights,
/// <c>b ← b + GradientFactor·∇b</c> for biases — the operations of <c>Sgd.Step</c> on a stored gradient, rounding included.
/// </summary>
/// <param name="WeightFactor"><c>1 − μ·λ₂</c>.</param>
/// <param name="GradientFactor"><c>−μ</c>.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct SgdUpdate(float WeightFactor, float GradientFactor) : IParameterUpdate<float>
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref float w, ref float v, nuint at, Vector512<float> gradient)
        => Vector512.FusedMultiplyAdd(Vector512.Create(WeightFactor), Vector512.LoadUnsafe(ref w, at), Vector512.Create(GradientFactor) * gradient)
            .StoreUnsafe(ref w, at);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref float w, ref float v, nuint at, Vector<float> gradient)
        => Vector.FusedMultiplyAdd(new Vector<float>(WeightFactor), Vector.LoadUnsafe(ref w, at), new Vector<float>(GradientFactor) * gradient)
            .StoreUnsafe(ref w, at);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref float w, ref float v, float gradient) => w = float.FusedMultiplyAdd(WeightFactor, w, GradientFactor * gradient);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(ref float w, ref float v, nuint at, int rows, int stride, int elements, int part, int parts)
        => VectorOps.Prefetch(ref w, at, rows, stride, elements, part, parts);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref float b, ref float v, nuint at, Vector512<float> gradient)
        => (Vector512.LoadUnsafe(ref b, at) + Vector512.Create(GradientFactor) * gradient).StoreUnsafe(ref b, at);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref float b, ref float v, nuint at, Vector<float> gradient)
        => (Vector.LoadUnsafe(ref b, at) + new Vector<float>(GradientFactor) * gradient).StoreUnsafe(ref b, at);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref float b, ref float v, float gradient) => b += GradientFactor * gradient;
}

/// <summary>
/// <see cref="Momentum"/>'s step, the one place its rule is written: <c>g ← ∇ + λ₂·w</c> (λ₂ = 0 for biases),
/// <c>v ← m·v + g</c>, <c>w ← w − μ·v</c>, or with Nesterov's look-ahead <c>w ← w − μ·(m·v + g)</c>; every operation
/// a fused multiply-add. <c>Momentum.Step</c> runs it over the stored gradient and generated kernels run it on each
/// gradient block in registers, so both give the same bits.
/// </summary>
/// <param name="L2">λ₂ for weights.</param>
/// <param name="Momentum">m, the momentum coefficient.</param>
/// <param name="NegativeRate">−μ, the step's learning rate negated.</param>
/// <param name="Nesterov">Whether the step is Nesterov's.</param>
/// <param name="GradientScale">The factor of the gradient (global-norm clipping); 1 for a fused step.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct MomentumUpdate<T>(T L2, T Momentum, T NegativeRate, bool Nesterov, T GradientScale) : IParameterUpdate<T>
    where T : struct, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, nuint at, Vector512<T> gradient) => Step(ref w, ref v, at, gradient, Vector512.Create(L2));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, nuint at, Vector<T> gradient) => Step(ref w, ref v, at, gradient, new Vector<T>(L2));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, T gradient) => Step(ref w, ref v, gradient, L2);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(ref T w, ref T v, nuint at, int rows, int stride, int elements, int part, int parts)
    {
        VectorOps.Prefetch(ref w, at, rows, stride, elements, part, parts);
        VectorOps.Prefetch(ref v, at, rows, stride, elements, part, parts);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, nuint at, Vector512<T> gradient) => Step(ref b, ref v, at, gradient, Vector512<T>.Zero);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, nuint at, Vector<T> gradient) => Step(ref b, ref v, at, gradient, Vector<T>.Zero);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, T gradient) => Step(ref b, ref v, gradient, T.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step(ref T w, ref T v, nuint at, Vector512<T> gradient, Vector512<T> l2)
    {
        Vector512<T> p = Vector512.LoadUnsafe(ref w, at);
        Vector512<T> mu = Vector512.Create(Momentum);
        Vector512<T> g = VectorMath.Fma(gradient, Vector512.Create(GradientScale), l2 * p);
        Vector512<T> velocity = VectorMath.Fma(mu, Vector512.LoadUnsafe(ref v, at), g);
        velocity.StoreUnsafe(ref v, at);
        VectorMath.Fma(Vector512.Create(NegativeRate), Nesterov ? VectorMath.Fma(mu, velocity, g) : velocity, p).StoreUnsafe(ref w, at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step(ref T w, ref T v, nuint at, Vector<T> gradient, Vector<T> l2)
    {
        Vector<T> p = Vector.LoadUnsafe(ref w, at);
        Vector<T> mu = new(Momentum);
        Vector<T> g = VectorMath.Fma(gradient, new Vector<T>(GradientScale), l2 * p);
        Vector<T> velocity = VectorMath.Fma(mu, Vector.LoadUnsafe(ref v, at), g);
        velocity.StoreUnsafe(ref v, at);
        VectorMath.Fma(new Vector<T>(NegativeRate), Nesterov ? VectorMath.Fma(mu, velocity, g) : velocity, p).StoreUnsafe(ref w, at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step(ref T w, ref T v, T gradient, T l2)
    {
        T p = w;
        T g = T.FusedMultiplyAdd(gradient, GradientScale, l2 * p);
        T velocity = T.FusedMultiplyAdd(Momentum, v, g);
        v = velocity;
        w = T.FusedMultiplyAdd(NegativeRate, Nesterov ? T.FusedMultiplyAdd(Momentum, velocity, g) : velocity, p);
    }
}

/// <summary>
/// <see cref="Adam"/>'s step (and <see cref="AdamW"/>'s), the one place its rule is written:
/// <c>g ← s·∇ + λ₂·w</c> (the coupled L2 term; 0 for biases and for AdamW), <c>m ← β₁·m + (1 − β₁)·g</c>,
/// <c>v ← β₂·v + (1 − β₂)·g²</c>, <c>w ← w·(1 − μ·λ) − μ·(m/c₁)/(√(v/c₂) + ε)</c> (λ AdamW's decoupled decay, weights only),
/// with the bias corrections' reciprocals <c>1/c₁</c>, <c>1/c₂</c> fixed for the step. A gradient or moment below 2⁻¹⁰⁰ is
/// taken as zero, and so is the square of a gradient below 2⁻⁵⁰, so the moments of a unit without gradient never pass
/// through the subnormal range. <c>Adam.Step</c> runs it over the stored gradient and generated kernels run it on each
/// gradient block in registers; every lane and the scalar form take the same operations, so both give the same bits.
/// </summary>
/// <remarks>
/// <para>The state at <c>v</c> holds the first moments; the second moments lie <see cref="SecondMoments"/> elements further on.</para>
/// <para>Every coefficient is computed once, in the constructor, and read from a field: a weight kernel finishes a block
/// of up to 24 gradient vectors at once, and with property getters and generic conversions in each copy of the rule the
/// JIT ran out of its inlining budget for the kernel partway through the block, left the rest as calls, and then spilled
/// every accumulator to the stack inside the kernel's inner loop (seen with `DOTNET_JitDisasm`; in a probe, the seed
/// network's fused Adam step at batch 64 took 1.9 ms that way against 1.4 ms now).</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct AdamUpdate<T> : IParameterUpdate<T>
    where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>Gradients and moments below this (2⁻¹⁰⁰) are taken as zero.</summary>
    private const double FlushBelow = 7.888609052210118e-31;

    /// <summary>A gradient below this (2⁻⁵⁰) adds no square to the second moment: from here on (1 − β₂)·g·g stays normal.</summary>
    private const double SquareFlushBelow = 8.881784197001252e-16;

    private readonly T _coupled, _weightFactor, _beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2, _epsilon, _correction1, _correction2;
    private readonly T _negativeRate, _gradientScale, _flush, _squareFlush;
    private readonly nuint _secondMoments;

    /// <summary>Creates the rule of one step.</summary>
    /// <param name="coupled">λ₂ in the gradient for weights (Adam); 0 for AdamW.</param>
    /// <param name="weightFactor"><c>1 − μ·λ</c> for weights (AdamW's decoupled decay); 1 for Adam.</param>
    /// <param name="beta1">β₁.</param>
    /// <param name="beta2">β₂.</param>
    /// <param name="epsilon">ε.</param>
    /// <param name="inverseCorrection1"><c>1/(1 − β₁ᵗ)</c>.</param>
    /// <param name="inverseCorrection2"><c>1/(1 − β₂ᵗ)</c>.</param>
    /// <param name="learningRate">μ, the step's learning rate.</param>
    /// <param name="gradientScale">The factor of the gradient (global-norm clipping); 1 for a fused step.</param>
    /// <param name="secondMoments">How far past a parameter's first moment its second moment lies.</param>
    public AdamUpdate(T coupled, T weightFactor, T beta1, T beta2, T epsilon, T inverseCorrection1, T inverseCorrection2,
        T learningRate, T gradientScale, nuint secondMoments)
    {
        _coupled = coupled;
        _weightFactor = weightFactor;
        _beta1 = beta1;
        _oneMinusBeta1 = T.One - beta1;
        _beta2 = beta2;
        _oneMinusBeta2 = T.One - beta2;
        _epsilon = epsilon;
        _correction1 = inverseCorrection1;
        _correction2 = inverseCorrection2;
        _negativeRate = -learningRate;
        _gradientScale = gradientScale;
        _flush = T.CreateTruncating(FlushBelow);
        _squareFlush = T.CreateTruncating(SquareFlushBelow);
        _secondMoments = secondMoments;
    }

    /// <summary>How far past a parameter's first moment its second moment lies.</summary>
    public nuint SecondMoments => _secondMoments;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, nuint at, Vector512<T> gradient)
        => Step(ref w, ref v, at, gradient, Vector512.Create(_coupled), Vector512.Create(_weightFactor));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, nuint at, Vector<T> gradient)
        => Step(ref w, ref v, at, gradient, new Vector<T>(_coupled), new Vector<T>(_weightFactor));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, T gradient) => Step(ref w, ref v, gradient, _coupled, _weightFactor);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(ref T w, ref T v, nuint at, int rows, int stride, int elements, int part, int parts)
    {
        VectorOps.Prefetch(ref w, at, rows, stride, elements, part, parts);
        VectorOps.Prefetch(ref v, at, rows, stride, elements, part, parts);
        VectorOps.Prefetch(ref v, at + _secondMoments, rows, stride, elements, part, parts);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, nuint at, Vector512<T> gradient) => Step(ref b, ref v, at, gradient, Vector512<T>.Zero, Vector512<T>.One);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, nuint at, Vector<T> gradient) => Step(ref b, ref v, at, gradient, Vector<T>.Zero, Vector<T>.One);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, T gradient) => Step(ref b, ref v, gradient, T.Zero, T.One);

    /// <summary>
    /// The step over <paramref name="length"/> parameters from <paramref name="w"/>, their gradients at <paramref name="g"/>
    /// and first moments at <paramref name="v"/>, as weights (λ₂ 0 for a bias range): whole <c>Vector512</c>s where they are
    /// accelerated, then whole vectors of <c>Vector&lt;T&gt;</c>, then one by one, the rule inlined. Every form takes the same
    /// operations per element, so where the loops end changes no bit, only the time (the seed network's <c>Adam.Step</c> of
    /// 397,510 parameters: 206–246 µs with <c>Vector512</c> against 280–349 with <c>Vector&lt;T&gt;</c>'s 256 bits, alternating).
    /// </summary>
    internal void Run(ref T w, ref T g, ref T v, int length)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<T> coupled512 = Vector512.Create(_coupled), weightFactor512 = Vector512.Create(_weightFactor);
            for (; i + Vector512<T>.Count <= length; i += Vector512<T>.Count)
                Step(ref w, ref v, (nuint)i, Vector512.LoadUnsafe(ref g, (nuint)i), coupled512, weightFactor512);
        }
        Vector<T> coupled = new(_coupled), weightFactor = new(_weightFactor);
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + Vector<T>.Count <= length; i += Vector<T>.Count)
                Step(ref w, ref v, (nuint)i, Vector.LoadUnsafe(ref g, (nuint)i), coupled, weightFactor);
        }
        for (; i < length; i++) Step(ref Unsafe.Add(ref w, i), ref Unsafe.Add(ref v, i), Unsafe.Add(ref g, i), _coupled, _weightFactor);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step(ref T w, ref T v, nuint at, Vector512<T> gradient, Vector512<T> coupled, Vector512<T> weightFactor)
    {
        Vector512<T> flush = Vector512.Create(_flush);
        Vector512<T> p = Vector512.LoadUnsafe(ref w, at);
        Vector512<T> g = VectorMath.Fma(gradient, Vector512.Create(_gradientScale), coupled * p);
        g = Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(g), flush), Vector512<T>.Zero, g);
        Vector512<T> gs = Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(g), Vector512.Create(_squareFlush)), Vector512<T>.Zero, g);
        Vector512<T> m = VectorMath.Fma(Vector512.Create(_beta1), Vector512.LoadUnsafe(ref v, at), Vector512.Create(_oneMinusBeta1) * g);
        Vector512<T> s = VectorMath.Fma(Vector512.Create(_beta2), Vector512.LoadUnsafe(ref v, at + _secondMoments), Vector512.Create(_oneMinusBeta2) * gs * gs);
        m = Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(m), flush), Vector512<T>.Zero, m);
        s = Vector512.ConditionalSelect(Vector512.LessThan(s, flush), Vector512<T>.Zero, s);
        m.StoreUnsafe(ref v, at);
        s.StoreUnsafe(ref v, at + _secondMoments);
        Vector512<T> step = m * Vector512.Create(_correction1) / (Vector512.Sqrt(s * Vector512.Create(_correction2)) + Vector512.Create(_epsilon));
        VectorMath.Fma(Vector512.Create(_negativeRate), step, p * weightFactor).StoreUnsafe(ref w, at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step(ref T w, ref T v, nuint at, Vector<T> gradient, Vector<T> coupled, Vector<T> weightFactor)
    {
        Vector<T> flush = new(_flush);
        Vector<T> p = Vector.LoadUnsafe(ref w, at);
        Vector<T> g = VectorMath.Fma(gradient, new Vector<T>(_gradientScale), coupled * p);
        g = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(g), flush), Vector<T>.Zero, g);
        Vector<T> gs = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(g), new Vector<T>(_squareFlush)), Vector<T>.Zero, g);
        Vector<T> m = VectorMath.Fma(new Vector<T>(_beta1), Vector.LoadUnsafe(ref v, at), new Vector<T>(_oneMinusBeta1) * g);
        Vector<T> s = VectorMath.Fma(new Vector<T>(_beta2), Vector.LoadUnsafe(ref v, at + _secondMoments), new Vector<T>(_oneMinusBeta2) * gs * gs);
        m = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(m), flush), Vector<T>.Zero, m);
        s = Vector.ConditionalSelect(Vector.LessThan(s, flush), Vector<T>.Zero, s);
        m.StoreUnsafe(ref v, at);
        s.StoreUnsafe(ref v, at + _secondMoments);
        Vector<T> step = m * new Vector<T>(_correction1) / (Vector.SquareRoot(s * new Vector<T>(_correction2)) + new Vector<T>(_epsilon));
        VectorMath.Fma(new Vector<T>(_negativeRate), step, p * weightFactor).StoreUnsafe(ref w, at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step(ref T w, ref T v, T gradient, T coupled, T weightFactor)
    {
        T p = w;
        T g = T.FusedMultiplyAdd(gradient, _gradientScale, coupled * p);
        if (T.Abs(g) < _flush) g = T.Zero;
        T gs = T.Abs(g) < _squareFlush ? T.Zero : g;
        T m = T.FusedMultiplyAdd(_beta1, v, _oneMinusBeta1 * g);
        ref T second = ref Unsafe.Add(ref v, _secondMoments);
        T s = T.FusedMultiplyAdd(_beta2, second, _oneMinusBeta2 * gs * gs);
        if (T.Abs(m) < _flush) m = T.Zero;
        if (s < _flush) s = T.Zero;
        v = m;
        second = s;
        T step = m * _correction1 / (T.Sqrt(s * _correction2) + _epsilon);
        w = T.FusedMultiplyAdd(_negativeRate, step, p * weightFactor);
    }
}

/// <summary>
/// An update followed by the optimizers' L1 shrinkage of each weight it wrote (<see cref="VectorOps.Shrink{T}(Span{T}, T)"/>
/// with <c>b = μ·λ₁</c>), biases left as the update leaves them: what <c>Optimizer.Step</c> does on a stored gradient
/// when λ₁ &gt; 0, element by element, so a kernel finishing a gradient block with it gives the parameters the same bits.
/// </summary>
/// <typeparam name="T">The element type: float or double.</typeparam>
/// <typeparam name="TUpdate">The optimizer's own update (<see cref="SgdUpdate"/>, <see cref="MomentumUpdate{T}"/>, <see cref="AdamUpdate{T}"/>).</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct ShrinkingUpdate<T, TUpdate> : IParameterUpdate<T>
    where T : struct, IFloatingPointIeee754<T>
    where TUpdate : struct, IParameterUpdate<T>
{
    private readonly TUpdate _update;
    private readonly T _threshold;

    /// <summary>Creates the update of one step.</summary>
    /// <param name="update">The update before shrinkage.</param>
    /// <param name="threshold">b = μ·λ₁, the step's learning rate times the L1 coefficient, rounded as the optimizer rounds it.</param>
    public ShrinkingUpdate(TUpdate update, T threshold)
    {
        _update = update;
        _threshold = threshold;
    }

    /// <summary>The update before shrinkage.</summary>
    public TUpdate Update => _update;

    /// <summary>b = μ·λ₁: weights move this far towards zero, never past it.</summary>
    public T Threshold => _threshold;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, nuint at, Vector512<T> gradient)
    {
        Unsafe.AsRef(in _update).Weight(ref w, ref v, at, gradient);
        Vector512<T> b = Vector512.Create(_threshold);
        VectorOps.Shrink(Vector512.LoadUnsafe(ref w, at), b, -b).StoreUnsafe(ref w, at);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, nuint at, Vector<T> gradient)
    {
        Unsafe.AsRef(in _update).Weight(ref w, ref v, at, gradient);
        Vector<T> b = new(_threshold);
        VectorOps.Shrink(Vector.LoadUnsafe(ref w, at), b, -b).StoreUnsafe(ref w, at);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, T gradient)
    {
        Unsafe.AsRef(in _update).Weight(ref w, ref v, gradient);
        w = VectorOps.Shrink(w, _threshold);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(ref T w, ref T v, nuint at, int rows, int stride, int elements, int part, int parts)
        => Unsafe.AsRef(in _update).Prefetch(ref w, ref v, at, rows, stride, elements, part, parts);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, nuint at, Vector512<T> gradient) => Unsafe.AsRef(in _update).Bias(ref b, ref v, at, gradient);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, nuint at, Vector<T> gradient) => Unsafe.AsRef(in _update).Bias(ref b, ref v, at, gradient);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, T gradient) => Unsafe.AsRef(in _update).Bias(ref b, ref v, gradient);
}

/// <summary>
/// Stores each finished gradient at the state's place (<c>v</c>), or adds it to the one stored there when
/// <see cref="Accumulate"/>, leaving the parameters alone: the first pass of a step that needs the whole gradient before
/// it updates anything (clipping by the gradient's global norm, or a batch of more than 256 rows taken in chunks), cut
/// across threads by the same phases as a fused step (<see cref="FusedStep.StoresGradient"/>). The same operations as
/// <see cref="StoreGradient{T}"/>, at the state's place instead of the parameters'.
/// </summary>
/// <param name="accumulate">Whether to add to the stored gradient instead of overwriting it.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct StoreGradientInState<T>(bool accumulate) : IParameterUpdate<T>
    where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>Whether each gradient is added to the stored one (a chunk after a batch's first) instead of overwriting it.</summary>
    public bool Accumulate { get; } = accumulate;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, nuint at, Vector512<T> gradient)
        => (Accumulate ? gradient + Vector512.LoadUnsafe(ref v, at) : gradient).StoreUnsafe(ref v, at);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, nuint at, Vector<T> gradient)
        => (Accumulate ? gradient + Vector.LoadUnsafe(ref v, at) : gradient).StoreUnsafe(ref v, at);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref T w, ref T v, T gradient) => v = Accumulate ? v + gradient : gradient;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(ref T w, ref T v, nuint at, int rows, int stride, int elements, int part, int parts)
        => VectorOps.Prefetch(ref v, at, rows, stride, elements, part, parts);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, nuint at, Vector512<T> gradient) => Weight(ref b, ref v, at, gradient);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, nuint at, Vector<T> gradient) => Weight(ref b, ref v, at, gradient);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref T b, ref T v, T gradient) => Weight(ref b, ref v, gradient);
}
