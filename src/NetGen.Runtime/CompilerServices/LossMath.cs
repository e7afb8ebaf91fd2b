using System;
using System.ComponentModel;
using System.Numerics;

namespace NetGen.CompilerServices;

/// <summary>
/// Per-sample output activations, losses and output deltas, computed stably from the pre-activations
/// <c>z</c> of the last layer. Each function returns the sample's loss and writes
/// <c>delta = scale · ∂loss/∂z</c>, where <c>scale</c> is <c>1 / batch</c> so that the gradients are those of the mean loss.
/// These run once per sample over the output width, which is small next to the matrix products. Generic over the
/// element type (<c>float</c> or <c>double</c>), one compiled body per type.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LossMath
{
    private static T Half<T>() where T : IFloatingPointIeee754<T> => T.CreateTruncating(0.5);

    /// <summary>Stable softmax <c>p = exp(z − max z) / Σ exp(z − max z)</c>; returns <c>log Σ exp z</c>.</summary>
    public static T Softmax<T>(ReadOnlySpan<T> z, Span<T> p) where T : IFloatingPointIeee754<T>
    {
        if (p.Length != z.Length) throw new ArgumentException($"Expected {z.Length} outputs, got {p.Length}.", nameof(p));
        T max = T.NegativeInfinity;
        for (int j = 0; j < z.Length; j++) max = T.Max(max, z[j]);
        T sum = T.Zero;
        for (int j = 0; j < z.Length; j++)
        {
            T e = T.Exp(z[j] - max);
            p[j] = e;
            sum += e;
        }
        T inv = T.One / sum;
        for (int j = 0; j < z.Length; j++) p[j] *= inv;
        return max + T.Log(sum);
    }

    /// <summary>Cross-entropy of a softmax output with a class label: loss <c>log Σ exp z − z_y</c>, delta <c>p − onehot(y)</c>.</summary>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> p, T logSumExp, int label, Span<T> delta, T scale) where T : IFloatingPointIeee754<T>
    {
        for (int j = 0; j < p.Length; j++) delta[j] = p[j] * scale;
        delta[label] -= scale;
        return logSumExp - z[label];
    }

    /// <summary>Cross-entropy of a softmax output with a target distribution: loss <c>Σ y_j (log Σ exp z − z_j)</c>, delta <c>p·Σy − y</c>.</summary>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> p, T logSumExp, ReadOnlySpan<T> target, Span<T> delta, T scale) where T : IFloatingPointIeee754<T>
    {
        T loss = T.Zero, total = T.Zero;
        for (int j = 0; j < p.Length; j++)
        {
            loss += target[j] * (logSumExp - z[j]);
            total += target[j];
        }
        for (int j = 0; j < p.Length; j++) delta[j] = (p[j] * total - target[j]) * scale;
        return loss;
    }

    /// <summary>
    /// Binary cross-entropy of sigmoid outputs, summed over outputs: loss <c>Σ softplus(z) − y·z</c>
    /// (the stable form of <c>−[y log a + (1 − y) log(1 − a)]</c>), delta <c>a − y</c>.
    /// </summary>
    public static T BinaryCrossEntropy<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> target, Span<T> delta, T scale) where T : IFloatingPointIeee754<T>
    {
        T loss = T.Zero;
        for (int j = 0; j < z.Length; j++)
        {
            T zj = z[j];
            T softplus = T.Max(zj, T.Zero) + T.Log(T.One + T.Exp(-T.Abs(zj)));
            loss += softplus - target[j] * zj;
            delta[j] = (a[j] - target[j]) * scale;
        }
        return loss;
    }

    /// <summary>Mean squared error <c>½‖y − a‖²</c> through an elementwise activation: delta <c>(a − y)·f′(a)</c>.</summary>
    public static T MeanSquaredError<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> target, Activation activation, T slope, Span<T> delta, T scale) where T : IFloatingPointIeee754<T>
    {
        T loss = T.Zero;
        for (int j = 0; j < a.Length; j++)
        {
            T diff = a[j] - target[j];
            loss += Half<T>() * diff * diff;
            delta[j] = diff * ActivationMath.DerivativeFromOutput(activation, a[j], slope) * scale;
        }
        return loss;
    }

    /// <summary>Mean squared error of a softmax output: delta is the softmax Jacobian applied to <c>a − y</c>, <c>p_j((a − y)_j − Σ_k (a − y)_k p_k)</c>.</summary>
    public static T SoftmaxMeanSquaredError<T>(ReadOnlySpan<T> p, ReadOnlySpan<T> target, Span<T> delta, T scale) where T : IFloatingPointIeee754<T>
    {
        T loss = T.Zero, dot = T.Zero;
        for (int j = 0; j < p.Length; j++)
        {
            T diff = p[j] - target[j];
            loss += Half<T>() * diff * diff;
            dot += diff * p[j];
        }
        for (int j = 0; j < p.Length; j++) delta[j] = p[j] * (p[j] - target[j] - dot) * scale;
        return loss;
    }

    /// <summary>
    /// The class an output row predicts: the index of the largest output, or for a single output (trained on the
    /// labels 0 and 1 as its target) 1 when it is at least ½ and 0 otherwise.
    /// </summary>
    public static int PredictedClass<T>(ReadOnlySpan<T> output) where T : IFloatingPointIeee754<T>
        => output.Length == 1 ? (output[0] >= Half<T>() ? 1 : 0) : ArgMax(output);

    /// <summary>Index of the largest value (the first on ties).</summary>
    public static int ArgMax<T>(ReadOnlySpan<T> values) where T : IFloatingPointIeee754<T>
    {
        if (values.IsEmpty) throw new ArgumentException("Cannot take the argmax of an empty span.", nameof(values));
        int best = 0;
        T max = values[0];
        for (int j = 1; j < values.Length; j++)
        {
            if (values[j] > max)
            {
                max = values[j];
                best = j;
            }
        }
        return best;
    }
}
