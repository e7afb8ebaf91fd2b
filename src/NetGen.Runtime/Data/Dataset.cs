using System;
using System.IO;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>
/// Samples held as one row-major feature matrix <c>[Count, FeatureCount]</c> and, per sample, either a class label
/// (classification: <see cref="Labels"/>) or a row of target values (regression and multi-output networks:
/// <see cref="Targets"/>, <c>[Count, TargetCount]</c>). Minibatches are drawn through <see cref="MinibatchSampler"/>.
/// </summary>
public sealed class Dataset
{
    private readonly float[] _features;
    private readonly int[]? _labels;
    private readonly float[]? _targets;

    /// <summary>The most classes a data set may have (2²⁰): a label beyond it is a mistake in the data, not a class.</summary>
    public const int MaxClassCount = 1 << 20;

    /// <summary>Samples with class labels; wraps the arrays (not copied).</summary>
    /// <exception cref="ArgumentException">The lengths disagree, or a label is outside <c>[0, classCount)</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">No feature, or a class count outside 1 to <see cref="MaxClassCount"/>.</exception>
    public Dataset(float[] features, int[] labels, int featureCount, int classCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (featureCount <= 0) throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "Samples need at least one feature.");
        if (classCount <= 0 || classCount > MaxClassCount)
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, $"Expected 1 to {MaxClassCount} classes.");
        if ((long)labels.Length * featureCount != features.Length)
            throw new ArgumentException($"Expected {labels.Length} samples × {featureCount} features = {(long)labels.Length * featureCount} values, but got {features.Length}.", nameof(features));
        NetworkGuard.Labels(labels, labels.Length, classCount, nameof(labels));
        _features = features;
        _labels = labels;
        Count = labels.Length;
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    /// <summary>
    /// Samples with target values, for regression and multi-output networks; wraps the arrays (not copied). The
    /// number of samples is <c>features.Length / featureCount</c>, and each has <c>targets.Length / Count</c> targets.
    /// </summary>
    /// <example><c>new Dataset(x, y, featureCount: 1)</c> for one input and one output per sample.</example>
    /// <exception cref="ArgumentException">The arrays do not hold a whole number of samples, or hold a different number.</exception>
    public Dataset(float[] features, float[] targets, int featureCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        if (featureCount <= 0) throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "Samples need at least one feature.");
        if (features.Length % featureCount != 0)
            throw new ArgumentException($"Expected a whole number of samples of {featureCount} features, but got {features.Length} values.", nameof(features));
        int count = features.Length / featureCount;
        bool fits = count == 0 ? targets.Length == 0 : targets.Length > 0 && targets.Length % count == 0;
        if (!fits)
            throw new ArgumentException($"Expected the same number of target rows as the {count} samples, but {targets.Length} targets do not divide into {count} rows.", nameof(targets));
        _features = features;
        _targets = targets;
        Count = count;
        FeatureCount = featureCount;
        TargetCount = count == 0 ? 0 : targets.Length / count;
    }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Values per sample.</summary>
    public int FeatureCount { get; }

    /// <summary>Whether the samples carry class labels (otherwise target values).</summary>
    public bool HasLabels => _labels is not null;

    /// <summary>Number of classes, labels lying in <c>[0, ClassCount)</c>; 0 for a data set of targets.</summary>
    public int ClassCount { get; }

    /// <summary>Targets per sample; 0 for a data set of labels.</summary>
    public int TargetCount { get; }

    /// <summary>All features, row-major.</summary>
    public ReadOnlySpan<float> Features => _features;

    /// <summary>All labels (empty for a data set of targets).</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>All targets, row-major <c>[Count, TargetCount]</c> (empty for a data set of labels).</summary>
    public ReadOnlySpan<float> Targets => _targets;

    /// <summary>The features of one sample.</summary>
    public ReadOnlySpan<float> GetFeatures(int index) => _features.AsSpan(index * FeatureCount, FeatureCount);

    /// <summary>The targets of one sample (empty for a data set of labels).</summary>
    public ReadOnlySpan<float> GetTargets(int index) => _targets is null ? default : _targets.AsSpan(index * TargetCount, TargetCount);

    /// <summary>The same samples with other features (of the same width), labels or targets kept.</summary>
    internal Dataset WithFeatures(float[] features)
        => _labels is not null ? new Dataset(features, Labels.ToArray(), FeatureCount, ClassCount) : new Dataset(features, Targets.ToArray(), FeatureCount);

    /// <summary>The samples <paramref name="indices"/> (copied), for example one side of a split.</summary>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        var features = new float[(long)indices.Length * FeatureCount];
        for (int i = 0; i < indices.Length; i++) GetFeatures(indices[i]).CopyTo(features.AsSpan(i * FeatureCount));
        if (_labels is null)
        {
            var targets = new float[(long)indices.Length * TargetCount];
            for (int i = 0; i < indices.Length; i++) GetTargets(indices[i]).CopyTo(targets.AsSpan(i * TargetCount));
            return new Dataset(features, targets, FeatureCount);
        }
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++) labels[i] = _labels[indices[i]];
        return new Dataset(features, labels, FeatureCount, ClassCount);
    }

    /// <summary>
    /// Splits off a seeded random <paramref name="validationFraction"/> of the samples (the notes use 0.2, an 80/20 split).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction leaves either side empty.</exception>
    public (Dataset Train, Dataset Validation) Split(double validationFraction, int seed)
    {
        int validation = (int)Math.Round(Count * validationFraction);
        if (!(validationFraction > 0 && validationFraction < 1) || validation == 0 || validation == Count)
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, $"The fraction must leave both sides of the {Count} samples non-empty.");
        var order = new int[Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        new Xoshiro256(unchecked((ulong)seed)).Shuffle(order.AsSpan());
        return (Subset(order.AsSpan(validation)), Subset(order.AsSpan(0, validation)));
    }

    /// <summary>
    /// Loads an IDX image file and an IDX label file (MNIST layout), scaling pixels to [0, 1].
    /// </summary>
    /// <param name="imagesPath">The images: count × rows × columns (or count × values) unsigned bytes.</param>
    /// <param name="labelsPath">The labels: one unsigned byte per image.</param>
    /// <param name="classCount">Number of classes; every label must be below it.</param>
    /// <param name="maxElements">The most values either file may hold, checked before anything is allocated (<see cref="IdxReader.DefaultMaxElements"/>).</param>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="IOException">A path is a folder.</exception>
    /// <exception cref="InvalidDataFileException">A file is corrupt or larger than the limit, or images and labels disagree.</exception>
    public static Dataset FromIdx(string imagesPath, string labelsPath, int classCount = 10, long maxElements = IdxReader.DefaultMaxElements)
    {
        IdxTensor images = IdxReader.Read(imagesPath, maxElements);
        IdxTensor labels = IdxReader.Read(labelsPath, maxElements);
        if (labels.Dimensions.Length != 1)
            throw new InvalidDataFileException(labelsPath, $"a label file has one dimension, found {labels.Dimensions.Length}.");
        if (images.Count != labels.Count)
            throw new InvalidDataFileException(labelsPath, $"holds {labels.Count} labels but {imagesPath} holds {images.Count} images.");

        var features = new float[images.Data.Length];
        const float scale = 1f / 255f;
        for (int i = 0; i < features.Length; i++) features[i] = images.Data[i] * scale;
        var y = new int[labels.Count];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = labels.Data[i];
            if (y[i] >= classCount)
                throw new InvalidDataFileException(labelsPath, $"label {y[i]} at index {i} is outside [0, {classCount}).");
        }
        return new Dataset(features, y, images.ItemSize, classCount);
    }
}

