using System;

namespace NetGen.Kernels;

/// <summary>
/// Per-sample output activations, losses and output deltas, computed stably from the pre-activations
/// <c>z</c> of the last layer. Each function returns the sample's loss and writes
/// <c>delta = scale · ∂loss/∂z</c>, where <c>scale</c> is <c>1 / batch</c> so that the gradients are those of the mean loss.
/// These run once per sample over the output width, which is small next to the matrix products.
/// </summary>
public static class LossMath
{
    /// <summary>Stable softmax <c>p = exp(z − max z) / Σ exp(z − max z)</c>; returns <c>log Σ exp z</c>.</summary>
    public static float Softmax(ReadOnlySpan<float> z, Span<float> p)
    {
        if (p.Length != z.Length) throw new ArgumentException($"Expected {z.Length} outputs, got {p.Length}.", nameof(p));
        float max = float.NegativeInfinity;
        for (int j = 0; j < z.Length; j++) max = MathF.Max(max, z[j]);
        float sum = 0f;
        for (int j = 0; j < z.Length; j++)
        {
            float e = MathF.Exp(z[j] - max);
            p[j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int j = 0; j < z.Length; j++) p[j] *= inv;
        return max + MathF.Log(sum);
    }

    /// <summary>Cross-entropy of a softmax output with a class label: loss <c>log Σ exp z − z_y</c>, delta <c>p − onehot(y)</c>.</summary>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> z, ReadOnlySpan<float> p, float logSumExp, int label, Span<float> delta, float scale)
    {
        for (int j = 0; j < p.Length; j++) delta[j] = p[j] * scale;
        delta[label] -= scale;
        return logSumExp - z[label];
    }

    /// <summary>Cross-entropy of a softmax output with a target distribution: loss <c>Σ y_j (log Σ exp z − z_j)</c>, delta <c>p·Σy − y</c>.</summary>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> z, ReadOnlySpan<float> p, float logSumExp, ReadOnlySpan<float> target, Span<float> delta, float scale)
    {
        float loss = 0f, total = 0f;
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
    public static float BinaryCrossEntropy(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> target, Span<float> delta, float scale)
    {
        float loss = 0f;
        for (int j = 0; j < z.Length; j++)
        {
            float zj = z[j];
            float softplus = MathF.Max(zj, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(zj)));
            loss += softplus - target[j] * zj;
            delta[j] = (a[j] - target[j]) * scale;
        }
        return loss;
    }

    /// <summary>Mean squared error <c>½‖y − a‖²</c> through an elementwise activation: delta <c>(a − y)·f′(a)</c>.</summary>
    public static float MeanSquaredError(ReadOnlySpan<float> a, ReadOnlySpan<float> target, Activation activation, float slope, Span<float> delta, float scale)
    {
        float loss = 0f;
        for (int j = 0; j < a.Length; j++)
        {
            float diff = a[j] - target[j];
            loss += 0.5f * diff * diff;
            delta[j] = diff * ActivationMath.DerivativeFromOutput(activation, a[j], slope) * scale;
        }
        return loss;
    }

    /// <summary>Mean squared error of a softmax output: delta is the softmax Jacobian applied to <c>a − y</c>, <c>p_j((a − y)_j − Σ_k (a − y)_k p_k)</c>.</summary>
    public static float SoftmaxMeanSquaredError(ReadOnlySpan<float> p, ReadOnlySpan<float> target, Span<float> delta, float scale)
    {
        float loss = 0f, dot = 0f;
        for (int j = 0; j < p.Length; j++)
        {
            float diff = p[j] - target[j];
            loss += 0.5f * diff * diff;
            dot += diff * p[j];
        }
        for (int j = 0; j < p.Length; j++) delta[j] = p[j] * (p[j] - target[j] - dot) * scale;
        return loss;
    }

    /// <summary>Index of the largest value (the first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) throw new ArgumentException("Cannot take the argmax of an empty span.", nameof(values));
        int best = 0;
        float max = values[0];
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
