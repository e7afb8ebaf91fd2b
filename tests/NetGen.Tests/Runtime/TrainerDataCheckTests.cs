using System;
using System.Linq;
using NetGen.CompilerServices;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Runtime;

/// <summary>
/// <see cref="Trainer.Fit"/> checks every data set it is handed, whole, before the first step: a bad row is reported by
/// its number in the data set, and the network and the optimizer are untouched.
/// </summary>
public class TrainerDataCheckTests
{
    private static Dataset Data(int rows, int features = 37, int classes = 5, int seed = 1)
    {
        var rng = new Xoshiro256((ulong)seed);
        return new Dataset(Enumerable.Range(0, rows * features).Select(_ => rng.NextSingle()).ToArray(),
            Enumerable.Range(0, rows).Select(i => i % classes).ToArray(), features, classes);
    }

    private static void AssertRefusedBeforeAnyStep(Func<Trainer, TrainingHistory> fit, string expected)
    {
        var net = new OddSoftmaxNet(2);
        float[] before = net.Parameters.ToArray();
        var sgd = new Sgd(OddSoftmaxNet.Architecture, new ConstantLearningRate(0.1f));
        var trainer = new Trainer(net, sgd, new TrainerOptions { Epochs = 2, BatchSize = 8 });
        var e = Assert.Throws<ArgumentException>(() => fit(trainer));
        Assert.Contains(expected, e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.Equal(0, sgd.StepCount);
    }

    [Fact]
    public void ALabelBeyondTheNetworksClassesIsReportedByItsRowInTheDataSet()
    {
        // Seven classes in the data, five outputs: row 5 is the first with label 5.
        AssertRefusedBeforeAnyStep(t => t.Fit(Data(40, classes: 7)), "Row 5 of the training set has label 5, but OddSoftmaxNet has 5 classes");
    }

    [Fact]
    public void ATestSetWithMoreClassesIsRefusedBeforeTraining()
    {
        AssertRefusedBeforeAnyStep(t => t.Fit(Data(40), test: Data(20, classes: 9)), "Row 5 of the test set has label 5");
    }

    [Fact]
    public void AValidationSetOfTheWrongWidthIsRefusedBeforeTraining()
    {
        AssertRefusedBeforeAnyStep(t => t.Fit(Data(40), validation: Data(20, features: 36)), "The validation set has 36 features per sample, but OddSoftmaxNet takes 37 inputs");
    }

    [Fact]
    public void AnEmptyDataSetIsRefused()
    {
        var empty = new Dataset(Array.Empty<float>(), Array.Empty<int>(), 37, 5);
        AssertRefusedBeforeAnyStep(t => t.Fit(empty), "The training set is empty");
        AssertRefusedBeforeAnyStep(t => t.Fit(Data(40), test: empty), "The test set is empty");
    }

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    public void ANonFiniteInputIsReportedByRowAndFeature(float bad)
    {
        Dataset data = Data(40);
        float[] features = data.Features.ToArray();
        features[17 * 37 + 4] = bad;
        var poisoned = new Dataset(features, data.Labels.ToArray(), 37, 5);
        AssertRefusedBeforeAnyStep(t => t.Fit(poisoned), $"Row 17 of the training set has {bad.ToString(System.Globalization.CultureInfo.InvariantCulture)} at feature 4");
    }

    private sealed class FixedRate(float rate) : ILearningRateSchedule
    {
        public float GetLearningRate(long step, int epoch) => rate;

        public override string ToString() => $"fixed {rate}";
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-0.1f)]
    public void AScheduleGivingABadRateStopsTheStepBeforeAnyChange(float rate)
    {
        foreach (bool fused in new[] { true, false })
        {
            var net = new OddSoftmaxNet(2);
            float[] before = net.Parameters.ToArray();
            // Plain SGD fuses into the backward pass; with clipping it takes the separate step.
            var sgd = new Sgd(OddSoftmaxNet.Architecture, new FixedRate(rate), clipNorm: fused ? null : 1e6f);
            Dataset data = Data(8);
            var e = Assert.Throws<InvalidOperationException>(() => net.TrainStep(data.Features, data.Labels, sgd));
            Assert.Contains($"gave {rate} for step 1", e.Message);
            Assert.Equal(before, net.Parameters.ToArray());
            Assert.Equal(0, sgd.StepCount);
        }
    }

    [Fact]
    public void AdamRefusesAnInfiniteEpsilon()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(OddSoftmaxNet.Architecture, new ConstantLearningRate(0.01f), epsilon: float.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(OddSoftmaxNet.Architecture, new ConstantLearningRate(0.01f), epsilon: float.NaN));
    }
}
