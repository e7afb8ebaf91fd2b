using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace NetGen;

/// <summary>How a <see cref="Trainer"/> runs.</summary>
public sealed record TrainerOptions
{
    /// <summary>Number of passes over the training data.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Samples per minibatch: 1 is online SGD, the training-set size is full-batch gradient descent.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Seed of the minibatch order.</summary>
    public int Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a non-positive epoch count or batch size.</summary>
    public void Validate()
    {
        if (Epochs <= 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Train for at least one epoch.");
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The batch size must be positive.");
    }
}

/// <summary>One finished epoch.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches (without the regularization term).</param>
/// <param name="TestAccuracy">Accuracy on the evaluation set, NaN without one.</param>
/// <param name="TestLoss">Mean cross-entropy on the evaluation set, NaN without one or without a softmax output.</param>
/// <param name="LearningRate">The learning rate at the end of the epoch.</param>
/// <param name="Seconds">Wall time of the epoch's training steps (evaluation excluded).</param>
public sealed record EpochResult(int Epoch, double TrainLoss, double TestAccuracy, double TestLoss, float LearningRate, double Seconds);

/// <summary>Progress inside an epoch, for progress bars.</summary>
public readonly record struct TrainingProgress(int Epoch, int Epochs, int Batch, int BatchesPerEpoch, double RunningLoss);

/// <summary>Training stopped because the loss or a parameter became NaN or infinite.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(int epoch, long step, string what)
        : base($"Training diverged at epoch {epoch}, step {step}: {what}. Lower the learning rate or check the inputs for NaN.")
    {
        Epoch = epoch;
        Step = step;
    }

    /// <summary>1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>Optimizer step at which it was detected.</summary>
    public long Step { get; }
}

/// <summary>Runs epochs of minibatch training on any generated network and reports each epoch.</summary>
public sealed class Trainer
{
    private readonly INetwork _network;
    private readonly IOptimizer _optimizer;
    private readonly TrainerOptions _options;

    /// <summary>Creates a trainer.</summary>
    public Trainer(INetwork network, IOptimizer optimizer, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _network = network;
        _optimizer = optimizer;
        _options = options;
    }

    /// <summary>Raised after every epoch.</summary>
    public event Action<EpochResult>? EpochCompleted;

    /// <summary>
    /// Trains for <see cref="TrainerOptions.Epochs"/> epochs on <paramref name="train"/>, evaluating on
    /// <paramref name="test"/> after each epoch when given.
    /// </summary>
    /// <exception cref="TrainingDivergedException">The loss or the parameters became NaN or infinite.</exception>
    public IReadOnlyList<EpochResult> Fit(Dataset train, Dataset? test = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.FeatureCount != _network.InputSize)
            throw new ArgumentException($"The network takes {_network.InputSize} inputs, but the training set has {train.FeatureCount} features.", nameof(train));
        var sampler = new MinibatchSampler(train, _options.BatchSize, _options.Seed);
        var history = new List<EpochResult>(_options.Epochs);
        int reportEvery = Math.Max(1, sampler.BatchesPerEpoch / 100);
        for (int epoch = 1; epoch <= _options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _optimizer.Epoch = epoch - 1;
            sampler.Shuffle();
            double lossSum = 0;
            var clock = Stopwatch.StartNew();
            for (int b = 0; b < sampler.BatchesPerEpoch; b++)
            {
                Minibatch batch = sampler.GetBatch(b);
                float loss = _network.ComputeGradients(batch.Features, batch.Labels);
                if (!float.IsFinite(loss))
                    throw new TrainingDivergedException(epoch, _optimizer.StepCount, $"the batch loss is {loss}");
                _optimizer.Step(_network.Parameters, _network.Gradients);
                lossSum += loss;
                if (progress is not null && (b + 1) % reportEvery == 0)
                    progress.Report(new TrainingProgress(epoch, _options.Epochs, b + 1, sampler.BatchesPerEpoch, lossSum / (b + 1)));
            }
            clock.Stop();
            if (!Kernels.VectorOps.AllFinite(_network.Parameters))
                throw new TrainingDivergedException(epoch, _optimizer.StepCount, "a parameter is NaN or infinite");

            EvaluationResult evaluation = test is null ? new EvaluationResult(double.NaN, double.NaN, 0) : Evaluation.Evaluate(_network, test);
            var result = new EpochResult(epoch, lossSum / sampler.BatchesPerEpoch, evaluation.Accuracy, evaluation.MeanLoss,
                _optimizer.CurrentLearningRate, clock.Elapsed.TotalSeconds);
            history.Add(result);
            EpochCompleted?.Invoke(result);
        }
        return history;
    }
}
