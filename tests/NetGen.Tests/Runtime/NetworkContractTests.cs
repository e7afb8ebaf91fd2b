using System;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Runtime;

/// <summary>The generated members' contract: constants, layout, initialization, argument checks, no allocation.</summary>
public class NetworkContractTests
{
    [Fact]
    public void SeedNetworkConstantsAndLayout()
    {
        Assert.Equal(784, SeedNet.InputSize);
        Assert.Equal(10, SeedNet.OutputSize);
        Assert.Equal(397_510, SeedNet.ParameterCount);
        var layers = SeedNet.Architecture.Layers;
        Assert.Equal((0, 392_000, 392_000), (layers[0].WeightOffset, layers[0].WeightCount, layers[0].BiasOffset));
        Assert.Equal((392_500, 5_000, 397_500), (layers[1].WeightOffset, layers[1].WeightCount, layers[1].BiasOffset));
        Assert.Equal(LossFunction.CrossEntropy, SeedNet.Architecture.Loss);
        Assert.Equal("784 → Dense(500, Tanh) → Softmax(10) | CrossEntropy", SeedNet.Architecture.ToString());
        var net = new SeedNet();
        Assert.Equal(SeedNet.ParameterCount, net.Parameters.Length);
        Assert.Equal(SeedNet.ParameterCount, net.Gradients.Length);
    }

    [Fact]
    public void DefaultLossesFollowTheOutput()
    {
        Assert.Equal(LossFunction.BinaryCrossEntropy, BinaryNet.Architecture.Loss);
        Assert.Equal(LossFunction.MeanSquaredError, OddRegressionNet.Architecture.Loss);
        Assert.Equal(LossFunction.MeanSquaredError, SoftmaxMseNet.Architecture.Loss);
    }

    [Fact]
    public void XavierInitializationWithinBoundsZeroBiasesAndSeeded()
    {
        var a = new OddSoftmaxNet(5);
        var b = new OddSoftmaxNet(5);
        var c = new OddSoftmaxNet(6);
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
        Assert.NotEqual(a.Parameters.ToArray(), c.Parameters.ToArray());
        foreach (LayerDescription layer in OddSoftmaxNet.Architecture.Layers)
        {
            double bound = (layer.Activation == Activation.Sigmoid ? 4 : 1) * Math.Sqrt(6.0 / (layer.Inputs + layer.Outputs));
            float[] w = a.Parameters.Slice(layer.WeightOffset, layer.WeightCount).ToArray();
            Assert.All(w, v => Assert.InRange(Math.Abs(v), 0, bound));
            // Uniform on [−r, r]: the largest draw comes close to r.
            Assert.True(w.Max(Math.Abs) > 0.8 * bound);
            Assert.All(a.Parameters.Slice(layer.BiasOffset, layer.BiasCount).ToArray(), v => Assert.Equal(0f, v));
        }
        Assert.Equal(new SeedNet(Xavier.DefaultSeed).Parameters.ToArray(), new SeedNet().Parameters.ToArray());
    }

    [Fact]
    public void SoftmaxOutputsAreProbabilitiesAndPredictIsTheArgmax()
    {
        var net = new OddSoftmaxNet(3);
        float[] x = Numerics.TestData.Uniform(OddSoftmaxNet.InputSize, 4, scale: 3);
        var p = new float[OddSoftmaxNet.OutputSize];
        net.Forward(x, p);
        Assert.All(p, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(1.0, p.Sum(), 5);
        Assert.Equal(Array.IndexOf(p, p.Max()), net.Predict(x));
    }

    [Fact]
    public void WrongLengthsThrowWithExpectedAndActual()
    {
        var net = new OddSoftmaxNet();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(new float[36], new float[5]));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("37", e.Message);
        Assert.Contains("36", e.Message);
        Assert.Throws<ArgumentException>(() => net.Forward(new float[37], new float[4]));
        Assert.Throws<ArgumentException>(() => net.Predict(new float[38]));
        Assert.Throws<ArgumentException>(() => net.ForwardBatch(new float[37 * 2 + 1], new float[10]));
        Assert.Throws<ArgumentException>(() => net.ForwardBatch(new float[0], new float[0]));
        e = Assert.Throws<ArgumentException>(() => net.ForwardBatch(new float[37 * 2], new float[15]));
        Assert.Equal("outputs", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => net.ComputeGradients(new float[37 * 2], new int[3]));
        Assert.Equal("labels", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => net.ComputeGradients(new float[37 * 2], new float[9]));
        Assert.Equal("targets", e.ParamName);
    }

    [Fact]
    public void LabelOutOfRangeThrowsAndLeavesGradientsUntouched()
    {
        var net = new OddSoftmaxNet();
        net.Gradients.Fill(42f);
        var e = Assert.Throws<ArgumentException>(() => net.ComputeGradients(new float[37 * 3], new[] { 0, 5, 1 }));
        Assert.Contains("Label 5 at index 1", e.Message);
        Assert.Contains("[0, 5)", e.Message);
        Assert.Throws<ArgumentException>(() => net.ComputeGradients(new float[37 * 3], new[] { 0, -1, 1 }));
        Assert.All(net.Gradients.ToArray(), g => Assert.Equal(42f, g));
        // A single sigmoid output takes labels 0 and 1 only.
        Assert.Throws<ArgumentException>(() => new BinaryNet().ComputeGradients(new float[13], new[] { 2 }));
    }

    [Fact]
    public void ForwardAllocatesNothingAfterWarmUp()
    {
        var net = new SeedNet();
        var x = new float[SeedNet.InputSize];
        var y = new float[SeedNet.OutputSize];
        Allocations.AssertNone(() =>
        {
            net.Forward(x, y);
            net.Predict(x);
        }, repeats: 100);
    }

    [Fact]
    public void BatchPathsAllocateNothingOnceTheWorkspaceFits()
    {
        var net = new SeedNet();
        var x = new float[64 * SeedNet.InputSize];
        var y = new float[64 * SeedNet.OutputSize];
        var labels = new int[64];
        Allocations.AssertNone(() =>
        {
            net.ForwardBatch(x, y);
            net.ComputeGradients(x, labels);
        }, repeats: 5);
    }

    [Fact]
    public void LargeBatchesAreChunkedAndAccumulateTheSameGradient()
    {
        // 600 rows run as chunks of 256, 256, 88; the gradient must equal the mean of per-sample gradients.
        var net = new OddSoftmaxNet(9);
        const int batch = 600;
        float[] x = Numerics.TestData.Uniform(batch * OddSoftmaxNet.InputSize, 31);
        int[] labels = Numerics.TestData.Labels(net, batch, 32);
        float loss = net.ComputeGradients(x, labels);
        float[] whole = net.Gradients.ToArray();
        var sum = new double[whole.Length];
        double lossSum = 0;
        for (int s = 0; s < batch; s++)
        {
            lossSum += net.ComputeGradients(x.AsSpan(s * OddSoftmaxNet.InputSize, OddSoftmaxNet.InputSize), labels.AsSpan(s, 1));
            for (int i = 0; i < sum.Length; i++) sum[i] += net.Gradients[i];
        }
        Assert.Equal(lossSum / batch, loss, 4);
        Numerics.Tolerance.Close(sum.Select(v => v / batch).ToArray(), whole, 1e-4, "chunked gradient");
    }
}
