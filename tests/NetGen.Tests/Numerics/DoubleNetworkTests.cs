using System;
using System.Collections.Generic;
using System.Linq;
using NetGen;
using NetGen.Tests.Networks;
using Xunit;
using NetGen.CompilerServices;

namespace NetGen.Tests.Numerics;

/// <summary>
/// Networks declared with [ElementType(typeof(double))]: the whole generated contract in double, checked against the
/// independent double-precision reference and against centered differences of their own loss at 1e-7 relative.
/// </summary>
public class DoubleNetworkTests
{
    public static IEnumerable<object[]> Networks() => new[]
    {
        nameof(OddSoftmaxNetDouble), nameof(OddRegressionNetDouble), nameof(TanhOutputNetDouble),
        nameof(MultiLabelNetDouble), nameof(SoftmaxMseNetDouble), nameof(BlockedDropoutNetDouble),
    }.Select(n => new object[] { n });

    private static INetwork<double> Create(string name, int seed) => name switch
    {
        nameof(OddSoftmaxNetDouble) => new OddSoftmaxNetDouble(seed),
        nameof(OddRegressionNetDouble) => new OddRegressionNetDouble(seed),
        nameof(TanhOutputNetDouble) => new TanhOutputNetDouble(seed),
        nameof(MultiLabelNetDouble) => new MultiLabelNetDouble(seed),
        nameof(SoftmaxMseNetDouble) => new SoftmaxMseNetDouble(seed),
        nameof(BlockedDropoutNetDouble) => new BlockedDropoutNetDouble(seed),
        _ => throw new ArgumentException(name),
    };

    private static double[] Widen(float[] values) => values.Select(v => (double)v).ToArray();

    /// <summary>Targets that fit the loss (one-hot for softmax, (0, 1) for sigmoid outputs), as float (exact in double).</summary>
    private static float[] Targets(NetworkArchitecture arch, int outputs, int batch, int seed)
    {
        var rng = new Xoshiro256((ulong)seed);
        var t = new float[batch * outputs];
        for (int s = 0; s < batch; s++)
        {
            if (arch.HasSoftmaxOutput) t[s * outputs + rng.NextInt(outputs)] = 1f;
            else for (int j = 0; j < outputs; j++) t[s * outputs + j] = arch.Loss == LossFunction.BinaryCrossEntropy ? 0.05f + 0.9f * rng.NextSingle() : 2 * rng.NextSingle() - 1;
        }
        return t;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void ForwardAndGradientsEqualTheDoubleReference(string name)
    {
        INetwork<double> net = Create(name, seed: 5);
        if (net is BlockedDropoutNetDouble) return; // dropout is checked below under a fixed mask
        foreach (int batch in new[] { 1, 3, 7, 300 })
        {
            float[] x = TestData.Uniform(batch * net.InputSize, seed: batch);
            float[] t = Targets(net.Architecture, net.OutputSize, batch, seed: batch + 1);
            var outputs = new double[batch * net.OutputSize];
            net.ForwardBatch(Widen(x), outputs);
            for (int s = 0; s < batch; s++)
            {
                var (_, a) = ReferenceNetwork.Forward(net.Architecture, net.Parameters, x.AsSpan(s * net.InputSize, net.InputSize));
                double[] expected = a[^1];
                for (int j = 0; j < net.OutputSize; j++)
                    Assert.True(Math.Abs(outputs[s * net.OutputSize + j] - expected[j]) <= 1e-12 * Math.Max(1, Math.Abs(expected[j])), $"{name} output {s},{j}");
            }
            double loss = net.ComputeGradients(Widen(x), Widen(t));
            var (refLoss, refGradient) = ReferenceNetwork.LossAndGradient(net.Architecture, net.Parameters.ToArray(), x, t);
            Assert.Equal(refLoss, loss, 1e-11 * Math.Max(1, Math.Abs(refLoss)));
            double max = refGradient.Max(Math.Abs);
            for (int i = 0; i < refGradient.Length; i++)
                Assert.True(Math.Abs(net.Gradients[i] - refGradient[i]) <= 1e-11 * max, $"{name} batch {batch} gradient {i}: {net.Gradients[i]:R} vs {refGradient[i]:R}");
        }
    }

    /// <summary>
    /// Differences of the network's own double loss, Richardson-extrapolated: D = (4·D(ε/2) − D(ε))/3 cancels the ε²
    /// term of the centered difference, so with ε = 10⁻³ the truncation error is O(ε⁴) and the rounding noise
    /// (about 10⁻¹⁶·L/ε) stays near 10⁻¹³, far enough below 10⁻⁷ of the gradients to test that bound.
    /// </summary>
    [Theory]
    [MemberData(nameof(Networks))]
    public void GradientMatchesCenteredDifferencesOfItsOwnLossToOneInTenMillion(string name)
    {
        const double epsilon = 1e-3;
        INetwork<double> net = Create(name, seed: 11);
        var dropout = net as BlockedDropoutNetDouble;
        const int batch = 3;
        double[] x = Widen(TestData.Uniform(batch * net.InputSize, seed: 12));
        double[] t = Widen(Targets(net.Architecture, net.OutputSize, batch, seed: 13));
        double Loss()
        {
            dropout?.SeedDropout(99); // the same masks for every evaluation
            return net.ComputeGradients(x, t);
        }
        double center = Loss();
        double[] analytic = net.Gradients.ToArray();
        double maxGradient = analytic.Max(Math.Abs);
        double At(int i, double value)
        {
            double saved = net.Parameters[i];
            net.Parameters[i] = value;
            double loss = Loss();
            net.Parameters[i] = saved;
            return loss;
        }
        Span<double> p = net.Parameters;
        int checkedCount = 0, kinks = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double saved = p[i];
            double plus = At(i, saved + epsilon), minus = At(i, saved - epsilon);
            double plusHalf = At(i, saved + epsilon / 2), minusHalf = At(i, saved - epsilon / 2);
            // A ReLU kink within ε breaks the smooth expansion: the one-sided slopes disagree by more than curvature allows.
            double forward = (plus - center) / epsilon, backward = (center - minus) / epsilon;
            double curvature = Math.Abs(plus - 2 * center + minus) / (epsilon * epsilon);
            double forwardHalf = (plusHalf - center) / (epsilon / 2), backwardHalf = (center - minusHalf) / (epsilon / 2);
            if (Math.Abs((forward - backward) - 2 * (forwardHalf - backwardHalf)) > 1e-9 + 1e-6 * curvature * epsilon)
            {
                kinks++;
                continue;
            }
            double wide = (plus - minus) / (2 * epsilon), narrow = (plusHalf - minusHalf) / epsilon;
            double centered = (4 * narrow - wide) / 3;
            double tolerance = 1e-7 * Math.Max(Math.Abs(centered), 1e-3 * maxGradient);
            Assert.True(Math.Abs(analytic[i] - centered) <= tolerance,
                $"{name} parameter {i}: analytic {analytic[i]:R}, extrapolated difference {centered:R}, error {Math.Abs(analytic[i] - centered):E2} > {tolerance:E2}");
            checkedCount++;
        }
        Assert.True(kinks <= p.Length / 50, $"{kinks} of {p.Length} parameters sat on a kink");
        Assert.True(checkedCount > p.Length / 2);
    }

