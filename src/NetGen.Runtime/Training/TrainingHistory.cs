using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace NetGen;

/// <summary>One finished epoch. Accuracies and losses are NaN where there was no such data set.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches (without the regularization term; with dropout active).</param>
/// <param name="ValidationLoss">Mean cross-entropy on the validation set.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation set.</param>
/// <param name="TestLoss">Mean cross-entropy on the test set.</param>
/// <param name="TestAccuracy">Accuracy on the test set.</param>
/// <param name="LearningRate">The learning rate at the end of the epoch.</param>
/// <param name="Seconds">Wall time of the epoch's training steps (evaluation excluded).</param>
public sealed record EpochResult(int Epoch, double TrainLoss, double ValidationLoss, double ValidationAccuracy,
    double TestLoss, double TestAccuracy, float LearningRate, double Seconds);

/// <summary>The epochs of one training run, which epoch was best, and whether early stopping ended it.</summary>
public sealed class TrainingHistory : IReadOnlyList<EpochResult>
{
    private readonly List<EpochResult> _epochs = new();

    internal TrainingHistory()
    {
    }

    /// <summary>The epoch whose parameters the network holds at the end when the best were restored, else the last.</summary>
    public int BestEpoch { get; internal set; }

    /// <summary>
    /// The threads each training step ran on, the caller's included: <see cref="TrainerOptions.Threads"/>, or what the
    /// trainer chose when it was left null.
    /// </summary>
    public int Threads { get; internal set; } = 1;

    /// <summary>
    /// Rows per shard when each batch was cut into data-parallel shards (<see cref="DataParallel"/>;
    /// <see cref="TrainerOptions.ShardRows"/>, or the trainer's choice when it was left to choose); null when whole
    /// batches were stepped, on one thread or cut by layers.
    /// </summary>
    public int? ShardRows { get; internal set; }

    /// <summary>Whether early stopping ended training before the last planned epoch.</summary>
    public bool StoppedEarly { get; internal set; }

    /// <summary>Total seconds of training steps.</summary>
    public double TrainSeconds
    {
        get
        {
            double s = 0;
            foreach (EpochResult e in _epochs) s += e.Seconds;
            return s;
        }
    }

    /// <inheritdoc/>
    public int Count => _epochs.Count;

    /// <inheritdoc/>
    public EpochResult this[int index] => _epochs[index];

    internal void Add(EpochResult result) => _epochs.Add(result);

    /// <inheritdoc/>
    public IEnumerator<EpochResult> GetEnumerator() => _epochs.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Writes one CSV line per epoch with a header, invariant culture.</summary>
    public void WriteCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine("epoch,train_loss,validation_loss,validation_accuracy,test_loss,test_accuracy,learning_rate,seconds");
        foreach (EpochResult e in _epochs)
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{e.Epoch},{e.TrainLoss:R},{e.ValidationLoss:R},{e.ValidationAccuracy:R},{e.TestLoss:R},{e.TestAccuracy:R},{e.LearningRate:R},{e.Seconds:R}"));
    }

    /// <summary>The history as JSON: <c>{"best_epoch":…,"stopped_early":…,"threads":…,"shard_rows":…,"epochs":[{…}]}</c>; NaN is written as null.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            json.WriteStartObject();
            json.WriteNumber("best_epoch", BestEpoch);
            json.WriteBoolean("stopped_early", StoppedEarly);
            json.WriteNumber("threads", Threads);
            if (ShardRows is int rows) json.WriteNumber("shard_rows", rows);
            else json.WriteNull("shard_rows");
            json.WriteStartArray("epochs");
            foreach (EpochResult e in _epochs)
            {
                json.WriteStartObject();
                json.WriteNumber("epoch", e.Epoch);
                Number(json, "train_loss", e.TrainLoss);
                Number(json, "validation_loss", e.ValidationLoss);
                Number(json, "validation_accuracy", e.ValidationAccuracy);
                Number(json, "test_loss", e.TestLoss);
                Number(json, "test_accuracy", e.TestAccuracy);
                Number(json, "learning_rate", e.LearningRate);
                Number(json, "seconds", e.Seconds);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }
}
