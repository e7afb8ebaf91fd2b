using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Intrinsics;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Serialization;

/// <summary>
/// Networks with weights baked in at build time from Baked/odd.safetensors agree bit for bit with a trainable twin
/// that loads the same file at run time, and an inference-only one has no training surface and allocates nothing.
/// </summary>
public class BakedNetworkTests
{
    private static OddTwinNet LoadedTwin() => LoadedTwin(new OddTwinNet(seed: 3), "odd.safetensors");

    /// <summary><paramref name="twin"/> with the weights of <c>Baked/<paramref name="file"/></c>, the file its baked network was built from.</summary>
    internal static TNet LoadedTwin<TNet>(TNet twin, string file) where TNet : INetwork
    {
        SafeTensors.Load(twin, Path.Combine(AppContext.BaseDirectory, "Baked", file));
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
        var twin = LoadedTwin(new MaxPoolCnn(seed: 3), "cnn.safetensors");
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

    /// <summary>
    /// With AVX-512, an inference-only network's wide layer takes the product on weights packed once, when the network is
    /// created (<c>Gemm.MultiplyPacked</c>), for one sample and every batch: every output one chain of FMAs over the
    /// inputs, so a sample has the same bits alone and in any batch, and the bits of the trainable twin's batches of 64
    /// rows (its matrix product, on the weights where they lie), where the twin's smaller batches, on dot-product blocks,
    /// agree to rounding. The portable kernels take the packed product from 128 rows, as the twin does: the twin's bits at
    /// every batch size.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(13)]
    [InlineData(130)]
    public void InferenceOnlyWideLayersTakeTheProductOnWeightsPackedOnce(int rows)
    {
        var twin = LoadedTwin(new WideTwinNet(seed: 3), "wide.safetensors");
        Assert.Equal(twin.Parameters.ToArray(), BakedWideNet.BakedParameters.ToArray());
        bool packed = Vector512.IsHardwareAccelerated;
        const int inputs = WideTwinNet.InputSize, outputs = WideTwinNet.OutputSize;
        var rng = new Random(rows);
        // The twin's product: 128 rows (two whole panels of 64 on its matrix product); a batch of more repeats them.
        float[] x128 = Enumerable.Range(0, 128 * inputs).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        float[] x = Enumerable.Range(0, rows * inputs).Select(i => x128[i % x128.Length]).ToArray();
        var product = new float[128 * outputs];
        twin.ForwardBatch(x128, product);
        var own = new float[rows * outputs]; // the twin's own batch of these rows
        twin.ForwardBatch(x, own);
        float[] expected = packed
            ? Enumerable.Range(0, rows * outputs).Select(i => product[i % (128 * outputs)]).ToArray()
            : own;

        var baked = new BakedWideNet();
        var actual = new float[rows * outputs];
        for (int call = 0; call < 2; call++) // the second call reads the same packed weights again
        {
            Array.Clear(actual);
            baked.ForwardBatch(x, actual);
            Assert.Equal(expected, actual);
        }
        for (int i = 0; i < own.Length; i++) Assert.Equal(own[i], actual[i], 1e-5f);

        // One sample, its panels read in turn in one order and the other: its row of every batch, bit for bit, with
        // AVX-512; the twin's one sample without (the same kernels).
        var one = new float[outputs];
        var twinOne = new float[outputs];
        for (int r = 0; r < Math.Min(rows, 3); r++)
        {
            ReadOnlySpan<float> sample = x.AsSpan(r * inputs, inputs);
            for (int call = 0; call < 2; call++)
            {
                baked.Forward(sample, one);
                twin.Forward(sample, twinOne);
                Assert.Equal(packed ? expected.AsSpan(r * outputs, outputs).ToArray() : twinOne, one);
            }
            for (int j = 0; j < outputs; j++) Assert.Equal(twinOne[j], one[j], 1e-5f);
            Assert.Equal(twin.Predict(sample), baked.Predict(sample));
        }
    }

    [Fact]
    public void InferenceOnlyWideNetworkAllocatesNothingPerCall()
    {
        var net = new BakedWideNet();
        var rng = new Random(5);
        float[] x = Enumerable.Range(0, 64 * BakedWideNet.InputSize).Select(_ => (float)rng.NextDouble()).ToArray();
        var y = new float[64 * BakedWideNet.OutputSize];
        net.ForwardBatch(x, y); // the workspace grows to 64 rows (the weights were packed when the network was created)
        Allocations.AssertNone(() =>
        {
            net.ForwardBatch(x, y);
            net.ForwardBatch(x.AsSpan(0, 2 * BakedWideNet.InputSize), y.AsSpan(0, 2 * BakedWideNet.OutputSize));
            net.Forward(x.AsSpan(0, BakedWideNet.InputSize), y.AsSpan(0, BakedWideNet.OutputSize));
        });
    }
}
