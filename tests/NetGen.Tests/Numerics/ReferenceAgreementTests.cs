using System;
using System.Linq;
using NetGen;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Numerics;

/// <summary>Generated forward and gradients against the independent double-precision <see cref="ReferenceNetwork"/>.</summary>
public class ReferenceAgreementTests
{
    /// <summary>
    /// Every test network at batch sizes that take each path of the forward kernels: one row (the one-row kernels), blocks
    /// of four rows with none, one, two and three rows left over, 64 rows (one whole panel of the rows-packed product), 100
    /// (a whole panel, then 36 rows on the dot-product blocks) and 300 (a chunk of 256 on the packed product, then 44).
    /// </summary>
    public static TheoryData<string, int> NetworksAndBatches()
    {
        var data = new TheoryData<string, int>();
        foreach (object[] net in TestData.NetworksWithGemm())
            foreach (int batch in new[] { 1, 3, 4, 6, 7, 13, 20, 64, 100, 300 })
                data.Add((string)net[0], batch);
        return data;
    }

    [Theory]
    [MemberData(nameof(NetworksAndBatches))]
    public void ForwardBatchMatchesReference(string name, int batch)
    {
        INetwork net = TestData.Create(name);
        float[] x = TestData.Uniform(batch * net.InputSize, seed: batch);
        var output = new float[batch * net.OutputSize];
        net.ForwardBatch(x, output);

        var expected = new double[output.Length];
        for (int s = 0; s < batch; s++)
        {
            var (_, a) = ReferenceNetwork.Forward(net.Architecture, net.Parameters, x.AsSpan(s * net.InputSize, net.InputSize));
            a[^1].CopyTo(expected, s * net.OutputSize);
        }
        Tolerance.Close(expected, output, 1e-5, $"{name} outputs");
    }

    public static TheoryData<string> NetworksWithGemm()
    {
        var data = new TheoryData<string>();
        foreach (object[] net in TestData.NetworksWithGemm()) data.Add((string)net[0]);
        return data;
    }

    /// <summary>
    /// <c>ForwardBatch</c> packs the weights of its packed-product layers once per call: weights changed between two calls
    /// (as a training step or a write to <c>Parameters</c> changes them) are the ones the second call runs, to the bit of
    /// a network that never ran before.
    /// </summary>
    [Theory]
    [MemberData(nameof(NetworksWithGemm))]
    public void ForwardBatchRunsTheWeightsOfTheCall(string name)
    {
        INetwork used = TestData.Create(name), fresh = TestData.Create(name);
        const int batch = 300;
        float[] x = TestData.Uniform(batch * used.InputSize, seed: 7);
        var before = new float[batch * used.OutputSize];
        used.ForwardBatch(x, before);
        float[] changed = TestData.Uniform(used.Parameters.Length, seed: 8, scale: 0.1f);
        changed.CopyTo(used.Parameters);
        changed.CopyTo(fresh.Parameters);
        var again = new float[before.Length];
        var expected = new float[before.Length];
        used.ForwardBatch(x, again);
        fresh.ForwardBatch(x, expected);
        Assert.Equal(expected, again);
        Assert.NotEqual(before, again);
    }

