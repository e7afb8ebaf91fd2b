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
    Console.WriteLine(Options.Usage);
    return 0;
}

Dataset train, test;
var loadClock = Stopwatch.StartNew();
try
{
    (train, test) = NetGen.FashionMnist.Load(options.DataDirectory);
}
catch (Exception e) when (e is FileNotFoundException or InvalidDataFileException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 3;
}
loadClock.Stop();

var net = new FashionNet(options.Seed);
var schedule = new InverseTimeDecay(options.LearningRate, options.Decay);
var optimizer = new Sgd(FashionNet.Architecture, schedule, l2: options.L2);
var trainer = new Trainer(net, optimizer, new TrainerOptions { Epochs = options.Epochs, BatchSize = options.BatchSize, Seed = options.Seed });

Console.WriteLine($"NetGen · {FashionNet.Architecture} · {FashionNet.ParameterCount:N0} parameters");
Console.WriteLine($"Fashion-MNIST: {train.Count:N0} train, {test.Count:N0} test (loaded in {loadClock.Elapsed.TotalSeconds:F1} s)");
Console.WriteLine($"SGD, batch {options.BatchSize}, learning rate {schedule}, L2 {options.L2} on weights, seed {options.Seed}, {options.Epochs} epochs");

bool interactive = !Console.IsErrorRedirected;
var progress = new Progress(interactive);
trainer.EpochCompleted += r =>
{
    progress.Clear();
    Console.WriteLine($"epoch {r.Epoch,3}/{options.Epochs}  train loss {r.TrainLoss:F4}  test loss {r.TestLoss:F4}  test accuracy {r.TestAccuracy:P2}  {r.Seconds:F2} s  ({train.Count / r.Seconds:N0} samples/s)  lr {r.LearningRate:G3}");
};

var history = trainer.Fit(train, test, progress);
progress.Clear();

double trainSeconds = history.Sum(h => h.Seconds);
EpochResult final = history[^1];
double samplesPerSecond = (double)train.Count * history.Count / trainSeconds;
Console.WriteLine();
Console.WriteLine($"Test accuracy {final.TestAccuracy:P2} after {history.Count} epochs; best {history.Max(h => h.TestAccuracy):P2} (epoch {history.MaxBy(h => h.TestAccuracy)!.Epoch}).");
Console.WriteLine($"Training took {trainSeconds:F1} s ({trainSeconds / history.Count:F2} s per epoch, {samplesPerSecond:N0} samples/s, one thread).");

if (options.Json)
{
    var summary = new
    {
        test_accuracy = Math.Round(final.TestAccuracy, 4),
        test_loss = Math.Round(final.TestLoss, 4),
        train_loss = Math.Round(final.TrainLoss, 4),
        epochs = history.Count,
        batch_size = options.BatchSize,
        learning_rate = options.LearningRate,
        l2 = options.L2,
        seed = options.Seed,
        train_seconds = Math.Round(trainSeconds, 2),
        seconds_per_epoch = Math.Round(trainSeconds / history.Count, 3),
        samples_per_second = Math.Round(samplesPerSecond),
        parameters = FashionNet.ParameterCount,
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
