using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>
/// Accuracy and mean loss of a network on a data set. <see cref="MeanLoss"/> is the network's own loss
/// (<see cref="NetworkArchitecture.Loss"/>) on the labels or targets as it trains on them, computed from the outputs.
/// </summary>
/// <param name="Accuracy">
/// The fraction of samples whose predicted class (<see cref="IClassifier{T}.Predict"/>) is their label (or, for a
/// single sigmoid output on targets, the target rounded at ½); NaN for regression.
/// </param>
/// <param name="MeanLoss">The mean loss per sample.</param>
/// <param name="Count">The number of samples.</param>
public readonly record struct EvaluationResult(double Accuracy, double MeanLoss, int Count);

/// <summary>Evaluates networks on data sets in batches (no gradients are touched).</summary>
public static class Evaluation
{
    private const int Chunk = 256;

    /// <summary>Smallest probability a log is taken of, so a saturated wrong output costs a large finite loss.</summary>
    private const double Floor = 1e-30;

    /// <summary>
    /// The mean loss the network trains with and, where it means something, the accuracy. On a data set of labels:
    /// accuracy is the predicted class (the largest output, or for a single output 1 at ½ and above) against the
    /// label, and the loss is computed on the labels as targets — cross-entropy <c>−log p_y</c> for a softmax output,
    /// binary cross-entropy <c>−Σ [y log a + (1 − y) log(1 − a)]</c> for sigmoid outputs, <c>½‖y − a‖²</c> for mean
    /// squared error, with <c>y</c> the one-hot label (the label itself for a single output). On a data set of targets
    /// the same losses use the target rows; accuracy is that of a single sigmoid output at ½ against the target at ½,
    /// and NaN for other networks (regression has no accuracy).
    /// </summary>
    /// <exception cref="ArgumentException">The data's feature or target count does not fit the network.</exception>
    public static EvaluationResult Evaluate(IInferenceNetwork network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Evaluate(new IInferenceNetwork<float>[] { network }, data);
    }

    /// <summary>
    /// <see cref="Evaluate(IInferenceNetwork, Dataset)"/> with the data's chunks of 256 rows shared among
    /// <paramref name="networks"/> — networks with the same parameters and their own workspaces (replicas), one thread
    /// each. Each chunk's losses are summed in sample order and the chunks' sums in chunk order, so the result has the
    /// same bits for any number of networks.
    /// </summary>
    internal static EvaluationResult Evaluate(IReadOnlyList<IInferenceNetwork<float>> networks, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        IInferenceNetwork<float> network = networks[0];
        NetworkArchitecture architecture = network.Architecture;
        bool softmax = architecture.HasSoftmaxOutput;
        LossFunction lossFunction = architecture.Loss;
        CheckFeatures(network, data);
        if (!data.HasLabels && data.TargetCount != network.OutputSize)
            throw new ArgumentException($"The network has {network.OutputSize} outputs, but the data set has {data.TargetCount} targets per sample.", nameof(data));
        bool accuracy = data.HasLabels || architecture.HasSingleSigmoidOutput;
        int chunks = (data.Count + Chunk - 1) / Chunk, outputs = network.OutputSize;
        var correct = new long[chunks];
        var losses = new double[chunks];
        void Run(int worker)
        {
            IInferenceNetwork<float> net = networks[worker];
            var buffer = new float[Chunk * outputs];
            for (int chunk = worker; chunk < chunks; chunk += networks.Count)
            {
                int start = chunk * Chunk, rows = ForwardChunk(net, data, start, buffer);
                long right = 0;
                double loss = 0;
                for (int r = 0; r < rows; r++)
                {
                    ReadOnlySpan<float> row = buffer.AsSpan(r * outputs, outputs);
                    int sample = start + r;
                    if (data.HasLabels)
                    {
                        int label = data.Labels[sample];
                        if (LossMath.PredictedClass(row) == label) right++;
                        loss += SampleLoss(row, default, label, softmax, lossFunction);
                    }
                    else
                    {
                        ReadOnlySpan<float> target = data.GetTargets(sample);
                        if (accuracy && LossMath.PredictedClass(row) == (target[0] >= 0.5f ? 1 : 0)) right++;
                        loss += SampleLoss(row, target, -1, softmax, lossFunction);
                    }
                }
                correct[chunk] = right;
                losses[chunk] = loss;
            }
        }
        if (networks.Count == 1) Run(0);
        else Parallel.For(0, networks.Count, new ParallelOptions { MaxDegreeOfParallelism = networks.Count }, Run);
        long totalCorrect = 0;
        double totalLoss = 0;
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            totalCorrect += correct[chunk];
            totalLoss += losses[chunk];
        }
        return new EvaluationResult(accuracy ? (double)totalCorrect / data.Count : double.NaN, totalLoss / data.Count, data.Count);
    }

    /// <summary>One sample's loss against <paramref name="target"/>, or the one-hot <paramref name="label"/> when it is not negative.</summary>
    private static double SampleLoss(ReadOnlySpan<float> output, ReadOnlySpan<float> target, int label, bool softmax, LossFunction loss)
    {
        double sum = 0;
        for (int j = 0; j < output.Length; j++)
        {
            double a = output[j];
            double y = label < 0 ? target[j] : output.Length == 1 ? label : j == label ? 1 : 0;
            sum += loss switch
            {
                LossFunction.CrossEntropy when softmax => y != 0 ? -y * Math.Log(Math.Max(a, Floor)) : 0,
                LossFunction.BinaryCrossEntropy => -(y * Math.Log(Math.Max(a, Floor)) + (1 - y) * Math.Log(Math.Max(1 - a, Floor))),
                _ => 0.5 * (a - y) * (a - y),
            };
        }
        return sum;
    }

    internal delegate void OutputVisitor(ReadOnlySpan<float> output, int sample);

    /// <summary>Runs the network over the data in chunks and visits every output row with its sample's index.</summary>
    internal static void ForEachOutput(IInferenceNetwork network, Dataset data, OutputVisitor visit)
    {
        CheckFeatures(network, data);
        int outputs = network.OutputSize;
        var buffer = new float[Chunk * outputs];
        for (int start = 0; start < data.Count; start += Chunk)
        {
            int rows = ForwardChunk(network, data, start, buffer);
            for (int r = 0; r < rows; r++) visit(buffer.AsSpan(r * outputs, outputs), start + r);
        }
    }

    private static void CheckFeatures(IInferenceNetwork<float> network, Dataset data)
    {
        if (data.FeatureCount != network.InputSize)
            throw new ArgumentException($"The network takes {network.InputSize} inputs, but the data set has {data.FeatureCount} features.", nameof(data));
    }

    /// <summary>The outputs of the chunk of rows from <paramref name="start"/> into <paramref name="buffer"/>; returns its rows.</summary>
    private static int ForwardChunk(IInferenceNetwork<float> network, Dataset data, int start, float[] buffer)
    {
        int rows = Math.Min(Chunk, data.Count - start);
        network.ForwardBatch(data.Features.Slice(start * data.FeatureCount, rows * data.FeatureCount), buffer.AsSpan(0, rows * network.OutputSize));
        return rows;
    }
}
