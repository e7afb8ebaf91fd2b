using System;
using System.Collections.Generic;
using NetGen;
using NetGen.Tests.Networks;
using NetGen.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Tests.Numerics;

internal static class TestData
{
    /// <summary>Every test network by name, freshly constructed from a seed.</summary>
    public static INetwork Create(string name, int seed = 7) => name switch
    {
        nameof(OddSoftmaxNet) => new OddSoftmaxNet(seed),
        nameof(OddRegressionNet) => new OddRegressionNet(seed),
        nameof(TanhOutputNet) => new TanhOutputNet(seed),
        nameof(BinaryNet) => new BinaryNet(seed),
        nameof(MultiLabelNet) => new MultiLabelNet(seed),
        nameof(SoftmaxMseNet) => new SoftmaxMseNet(seed),
        nameof(BlockedNet) => new BlockedNet(seed),
        nameof(LinearNet) => new LinearNet(seed),
        nameof(Container.NestedNet) => new Container.NestedNet(seed),
        nameof(WideSplitNet) => new WideSplitNet(seed),
        nameof(DeepInputNet) => new DeepInputNet(seed),
        nameof(AlignedRowsNet) => new AlignedRowsNet(seed),
        nameof(HalfAlignedRowsNet) => new HalfAlignedRowsNet(seed),
        nameof(MaxPoolCnn) => new MaxPoolCnn(seed),
        nameof(AvgPoolCnn) => new AvgPoolCnn(seed),
        nameof(L2PoolCnn) => new L2PoolCnn(seed),
        nameof(PoolOnlyCnn) => new PoolOnlyCnn(seed),
        nameof(WinogradCnn) => new WinogradCnn(seed),
        _ => throw new ArgumentException(name),
    };

    public static IEnumerable<object[]> Networks() => new[]
    {
        new object[] { nameof(OddSoftmaxNet) }, new object[] { nameof(OddRegressionNet) }, new object[] { nameof(TanhOutputNet) },
        new object[] { nameof(BinaryNet) }, new object[] { nameof(MultiLabelNet) }, new object[] { nameof(SoftmaxMseNet) },
        new object[] { nameof(BlockedNet) }, new object[] { nameof(LinearNet) }, new object[] { nameof(Container.NestedNet) },
    };

    /// <summary>The convolutional test networks: every pooling kind, strides 1, 2 and 3, padding 0 and 1, one and several input channels, a convolution on the Winograd path.</summary>
    public static IEnumerable<object[]> ConvNetworks() => new[]
    {
        new object[] { nameof(MaxPoolCnn) }, new object[] { nameof(AvgPoolCnn) }, new object[] { nameof(L2PoolCnn) },
        new object[] { nameof(PoolOnlyCnn) }, new object[] { nameof(WinogradCnn) },
    };

    /// <summary>
    /// <see cref="Networks"/>, two with layers on the packed products (Gemm), 300-200-130-7 and 1100-128-10, two whose
    /// one-row forward kernels read their weight rows in groups (1024-40-10 and 512-36-5, Planner.RowGroup) and the
    /// convolutional ones: for the forward and gradient agreement tests (too many weights for the finite differences).
    /// </summary>
    public static IEnumerable<object[]> NetworksWithGemm()
    {
        foreach (object[] net in Networks()) yield return net;
        yield return new object[] { nameof(WideSplitNet) };
        yield return new object[] { nameof(DeepInputNet) };
        yield return new object[] { nameof(AlignedRowsNet) };
        yield return new object[] { nameof(HalfAlignedRowsNet) };
        foreach (object[] net in ConvNetworks()) yield return net;
    }

    /// <summary>
    /// Whether <c>ForwardBatch</c> of <paramref name="rows"/> runs a layer of <paramref name="net"/> on a packed product:
    /// the generator's rule (Planner.UsesGemm, Planner.IsNarrow, Planner.GemmRows, Planner.RowGemmRows) and the portable
    /// kernels' (PortableDense.GemmRows), restated — a wide layer (at least 64 inputs and 128 outputs) from 64 rows (the
    /// rows-packed product, whole panels of 64 with AVX-512 and the rows past them on the dot-product blocks; without it
    /// below 128 rows, then the weights-packed one), from 16 rows without AVX-512 where it has more than 1,024 inputs; a
    /// narrow one (at most 64 inputs, 16 to 64 outputs) from 128 rows.
    /// </summary>
    public static bool ForwardBatchPacks(INetwork net, int rows)
    {
        if (!Gemm.IsAccelerated) return false;
        foreach (LayerDescription layer in net.Architecture.Layers)
        {
            if (layer.Kind is not (LayerKind.Dense or LayerKind.Softmax)) continue;
            bool wide = layer.Inputs >= 64 && layer.Outputs >= 128, narrow = layer.Inputs <= 64 && layer.Outputs is >= 16 and <= 64;
            if (wide && rows >= 64) return true; // 64 to 127 rows: the swapped product (Gemm.MultiplyRows), either flavor
            if (wide && rows >= 16 && layer.Inputs > 1024 && !Vector512.IsHardwareAccelerated) return true; // the same, portable
            if (narrow && rows >= 128) return true;
        }
        return false;
    }

    public static float[] Uniform(int count, int seed, float scale = 1f)
    {
        var rng = new Xoshiro256((ulong)seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (2 * rng.NextSingle() - 1) * scale;
        return values;
    }

    /// <summary>Targets that fit the network's loss: one-hot for softmax, values in (0, 1) for sigmoid outputs, anything for MSE.</summary>
    public static float[] Targets(INetwork net, int batch, int seed)
    {
        var rng = new Xoshiro256((ulong)seed);
        var t = new float[batch * net.OutputSize];
        bool probabilities = net.Architecture.Loss != LossFunction.MeanSquaredError || net.Architecture.HasSoftmaxOutput;
        for (int s = 0; s < batch; s++)
        {
            if (net.Architecture.HasSoftmaxOutput)
            {
                t[s * net.OutputSize + rng.NextInt(net.OutputSize)] = 1f;
                continue;
            }
            for (int j = 0; j < net.OutputSize; j++)
                t[s * net.OutputSize + j] = probabilities ? 0.05f + 0.9f * rng.NextSingle() : 2 * rng.NextSingle() - 1;
        }
        return t;
    }

    public static int[] Labels(INetwork net, int batch, int seed)
    {
        var rng = new Xoshiro256((ulong)seed);
        var labels = new int[batch];
        int range = net.OutputSize == 1 ? 2 : net.OutputSize;
        for (int i = 0; i < batch; i++) labels[i] = rng.NextInt(range);
        return labels;
    }
}
