using System;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Runtime;

public class OptimizerTests
{
    [Fact]
    public void SgdStepIsTheTextbookUpdate()
    {
        var arch = LinearNet.Architecture; // W [2, 3] at 0, b [2] at 6
        float[] p = { 1, -2, 3, 0.5f, 0, -1, 10, -10 };
        float[] g = { 0.1f, 0.2f, -0.3f, 0, 1, 2, 5, -5 };
        var sgd = new Sgd(arch, new ConstantLearningRate(0.5f), l2: 0.1f);
        sgd.Step(p, g);
        float[] expected = new float[8];
        for (int i = 0; i < 6; i++) expected[i] = new[] { 1f, -2, 3, 0.5f, 0, -1 }[i] - 0.5f * (new[] { 0.1f, 0.2f, -0.3f, 0, 1, 2 }[i] + 0.1f * new[] { 1f, -2, 3, 0.5f, 0, -1 }[i]);
        expected[6] = 10 - 0.5f * 5;
        expected[7] = -10 + 0.5f * 5;
        for (int i = 0; i < 8; i++) Assert.Equal(expected[i], p[i], 6);
        Assert.Equal(1, sgd.StepCount);
    }

    [Fact]
    public void RegularizationNeverTouchesBiases()
    {
        // Zero gradients: L2 and L1 shrink the weights, and must leave every bias exactly as it was.
        var net = new OddSoftmaxNet(2);
        foreach (LayerDescription layer in OddSoftmaxNet.Architecture.Layers) net.Parameters.Slice(layer.BiasOffset, layer.BiasCount).Fill(0.75f);
        float[] before = net.Parameters.ToArray();
        net.Gradients.Clear();
        var sgd = new Sgd(OddSoftmaxNet.Architecture, new ConstantLearningRate(0.1f), l2: 0.5f, l1: 0.01f);
        for (int i = 0; i < 10; i++) sgd.Step(net);
        foreach (LayerDescription layer in OddSoftmaxNet.Architecture.Layers)
        {
            Assert.All(net.Parameters.Slice(layer.BiasOffset, layer.BiasCount).ToArray(), b => Assert.Equal(0.75f, b));
            float[] w0 = before.AsSpan(layer.WeightOffset, layer.WeightCount).ToArray();
            float[] w1 = net.Parameters.Slice(layer.WeightOffset, layer.WeightCount).ToArray();
            Assert.True(w1.Sum(Math.Abs) < 0.7 * w0.Sum(Math.Abs), "weights should shrink under L2 + L1");
        }
    }

    [Fact]
    public void InverseTimeDecayFollowsTheFormula()
    {
        var perStep = new InverseTimeDecay(0.2f, 0.01f);
        Assert.Equal(0.2f, perStep.GetLearningRate(0, 0));
        Assert.Equal(0.2 / (1 + 0.01 * 100), perStep.GetLearningRate(100, 7), 6);
        var perEpoch = new InverseTimeDecay(0.2f, 0.5f, ScheduleUnit.Epoch);
        Assert.Equal(0.2 / (1 + 0.5 * 3), perEpoch.GetLearningRate(12345, 3), 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => new InverseTimeDecay(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InverseTimeDecay(0.1f, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantLearningRate(float.NaN));
    }

    [Fact]
    public void OptimizerRejectsWrongLengths()
    {
        var sgd = new Sgd(LinearNet.Architecture, new ConstantLearningRate(0.1f));
        var e = Assert.Throws<ArgumentException>(() => sgd.Step(new float[7], new float[8]));
        Assert.Contains("8", e.Message);
        Assert.Contains("7", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(LinearNet.Architecture, new ConstantLearningRate(0.1f), l2: -1));
    }
}
