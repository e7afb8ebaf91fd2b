using System;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>Accuracy and mean negative log-likelihood of a classifier on a data set.</summary>
public readonly record struct EvaluationResult(double Accuracy, double MeanLoss, int Count);

/// <summary>Evaluates networks on data sets in batches (no gradients are touched).</summary>
public static class Evaluation
{
    private const int Chunk = 256;

    /// <summary>
    /// Accuracy (argmax against the label) and mean cross-entropy <c>−log p_y</c> of the outputs read as
    /// probabilities (NaN when the network has no softmax output).
    /// </summary>
    /// <exception cref="ArgumentException">The data's feature count does not fit the network.</exception>
    public static EvaluationResult Evaluate(IInferenceNetwork network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        bool probabilities = network.Architecture.HasSoftmaxOutput;
        long correct = 0;
        double loss = 0;
        ForEachOutput(network, data, (row, label) =>
        {
            if (LossMath.ArgMax(row) == label) correct++;
            if (probabilities) loss -= Math.Log(Math.Max(row[label], 1e-30f));
        });
        return new EvaluationResult((double)correct / data.Count, probabilities ? loss / data.Count : double.NaN, data.Count);
    }

    internal delegate void OutputVisitor(ReadOnlySpan<float> output, int label);

    /// <summary>Runs the network over the data in chunks and visits every output row with its label.</summary>
    internal static void ForEachOutput(IInferenceNetwork network, Dataset data, OutputVisitor visit)
    {
        if (data.FeatureCount != network.InputSize)
            throw new ArgumentException($"The network takes {network.InputSize} inputs, but the data set has {data.FeatureCount} features.", nameof(data));
        int outputs = network.OutputSize;
        var buffer = new float[Chunk * outputs];
        for (int start = 0; start < data.Count; start += Chunk)
        {
            int rows = Math.Min(Chunk, data.Count - start);
            network.ForwardBatch(data.Features.Slice(start * data.FeatureCount, rows * data.FeatureCount), buffer.AsSpan(0, rows * outputs));
            for (int r = 0; r < rows; r++) visit(buffer.AsSpan(r * outputs, outputs), data.Labels[start + r]);
        }
    }
}
