using System;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;
using Xunit.Abstractions;
using NetGen.CompilerServices;

namespace NetGen.Tests.Runtime;

public class TrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void LearnsXor()
    {
        float[] x = { 0, 0, 0, 1, 1, 0, 1, 1 };
        int[] y = { 0, 1, 1, 0 };
        var data = new Dataset(x, y, featureCount: 2, classCount: 2);
        var net = new XorNet(3);
        var sgd = new Sgd(XorNet.Architecture, new ConstantLearningRate(0.5f));
        var history = new Trainer(net, sgd, new TrainerOptions { Epochs = 2000, BatchSize = 4, Seed = 1 }).Fit(data);
        var o = new float[1];
        for (int i = 0; i < 4; i++)
        {
            net.Forward(x.AsSpan(2 * i, 2), o);
            Assert.True(y[i] == 1 ? o[0] > 0.9f : o[0] < 0.1f, $"XOR({x[2 * i]}, {x[2 * i + 1]}) = {o[0]}");
        }
        Assert.True(history[^1].TrainLoss < 0.05, $"final loss {history[^1].TrainLoss}");
    }

    [Fact]
    public void SameSeedGivesBitIdenticalTraining()
    {
        float[] RunOnce()
        {
            var rng = new Xoshiro256(5);
            var features = Enumerable.Range(0, 200 * 37).Select(_ => rng.NextSingle()).ToArray();
            var labels = Enumerable.Range(0, 200).Select(i => i % 5).ToArray();
            var net = new OddSoftmaxNet(17);
            var sgd = new Sgd(OddSoftmaxNet.Architecture, new InverseTimeDecay(0.1f, 1e-3f), l2: 1e-4f);
            new Trainer(net, sgd, new TrainerOptions { Epochs = 3, BatchSize = 16, Seed = 4 }).Fit(new Dataset(features, labels, 37, 5));
            return net.Parameters.ToArray();
        }
        Assert.Equal(RunOnce(), RunOnce());
    }

    [Fact]
    public void DivergenceStopsWithEpochAndStepAndRestoresTheEpochsStart()
    {
        // A rate of 1e38 overflows the first update: the next step's loss is NaN, and the network returns to the
        // parameters it had when the epoch began.
        var rng = new Xoshiro256(3);
        var data = new Dataset(Enumerable.Range(0, 64 * 37).Select(_ => rng.NextSingle()).ToArray(), Enumerable.Range(0, 64).Select(i => i % 5).ToArray(), 37, 5);
        var net = new OddSoftmaxNet(2);
        float[] before = net.Parameters.ToArray();
        var trainer = new Trainer(net, new Sgd(OddSoftmaxNet.Architecture, new ConstantLearningRate(1e38f)), new TrainerOptions { Epochs = 3, BatchSize = 8 });
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data));
        Assert.Equal(1, e.Epoch);
        Assert.InRange(e.Step, 2, 8);
        Assert.Contains($"epoch 1, step {e.Step}", e.Message);
        Assert.Contains("restored to the start of epoch 1", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void OneEpochOnFashionMnistReachesEightyPercent()
    {
        string folder = NetGen.Samples.FashionMnist.DebianFashionMnist.Directory;
        Assert.True(FashionMnist.IsAvailable(folder),
            $"Fashion-MNIST is not installed at {folder}; install it with: {NetGen.Samples.FashionMnist.DebianFashionMnist.InstallHint} (the README's test command does this).");
        var (train, test) = FashionMnist.Load(folder);
        var net = new SeedNet(1);
        var sgd = new Sgd(SeedNet.Architecture, new InverseTimeDecay(0.1f, 1e-5f), l2: 1e-5f);
        var result = new Trainer(net, sgd, new TrainerOptions { Epochs = 1, BatchSize = 20, Seed = 1 }).Fit(train, test: test)[0];
        output.WriteLine($"one epoch: test accuracy {result.TestAccuracy:P2}, {result.Seconds:F2} s");
        Assert.True(result.TestAccuracy >= 0.80, $"test accuracy {result.TestAccuracy:P2} after one epoch");
    }
}
