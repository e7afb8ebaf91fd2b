using System;
using System.IO;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;
using NetGen.CompilerServices;

namespace NetGen.Tests.Runtime;

public class EarlyStoppingTests
{
    /// <summary>A task the network can overfit: few noisy samples, many epochs, a large learning rate.</summary>
    private static (Dataset Train, Dataset Validation) Overfittable()
    {
        var rng = new Xoshiro256(11);
        Dataset Make(int n)
        {
            var x = new float[n * 37];
            var y = new int[n];
            for (int i = 0; i < n; i++)
            {
                y[i] = rng.NextInt(5);
                for (int j = 0; j < 37; j++) x[i * 37 + j] = (j % 5 == y[i] ? 0.5f : 0f) + 2f * (rng.NextSingle() - 0.5f);
            }
            return new Dataset(x, y, 37, 5);
        }
        return (Make(40), Make(200));
    }

    [Fact]
    public void StopsAndRestoresTheBestEpoch()
    {
        var (train, validation) = Overfittable();
        var net = new OddSoftmaxNet(1);
        float[]? bestParameters = null;
        var trainer = new Trainer(net, new Sgd(OddSoftmaxNet.Architecture, new ConstantLearningRate(0.5f)),
            new TrainerOptions { Epochs = 300, BatchSize = 4, Seed = 2, EarlyStopping = new EarlyStopping(Patience: 5) });
        trainer.BestEpochImproved += _ => bestParameters = net.Parameters.ToArray();
        TrainingHistory history = trainer.Fit(train, validation);

        Assert.True(history.StoppedEarly, "an overfitting run should stop early");
        Assert.Equal(history.BestEpoch + 5, history.Count);
        double bestLoss = history.Min(e => e.ValidationLoss);
        Assert.Equal(bestLoss, history[history.BestEpoch - 1].ValidationLoss);
        // The network holds the best epoch's parameters, not the last epoch's.
        Assert.Equal(bestParameters, net.Parameters.ToArray());
        Assert.Equal(bestLoss, Evaluation.Evaluate(net, validation).MeanLoss, 5);
    }

    /// <summary>Trains with a checkpoint file; returns the network and what the file holds when loaded into a fresh one.</summary>
    private static (OddSoftmaxNet Net, float[] Checkpoint, TrainingHistory History, int Writes) TrainWithCheckpoint(TrainerOptions options, float learningRate, bool validate)
    {
        var (train, validation) = Overfittable();
        string path = Path.Combine(Path.GetTempPath(), $"netgen-checkpoint-{Guid.NewGuid():N}.safetensors");
        try
        {
            var net = new OddSoftmaxNet(1);
            var trainer = new Trainer(net, new Sgd(OddSoftmaxNet.Architecture, new ConstantLearningRate(learningRate)), options with { CheckpointPath = path });
            int writes = 0;
            trainer.BestEpochImproved += _ => writes++;
            TrainingHistory history = validate ? trainer.Fit(train, validation) : trainer.Fit(train);
            Assert.False(File.Exists(path + ".tmp"));
            var restored = new OddSoftmaxNet(99);
            SafeTensors.Load(restored, path);
            return (net, restored.Parameters.ToArray(), history, writes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CheckpointHoldsTheBestEpoch()
    {
        var (net, checkpoint, history, writes) = TrainWithCheckpoint(
            new TrainerOptions { Epochs = 300, BatchSize = 4, Seed = 2, EarlyStopping = new EarlyStopping(Patience: 5) }, 0.5f, validate: true);
        Assert.True(history.StoppedEarly);
        Assert.True(writes > 1);
        // The file holds the restored best epoch, not the last one trained.
        Assert.Equal(net.Parameters.ToArray(), checkpoint);
    }

    [Fact]
    public void WithoutEarlyStoppingTheCheckpointIsTheLatestEpoch()
    {
        var (net, checkpoint, history, _) = TrainWithCheckpoint(new TrainerOptions { Epochs = 3, BatchSize = 8 }, 0.1f, validate: false);
        Assert.Equal(3, history.Count);
        Assert.Equal(net.Parameters.ToArray(), checkpoint);
    }

    [Fact]
    public void ACheckpointInAMissingFolderIsRefusedBeforeTraining()
    {
        var (train, _) = Overfittable();
        var net = new OddSoftmaxNet(1);
        float[] before = net.Parameters.ToArray();
        var trainer = new Trainer(net, new Sgd(OddSoftmaxNet.Architecture, new ConstantLearningRate(0.1f)),
            new TrainerOptions { Epochs = 3, BatchSize = 8, CheckpointPath = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}", "best.safetensors") });
        var e = Assert.Throws<DirectoryNotFoundException>(() => trainer.Fit(train));
        Assert.Contains("does not exist", e.Message);
        Assert.Equal(before, net.Parameters.ToArray()); // nothing trained, nothing lost
    }

    [Fact]
    public void HistoryWritesCsvAndJson()
    {
        var (train, validation) = Overfittable();
        var net = new OddSoftmaxNet(1);
        var history = new Trainer(net, new Sgd(OddSoftmaxNet.Architecture, new ConstantLearningRate(0.1f)),
            new TrainerOptions { Epochs = 3, BatchSize = 8 }).Fit(train, validation);
        var csv = new StringWriter();
        history.WriteCsv(csv);
        string[] lines = csv.ToString().TrimEnd().Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("epoch,train_loss,validation_loss,validation_accuracy", lines[0]);
        Assert.StartsWith("3,", lines[3]);
        string json = history.ToJson();
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(3, doc.RootElement.GetProperty("epochs").GetArrayLength());
        Assert.Equal(1, doc.RootElement.GetProperty("threads").GetInt32()); // a small step stays on one thread
        Assert.Equal(System.Text.Json.JsonValueKind.Null, doc.RootElement.GetProperty("shard_rows").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, doc.RootElement.GetProperty("epochs")[0].GetProperty("test_accuracy").ValueKind);
    }

    [Fact]
    public void EarlyStoppingNeedsAValidationSet()
    {
        var (train, _) = Overfittable();
        var trainer = new Trainer(new OddSoftmaxNet(), new Sgd(OddSoftmaxNet.Architecture, new ConstantLearningRate(0.1f)),
            new TrainerOptions { Epochs = 3, EarlyStopping = new EarlyStopping() });
        Assert.Throws<ArgumentException>(() => trainer.Fit(train));
    }
}