/// <summary>Draws shuffled minibatches from a <see cref="Dataset"/> into reusable buffers: seeded, and allocation-free per batch.</summary>
public sealed class MinibatchSampler
{
    private readonly Dataset _data;
    private readonly int[] _order;
    private float[] _features; // the current batch's features
    private float[]? _ahead;   // a second buffer: rows of the next batch, copied while the current one trains
    private int _aheadIndex = -1;
    private object? _aheadOwner;
    private long _shuffles, _aheadShuffles;
    private readonly int[] _labels;
    private readonly float[] _targets;
    private Xoshiro256 _rng;

    /// <summary>Creates a sampler of batches of <paramref name="batchSize"/> (the last batch of an epoch may be smaller).</summary>
    public MinibatchSampler(Dataset data, int batchSize, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        _data = data;
        BatchSize = Math.Max(1, Math.Min(batchSize, data.Count));
        _order = new int[data.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        _features = new float[BatchSize * data.FeatureCount];
        _labels = new int[data.HasLabels ? BatchSize : 0];
        _targets = new float[data.HasLabels ? 0 : BatchSize * data.TargetCount];
        _rng = new Xoshiro256(unchecked((ulong)seed));
    }

    /// <summary>Samples per full batch.</summary>
    public int BatchSize { get; }

    /// <summary>Features per sample.</summary>
    internal int FeatureCount => _data.FeatureCount;

    /// <summary>Whether the batches hold class labels (or targets).</summary>
    internal bool HasLabels => _data.HasLabels;

    /// <summary>Batches per epoch.</summary>
    public int BatchesPerEpoch => (_data.Count + BatchSize - 1) / BatchSize;

    /// <summary>Reshuffles the sample order for a new epoch.</summary>
    public void Shuffle()
    {
        _shuffles++;
        _rng.Shuffle(_order.AsSpan());
    }

    /// <summary>Copies batch <paramref name="index"/> of the current order into the buffers and returns views of them.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a batch of the epoch.</exception>
    public Minibatch GetBatch(int index)
    {
        int count = BeginBatch(index);
        CopyFeatures(index, 0, count);
        return View(count);
    }

    /// <summary>Copies the labels or targets of batch <paramref name="index"/> and returns its row count; the features follow with <see cref="CopyFeatures"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a batch of the epoch.</exception>
    internal int BeginBatch(int index)
    {
        if ((uint)index >= (uint)BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {BatchesPerEpoch} batches per epoch.");
        int start = index * BatchSize;
        int count = Math.Min(BatchSize, _data.Count - start);
        int targets = _data.TargetCount;
        for (int i = 0; i < count; i++)
        {
            int sample = _order[start + i];
            if (_data.HasLabels) _labels[i] = _data.Labels[sample];
            else _data.GetTargets(sample).CopyTo(_targets.AsSpan(i * targets, targets));
        }
        return count;
    }

    /// <summary>
    /// Copies the features of rows [<paramref name="lo"/>, <paramref name="hi"/>) of batch <paramref name="index"/>: the
    /// threads of a step cut across them (<see cref="LayerParallel"/>) each copy their rows.
    /// </summary>
    /// <returns>Whether every value copied is finite (checked as it is copied).</returns>
    internal bool CopyFeatures(int index, int lo, int hi)
    {
        bool finite = true;
        for (int i = lo; i < hi; i++) finite &= CopyRow(_features, index, i);
        return finite;
    }

    /// <summary>
    /// Readies the second buffer for rows of batch <paramref name="index"/> of the current order, which
    /// <paramref name="owner"/> copies there (<see cref="CopyRow"/>) while the batch before it trains; <see cref="TakeAhead"/>
    /// makes it the current buffer when that batch's step begins.
    /// </summary>
    /// <returns>The buffer, or null when <paramref name="index"/> is past the epoch's last batch or is a batch of one row
    /// (which <see cref="LayerParallel"/> steps on the calling thread, from <see cref="GetBatch"/>).</returns>
    internal float[]? PrepareAhead(int index, object owner)
    {
        _aheadIndex = -1;
        if ((uint)index >= (uint)BatchesPerEpoch || RowsOf(index) == 1) return null;
        _ahead ??= new float[_features.Length];
        _aheadIndex = index;
        _aheadOwner = owner;
        _aheadShuffles = _shuffles;
        return _ahead;
    }

    /// <summary>Rows in batch <paramref name="index"/> of the epoch (the last may be short).</summary>
    internal int RowsOf(int index) => Math.Min(BatchSize, _data.Count - index * BatchSize);

    /// <summary>Copies the features of row <paramref name="row"/> of batch <paramref name="index"/> into that row of <paramref name="destination"/>.</summary>
    /// <returns>Whether every value copied is finite.</returns>
    internal bool CopyRow(float[] destination, int index, int row)
    {
        int width = _data.FeatureCount;
        return VectorOps.CopyFinite(_data.GetFeatures(_order[index * BatchSize + row]), destination.AsSpan(row * width, width));
    }

    /// <summary>
    /// Makes the second buffer the current one when <see cref="PrepareAhead"/> readied it for batch
    /// <paramref name="index"/> of this order and for <paramref name="owner"/>; the rows copied there stand, the rest follow
    /// with <see cref="CopyFeatures"/>. Forgets the readied batch either way.
    /// </summary>
    internal bool TakeAhead(int index, object owner)
    {
        bool ready = _aheadIndex == index && ReferenceEquals(_aheadOwner, owner) && _aheadShuffles == _shuffles;
        _aheadIndex = -1;
        _aheadOwner = null;
        if (ready) (_features, _ahead) = (_ahead!, _features);
        return ready;
    }

    /// <summary>Views of the first <paramref name="count"/> rows of the buffers.</summary>
    internal Minibatch View(int count)
    {
        int width = _data.FeatureCount;
        return _data.HasLabels
            ? new Minibatch(_features.AsSpan(0, count * width), _labels.AsSpan(0, count))
            : new Minibatch(_features.AsSpan(0, count * width), _targets.AsSpan(0, count * _data.TargetCount), count);
    }
}

/// <summary>A view of one minibatch: row-major features and their labels or targets. Valid until the sampler's next batch.</summary>
public readonly ref struct Minibatch
{
    /// <summary>A batch with class labels.</summary>
    public Minibatch(ReadOnlySpan<float> features, ReadOnlySpan<int> labels)
    {
        Features = features;
        Labels = labels;
        Count = labels.Length;
    }

    /// <summary>A batch of <paramref name="count"/> samples with a row of targets each.</summary>
    public Minibatch(ReadOnlySpan<float> features, ReadOnlySpan<float> targets, int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "A batch cannot hold fewer than no samples.");
        Features = features;
        Targets = targets;
        Count = count;
    }

    /// <summary>Row-major features, <c>[Count, FeatureCount]</c>.</summary>
    public ReadOnlySpan<float> Features { get; }

    /// <summary>One label per sample (empty for a batch of targets).</summary>
    public ReadOnlySpan<int> Labels { get; }

    /// <summary>Row-major targets (empty for a batch of labels).</summary>
    public ReadOnlySpan<float> Targets { get; }

    /// <summary>Number of samples.</summary>
    public int Count { get; }
}
