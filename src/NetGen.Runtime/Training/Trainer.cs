using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using NetGen.CompilerServices;

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

    /// <summary>Stop when the validation metric has not improved for a while (needs a validation set); null trains every epoch.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>
    /// A safetensors file (see <see cref="SafeTensors"/>) that always holds the best epoch's parameters: written whenever
    /// the validation metric improves with <see cref="EarlyStopping"/>, after every epoch without it. Each write goes to a
    /// temporary file beside it that then replaces it, so an interrupted run never leaves a broken checkpoint. Null writes none.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>
    /// Threads that train on each minibatch, the caller's included. With more than one, a network that can be cut by
    /// layers (<see cref="ISplitTraining"/>: generated, float) trained by an <see cref="Optimizer"/> (any of the
    /// library's, with or without clipping and L1) on class labels or targets, with no <see cref="ShardRows"/> given,
    /// runs <see cref="LayerParallel"/>: every layer cut across the threads, with the bits of one thread (one row runs on
    /// the calling thread; a batch of more than 256 rows goes in chunks of 256, where a layer has more than one block of
    /// 64 units to share). Otherwise every batch is cut into shards of <see cref="ShardRows"/> rows
    /// (<see cref="DataParallel"/>).
    /// </summary>
    /// <remarks>
    /// Null (the default) takes the machine's cores (<see cref="Environment.ProcessorCount"/>) wherever that leaves
    /// the result as it is on any machine. Where the layer cut applies, as many as a model of the step finds quicker than
    /// fewer — a layer is shared in blocks of 64 units, and each thread costs a little at every step, so a network whose
    /// layers have at most 64 units, or a small step, stays on one — with the bits of one thread. With
    /// <see cref="ShardRows"/> given, as many as the batch has shards. A convolutional network's batches of seven rows or
    /// more go in shards (<see cref="ShardRows"/> tells their default rows), and so do batches of more than 256 rows of a
    /// network the cut does not take (composed at run time) or would not gain on (every layer one block of 64 units), on
    /// as many cores as a batch has shards, one included: the same result on every machine. A step with an optimizer of
    /// the caller's own (not an <see cref="Optimizer"/>), or a convolutional network's batch of six rows or fewer, runs on
    /// one thread. Given, <c>Threads</c> changes the thread count only, never those shards, so <c>Threads = 1</c> trains
    /// to the same bits as the default and as any other count (a step that has neither the cut nor such shards takes
    /// shards of 32 rows on more than one thread). <see cref="TrainingHistory.Threads"/> and
    /// <see cref="TrainingHistory.ShardRows"/> say what was chosen.
    /// </remarks>
    public int? Threads { get; init; }

    /// <summary>
    /// Rows per shard of a data-parallel batch; null means 32 (256 for batches of more than 256 rows; for a
    /// convolutional network's batches of 64 rows or fewer, half the batch, rounded up) where the trainer chooses shards
    /// (see <see cref="Threads"/>) or <see cref="Threads"/> is above 1 and the layer cut does not apply, and no sharding
    /// at all otherwise. The result depends on the shards, never on the thread count: with the same shard rows, one thread
    /// and several train to the same bits.
    /// </summary>
    public int? ShardRows { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a non-positive epoch count, batch size, thread count or shard size, or more than 256 threads.</summary>
    public void Validate()
    {
        if (Threads is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Expected between 1 and 256 threads.");
        if (ShardRows is < 1) throw new ArgumentOutOfRangeException(nameof(ShardRows), ShardRows, "Expected at least one row per shard.");
        if (Epochs <= 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Train for at least one epoch.");
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The batch size must be positive.");
        if (EarlyStopping is { Patience: < 1 }) throw new ArgumentOutOfRangeException(nameof(EarlyStopping), EarlyStopping.Patience, "The patience must be at least one epoch.");
    }
}

/// <summary>The validation metric early stopping watches.</summary>
public enum StoppingMetric
{
    /// <summary>Mean validation cross-entropy, lower is better.</summary>
    ValidationLoss,
    /// <summary>Validation accuracy, higher is better.</summary>
    ValidationAccuracy,
}

/// <summary>Early stopping: end training after <see cref="Patience"/> epochs without an improvement of at least <see cref="MinDelta"/>.</summary>
/// <param name="Patience">Epochs without improvement before stopping (≥ 1).</param>
/// <param name="Monitor">The metric watched.</param>
/// <param name="RestoreBest">Put the best epoch's parameters back into the network at the end.</param>
/// <param name="MinDelta">The smallest change that counts as an improvement.</param>
public sealed record EarlyStopping(int Patience = 5, StoppingMetric Monitor = StoppingMetric.ValidationLoss, bool RestoreBest = true, double MinDelta = 0);

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

    /// <summary>Raised when an epoch improves on the best validation metric so far (with early stopping), for checkpoints.</summary>
    public event Action<EpochResult>? BestEpochImproved;

    /// <summary>
    /// Trains for up to <see cref="TrainerOptions.Epochs"/> epochs on <paramref name="train"/>, evaluating on
    /// <paramref name="validation"/> and <paramref name="test"/> after each epoch when given. With early stopping, training
    /// ends once the validation metric stalls, and the best epoch's parameters are restored if so configured.
    /// </summary>
    /// <remarks>
    /// The data sets wrap their arrays, which are read as training goes: change them only between epochs
    /// (<see cref="EpochCompleted"/>). Layers cut across threads copy rows of the next batch while a thread waits for
    /// the others, so within an epoch a batch's rows may be read during the step before its own.
    /// </remarks>
    /// <exception cref="TrainingDivergedException">The loss or the parameters became NaN or infinite.</exception>
    /// <exception cref="ArgumentException">A data set does not fit the network, or early stopping lacks a validation set.</exception>
    /// <exception cref="DirectoryNotFoundException">The checkpoint's folder does not exist (checked before training starts).</exception>
    public TrainingHistory Fit(Dataset train, Dataset? validation = null, Dataset? test = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        // Every data set is checked whole before the first step, so a bad row never reaches the parameters.
        CheckData(train, "training set", nameof(train));
        if (validation is not null) CheckData(validation, "validation set", nameof(validation));
        if (test is not null) CheckData(test, "test set", nameof(test));
        EarlyStopping? stopping = _options.EarlyStopping;
        if (stopping is not null && validation is null)
            throw new ArgumentException("Early stopping needs a validation set.", nameof(validation));
        if (stopping is { Monitor: StoppingMetric.ValidationAccuracy } && !validation!.HasLabels && !_network.Architecture.HasSingleSigmoidOutput)
            throw new ArgumentException("Early stopping on validation accuracy needs class labels (or a single sigmoid output); these are regression targets: monitor the validation loss.", nameof(validation));
        foreach (Dataset? other in new[] { validation, test })
        {
            if (other is not null && other.HasLabels != train.HasLabels)
                throw new ArgumentException($"The training set holds {(train.HasLabels ? "class labels" : "targets")} but another set holds {(other.HasLabels ? "class labels" : "targets")}; give all of them the same kind.",
                    other == validation ? nameof(validation) : nameof(test));
        }

        if (_options.CheckpointPath is string checkpoint)
        {
            // Refuse a checkpoint that could never be written before any training time is spent.
            string? folder = Path.GetDirectoryName(Path.GetFullPath(checkpoint));
            if (folder is null || !Directory.Exists(folder))
                throw new DirectoryNotFoundException($"The checkpoint {checkpoint} would go to the folder '{folder}', which does not exist.");
        }
        // Layers are cut across threads where the step allows it; otherwise, on several threads, data-parallel shards.
        var sampler = new MinibatchSampler(train, _options.BatchSize, _options.Seed);
        var (threads, shardRows) = Parallelism(_network, _optimizer, _options, sampler.BatchSize, Math.Min(256, Environment.ProcessorCount));
        bool cutLayers = threads > 1 && shardRows is null;
        using LayerParallel? layers = cutLayers ? new LayerParallel(_network, threads) : null;
        using DataParallel? parallel = shardRows is int rows ? new DataParallel(_network, threads, rows) : null;
        var layerEvaluators = new List<IInferenceNetwork<float>> { _network };
        if (layers is not null && (validation is not null || test is not null))
            for (int i = 1; i < threads; i++) layerEvaluators.Add(((ISplitTraining)_network).CreateEvaluator());
        var history = new TrainingHistory { Threads = threads, ShardRows = shardRows };
        int reportEvery = Math.Max(1, sampler.BatchesPerEpoch / 100);
        float[]? best = stopping is { RestoreBest: true } ? new float[_network.Parameters.Length] : null;
        // The parameters at the start of the epoch: a step that leaves a non-finite parameter (an overflow the loss did
        // not show yet) is found by the next step's loss or the epoch's end, and the network returns to this copy.
        var epochStart = new float[_network.Parameters.Length];
        double bestScore = double.PositiveInfinity;
        int sinceBest = 0, bestEpoch = 0;
        for (int epoch = 1; epoch <= _options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _optimizer.Epoch = epoch - 1;
            _network.Parameters.CopyTo(epochStart);
            sampler.Shuffle();
            double lossSum = 0;
            var clock = Stopwatch.StartNew();
            for (int b = 0; b < sampler.BatchesPerEpoch; b++)
            {
                // Either way, a loss that is NaN or infinite stops training before any update: TrainStep skips the
                // update then (and fuses a one-sample SGD step into the backward pass otherwise). A team, layer-cut
                // or data-parallel on labels, copies the batch's rows out of the data set itself, each thread its share.
                float loss;
                if (layers is not null) loss = layers.TrainStep(sampler, b, _optimizer);
                else if (parallel is not null && train.HasLabels) loss = parallel.TrainStep(sampler, b, _optimizer);
                else
                {
                    Minibatch batch = sampler.GetBatch(b);
                    loss = !train.HasLabels ? TargetStep(parallel, batch)
                        : parallel is not null ? parallel.TrainStep(batch.Features, batch.Labels, _optimizer)
                        : _network.TrainStep(batch.Features, batch.Labels, _optimizer);
                }
                if (!float.IsFinite(loss))
                {
                    epochStart.CopyTo(_network.Parameters);
                    throw new TrainingDivergedException(epoch, _optimizer.StepCount + 1,
                        $"the batch loss is {loss} (the parameters are restored to the start of epoch {epoch})");
                }
                lossSum += loss;
                if (progress is not null && (b + 1) % reportEvery == 0)
                    progress.Report(new TrainingProgress(epoch, _options.Epochs, b + 1, sampler.BatchesPerEpoch, lossSum / (b + 1)));
            }
            clock.Stop();
            if (!VectorOps.AllFinite(_network.Parameters))
            {
                epochStart.CopyTo(_network.Parameters);
                throw new TrainingDivergedException(epoch, _optimizer.StepCount,
                    $"a parameter is NaN or infinite after the epoch's last step (the parameters are restored to the start of epoch {epoch})");
            }

            // The evaluations' chunks are shared among the threads too: the data-parallel replicas, or the layer-cut network's
            // evaluators (the same parameters, their own workspaces; a new replica would draw on the dropout generator).
            // The sums have the bits of one thread.
            IReadOnlyList<IInferenceNetwork<float>> evaluators = parallel is { Replicas.Count: > 1 }
                ? parallel.Replicas.Take(Math.Min(threads, parallel.Replicas.Count)).ToArray()
                : layerEvaluators;
            EvaluationResult v = validation is null ? new(double.NaN, double.NaN, 0) : Evaluation.Evaluate(evaluators, validation);
            EvaluationResult t = test is null ? new(double.NaN, double.NaN, 0) : Evaluation.Evaluate(evaluators, test);
            var result = new EpochResult(epoch, lossSum / sampler.BatchesPerEpoch, v.MeanLoss, v.Accuracy, t.MeanLoss, t.Accuracy,
                _optimizer.CurrentLearningRate, clock.Elapsed.TotalSeconds);
            history.Add(result);
            history.BestEpoch = epoch;
            EpochCompleted?.Invoke(result);

            if (stopping is null)
            {
                WriteCheckpoint();
                continue;
            }
            double score = stopping.Monitor == StoppingMetric.ValidationLoss ? v.MeanLoss : -v.Accuracy;
            if (double.IsNaN(score))
            {
                epochStart.CopyTo(_network.Parameters);
                throw new TrainingDivergedException(epoch, _optimizer.StepCount,
                    $"the validation {(stopping.Monitor == StoppingMetric.ValidationLoss ? "loss" : "accuracy")} is NaN (the parameters are restored to the start of epoch {epoch})");
            }
            if (score < bestScore - stopping.MinDelta)
            {
                bestScore = score;
                bestEpoch = epoch;
                sinceBest = 0;
                if (best is not null) _network.Parameters.CopyTo(best);
                WriteCheckpoint();
                BestEpochImproved?.Invoke(result);
            }
            else if (++sinceBest >= stopping.Patience)
            {
                history.StoppedEarly = epoch < _options.Epochs;
                break;
            }
        }

        if (best is not null && bestEpoch > 0)
        {
            best.CopyTo(_network.Parameters);
            history.BestEpoch = bestEpoch;
        }
        return history;
    }

    /// <summary>
    /// How the steps run: on how many threads, and in shards of how many rows (null: whole batches, cut by layers on
    /// more than one thread). <see cref="TrainerOptions.Threads"/> and <see cref="TrainerOptions.ShardRows"/> as given,
    /// and where <c>Threads</c> is null, the choice its remarks describe for batches of <paramref name="batch"/> rows (the
    /// batch size, or the training set's size where that is smaller) on <paramref name="processors"/> cores.
    /// </summary>
    internal static (int Threads, int? ShardRows) Parallelism(INetwork network, IOptimizer optimizer, TrainerOptions options, int batch, int processors)
    {
        // Over 256 rows the cut (in chunks, one thread's bits) only where the model finds it gains on two threads, decided
        // without the machine's cores: a network whose layers have one block of units each goes in 256-row shards, which
        // gain there (`--cut 7 shards`).
        bool cut = network is ISplitTraining && LayerParallel.CanCut(optimizer)
            && (batch <= SharedConstants.MaxRows || LayerParallel.GainfulThreads(network.Architecture, batch, 2) > 1);
        // Shards of 32 rows; 256 for batches over 256, whose shards then run the network's whole-chunk kernels; a
        // convolutional network's batches of 64 rows or fewer in two shards as even as they go (`--cut 7 shards`).
        int defaultRows = batch > SharedConstants.MaxRows ? SharedConstants.MaxRows
            : network.Architecture.IsSpatial && batch <= 2 * DefaultShardRows ? (batch + 1) / 2 : DefaultShardRows;
        // The cut does not take the network (convolutional; composed, or too narrow to share, over 256 rows): shards,
        // whose result the thread count never changes, where a batch has two or more (each shard of these steps is long
        // enough to gain on: `--cut 7 shards`, docs/performance.md) — decided without the machine's core count or the
        // thread count asked for, so that one core shards as sixteen do and Threads = 1 trains to the bits of any other
        // count. A shard holds at least MinShardRows: the main job's CNN in shards of one to three rows gains little and
        // not in every run (0.95-1.22x at 4 rows; 0.45-0.53x in some runs before its gradients ran by Winograd).
        int? sharded = !cut && (network.Architecture.IsSpatial || batch > SharedConstants.MaxRows) && LayerParallel.CanCut(optimizer)
            && batch > defaultRows && defaultRows >= MinShardRows ? defaultRows : null;
        // Threads given: the cut, or those shards; a step with neither (an optimizer of the caller's own, a CNN batch of six
        // rows or fewer, a network composed at run time up to 256 rows) in default shards on more than one thread.
        if (options.Threads is int threads)
            return (threads, options.ShardRows ?? sharded ?? (threads > 1 && !cut ? defaultRows : null));
        if (options.ShardRows is int rows) return (Shards(rows), rows);
        if (cut) return (batch > 1 && processors > 1 ? LayerParallel.GainfulThreads(network.Architecture, batch, processors) : 1, null);
        // The shards above on a core each; any other step (an optimizer of the caller's own, a CNN batch of six rows or
        // fewer) stays on one thread.
        return sharded is int shardRows ? (Shards(shardRows), shardRows) : (1, null);

        int Shards(int rows) => Math.Clamp(DataParallel.ShardsOf(batch, rows), 1, processors);
    }

    /// <summary>The rows of a data-parallel shard unless a batch is over 256 rows or a convolutional network's of 64 or fewer.</summary>
    private const int DefaultShardRows = 32;

    /// <summary>The fewest rows of a shard the trainer chooses by itself (a convolutional network's batch of 7 rows or more).</summary>
    private const int MinShardRows = 4;

    /// <summary>One step on a batch of targets: on the shards of a data-parallel team, or on the network itself.</summary>
    private float TargetStep(DataParallel? parallel, Minibatch batch)
    {
        if (parallel is null) return _network.TrainStep(batch.Features, batch.Targets, _optimizer);
        float loss = parallel.ComputeGradients(batch.Features, batch.Targets);
        if (float.IsFinite(loss)) _optimizer.Step(_network.Parameters, _network.Gradients);
        return loss;
    }

    /// <summary>Refuses a data set the network cannot train or evaluate on, naming the first bad row.</summary>
    private void CheckData(Dataset data, string what, string parameter)
    {
        string network = _network.GetType().Name;
        if (data.Count == 0) throw new ArgumentException($"The {what} is empty.", parameter);
        if (data.FeatureCount != _network.InputSize)
            throw new ArgumentException($"The {what} has {data.FeatureCount} features per sample, but {network} takes {_network.InputSize} inputs.", parameter);
        if (data.HasLabels)
        {
            // A single output is trained on labels 0 and 1; otherwise each label names an output.
            int classes = _network.OutputSize > 1 ? _network.OutputSize : 2;
            ReadOnlySpan<int> labels = data.Labels;
            for (int row = 0; row < labels.Length; row++)
            {
                if ((uint)labels[row] >= (uint)classes)
                    throw new ArgumentException($"Row {row} of the {what} has label {labels[row]}, but {network} has {classes} classes (labels 0 to {classes - 1}).", parameter);
            }
        }
        else
        {
            if (data.TargetCount != _network.OutputSize)
                throw new ArgumentException($"The {what} has {data.TargetCount} targets per sample, but {network} has {_network.OutputSize} outputs.", parameter);
            int t = VectorOps.IndexOfNonFinite(data.Targets);
            if (t >= 0)
                throw new ArgumentException($"Row {t / data.TargetCount} of the {what} has {data.Targets[t].ToString(System.Globalization.CultureInfo.InvariantCulture)} " +
                    $"at target {t % data.TargetCount}; targets must be finite.", parameter);
        }
        int f = VectorOps.IndexOfNonFinite(data.Features);
        if (f >= 0)
            throw new ArgumentException($"Row {f / data.FeatureCount} of the {what} has {data.Features[f].ToString(System.Globalization.CultureInfo.InvariantCulture)} " +
                $"at feature {f % data.FeatureCount}; inputs must be finite.", parameter);
    }

    private void WriteCheckpoint()
    {
        if (_options.CheckpointPath is string path) SafeTensors.Save(_network, path); // all or nothing
    }
}
