using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using NetGen;
using NetGen.Samples.FashionMnist;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var (options, error) = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine($"error: {error}");
    Console.Error.WriteLine("Run with --help for the options.");
    return 2;
}
if (options.Help)
{
    Options.WriteHelp();
    return 0;
}

// Every output file is checked before any training time is spent.
foreach (var (what, file) in new[] { ("history", options.History), ("checkpoint", options.Checkpoint), ("plot", options.Plot) })
{
    if (file is null) continue;
    string? folder = Path.GetDirectoryName(Path.GetFullPath(file));
    string? problem = Directory.Exists(file) ? "it is a folder"
        : folder is null || !Directory.Exists(folder) ? $"the folder '{folder}' does not exist"
        : null;
    if (problem is not null)
    {
        Console.Error.WriteLine($"error: cannot write the {what} to {file}: {problem}.");
        return 5;
    }
}
if (options.Threads > Environment.ProcessorCount)
{
    Console.Error.WriteLine($"warning: --threads {options.Threads} is more than the {Environment.ProcessorCount} cores this process may use; training on {Environment.ProcessorCount}.");
    options = options with { Threads = Environment.ProcessorCount };
}

Dataset train, test, validation = null!;
var loadClock = Stopwatch.StartNew();
try
{
    if (options.DataDirectory == DebianFashionMnist.Directory && !NetGen.FashionMnist.IsAvailable(options.DataDirectory))
        throw new FileNotFoundException($"Fashion-MNIST is not installed in {options.DataDirectory}. Install it with: {DebianFashionMnist.InstallHint}");
    (train, test) = NetGen.FashionMnist.Load(options.DataDirectory);
    foreach (var (what, set) in new[] { ("training", train), ("test", test) })
    {
        if (set.FeatureCount != FashionNet.InputSize)
            throw new InvalidDataFileException(options.DataDirectory, $"the {what} images have {set.FeatureCount} pixels each; the network takes {FashionNet.InputSize} (28 × 28).");
        if (set.ClassCount > FashionNet.OutputSize)
            throw new InvalidDataFileException(options.DataDirectory, $"the {what} labels name {set.ClassCount} classes; the network has {FashionNet.OutputSize}.");
    }
    if (options.Validation > 0) (train, validation) = train.Split(options.Validation, options.Seed);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 3;
}
if (options.Standardize)
{
    var standardizer = Standardizer.Fit(train); // training data only
    train = standardizer.Transform(train);
    test = standardizer.Transform(test);
    if (validation is not null) validation = standardizer.Transform(validation);
}
loadClock.Stop();

INetwork net = (options.Model, options.Dropout) switch
{
    ("cnn", true) => new FashionCnn(options.Seed),
    ("cnn", false) => new FashionCnnNoDropout(options.Seed),
    (_, true) => new FashionNetDropout(options.Seed),
    _ => new FashionNet(options.Seed),
};
NetworkArchitecture arch = net.Architecture;
int stepsPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
ILearningRateSchedule schedule = options.Schedule switch
{
    "constant" => new ConstantLearningRate(options.LearningRate),
    "step" => new StepDecay(options.LearningRate, 0.5f, every: 10),
    "cosine" => new CosineDecay(options.LearningRate, (long)stepsPerEpoch * options.Epochs),
    _ => new InverseTimeDecay(options.LearningRate, options.Decay),
};
IOptimizer optimizer = options.Optimizer switch
{
    "momentum" or "nesterov" => new Momentum(arch, schedule, options.Momentum, options.Optimizer == "nesterov", options.L2, options.L1, options.Clip),
    "adam" => new Adam(arch, schedule, l2: options.L2, l1: options.L1, clipNorm: options.Clip),
    "adamw" => new AdamW(arch, schedule, weightDecay: options.L2, l1: options.L1, clipNorm: options.Clip),
    _ => new Sgd(arch, schedule, options.L2, options.L1, options.Clip),
};
var trainer = new Trainer(net, optimizer, new TrainerOptions
{
    Epochs = options.Epochs,
    BatchSize = options.BatchSize,
    Seed = options.Seed,
    Threads = options.Threads,
    EarlyStopping = options.Patience is int patience ? new EarlyStopping(patience) : null,
    CheckpointPath = options.Checkpoint,
});

Console.WriteLine($"NetGen · {arch} · {arch.ParameterCount:N0} parameters");
Console.WriteLine($"Fashion-MNIST: {train.Count:N0} train{(validation is null ? "" : $", {validation.Count:N0} validation")}, {test.Count:N0} test{(options.Standardize ? ", standardized" : "")} (loaded in {loadClock.Elapsed.TotalSeconds:F1} s)");
Console.WriteLine($"{options.Optimizer}, batch {options.BatchSize}, learning rate {schedule}, L2 {options.L2}{(options.L1 > 0 ? $", L1 {options.L1}" : "")} on weights{(options.Clip is float c ? $", clip {c}" : "")}, seed {options.Seed}, {options.Epochs} epochs{(options.Patience is int p ? $", early stopping after {p}" : "")}");

