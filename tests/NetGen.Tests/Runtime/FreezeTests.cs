using System;
using System.Linq;
using System.Runtime.Intrinsics;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Runtime;

/// <summary>
/// <c>Freeze()</c>: a copy of a trainable network for inference, its parameters as they were, its wide layers' weights
/// packed once. It computes what the inference-only network with the same weights baked in computes, bit for bit; it
/// keeps its outputs while the original trains on; it exposes inference only and allocates nothing per call.
/// </summary>
public class FreezeTests
{
    private static float[] Inputs(int rows, int width, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, rows * width).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
    }

    /// <summary>
    /// A frozen copy of the trainable twin of <see cref="BakedWideNet"/> runs the kernels the baked network runs (with
    /// AVX-512 its wide layer on weights packed when it was created, from one row; without, the twin's own), so both give
    /// the same bits for every batch and every sample; and a sample's bits alone equal its row of any batch with AVX-512.
    /// With the frozen copy's wide layer on the twin's own kernels instead (its one-row kernel, its dot-product blocks,
    /// its matrix product from 64 rows), all seven cases fail with AVX-512.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(13)]
    [InlineData(130)]
    [InlineData(300)] // more than one 256-row chunk
    public void FrozenCopyComputesTheBakedNetworksBits(int rows)
    {
        var twin = Serialization.BakedNetworkTests.LoadedTwin(new WideTwinNet(seed: 3), "wide.safetensors");
        FrozenClassifier frozen = twin.Freeze();
        var baked = new BakedWideNet();
        const int inputs = WideTwinNet.InputSize, outputs = WideTwinNet.OutputSize;
        float[] x = Inputs(rows, inputs, rows);
        var expected = new float[rows * outputs];
        var actual = new float[rows * outputs];
        baked.ForwardBatch(x, expected);
        for (int call = 0; call < 2; call++) // the second call reads the same packed weights again
        {
            Array.Clear(actual);
            frozen.ForwardBatch(x, actual);
            Assert.Equal(expected, actual);
        }
        var one = new float[outputs];
        var bakedOne = new float[outputs];
        for (int r = 0; r < Math.Min(rows, 3); r++)
        {
            ReadOnlySpan<float> sample = x.AsSpan(r * inputs, inputs);
            for (int call = 0; call < 2; call++) // one sample reads the packed panels in one order, then the other
            {
                frozen.Forward(sample, one);
                baked.Forward(sample, bakedOne);
                Assert.Equal(bakedOne, one);
                if (Vector512.IsHardwareAccelerated) Assert.Equal(expected.AsSpan(r * outputs, outputs).ToArray(), one);
            }
            Assert.Equal(baked.Predict(sample), frozen.Predict(sample));
        }
    }

    /// <summary>
    /// The copy keeps the parameters it was frozen with: the original trains on and its outputs move, the frozen copy's
    /// stay bit for bit, and they equal the original's outputs at the time of freezing to rounding (the packed product
    /// sums each output as one chain over the inputs, the trainable network's blocks in sixteen lanes). The seed
    /// network's first layer (784 → 500) is wide.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(70)]
    public void FrozenCopyKeepsTheParametersItWasFrozenWith(int rows)
    {
        var net = new SeedNet(7);
        FrozenClassifier frozen = net.Freeze();
        float[] x = Inputs(rows, SeedNet.InputSize, 11);
        var before = new float[rows * SeedNet.OutputSize];
        net.ForwardBatch(x, before);
        var first = new float[before.Length];
        frozen.ForwardBatch(x, first);
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], first[i], 1e-6f);

        var sgd = new Sgd(SeedNet.Architecture, new ConstantLearningRate(0.5f));
        int[] labels = Enumerable.Range(0, rows).Select(r => r % 10).ToArray();
        for (int step = 0; step < 3; step++) net.TrainStep(x, labels, sgd);
        var after = new float[before.Length];
        net.ForwardBatch(x, after);
        Assert.NotEqual(before, after);
        var again = new float[before.Length];
        frozen.ForwardBatch(x, again);
        Assert.Equal(first, again);
    }

    /// <summary>
    /// A network with no wide layer freezes to a plain copy: the same kernels, so the original's bits at every batch
    /// size, a narrow layer's weights (16 → 33) packed when the copy was created rather than at every batch. A regression
    /// network's copy (a linear output, with dropout, which inference leaves out) is a <see cref="FrozenNetwork"/>, not
    /// a classifier.
    /// </summary>
    [Fact]
    public void NetworksWithoutAWideLayerFreezeToTheirOwnBits()
    {
        var narrow = new FusedSoftmaxMseNet(5);
        FrozenClassifier frozenNarrow = narrow.Freeze();
        var odd = new OddSoftmaxNet(5);
        FrozenClassifier frozenOdd = odd.Freeze();
        var dropout = new DropoutSplitNet(5);
        FrozenNetwork frozenDropout = dropout.Freeze();
        Assert.IsNotAssignableFrom<IClassifier<float>>(frozenDropout);
        foreach (int rows in new[] { 1, 3, 64, 130 })
        {
            AssertAgree(narrow, frozenNarrow, rows, tolerance: 0f);
            AssertAgree(odd, frozenOdd, rows, tolerance: 0f);
            AssertAgree(dropout, frozenDropout, rows, tolerance: 1e-4f); // its first layer (150 → 200) is wide
        }
        // Evaluation takes a frozen copy as it takes the network.
        var data = new Dataset(Inputs(50, OddSoftmaxNet.InputSize, 9), Enumerable.Range(0, 50).Select(i => i % 5).ToArray(),
            OddSoftmaxNet.InputSize, OddSoftmaxNet.OutputSize);
        Assert.Equal(Evaluation.Evaluate(odd, data), Evaluation.Evaluate(frozenOdd, data));
    }

    /// <summary>A frozen copy shows inference only, checks its spans as the network does, and runs a convolutional network too.</summary>
    [Fact]
    public void FrozenCopyIsInferenceOnly()
    {
        var net = new SeedNet(1);
        FrozenClassifier frozen = net.Freeze();
        Assert.IsNotAssignableFrom<INetwork>(frozen);
        Assert.Same(SeedNet.Architecture, frozen.Architecture);
        Assert.Equal(SeedNet.InputSize, frozen.InputSize);
        Assert.Equal(SeedNet.OutputSize, frozen.OutputSize);
        var error = Assert.Throws<ArgumentException>(() => frozen.Forward(new float[783], new float[10]));
        Assert.Contains("784", error.Message);
        Assert.Throws<ArgumentException>(() => frozen.ForwardBatch(new float[784 * 2], new float[10]));
        Assert.Throws<ArgumentNullException>(() => NetGen.CompilerServices.Freezing.Wrap(null!));

        var cnn = new MaxPoolCnn(2);
        FrozenClassifier frozenCnn = cnn.Freeze();
        AssertAgree(cnn, frozenCnn, 5, tolerance: 0f);
        float[] image = Inputs(1, MaxPoolCnn.InputSize, 2);
        Assert.Equal(cnn.Predict(image), frozenCnn.Predict(image));
        // The main job's convolutional network: its dense layer (3,136 → 128) is wide, on the packed product frozen.
        var fashion = new FashionCnnNet(4);
        AssertAgree(fashion, fashion.Freeze(), 3, tolerance: 1e-5f);
    }

    /// <summary>
    /// The frozen copy's batch of <paramref name="rows"/> and its one sample against the original's: the same bits with no
    /// <paramref name="tolerance"/>, else each output within it.
    /// </summary>
    private static void AssertAgree(IInferenceNetwork original, IInferenceNetwork frozen, int rows, float tolerance)
    {
        float[] x = Inputs(rows, original.InputSize, rows);
        var expected = new float[rows * original.OutputSize];
        var actual = new float[expected.Length];
        original.ForwardBatch(x, expected);
        frozen.ForwardBatch(x, actual);
        Compare();
        Array.Clear(actual);
        original.Forward(x.AsSpan(0, original.InputSize), expected.AsSpan(0, original.OutputSize));
        frozen.Forward(x.AsSpan(0, original.InputSize), actual.AsSpan(0, original.OutputSize));
        Compare(original.OutputSize);

        void Compare(int count = -1)
        {
            int n = count < 0 ? expected.Length : count;
            if (tolerance == 0f) Assert.Equal(expected.AsSpan(0, n).ToArray(), actual.AsSpan(0, n).ToArray());
            else for (int i = 0; i < n; i++) Assert.Equal(expected[i], actual[i], tolerance);
        }
    }

    [Fact]
    public void FrozenCopyAllocatesNothingPerCall()
    {
        FrozenClassifier frozen = new WideSplitNet(3).Freeze();
        float[] x = Inputs(64, WideSplitNet.InputSize, 4);
        var y = new float[64 * WideSplitNet.OutputSize];
        frozen.ForwardBatch(x, y); // the workspace grows to 64 rows, keeping the weights packed when the copy was made
        frozen.Forward(x.AsSpan(0, WideSplitNet.InputSize), y.AsSpan(0, WideSplitNet.OutputSize)); // the thread's product scratch
        Allocations.AssertNone(() =>
        {
            frozen.ForwardBatch(x, y);
            frozen.ForwardBatch(x.AsSpan(0, 2 * WideSplitNet.InputSize), y.AsSpan(0, 2 * WideSplitNet.OutputSize));
            frozen.Forward(x.AsSpan(0, WideSplitNet.InputSize), y.AsSpan(0, WideSplitNet.OutputSize));
            frozen.Predict(x.AsSpan(0, WideSplitNet.InputSize));
        });
    }
}
