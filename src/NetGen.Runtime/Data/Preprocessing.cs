using System;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>
/// Standardization <c>x′ = (x − mean) / std</c> per feature, fitted on training data only and then applied unchanged
/// to validation and test data. Features whose standard deviation is below <see cref="MinimumStd"/> (Fashion-MNIST's
/// constant border pixels, for example) are only centered, so they become 0 rather than NaN.
/// </summary>
public sealed class Standardizer
{
    /// <summary>Standard deviations below this count as zero.</summary>
    public const float MinimumStd = 1e-6f;

    private readonly float[] _mean, _inverseStd;

    private Standardizer(float[] mean, float[] inverseStd)
    {
        _mean = mean;
        _inverseStd = inverseStd;
    }

    /// <summary>Per-feature means of the data it was fitted on.</summary>
    public ReadOnlySpan<float> Mean => _mean;

    /// <summary>Per-feature factors <c>1/std</c> (1 for constant features).</summary>
    public ReadOnlySpan<float> InverseStd => _inverseStd;

    /// <summary>Fits on a training set (two passes, in double).</summary>
    public static Standardizer Fit(Dataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        int d = train.FeatureCount;
        var sum = new double[d];
        ReadOnlySpan<float> x = train.Features;
        for (int s = 0; s < train.Count; s++)
            for (int j = 0; j < d; j++) sum[j] += x[s * d + j];
        var mean = new float[d];
        for (int j = 0; j < d; j++) mean[j] = (float)(sum[j] / train.Count);
        var sq = new double[d];
        for (int s = 0; s < train.Count; s++)
            for (int j = 0; j < d; j++)
            {
                double c = x[s * d + j] - mean[j];
                sq[j] += c * c;
            }
        var inv = new float[d];
        for (int j = 0; j < d; j++)
        {
            double std = Math.Sqrt(sq[j] / train.Count);
            inv[j] = std < MinimumStd ? 1f : (float)(1 / std);
        }
        return new Standardizer(mean, inv);
    }

    /// <summary>Returns a standardized copy of <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The feature count differs from the fitted one.</exception>
    public Dataset Transform(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.FeatureCount != _mean.Length)
            throw new ArgumentException($"The standardizer was fitted on {_mean.Length} features, but the data set has {data.FeatureCount}.", nameof(data));
        var features = data.Features.ToArray();
        int d = _mean.Length;
        for (int i = 0; i < features.Length; i++) features[i] = (features[i] - _mean[i % d]) * _inverseStd[i % d];
        return data.WithFeatures(features);
    }
}

/// <summary>Min-max scaling of each feature to [0, 1], fitted on training data only; constant features map to 0.</summary>
public sealed class MinMaxScaler
{
    private readonly float[] _min, _inverseRange;

    private MinMaxScaler(float[] min, float[] inverseRange)
    {
        _min = min;
        _inverseRange = inverseRange;
    }

    /// <summary>Fits on a training set.</summary>
    public static MinMaxScaler Fit(Dataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        int d = train.FeatureCount;
        var min = new float[d];
        var max = new float[d];
        Array.Fill(min, float.PositiveInfinity);
        Array.Fill(max, float.NegativeInfinity);
        ReadOnlySpan<float> x = train.Features;
        for (int i = 0; i < x.Length; i++)
        {
            min[i % d] = Math.Min(min[i % d], x[i]);
            max[i % d] = Math.Max(max[i % d], x[i]);
        }
        var inv = new float[d];
        for (int j = 0; j < d; j++) inv[j] = max[j] - min[j] > 0 ? 1f / (max[j] - min[j]) : 0f;
        return new MinMaxScaler(min, inv);
    }

    /// <summary>Returns a scaled copy; values outside the training range fall outside [0, 1].</summary>
    public Dataset Transform(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.FeatureCount != _min.Length)
            throw new ArgumentException($"The scaler was fitted on {_min.Length} features, but the data set has {data.FeatureCount}.", nameof(data));
        var features = data.Features.ToArray();
        int d = _min.Length;
        for (int i = 0; i < features.Length; i++) features[i] = (features[i] - _min[i % d]) * _inverseRange[i % d];
        return data.WithFeatures(features);
    }
}

/// <summary>One-hot encoding of class labels.</summary>
public static class OneHot
{
    /// <summary>Row-major <c>[labels.Length, classes]</c> targets with a 1 at each label.</summary>
    /// <exception cref="ArgumentException">A label is outside <c>[0, classes)</c>.</exception>
    public static float[] Encode(ReadOnlySpan<int> labels, int classes)
    {
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "There must be at least one class.");
        NetworkGuard.Labels(labels, labels.Length, classes, nameof(labels));
        var targets = new float[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++) targets[i * classes + labels[i]] = 1f;
        return targets;
    }
}