    /// <summary>
    /// One sample's <c>Forward</c> equals its row of a <c>ForwardBatch</c> to the bit, unless the batch runs a layer on the
    /// packed product (<see cref="TestData.ForwardBatchPacks"/>), which sums each output as one FMA chain over k where one
    /// sample sums sixteen lanes and reduces them. The two are then equal to rounding: each within the bound
    /// <see cref="ForwardBatchMatchesReference"/> holds the batch to, against the double-precision reference. (Against each
    /// other they can differ by both roundings: OddRegressionNet's row 37, output 3, at batch 300 is −6.6360133e-4 in
    /// double, −6.635789e-4 in the batch and −6.635918e-4 alone.)
    /// </summary>
    [Theory]
    [MemberData(nameof(NetworksAndBatches))]
    public void SingleSampleForwardMatchesBatchRow(string name, int batch)
    {
        INetwork net = TestData.Create(name);
        float[] x = TestData.Uniform(batch * net.InputSize, seed: 100 + batch);
        var batched = new float[batch * net.OutputSize];
        net.ForwardBatch(x, batched);
        var one = new float[net.OutputSize];
        bool packed = TestData.ForwardBatchPacks(net, batch);
        var expected = new double[batched.Length];
        var ones = new float[batched.Length];
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<float> sample = x.AsSpan(s * net.InputSize, net.InputSize);
            net.Forward(sample, one);
            one.CopyTo(ones, s * net.OutputSize);
            if (!packed) Assert.Equal(batched.AsSpan(s * net.OutputSize, net.OutputSize).ToArray(), one);
            else ReferenceNetwork.Forward(net.Architecture, net.Parameters, sample).Item2[^1].CopyTo(expected, s * net.OutputSize);
        }
        if (!packed) return;
        Tolerance.Close(expected, ones, 1e-5, $"{name} one sample at a time");
        Tolerance.Close(expected, batched, 1e-5, $"{name} batch of {batch}");
    }

    /// <summary>
    /// A layer of more than 4 MB of weights leaves five or six rows of a panel to one block of that many rows (5, 6, 4 + 5,
    /// 4 + 6, 4 + 4 + 6 rows here; 11 leaves three, as every layer does): every row of the batch equals one sample alone
    /// bit for bit, and the reference.
    /// </summary>
    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(14)]
    public void FiveOrSixRowsLeftByALargeLayerHaveTheBitsOfOneSample(int batch)
    {
        var net = new LargeLayerNet(seed: 5);
        float[] x = TestData.Uniform(batch * LargeLayerNet.InputSize, seed: 400 + batch);
        var batched = new float[batch * LargeLayerNet.OutputSize];
        net.ForwardBatch(x, batched);
        var one = new float[LargeLayerNet.OutputSize];
        var expected = new double[batched.Length];
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<float> sample = x.AsSpan(s * LargeLayerNet.InputSize, LargeLayerNet.InputSize);
            net.Forward(sample, one);
            Assert.Equal(batched.AsSpan(s * LargeLayerNet.OutputSize, LargeLayerNet.OutputSize).ToArray(), one);
            ReferenceNetwork.Forward(LargeLayerNet.Architecture, net.Parameters, sample).Item2[^1].CopyTo(expected, s * LargeLayerNet.OutputSize);
        }
        Tolerance.Close(expected, batched, 1e-5, $"LargeLayerNet batch of {batch}");
    }

    [Theory]
    [MemberData(nameof(NetworksAndBatches))]
    public void GradientsWithTargetsMatchReference(string name, int batch)
    {
        INetwork net = TestData.Create(name);
        float[] x = TestData.Uniform(batch * net.InputSize, seed: 200 + batch);
        float[] t = TestData.Targets(net, batch, seed: 300 + batch);
        net.Gradients.Fill(float.NaN); // must be overwritten, not accumulated into
        float loss = net.ComputeGradients(x, t);
        var (refLoss, refGrad) = ReferenceNetwork.LossAndGradient(net.Architecture, net.Parameters, x, t);
        Assert.True(Math.Abs(loss - refLoss) <= 1e-5 * Math.Max(1, Math.Abs(refLoss)), $"loss {loss} vs reference {refLoss}");
        foreach (LayerDescription layer in net.Architecture.Layers)
        {
            Tolerance.Close(refGrad.AsSpan(layer.WeightOffset, layer.WeightCount), net.Gradients.Slice(layer.WeightOffset, layer.WeightCount), 1e-5, $"{name} {layer} dW");
            Tolerance.Close(refGrad.AsSpan(layer.BiasOffset, layer.BiasCount), net.Gradients.Slice(layer.BiasOffset, layer.BiasCount), 1e-5, $"{name} {layer} db");
        }
    }

    [Theory]
    [MemberData(nameof(NetworksAndBatches))]
    public void LabelOverloadEqualsOneHotTargets(string name, int batch)
    {
        INetwork net = TestData.Create(name);
        if (net.Architecture.Loss == LossFunction.MeanSquaredError && !net.Architecture.HasSoftmaxOutput && net.OutputSize == 1) return;
        float[] x = TestData.Uniform(batch * net.InputSize, seed: 400 + batch);
        int[] labels = TestData.Labels(net, batch, seed: batch);
        float lossLabels = net.ComputeGradients(x, labels);
        float[] g1 = net.Gradients.ToArray();
        float lossTargets = net.ComputeGradients(x, ReferenceNetwork.Targets(labels, net.OutputSize));
        Assert.Equal(lossTargets, lossLabels, 5);
        Tolerance.Close(g1.Select(v => (double)v).ToArray(), net.Gradients, 1e-5, $"{name} label vs target gradients");
    }

    [Fact]
    public void SeedNetworkMatchesReferenceOnABatch()
    {
        var net = new SeedNet(3);
        const int batch = 5;
        float[] x = TestData.Uniform(batch * SeedNet.InputSize, seed: 5, scale: 1f).Select(v => (v + 1) / 2).ToArray();
        int[] labels = { 0, 9, 3, 3, 7 };
        net.ComputeGradients(x, labels);
        var (_, refGrad) = ReferenceNetwork.LossAndGradient(SeedNet.Architecture, net.Parameters, x, ReferenceNetwork.Targets(labels, 10));
        foreach (LayerDescription layer in SeedNet.Architecture.Layers)
            Tolerance.Close(refGrad.AsSpan(layer.WeightOffset, layer.WeightCount), net.Gradients.Slice(layer.WeightOffset, layer.WeightCount), 1e-5, $"seed {layer} dW");
    }
}