    [Fact]
    public void TheToleranceWouldCatchAFactorError()
    {
        // 1e-7 relative: a gradient off by even 0.01 % fails, let alone a factor of two.
        INetwork<double> net = Create(nameof(OddSoftmaxNetDouble), seed: 11);
        double[] x = Widen(TestData.Uniform(3 * net.InputSize, seed: 12));
        net.ComputeGradients(x, Widen(Targets(net.Architecture, net.OutputSize, 3, seed: 13)));
        double max = net.Gradients.ToArray().Max(Math.Abs);
        Assert.True(max * 1e-4 > 1e-7 * max * 100);
    }

    [Fact]
    public void DoubleNetworksImplementTheGenericContract()
    {
        Assert.IsAssignableFrom<INetwork<double>>(new OddSoftmaxNetDouble());
        Assert.False(typeof(INetwork).IsAssignableFrom(typeof(OddSoftmaxNetDouble)));
        Assert.IsAssignableFrom<INetwork>(new ExplicitFloatNet());
        var net = new OddSoftmaxNetDouble(3);
        Assert.Equal(OddSoftmaxNetDouble.ParameterCount, net.Parameters.Length);
        Assert.Equal(net.Parameters.Length, net.Gradients.Length);

        // Xavier draws the same numbers for both element types: the float network holds them rounded.
        var single = new OddSoftmaxNet(3);
        for (int i = 0; i < single.Parameters.Length; i++) Assert.Equal(single.Parameters[i], (float)net.Parameters[i]);

        var probabilities = new double[5];
        double[] x = Widen(TestData.Uniform(37, seed: 1));
        net.Forward(x, probabilities);
        Assert.Equal(1.0, probabilities.Sum(), 12);
        Assert.Equal(Array.IndexOf(probabilities, probabilities.Max()), net.Predict(x));

        var e = Assert.Throws<ArgumentException>(() => net.Forward(new double[36], probabilities));
        Assert.Contains("37", e.Message);
        Assert.Throws<ArgumentException>(() => net.ComputeGradients(x, new[] { 5 }));
    }

