using System;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;
using NetGen.CompilerServices;

namespace NetGen.Tests.Runtime;

/// <summary>
/// <c>TrainStep</c>: the same parameter bits as <c>ComputeGradients</c> followed by <c>Step</c>, whether the update is
/// fused into a generated network's backward pass (SGD or momentum, a batch of up to 256 rows, on labels or targets) or not; no update on a non-finite loss; bad
/// input refused before anything changes.
/// </summary>
public sealed class TrainStepTests
{
    private static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}.");
        }
    }

    /// <summary>Several steps of <paramref name="make"/>'s network both ways, with a step-based schedule and L2; asserts equal bits throughout.</summary>
    private static void AssertStepsMatch(Func<INetwork> make, Func<NetworkArchitecture, IOptimizer> optimizer, int batch, int steps = 6, bool targets = false)
    {
        INetwork separate = make(), fused = make();
        IOptimizer a = optimizer(separate.Architecture), b = optimizer(fused.Architecture);
        int classes = separate.OutputSize == 1 ? 2 : separate.OutputSize;
        var rng = new Xoshiro256(11);
        for (int step = 0; step < steps; step++)
        {
            float[] x = Seeded.Floats(batch * separate.InputSize, (ulong)(100 + step));
            int[] labels = Enumerable.Range(0, batch).Select(_ => rng.NextInt(classes)).ToArray();
            // Targets in [0, 1]: probabilities for the cross-entropies, any values for the squared error.
            float[] y = Seeded.Floats(batch * separate.OutputSize, (ulong)(200 + step)).Select(v => (v + 1) / 2).ToArray();
            float expected = targets ? separate.ComputeGradients(x, y) : separate.ComputeGradients(x, labels);
            a.Step(separate.Parameters, separate.Gradients);
            float actual = targets ? fused.TrainStep(x, y, b) : fused.TrainStep(x, labels, b);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(actual));
            AssertSameBits(separate.Parameters, fused.Parameters, $"parameters after step {step + 1}");
            Assert.Equal(a.StepCount, b.StepCount);
        }
    }

    public static TheoryData<string> FusableNetworks => new() { "Blocked", "FusedRegression", "FusedBinary", "FusedSoftmaxMse", "Seed", "Drop", "OddSoftmax" };

    /// <summary>Every fusable network at batch sizes that take the single-row kernels (1), the 4 × 4 blocks with row tails (7), and a whole chunk (256).</summary>
    public static TheoryData<string, int> FusableBatches
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (string network in new[] { "Blocked", "FusedRegression", "FusedBinary", "FusedSoftmaxMse", "Seed", "Drop", "OddSoftmax" })
                foreach (int batch in new[] { 1, 7, 256 })
                    if (network != "Seed" || batch < 256) data.Add(network, batch);
            return data;
        }
    }

    private static Func<INetwork> Make(string name) => name switch
    {
        "Blocked" => () => new BlockedNet(3),
        "FusedRegression" => () => new FusedRegressionNet(3),
        "FusedBinary" => () => new FusedBinaryNet(3),
        "FusedSoftmaxMse" => () => new FusedSoftmaxMseNet(3),
        "Seed" => () => new SeedNet(3),
        "Drop" => () => new DropNet(3),
        "OddSoftmax" => () => new OddSoftmaxNet(3),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Theory]
    [MemberData(nameof(FusableBatches))]
    public void FusedSgdStepEqualsGradientsThenStep(string network, int batch)
        => AssertStepsMatch(Make(network), arch => new Sgd(arch, new InverseTimeDecay(0.05f, 0.01f), l2: 3e-3f), batch, steps: batch > 64 ? 3 : 6);

    /// <summary>Momentum and Nesterov momentum fused, with a decaying rate and L2: velocity and parameters as the optimizer's own step leaves them.</summary>
    [Theory]
    [MemberData(nameof(FusableBatches))]
    public void FusedMomentumStepEqualsGradientsThenStep(string network, int batch)
    {
        int steps = batch > 64 ? 3 : 6;
        AssertStepsMatch(Make(network), arch => new Momentum(arch, new InverseTimeDecay(0.05f, 0.01f), momentum: 0.9f, l2: 3e-3f), batch, steps);
        AssertStepsMatch(Make(network), arch => new Momentum(arch, new InverseTimeDecay(0.05f, 0.01f), momentum: 0.7f, nesterov: true, l2: 3e-3f), batch, steps);
    }

    /// <summary>
    /// SGD, momentum and Nesterov momentum with an L1 term, fused: each weight shrunk towards zero after its update, as
    /// <c>Step</c> does, biases not. λ₁ is large enough (μ·λ₁ = 5·10⁻³ at first) that some weights land on zero exactly
    /// every step, so the shrinkage's three branches all run, in vectors and in the kernels' scalar tails.
    /// </summary>
    [Theory]
    [MemberData(nameof(FusableBatches))]
    public void FusedL1StepEqualsGradientsThenStep(string network, int batch)
    {
        int steps = batch > 64 ? 3 : 6;
        var rate = new InverseTimeDecay(0.05f, 0.01f);
        AssertStepsMatch(Make(network), arch => new Sgd(arch, rate, l2: 3e-3f, l1: 0.1f), batch, steps);
        AssertStepsMatch(Make(network), arch => new Momentum(arch, rate, momentum: 0.9f, l2: 3e-3f, l1: 0.1f), batch, steps);
        AssertStepsMatch(Make(network), arch => new Momentum(arch, rate, momentum: 0.7f, nesterov: true, l1: 0.1f), batch, steps);
        INetwork net = Make(network)();
        var sgd = new Sgd(net.Architecture, rate, l1: 0.1f);
        Assert.True(FusedStep.FusesInTrainStep(sgd));
        net.TrainStep(Seeded.Floats(batch * net.InputSize, 9), new int[batch], sgd);
        int zeros = 0;
        foreach (LayerDescription layer in net.Architecture.Layers)
        {
            foreach (float value in net.Parameters.Slice(layer.WeightOffset, layer.WeightCount))
                if (value == 0f) zeros++;
        }
        Assert.True(zeros > 0, "no weight was shrunk to zero: the test would not see the middle branch");
    }

    /// <summary>
    /// The same fused steps on target vectors (every output kind's loss on targets: soft-target softmax cross-entropy,
    /// binary cross-entropy, squared error after softmax and after an identity): the bits of <c>ComputeGradients</c> on
    /// the targets, then <c>Step</c>.
    /// </summary>
    [Theory]
    [MemberData(nameof(FusableBatches))]
    public void FusedStepsOnTargetsEqualGradientsThenStep(string network, int batch)
    {
        int steps = batch > 64 ? 3 : 6;
        var rate = new InverseTimeDecay(0.05f, 0.01f);
        AssertStepsMatch(Make(network), arch => new Sgd(arch, rate, l2: 3e-3f), batch, steps, targets: true);
        AssertStepsMatch(Make(network), arch => new Momentum(arch, rate, momentum: 0.9f, l2: 3e-3f), batch, steps, targets: true);
        AssertStepsMatch(Make(network), arch => new Momentum(arch, rate, momentum: 0.7f, nesterov: true, l1: 0.1f), batch, steps, targets: true);
    }

    /// <summary>
    /// Adam's step is fused only in the layer-cut step (<c>LayerParallelTests</c>): a network's own <c>TrainStep</c> stores
    /// the gradient and steps from it, which is as fast on one thread; the result is the two calls' either way.
    /// </summary>
    [Theory]
    [InlineData("Seed", 7)]
    [InlineData("OddSoftmax", 3)]
    public void AdamStepsFromTheStoredGradientOnOneThread(string network, int batch)
    {
        var adam = new Adam(Make(network)().Architecture, new ConstantLearningRate(0.01f));
        Assert.True(FusedStep.CanFuse(adam));
        Assert.False(FusedStep.FusesInTrainStep(adam));
        Assert.True(FusedStep.FusesInTrainStep(new Momentum(Make(network)().Architecture, new ConstantLearningRate(0.01f))));
        AssertStepsMatch(Make(network), arch => new AdamW(arch, new InverseTimeDecay(0.01f, 0.01f), weightDecay: 0.05f), batch);
        INetwork stepped = Make(network)(), reference = Make(network)();
        float[] x = Seeded.Floats(batch * stepped.InputSize, 7);
        int[] labels = new int[batch];
        stepped.TrainStep(x, labels, new Adam(stepped.Architecture, 0.01f));
        reference.ComputeGradients(x, labels);
        AssertSameBits(reference.Gradients, stepped.Gradients, "gradients stored by an Adam step");
    }

    [Theory]
    [InlineData("Blocked", 1)]
    [InlineData("Blocked", 7)]
    [InlineData("Blocked", 257)] // two chunks: the gradients must be summed before the update, so never fused
    [InlineData("Drop", 1)]
    [InlineData("OddSoftmax", 3)]
    [InlineData("FusedRegression", 5)]
    public void UnfusedStepsEqualGradientsThenStep(string network, int batch)
    {
        AssertStepsMatch(Make(network), arch => new Sgd(arch, new ConstantLearningRate(0.05f), l2: 1e-3f), batch);
        AssertStepsMatch(Make(network), arch => new Sgd(arch, new ConstantLearningRate(0.05f), l2: 1e-3f, l1: 1e-4f, clipNorm: 0.5f), batch); // clipping: not fusable
        AssertStepsMatch(Make(network), arch => new Sgd(arch, new ConstantLearningRate(0.05f), clipNorm: 0.5f), batch); // clipping: not fusable
        AssertStepsMatch(Make(network), arch => new Momentum(arch, new ConstantLearningRate(0.05f), momentum: 0.9f, l1: 1e-4f, clipNorm: 0.5f), batch); // clipping: not fusable
        AssertStepsMatch(Make(network), arch => new Adam(arch, new ConstantLearningRate(0.01f), clipNorm: 0.5f), batch); // clipping: not fusable
        AssertStepsMatch(Make(network), arch => new AdamW(arch, new ConstantLearningRate(0.01f), l1: 1e-4f), batch); // Adam: stored gradient on one thread
        AssertStepsMatch(Make(network), arch => new Sgd(arch, new ConstantLearningRate(0.05f), l2: 1e-3f), batch, targets: true);
        AssertStepsMatch(Make(network), arch => new Momentum(arch, new ConstantLearningRate(0.05f), momentum: 0.9f, clipNorm: 0.5f), batch, targets: true);
        AssertStepsMatch(Make(network), arch => new Adam(arch, new ConstantLearningRate(0.01f)), batch, targets: true);
    }

    /// <summary>The composed network fuses a one-sample SGD step too, for any architecture (it is the fair baseline of the speed comparison).</summary>
    [Theory]
    [InlineData("FusedRegression")]
    [InlineData("FusedSoftmaxMse")]
    [InlineData("Drop")]
    [InlineData("OddSoftmax")]
    [InlineData("Blocked")]
    public void ComposedNetworkStepsLikeGradientsThenStep(string network)
    {
        NetworkArchitecture architecture = Make(network)().Architecture;
        AssertStepsMatch(() => new ComposedNetwork(architecture, seed: 3),
            arch => new Sgd(arch, new InverseTimeDecay(0.05f, 0.01f), l2: 3e-3f), batch: 1);
        foreach (int batch in new[] { 4, 7, 256, 257 })
            AssertStepsMatch(() => new ComposedNetwork(architecture, seed: 3),
                arch => new Sgd(arch, new ConstantLearningRate(0.05f), l2: 1e-3f), batch, steps: 2);
        foreach (int batch in new[] { 1, 7 }) // L1 shrinkage fuses too
            AssertStepsMatch(() => new ComposedNetwork(architecture, seed: 3),
                arch => new Sgd(arch, new InverseTimeDecay(0.05f, 0.01f), l2: 3e-3f, l1: 0.1f), batch, steps: 3);
        var composed = new ComposedNetwork(architecture, seed: 3);
        float[] gradients = composed.Gradients.ToArray();
        composed.TrainStep(Seeded.Floats(composed.InputSize, 12), new[] { 1 }, new Sgd(architecture, new ConstantLearningRate(0.1f)));
        composed.TrainStep(Seeded.Floats(composed.InputSize, 13), new[] { 1 }, new Sgd(architecture, new ConstantLearningRate(0.1f), l1: 0.1f));
        AssertSameBits(gradients, composed.Gradients, "composed gradients after a fused step");
    }

    /// <summary>The fused path writes no gradient: this tells that it ran, so the bit-for-bit test above compared something.</summary>
    [Theory]
    [MemberData(nameof(FusableBatches))]
    public void FusedStepLeavesGradientsAlone(string network, int batch)
    {
        foreach (Func<NetworkArchitecture, IOptimizer> optimizer in new Func<NetworkArchitecture, IOptimizer>[]
        {
            arch => new Sgd(arch, new ConstantLearningRate(0.1f)),
            arch => new Momentum(arch, new ConstantLearningRate(0.1f), nesterov: true),
            arch => new Sgd(arch, new ConstantLearningRate(0.1f), l1: 1e-3f),
            arch => new Momentum(arch, new ConstantLearningRate(0.1f), l1: 1e-3f),
        })
        {
            INetwork net = Make(network)();
            float[] x = Seeded.Floats(net.InputSize, 5);
            net.ComputeGradients(x, new[] { 0 });
            float[] before = net.Gradients.ToArray();
            float[] parameters = net.Parameters.ToArray();
            net.TrainStep(Seeded.Floats(batch * net.InputSize, 6), new int[batch], optimizer(net.Architecture));
            AssertSameBits(before, net.Gradients, "gradients");
            Assert.False(parameters.AsSpan().SequenceEqual(net.Parameters), "the step did not change the parameters");
            parameters = net.Parameters.ToArray();
            net.TrainStep(Seeded.Floats(batch * net.InputSize, 7), Seeded.Floats(batch * net.OutputSize, 8), optimizer(net.Architecture));
            AssertSameBits(before, net.Gradients, "gradients after a step on targets");
            Assert.False(parameters.AsSpan().SequenceEqual(net.Parameters), "the step on targets did not change the parameters");
        }
    }

    [Theory]
    [InlineData(1)] // fused
    [InlineData(2)]
    public void NonFiniteLossUpdatesNothing(int batch)
    {
        var net = new BlockedNet(3);
        var sgd = new Sgd(BlockedNet.Architecture, new ConstantLearningRate(0.1f));
        float[] x = Seeded.Floats(batch * BlockedNet.InputSize, 7);
        net.Parameters[^1] = float.NaN; // an output bias: the loss is NaN
        float[] parameters = net.Parameters.ToArray();
        float loss = net.TrainStep(x, new int[batch], sgd);
        Assert.True(float.IsNaN(loss), $"loss {loss}");
        AssertSameBits(parameters, net.Parameters, "parameters");
        Assert.Equal(0, sgd.StepCount);
    }

    [Theory]
    [InlineData(1, float.PositiveInfinity)] // fused; an infinite input leaves a tanh network's loss finite and its gradient not
    [InlineData(3, float.NegativeInfinity)]
    [InlineData(3, float.NaN)]
    public void NonFiniteInputIsRefusedBeforeAnyUpdate(int batch, float bad)
    {
        foreach (INetwork net in new INetwork[] { new BlockedNet(3), new ComposedNetwork(BlockedNet.Architecture, 3) })
        {
            foreach (IOptimizer optimizer in new IOptimizer[]
                     {
                         new Sgd(BlockedNet.Architecture, new ConstantLearningRate(0.1f)),
                         new Momentum(BlockedNet.Architecture, new ConstantLearningRate(0.1f), 0.9f),
                         new Adam(BlockedNet.Architecture, new ConstantLearningRate(0.01f)),
                     })
            {
                float[] x = Seeded.Floats(batch * BlockedNet.InputSize, 7);
                x[(batch - 1) * BlockedNet.InputSize + 5] = bad;
                float[] parameters = net.Parameters.ToArray();
                var e = Assert.Throws<ArgumentException>(() => net.TrainStep(x, new int[batch], optimizer));
                Assert.Contains($"Row {batch - 1} of the batch has {bad.ToString(System.Globalization.CultureInfo.InvariantCulture)} at feature 5", e.Message);
                AssertSameBits(parameters, net.Parameters, "parameters");
                Assert.Equal(0, optimizer.StepCount);
            }
        }
    }

    [Fact]
    public void BadInputChangesNothing()
    {
        var net = new BlockedNet(3);
        var sgd = new Sgd(BlockedNet.Architecture, new ConstantLearningRate(0.1f));
        float[] parameters = net.Parameters.ToArray();
        float[] x = Seeded.Floats(BlockedNet.InputSize, 8);
        var error = Assert.Throws<ArgumentException>(() => net.TrainStep(x, new[] { 10 }, sgd));
        Assert.Contains("Label 10 at index 0 is outside [0, 10)", error.Message);
        Assert.Throws<ArgumentException>(() => net.TrainStep(x, new[] { 1, 2 }, sgd));
        Assert.Throws<ArgumentException>(() => net.TrainStep(x.AsSpan(1).ToArray(), new[] { 1 }, sgd));
        Assert.Throws<ArgumentNullException>(() => net.TrainStep(x, new[] { 1 }, null!));
        AssertSameBits(parameters, net.Parameters, "parameters");
        Assert.Equal(0, sgd.StepCount);
    }

    [Fact]
    public void FusingAnUnfusableStepIsRefused()
    {
        Assert.True(FusedStep.CanFuse(new Sgd(BlockedNet.Architecture, new ConstantLearningRate(0.1f), l1: 1e-3f)));
        var sgd = new Sgd(BlockedNet.Architecture, new ConstantLearningRate(0.1f), l1: 1e-3f, clipNorm: 1f);
        Assert.False(sgd.CanFuse);
        Assert.False(FusedStep.CanFuse(sgd));
        var error = Assert.Throws<InvalidOperationException>(() => FusedStep.Begin(sgd, BlockedNet.ParameterCount));
        Assert.Contains("clipping", error.Message);
        Assert.Equal(0, sgd.StepCount);
        var clipped = new Momentum(BlockedNet.Architecture, new ConstantLearningRate(0.1f), clipNorm: 1f);
        Assert.False(FusedStep.CanFuse(clipped));
        Assert.Throws<InvalidOperationException>(() => FusedStep.Begin(clipped, BlockedNet.ParameterCount));
        var adam = new Adam(BlockedNet.Architecture, new ConstantLearningRate(0.1f), clipNorm: 1f);
        Assert.False(adam.CanFuse);
        Assert.False(FusedStep.CanFuse(adam));
        error = Assert.Throws<InvalidOperationException>(() => FusedStep.Begin(adam, BlockedNet.ParameterCount));
        Assert.Contains("Adam", error.Message);
        Assert.Equal(0, adam.StepCount);
        // A subclass may change the rule (its Update or BeginStep): only Adam's and AdamW's own fuse.
        var derived = new DerivedAdam(BlockedNet.Architecture);
        Assert.False(derived.CanFuse);
        Assert.False(FusedStep.CanFuse(derived));
        Assert.True(FusedStep.CanFuse(new AdamW(BlockedNet.Architecture, 0.1f)));
    }

    private sealed class DerivedAdam(NetworkArchitecture architecture) : Adam(architecture, 0.1f);

    /// <summary>An optimizer that stepped a double network holds double state: fusing it into a float step is refused, and nothing advances.</summary>
    [Fact]
    public void FusingAnOptimizerWithDoubleStateIsRefused()
    {
        var adam = new Adam(BlockedNet.Architecture, new ConstantLearningRate(0.1f));
        adam.Step(new double[BlockedNet.ParameterCount], new double[BlockedNet.ParameterCount]);
        var error = Assert.Throws<InvalidOperationException>(() => FusedStep.Begin(adam, BlockedNet.ParameterCount));
        Assert.Contains("Double", error.Message);
        Assert.Equal(1, adam.StepCount);
    }

    [Fact]
    public void FusedStepAllocatesNothing()
    {
        var net = new BlockedNet(3);
        var sgd = new Sgd(BlockedNet.Architecture, new ConstantLearningRate(1e-4f), l2: 1e-5f);
        float[] x = Seeded.Floats(BlockedNet.InputSize, 9);
        int[] label = { 3 };
        Allocations.AssertNone(() => net.TrainStep(x, label, sgd));
        var momentum = new Momentum(BlockedNet.Architecture, new ConstantLearningRate(1e-4f), l2: 1e-5f);
        net.TrainStep(x, label, momentum); // the first step creates the velocity
        Allocations.AssertNone(() => net.TrainStep(x, label, momentum));
    }
}
