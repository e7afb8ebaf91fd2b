using System;
using System.Collections.Generic;
using System.Linq;
using NetGen;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Numerics;

/// <summary>
/// The composed baseline built from a generated network's architecture: the same parameters from the same seed, and
/// outputs and gradients that agree with the generated code (and hence the reference) to 1e-5 on every test network.
/// </summary>
public class ComposedNetworkTests
{
    public static IEnumerable<object[]> Networks() => TestData.Networks().Append(new object[] { nameof(DropNet) });

    private static INetwork Generated(string name, int seed) => name == nameof(DropNet) ? new DropNet(seed) : TestData.Create(name, seed);

    [Theory]
    [MemberData(nameof(Networks))]
    public void ComposedAgreesWithGenerated(string name)
    {
        INetwork generated = Generated(name, seed: 17);
        var composed = new ComposedNetwork(generated.Architecture, seed: 17);
        Assert.Equal(generated.Parameters.ToArray(), composed.Parameters.ToArray()); // same layout, same Xavier draws
        foreach (int batch in new[] { 1, 4, 13, 300 })
        {
            float[] x = TestData.Uniform(batch * generated.InputSize, seed: batch);
            var expected = new float[batch * generated.OutputSize];
            var actual = new float[expected.Length];
            generated.ForwardBatch(x, expected);
            composed.ForwardBatch(x, actual);
            Tolerance.Close(expected.Select(v => (double)v).ToArray(), actual, 1e-5, $"{name} batch {batch} outputs");

            int[] labels = TestData.Labels(generated, batch, seed: batch + 3);
            (generated as DropNet)?.SeedDropout(5);
            composed.SeedDropout(5);
            float lossGenerated = generated.ComputeGradients(x, labels);
            float lossComposed = composed.ComputeGradients(x, labels);
            Assert.Equal(lossGenerated, lossComposed, 1e-5 * Math.Max(1, Math.Abs(lossGenerated)));
            Tolerance.Close(generated.Gradients.ToArray().Select(v => (double)v).ToArray(), composed.Gradients, 1e-5, $"{name} batch {batch} label gradients");

            float[] t = TestData.Targets(generated, batch, seed: batch + 4);
            (generated as DropNet)?.SeedDropout(6);
            composed.SeedDropout(6);
            generated.ComputeGradients(x, t);
            composed.ComputeGradients(x, t);
            Tolerance.Close(generated.Gradients.ToArray().Select(v => (double)v).ToArray(), composed.Gradients, 1e-5, $"{name} batch {batch} target gradients");
        }
    }

    [Fact]
    public void ComposedRejectsWrongLengthsAndAllocatesNothingOnceWarm()
    {
        var composed = new ComposedNetwork(BlockedNet.Architecture, seed: 1);
        Assert.Contains("150", Assert.Throws<ArgumentException>(() => composed.Forward(new float[149], new float[10])).Message);
        Assert.Throws<ArgumentException>(() => composed.ComputeGradients(new float[150], new[] { 10 }));
        float[] x = TestData.Uniform(64 * 150, seed: 1);
        var y = new float[64 * 10];
        var labels = new int[64];
        Allocations.AssertNone(() =>
        {
            composed.ForwardBatch(x, y);
            composed.ComputeGradients(x, labels);
            composed.Forward(x.AsSpan(0, 150), y.AsSpan(0, 10));
        });
    }

    [Fact]
    public void ComposedTrainsWithTheRuntime()
    {
        var net = new ComposedNetwork(XorNet.Architecture, seed: 3);
        float[] x = { 0, 0, 0, 1, 1, 0, 1, 1 };
        int[] y = { 0, 1, 1, 0 };
        var sgd = new Sgd(XorNet.Architecture, new ConstantLearningRate(0.5f));
        for (int i = 0; i < 3000; i++)
        {
            net.ComputeGradients(x, y);
            sgd.Step(net);
        }
        var output = new float[1];
        for (int s = 0; s < 4; s++)
        {
            net.Forward(x.AsSpan(2 * s, 2), output);
            Assert.Equal(y[s], output[0] > 0.5f ? 1 : 0);
        }
    }
}
