using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.CompilerServices;

/// <summary>Argument checks shared by generated networks; each throws an <see cref="ArgumentException"/> that says what was expected and what was given.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class NetworkGuard
{
    /// <summary>Checks that a span holds exactly one sample or output of <paramref name="expected"/> values.</summary>
    public static void Length(int actual, int expected, string paramName)
    {
        if (actual != expected)
            throw new ArgumentException($"Expected a span of length {expected}, but it has length {actual}.", paramName);
    }

    /// <summary>Returns the batch size of a row-major batch, checking that it is a positive whole number of rows of <paramref name="width"/>.</summary>
    public static int BatchSize(int length, int width, string paramName)
    {
        if (length == 0 || length % width != 0)
            throw new ArgumentException($"Expected a non-empty batch whose length is a multiple of {width} (the sample width), but its length is {length}.", paramName);
        return length / width;
    }

    /// <summary>Checks that a companion span holds <paramref name="batch"/> rows of <paramref name="width"/>.</summary>
    public static void BatchLength(int length, int batch, int width, string paramName)
    {
        if (length != batch * width)
            throw new ArgumentException($"Expected {batch} × {width} = {batch * width} values to match the batch of {batch} samples, but the span has length {length}.", paramName);
    }

    /// <summary>
    /// Checks the workers of a step cut across threads (<see cref="ISplitTraining.PrepareSplitStep"/>): at least one.
    /// </summary>
    /// <returns>The larger of <paramref name="workers"/> and <paramref name="reserved"/>: the workers reserved for now.</returns>
    public static int Workers(int workers, int reserved)
    {
        if (workers < 1)
            throw new ArgumentOutOfRangeException(nameof(workers), workers, "Expected at least one worker.");
        return Math.Max(workers, reserved);
    }

    /// <summary>
    /// Checks a chunk of <paramref name="rows"/> rows starting at row <paramref name="chunkStart"/> of a batch of
    /// <paramref name="batchRows"/> (<see cref="ISplitTraining.PrepareSplitStep"/>): it must lie in the batch.
    /// </summary>
    /// <returns><paramref name="batchRows"/>.</returns>
    public static int Chunk(int rows, int chunkStart, int batchRows)
    {
        if (chunkStart < 0 || batchRows < rows || chunkStart > batchRows - rows)
            throw new ArgumentOutOfRangeException(nameof(chunkStart), chunkStart,
                $"Expected a chunk of {rows} rows that lies in the batch of {batchRows}, got one starting at row {chunkStart}.");
        return batchRows;
    }

    /// <summary>
    /// Checks worker <paramref name="worker"/> of <paramref name="workers"/> in a phase of a step cut across threads
    /// (<see cref="ISplitTraining.RunSplitPhase"/>): in <c>[0, workers)</c>, and no more workers than the
    /// <paramref name="reserved"/> that <see cref="ISplitTraining.PrepareSplitStep"/> reserved scratch for.
    /// </summary>
    public static void Worker(int worker, int workers, int reserved)
    {
        if ((uint)worker >= (uint)workers)
            throw new ArgumentOutOfRangeException(nameof(worker), worker, $"Expected a worker in [0, {workers}).");
        if (workers > reserved)
            throw new ArgumentOutOfRangeException(nameof(workers), workers,
                $"Expected no more workers than the {reserved} that PrepareSplitStep reserved for (call it with the number of workers first).");
    }

    /// <summary>
    /// Checks the batch a phase of a step cut across threads gets (<see cref="ISplitTraining.RunSplitPhase"/>): whole
    /// rows of <paramref name="width"/> inputs, no more than <paramref name="reserved"/> (the rows
    /// <see cref="ISplitTraining.PrepareSplitStep"/> prepared), and a label a row or <paramref name="outputs"/> targets a row.
    /// </summary>
    public static void SplitBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, int width, int outputs, int reserved)
    {
        int rows = inputs.Length / width;
        if (rows * width != inputs.Length || rows > reserved
            || (targets.IsEmpty ? labels.Length != rows : !labels.IsEmpty || targets.Length != rows * outputs))
            throw new ArgumentException(
                $"Expected the batch prepared by PrepareSplitStep (at most {reserved} rows of {width} inputs, and a label or {outputs} " +
                $"targets a row), got {inputs.Length} inputs, {labels.Length} labels, {targets.Length} targets.", nameof(inputs));
    }

    /// <summary>
    /// Checks the truth of a batch given either way (<see cref="ISplitTraining"/>): class labels when
    /// <paramref name="targets"/> is empty (<see cref="Labels"/>), otherwise <paramref name="outputs"/> targets per sample
    /// and no labels.
    /// </summary>
    public static void LabelsOrTargets(ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, int batch, int classes, int outputs)
    {
        if (targets.IsEmpty)
        {
            Labels(labels, batch, classes, nameof(labels));
            return;
        }
        if (!labels.IsEmpty)
            throw new ArgumentException($"Expected class labels or targets, not both: got {labels.Length} labels and {targets.Length} targets.", nameof(labels));
        BatchLength(targets.Length, batch, outputs, nameof(targets));
    }

    /// <summary>Checks one label per sample, each in <c>[0, classes)</c>.</summary>
    public static void Labels(ReadOnlySpan<int> labels, int batch, int classes, string paramName)
    {
        if (labels.Length != batch)
            throw new ArgumentException($"Expected {batch} labels, one per sample, but got {labels.Length}.", paramName);
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException($"Label {labels[i]} at index {i} is outside [0, {classes}).", paramName);
        }
    }

    /// <summary>
    /// Checks that every input of a training batch is finite: an infinite input can leave the loss finite (a saturated
    /// tanh) while its gradient is not, so it is refused before any parameter changes, naming the row and the feature.
    /// </summary>
    public static void FiniteInputs<T>(ReadOnlySpan<T> inputs, int width, string paramName) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        ref T first = ref MemoryMarshal.GetReference(inputs);
        if (typeof(T) == typeof(float)
                ? VectorOps.AllFinite<float>(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, float>(ref first), inputs.Length))
                : typeof(T) == typeof(double) && VectorOps.AllFinite<double>(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, double>(ref first), inputs.Length)))
            return;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!T.IsFinite(inputs[i]))
                throw new ArgumentException($"Row {i / width} of the batch has {inputs[i].ToString(null, System.Globalization.CultureInfo.InvariantCulture)} " +
                    $"at feature {i % width}; inputs must be finite. No parameter was changed.", paramName);
        }
    }
}