    private static IOptimizer Optimizer(string name, NetworkArchitecture arch, float l2) => name switch
    {
        "sgd" => new Sgd(arch, new ConstantLearningRate(0.3f), l2: l2, clipNorm: 10f),
        "momentum" => new Momentum(arch, new ConstantLearningRate(0.05f), l2: l2),
        "nesterov" => new Momentum(arch, new ConstantLearningRate(0.05f), nesterov: true, l2: l2),
        "adam" => new Adam(arch, new ConstantLearningRate(0.01f), l2: l2, l1: 1e-4f),
        _ => new AdamW(arch, new ConstantLearningRate(0.01f), weightDecay: l2),
    };

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("nesterov")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void OptimizersTrainDoubleNetworksAsTheyTrainFloatOnes(string name)
    {
        var single = new OddSoftmaxNet(4);
        var wide = new OddSoftmaxNetDouble(4);
        for (int i = 0; i < wide.Parameters.Length; i++) wide.Parameters[i] = single.Parameters[i]; // the same start
        float[] x = TestData.Uniform(16 * 37, seed: 8);
        int[] labels = Enumerable.Range(0, 16).Select(i => i % 5).ToArray();
        IOptimizer forSingle = Optimizer(name, OddSoftmaxNet.Architecture, 1e-3f), forWide = Optimizer(name, OddSoftmaxNetDouble.Architecture, 1e-3f);
        double first = wide.ComputeGradients(Widen(x), labels), last = first;
        for (int step = 0; step < 60; step++)
        {
            single.ComputeGradients(x, labels);
            forSingle.Step(single);
            last = wide.ComputeGradients(Widen(x), labels);
            forWide.Step(wide);
        }
        Assert.True(last < 0.5 * first, $"{name}: loss {first} → {last}");
        // The same algorithm: after 60 steps the double parameters are the float ones up to float rounding.
        for (int i = 0; i < wide.Parameters.Length; i++)
            Assert.True(Math.Abs(wide.Parameters[i] - single.Parameters[i]) <= 1e-3 * Math.Max(1, Math.Abs(wide.Parameters[i])), $"{name} parameter {i}: {wide.Parameters[i]} vs {single.Parameters[i]}");
    }

    [Fact]
    public void DoubleStepsRegularizeWeightsOnlyAndAllocateNothing()
    {
        var net = new OddSoftmaxNetDouble(4);
        var optimizer = new Momentum(OddSoftmaxNetDouble.Architecture, new ConstantLearningRate(0.1f), l2: 0.5f);
        double[] before = net.Parameters.ToArray();
        net.Gradients.Clear();
        for (int i = 0; i < 3; i++) optimizer.Step(net);
        foreach (LayerDescription layer in OddSoftmaxNetDouble.Architecture.Layers)
        {
            Assert.Equal(before.AsSpan(layer.BiasOffset, layer.BiasCount).ToArray(), net.Parameters.Slice(layer.BiasOffset, layer.BiasCount).ToArray());
            Assert.True(Math.Abs(net.Parameters[layer.WeightOffset]) < Math.Abs(before[layer.WeightOffset]));
        }
        Allocations.AssertNone(() => optimizer.Step(net));
    }

    [Fact]
    public void AStatefulOptimizerServesOneElementType()
    {
        var adam = new Adam(OddSoftmaxNet.Architecture, new ConstantLearningRate(0.01f));
        adam.Step(new OddSoftmaxNet(1));
        var e = Assert.Throws<InvalidOperationException>(() => adam.Step(new OddSoftmaxNetDouble(1)));
        Assert.Contains("Single", e.Message);
        Assert.Contains("Double", e.Message);
    }

    [Fact]
    public void DoubleForwardAllocatesNothingAfterWarmUp()
    {
        var net = new BlockedDropoutNetDouble(1);
        double[] x = Widen(TestData.Uniform(64 * 75, seed: 2));
        var y = new double[64 * 10];
        var labels = new int[64];
        Allocations.AssertNone(() =>
        {
            net.Forward(x.AsSpan(0, 75), y.AsSpan(0, 10));
            net.ForwardBatch(x, y);
            net.ComputeGradients(x, labels);
        });
    }
}