bool interactive = !Console.IsErrorRedirected;
var progress = new Progress(interactive);
trainer.EpochCompleted += r =>
{
    progress.Clear();
    string v = validation is null ? "" : $"  val loss {r.ValidationLoss:F4}  val acc {r.ValidationAccuracy:P2}";
    Console.WriteLine($"epoch {r.Epoch,3}/{options.Epochs}  train loss {r.TrainLoss:F4}{v}  test loss {r.TestLoss:F4}  test accuracy {r.TestAccuracy:P2}  {r.Seconds:F2} s  ({train.Count / r.Seconds:N0} samples/s)  lr {r.LearningRate:G3}");
};

TrainingHistory history;
try
{
    history = trainer.Fit(train, validation, test, progress);
}
catch (TrainingDivergedException e)
{
    progress.Clear();
    Console.Error.WriteLine($"error: {e.Message}");
    return 4;
}
catch (ArgumentException e)
{
    progress.Clear();
    Console.Error.WriteLine($"error: {e.Message}");
    return 3;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    progress.Clear();
    Console.Error.WriteLine($"error: cannot write the checkpoint {options.Checkpoint}: {e.Message}");
    return 5;
}
progress.Clear();

EvaluationResult final = Evaluation.Evaluate(net, test);
double trainSeconds = history.TrainSeconds;
double samplesPerSecond = (double)train.Count * history.Count / trainSeconds;
Console.WriteLine();
if (history.StoppedEarly) Console.WriteLine($"Early stopping after epoch {history.Count}; restored epoch {history.BestEpoch}.");
Console.WriteLine($"Test accuracy {final.Accuracy:P2} (epoch {history.BestEpoch} of {history.Count}); best seen {history.Max(h => h.TestAccuracy):P2}.");
string how = history.Threads == 1 ? "one thread" : history.Threads + " threads";
if (history.ShardRows is int shardRows) how += $", {shardRows}-row shards";
else if (history.Threads > 1) how += ", layers cut across them";
Console.WriteLine($"Training took {trainSeconds:F1} s ({trainSeconds / history.Count:F2} s per epoch, {samplesPerSecond:N0} samples/s, {how}).");
if (options.Confusion)
{
    Console.WriteLine();
    Console.Write(ConfusionMatrix.Compute(net, test).ToString(new[] { "T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot" }));
}
if (options.History is string path)
{
    try
    {
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) File.WriteAllText(path, history.ToJson());
        else
        {
            using var writer = new StreamWriter(path);
            history.WriteCsv(writer);
        }
        Console.WriteLine($"History written to {path}.");
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"error: cannot write the history to {path}: {e.Message}");
        return 5;
    }
}
if (options.Plot is string picture)
{
    try
    {
        TrainingCurves.Save(history, picture);
        Console.WriteLine($"Training curves drawn in {picture}.");
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"error: cannot write the plot to {picture}: {e.Message}");
        return 5;
    }
}
if (options.Checkpoint is string checkpoint) Console.WriteLine($"Checkpoint of epoch {history.BestEpoch} in {checkpoint} (safetensors).");

if (options.Json)
{
    var summary = new
    {
        model = options.Model,
        test_accuracy = Math.Round(final.Accuracy, 4),
        test_loss = Math.Round(final.MeanLoss, 4),
        train_loss = Math.Round(history[history.BestEpoch - 1].TrainLoss, 4),
        epochs = history.Count,
        best_epoch = history.BestEpoch,
        optimizer = options.Optimizer,
        schedule = options.Schedule,
        batch_size = options.BatchSize,
        learning_rate = options.LearningRate,
        l2 = options.L2,
        dropout = options.Dropout,
        standardize = options.Standardize,
        seed = options.Seed,
        train_seconds = Math.Round(trainSeconds, 2),
        seconds_per_epoch = Math.Round(trainSeconds / history.Count, 3),
        samples_per_second = Math.Round(samplesPerSecond),
        threads = history.Threads,
        shard_rows = history.ShardRows,
        parameters = arch.ParameterCount,
    };
    Console.WriteLine(JsonSerializer.Serialize(summary));
}
return 0;

/// <summary>A one-line progress bar on stderr, redrawn in place when stderr is a terminal.</summary>
internal sealed class Progress(bool interactive) : IProgress<TrainingProgress>
{
    private int _lastPercent = -1;

    public void Report(TrainingProgress p)
    {
        int percent = 100 * p.Batch / p.BatchesPerEpoch;
        if (percent == _lastPercent) return;
        _lastPercent = percent;
        if (!interactive)
        {
            if (percent % 25 == 0 && percent > 0 && percent < 100) Console.Error.WriteLine($"  epoch {p.Epoch}: {percent}% (running loss {p.RunningLoss:F4})");
            return;
        }
        int filled = percent * 30 / 100;
        Console.Error.Write($"\r  epoch {p.Epoch}/{p.Epochs} [{new string('#', filled)}{new string('.', 30 - filled)}] {percent,3}%  loss {p.RunningLoss:F4}");
    }

    public void Clear()
    {
        _lastPercent = -1;
        if (interactive) Console.Error.Write("\r" + new string(' ', 79) + "\r");
    }
}
