using System;
using System.IO;
using System.Linq;
using System.Reflection;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Serialization;

/// <summary>
/// Networks with weights baked in at build time from Baked/odd.safetensors agree bit for bit with a trainable twin
/// that loads the same file at run time, and an inference-only one has no training surface and allocates nothing.
/// </summary>
public class BakedNetworkTests
{
    private static readonly string FilePath = Path.Combine(AppContext.BaseDirectory, "Baked", "odd.safetensors");

    private static OddTwinNet LoadedTwin()
    {
        var twin = new OddTwinNet(seed: 3);
        SafeTensors.Load(twin, FilePath);
        return twin;
    }

    private static float[] Inputs(int rows, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, rows * OddTwinNet.InputSize).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
    }

    [Fact]
    public void BakedParametersAreTheFileBitForBit()
    {
        OddTwinNet twin = LoadedTwin();
        Assert.Equal(twin.Parameters.ToArray(), BakedOddNet.BakedParameters.ToArray());
        Assert.Equal(twin.Parameters.ToArray(), new BakedOddNet().Parameters.ToArray());
        Assert.Equal(twin.Parameters.ToArray(), new BakedTrainableOddNet().Parameters.ToArray());
        Assert.Equal(OddTwinNet.Architecture.ToString(), BakedOddNet.Architecture.ToString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(300)] // more than one 256-row chunk
    public void InferenceOnlyOutputsEqualTheTwinsBitForBit(int rows)
    {
        OddTwinNet twin = LoadedTwin();
        var baked = new BakedOddNet();
        float[] x = Inputs(rows, rows);
        var expected = new float[rows * OddTwinNet.OutputSize];
        var actual = new float[rows * BakedOddNet.OutputSize];
        twin.ForwardBatch(x, expected);
        baked.ForwardBatch(x, actual);
        Assert.Equal(expected, actual);
        // Later calls reuse the weights packed on the first (the narrow first layer takes the packed product from 128 rows).
        Array.Clear(actual);
        baked.ForwardBatch(x, actual);
        Assert.Equal(expected, actual);

        var one = new float[BakedOddNet.OutputSize];
        var twinOne = new float[OddTwinNet.OutputSize];
        baked.Forward(x.AsSpan(0, BakedOddNet.InputSize), one);
        twin.Forward(x.AsSpan(0, OddTwinNet.InputSize), twinOne);
        Assert.Equal(twinOne, one);
        Assert.Equal(twin.Predict(x.AsSpan(0, 37)), baked.Predict(x.AsSpan(0, 37)));
        Assert.InRange(one.Sum(), 0.99999f, 1.00001f); // softmax probabilities
    }

    [Fact]
    public void InferenceOnlyNetworkHasNoTrainingSurface()
    {
        Type t = typeof(BakedOddNet);
        Assert.True(typeof(IInferenceNetwork).IsAssignableFrom(t));
        Assert.False(typeof(INetwork).IsAssignableFrom(t));
        Assert.Null(t.GetMethod("ComputeGradients"));
        Assert.Null(t.GetProperty("Gradients"));
        Assert.Equal(typeof(ReadOnlySpan<float>), t.GetProperty("Parameters")!.PropertyType);
        // No parameter or gradient buffers: the only instance state is the scratch workspace.
        FieldInfo field = Assert.Single(t.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public));
        Assert.Equal("_workspace", field.Name);
        Assert.Single(t.GetConstructors());
    }

    [Fact]
    public void InferenceOnlyForwardAllocatesNothing()
    {
        var net = new BakedOddNet();
        float[] x = Inputs(64, 1);
        var y = new float[64 * BakedOddNet.OutputSize];
        Allocations.AssertNone(() =>
        {
            net.Forward(x.AsSpan(0, 37), y.AsSpan(0, 5));
            net.Predict(x.AsSpan(0, 37));
            net.ForwardBatch(x, y);
            _ = BakedOddNet.BakedParameters;
        });
    }

    [Fact]
    public void InferenceOnlyRejectsWrongLengths()
    {
        var net = new BakedOddNet();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(new float[36], new float[5]));
        Assert.Contains("37", e.Message);
        Assert.Contains("36", e.Message);
        Assert.Throws<ArgumentException>(() => net.ForwardBatch(new float[74], new float[9]));
    }

    [Fact]
    public void EvaluationAcceptsAnInferenceOnlyNetwork()
    {
        float[] x = Inputs(50, 9);
        int[] labels = Enumerable.Range(0, 50).Select(i => i % 5).ToArray();
        var data = new Dataset(x, labels, 37, 5);
        EvaluationResult expected = Evaluation.Evaluate(LoadedTwin(), data);
        EvaluationResult actual = Evaluation.Evaluate(new BakedOddNet(), data);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void TrainableBakedNetworkTrainsFromTheBakedStartWithoutTouchingTheBakedData()
    {
        var net = new BakedTrainableOddNet();
        float[] x = Inputs(16, 4);
        int[] labels = Enumerable.Range(0, 16).Select(i => i % 5).ToArray();
        var sgd = new Sgd(BakedTrainableOddNet.Architecture, new ConstantLearningRate(0.1f));
        float first = net.ComputeGradients(x, labels);
        for (int i = 0; i < 50; i++)
        {
            net.ComputeGradients(x, labels);
            sgd.Step(net.Parameters, net.Gradients);
        }
        Assert.True(net.ComputeGradients(x, labels) < first);
        Assert.NotEqual(BakedTrainableOddNet.BakedParameters.ToArray(), net.Parameters.ToArray());
        Assert.Equal(LoadedTwin().Parameters.ToArray(), new BakedTrainableOddNet().Parameters.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(300)]
    public void ABakedConvolutionalNetworkEqualsItsTwinLoadedAtRunTime(int rows)
    {
        var twin = new MaxPoolCnn(seed: 3);
        SafeTensors.Load(twin, Path.Combine(AppContext.BaseDirectory, "Baked", "cnn.safetensors"));
        Assert.Equal(twin.Parameters.ToArray(), BakedCnn.BakedParameters.ToArray());
        var rng = new Random(rows);
        float[] x = Enumerable.Range(0, rows * MaxPoolCnn.InputSize).Select(_ => (float)rng.NextDouble()).ToArray();
        var expected = new float[rows * MaxPoolCnn.OutputSize];
        var actual = new float[expected.Length];
        twin.ForwardBatch(x, expected);
        var baked = new BakedCnn();
        baked.ForwardBatch(x, actual);
        Assert.Equal(expected, actual);
        // Later calls reuse the filters it packed on the first (its weights cannot change): the same bits, one row or many.
        Array.Clear(actual);
        baked.ForwardBatch(x, actual);
        Assert.Equal(expected, actual);
        var one = new float[MaxPoolCnn.OutputSize];
        baked.Forward(x.AsSpan(0, MaxPoolCnn.InputSize), one);
        Assert.Equal(expected.AsSpan(0, MaxPoolCnn.OutputSize).ToArray(), one);
        Assert.False(typeof(INetwork).IsAssignableFrom(typeof(BakedCnn)));
    }
}
