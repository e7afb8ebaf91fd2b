using System;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Runtime;

/// <summary>Optimizers are made from a number and a network as readily as from a schedule and an architecture, and say which network they belong to.</summary>
public class OptimizerConstructionTests
{
    private static float[] TrainTwice(Func<INetwork, IOptimizer> create)
    {
        var net = new OddSoftmaxNet(4);
        IOptimizer optimizer = create(net);
        float[] x = Seeded.Floats(6 * OddSoftmaxNet.InputSize, 9);
        int[] y = { 0, 1, 2, 3, 4, 0 };
        net.TrainStep(x, y, optimizer);
        net.TrainStep(x, y, optimizer);
        return net.Parameters.ToArray();
    }

    [Fact]
    public void ANumberIsAConstantRateAndANetworkGivesItsArchitecture()
    {
        var schedule = new ConstantLearningRate(0.05f);
        NetworkArchitecture a = OddSoftmaxNet.Architecture;
        Assert.Equal(TrainTwice(_ => new Sgd(a, schedule, l2: 1e-3f)), TrainTwice(n => new Sgd(n, 0.05f, l2: 1e-3f)));
        Assert.Equal(TrainTwice(_ => new Sgd(a, schedule)), TrainTwice(_ => new Sgd(a, 0.05f)));
        Assert.Equal(TrainTwice(_ => new Momentum(a, schedule, 0.8f, nesterov: true)), TrainTwice(n => new Momentum(n, 0.05f, 0.8f, nesterov: true)));
        Assert.Equal(TrainTwice(_ => new Momentum(a, schedule)), TrainTwice(n => new Momentum(n, schedule)));
        Assert.Equal(TrainTwice(_ => new Adam(a, schedule, epsilon: 1e-6f)), TrainTwice(n => new Adam(n, 0.05f, epsilon: 1e-6f)));
        Assert.Equal(TrainTwice(_ => new AdamW(a, schedule, weightDecay: 0.1f)), TrainTwice(n => new AdamW(n, 0.05f, weightDecay: 0.1f)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(a, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(a, float.NaN));
        Assert.Throws<ArgumentNullException>(() => new Momentum((INetwork)null!, 0.1f));
    }

    [Fact]
    public void AnOptimizerHandedAnotherNetworkSaysWhichNetworkItWasMadeFor()
    {
        var sgd = new Sgd(new OddSoftmaxNet(1), 0.1f);
        var other = new BlockedNet(1);
        float[] before = other.Parameters.ToArray();
        foreach (IOptimizer optimizer in new IOptimizer[] { sgd, new Momentum(new OddSoftmaxNet(1), 0.1f), new Adam(new OddSoftmaxNet(1), 0.01f) })
        {
            var e = Assert.Throws<ArgumentException>(() => other.TrainStep(Seeded.Floats(2 * BlockedNet.InputSize, 3), new[] { 1, 2 }, optimizer));
            Assert.Contains($"This optimizer was created for {OddSoftmaxNet.Architecture} ({OddSoftmaxNet.ParameterCount} parameters), but it was handed {BlockedNet.ParameterCount}", e.Message);
            Assert.Equal(before, other.Parameters.ToArray());
        }
    }
}
