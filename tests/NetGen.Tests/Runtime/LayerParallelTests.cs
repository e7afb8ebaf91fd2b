using System;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;
using NetGen.CompilerServices;

namespace NetGen.Tests.Runtime;

/// <summary>
/// Layer-parallel training: every layer cut across threads gives the parameters of a single-threaded TrainStep, bit for
/// bit, whatever the thread count; steps it cannot cut run on the calling thread with the same result; bad input and a
/// non-finite loss change nothing.
/// </summary>
public sealed class LayerParallelTests
{
    private static Func<INetwork> Make(string name) => name switch
    {
        "Blocked" => () => new BlockedNet(3),       // 150-86-37-10: cuts inside 4-vector blocks' reach, tails on the last worker
        "Seed" => () => new SeedNet(3),             // 784-500-10
        "OddSoftmax" => () => new OddSoftmaxNet(3), // 37-19-7-5: narrower than one cut, all on worker 0
        "FusedBinary" => () => new FusedBinaryNet(3),
        "FusedSoftmaxMse" => () => new FusedSoftmaxMseNet(3),
        "Wide" => () => new WideSplitNet(3),
        "DeepInput" => () => new DeepInputNet(3),  // 1100-128-10: without AVX-512, 16 to 63 rows on the rows-packed product
        "Dropout" => () => new DropoutSplitNet(3),    // masks on a layer cut by units and on one cut by rows
        "DropoutNarrow" => () => new DropNet(3),      // 37-19-7-5 with dropout: all cut by rows
        "DropoutDeep" => () => new DeepDropoutSplitNet(3), // masks on two layers cut by units, each worker's own arrays
        "Regression" => () => new FusedRegressionNet(3),   // 37-20-17-3, dropout, identity output: MSE
        "MultiLabel" => () => new MultiLabelNet(3),         // sigmoid outputs, binary cross-entropy
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}.");
        }
    }

    /// <summary>The fusable optimizers: SGD, momentum, Nesterov momentum, Adam and AdamW, each with a decaying rate and L2 or decay, some with L1.</summary>
    private static Func<NetworkArchitecture, Optimizer> MakeOptimizer(string name) => name switch
    {
        "Sgd" => arch => new Sgd(arch, new InverseTimeDecay(0.05f, 0.01f), l2: 2e-3f),
        "Momentum" => arch => new Momentum(arch, new InverseTimeDecay(0.05f, 0.01f), momentum: 0.9f, l2: 2e-3f),
        "Nesterov" => arch => new Momentum(arch, new InverseTimeDecay(0.05f, 0.01f), momentum: 0.8f, nesterov: true, l2: 2e-3f),
        "Adam" => arch => new Adam(arch, new InverseTimeDecay(0.01f, 0.01f), beta2: 0.99f, l2: 2e-3f),
        "AdamW" => arch => new AdamW(arch, new InverseTimeDecay(0.01f, 0.01f), weightDecay: 0.05f),
        // L1 shrinkage after each rule, large enough (μ·λ₁ = 5·10⁻³, 10⁻³) that weights land on zero every step
        "SgdL1" => arch => new Sgd(arch, new InverseTimeDecay(0.05f, 0.01f), l2: 2e-3f, l1: 0.1f),
        "MomentumL1" => arch => new Momentum(arch, new InverseTimeDecay(0.05f, 0.01f), momentum: 0.9f, l1: 0.1f),
        "AdamL1" => arch => new Adam(arch, new InverseTimeDecay(0.01f, 0.01f), beta2: 0.99f, l2: 2e-3f, l1: 0.1f),
        // Clipping by the global norm: the phases store the gradient, then every worker updates its slices. 0.05 clips
        // every step of these networks; 1e6 none.
        "SgdClip" => arch => new Sgd(arch, new InverseTimeDecay(0.05f, 0.01f), l2: 2e-3f, l1: 1e-3f, clipNorm: 0.05f),
        "MomentumClip" => arch => new Momentum(arch, new InverseTimeDecay(0.05f, 0.01f), momentum: 0.9f, nesterov: true, clipNorm: 0.05f),
        "AdamClip" => arch => new Adam(arch, new InverseTimeDecay(0.01f, 0.01f), beta2: 0.99f, l2: 2e-3f, clipNorm: 0.05f),
        "AdamWUnclipped" => arch => new AdamW(arch, new InverseTimeDecay(0.01f, 0.01f), weightDecay: 0.05f, clipNorm: 1e6f),
        // A subclass's rule never fuses (it may change Update or BeginStep); the cut stores its gradient too.
        "AdamSubclass" => arch => new OwnAdam(arch),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Theory]
    [InlineData("Blocked", 1, "Momentum")] // one row: on the caller, whose step takes the one-row kernels
    [InlineData("Seed", 1, "Adam")]
    [InlineData("Blocked", 7, "Sgd")]
    [InlineData("Blocked", 64, "Sgd")]
    [InlineData("Blocked", 64, "Momentum")]
    [InlineData("Blocked", 7, "Nesterov")]
    [InlineData("Seed", 20, "Sgd")]
    [InlineData("Seed", 20, "Momentum")]
    [InlineData("OddSoftmax", 9, "Sgd")]
    [InlineData("OddSoftmax", 9, "Momentum")]
    [InlineData("FusedBinary", 5, "Sgd")]
    [InlineData("FusedSoftmaxMse", 33, "Sgd")]
    [InlineData("FusedSoftmaxMse", 33, "Nesterov")]
    [InlineData("Wide", 12, "Sgd")]
    [InlineData("Wide", 256, "Sgd")]
    [InlineData("DeepInput", 20, "Sgd")]
    [InlineData("DeepInput", 40, "Momentum")]
    [InlineData("Wide", 12, "Momentum")]
    [InlineData("Dropout", 10, "Sgd")]
    [InlineData("Dropout", 64, "Momentum")]
    [InlineData("Dropout", 9, "Nesterov")]
    [InlineData("DropoutNarrow", 13, "Momentum")]
    [InlineData("DropoutDeep", 11, "Sgd")]
    [InlineData("DropoutDeep", 64, "Momentum")]
    [InlineData("Blocked", 64, "Adam")]
    [InlineData("Seed", 20, "AdamW")]
    [InlineData("OddSoftmax", 9, "Adam")]
    [InlineData("Wide", 12, "Adam")]
    [InlineData("Dropout", 64, "AdamW")]
    [InlineData("DropoutDeep", 11, "Adam")]
    [InlineData("Blocked", 7, "SgdL1")]
    [InlineData("Seed", 20, "MomentumL1")]
    [InlineData("Wide", 12, "SgdL1")]
    [InlineData("Dropout", 64, "MomentumL1")]
    [InlineData("DropoutDeep", 11, "AdamL1")]
    [InlineData("OddSoftmax", 9, "AdamL1")]
    [InlineData("Blocked", 7, "SgdClip")]
    [InlineData("Seed", 20, "MomentumClip")]
    [InlineData("Wide", 12, "AdamClip")]
    [InlineData("Dropout", 64, "SgdClip")]
    [InlineData("DropoutDeep", 11, "MomentumClip")]
    [InlineData("OddSoftmax", 9, "AdamWUnclipped")]
    [InlineData("FusedSoftmaxMse", 33, "AdamClip")]
    // Over 256 rows: in chunks of 256, the gradient stored and summed over them, then the update in slices.
    [InlineData("Blocked", 300, "Sgd")]
    [InlineData("Seed", 258, "Adam")]
    [InlineData("Seed", 257, "Momentum")] // a last chunk of one row: on the caller, whose step takes the one-row kernels there
    [InlineData("Dropout", 514, "Momentum")]
    [InlineData("DropoutDeep", 600, "MomentumL1")]
    [InlineData("OddSoftmax", 300, "SgdClip")]
    public void ThreadCountDoesNotChangeABit(string network, int batch, string optimizer)
        => AssertThreadCountsAgree(network, batch, optimizer, targets: false);

    /// <summary>
    /// Three steps of <paramref name="network"/> on 1, 2, 3 and 5 threads against the network's own step, on class
    /// labels or on target vectors in [0, 1] (probabilities for the cross-entropies, any values for the squared error):
    /// the same loss, parameters, step count and gradient norm to the bit, and the parameters changed.
    /// </summary>
    private static void AssertThreadCountsAgree(string network, int batch, string optimizer, bool targets)
    {
        INetwork reference = Make(network)();
        Assert.IsAssignableFrom<ISplitTraining>(reference);
        Optimizer referenceRule = MakeOptimizer(optimizer)(reference.Architecture);
        var nets = new[] { 1, 2, 3, 5 }.Select(t => (Net: Make(network)(), Threads: t)).ToArray();
        var teams = nets.Select(n => new LayerParallel(n.Net, n.Threads)).ToArray();
        var optimizers = nets.Select(n => MakeOptimizer(optimizer)(n.Net.Architecture)).ToArray();
        try
        {
            int classes = reference.OutputSize == 1 ? 2 : reference.OutputSize;
            for (int step = 0; step < 3; step++)
            {
                float[] x = Seeded.Floats(batch * reference.InputSize, (ulong)((targets ? 30 : 10) + step));
                int[] labels = Seeded.Labels(batch, classes, (ulong)(20 + step));
                float[] y = Seeded.Floats(batch * reference.OutputSize, (ulong)(40 + step)).Select(v => (v + 1) / 2).ToArray();
                float expected = targets ? reference.TrainStep(x, y, referenceRule) : reference.TrainStep(x, labels, referenceRule);
                Assert.True(float.IsFinite(expected));
                for (int t = 0; t < teams.Length; t++)
                {
                    // A step cut across threads leaves the network's gradient buffer alone (the network's own fills it
                    // unless it fuses): so the team's path is known to have run.
                    bool cut = nets[t].Threads > 1 && batch > 1 && batch % 256 != 1;
                    nets[t].Net.Gradients.Fill(42f);
                    float loss = targets ? teams[t].TrainStep(x, y, optimizers[t]) : teams[t].TrainStep(x, labels, optimizers[t]);
                    if (cut) Assert.True(nets[t].Net.Gradients.ToArray().All(g => g == 42f), $"{nets[t].Threads} threads wrote the gradient buffer");
                    Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(loss));
                    AssertSameBits(reference.Parameters, nets[t].Net.Parameters, $"{nets[t].Threads} threads, step {step + 1}");
                    Assert.Equal(referenceRule.StepCount, optimizers[t].StepCount);
                    Assert.Equal(BitConverter.SingleToInt32Bits(referenceRule.LastGradientNorm), BitConverter.SingleToInt32Bits(optimizers[t].LastGradientNorm));
                }
            }
            Assert.False(reference.Parameters.SequenceEqual(Make(network)().Parameters), "training changed nothing");
        }
        finally
        {
            foreach (LayerParallel team in teams) team.Dispose();
        }
    }

    /// <summary>
    /// One network stepped by teams of different sizes in turn, with a batch that grows between them: each team's
    /// preparation reserves arrays of each worker's own for as many workers as it has (keeping those there are, or anew
    /// for a larger workspace), and the bits stay those of one thread.
    /// </summary>
    [Fact]
    public void TeamsOfEverySizeShareOneNetwork()
    {
        var reference = new DeepDropoutSplitNet(4);
        var shared = new DeepDropoutSplitNet(4);
        Optimizer referenceMomentum = MakeOptimizer("Momentum")(DeepDropoutSplitNet.Architecture);
        Optimizer sharedMomentum = MakeOptimizer("Momentum")(DeepDropoutSplitNet.Architecture);
        (int Threads, int Batch)[] turns = { (2, 12), (5, 12), (1, 12), (3, 40), (2, 40), (4, 7) };
        for (int turn = 0; turn < turns.Length; turn++)
        {
            var (threads, batch) = turns[turn];
            float[] x = Seeded.Floats(batch * DeepDropoutSplitNet.InputSize, (ulong)(300 + turn));
            int[] y = Seeded.Labels(batch, DeepDropoutSplitNet.OutputSize, (ulong)(400 + turn));
            using var team = new LayerParallel(shared, threads);
            for (int step = 0; step < 2; step++)
            {
                float expected = reference.TrainStep(x, y, referenceMomentum);
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(team.TrainStep(x, y, sharedMomentum)));
                AssertSameBits(reference.Parameters, shared.Parameters, $"{threads} threads, batch {batch}, step {step + 1}");
            }
        }
    }

    /// <summary>The cut step equals the plain two calls too, not only the single-threaded fused one: fused, and with clipping from the stored gradient.</summary>
    [Theory]
    [InlineData("Sgd")]
    [InlineData("Momentum")]
    [InlineData("Nesterov")]
    [InlineData("Adam")]
    [InlineData("AdamW")]
    [InlineData("SgdL1")]
    [InlineData("MomentumL1")]
    [InlineData("AdamL1")]
    [InlineData("SgdClip")]
    [InlineData("MomentumClip")]
    [InlineData("AdamClip")]
    [InlineData("AdamWUnclipped")]
    [InlineData("AdamSubclass")]
    public void EqualsGradientsThenStep(string optimizer)
    {
        var plain = new BlockedNet(5);
        var cut = new BlockedNet(5);
        Optimizer sgdPlain = MakeOptimizer(optimizer)(BlockedNet.Architecture);
        Optimizer sgdCut = MakeOptimizer(optimizer)(BlockedNet.Architecture);
        using var team = new LayerParallel(cut, 2);
        float[] before = cut.Gradients.ToArray();
        for (int step = 0; step < 3; step++)
        {
            float[] x = Seeded.Floats(40 * BlockedNet.InputSize, (ulong)(30 + step));
            int[] y = Seeded.Labels(40, BlockedNet.OutputSize, (ulong)(40 + step));
            plain.ComputeGradients(x, y);
            sgdPlain.Step(plain.Parameters, plain.Gradients);
            team.TrainStep(x, y, sgdCut);
        }
        AssertSameBits(plain.Parameters, cut.Parameters, "parameters");
        AssertSameBits(before, cut.Gradients, "gradients (the cut step stores none in the network: it ran)");
        Assert.Equal(BitConverter.SingleToInt32Bits(sgdPlain.LastGradientNorm), BitConverter.SingleToInt32Bits(sgdCut.LastGradientNorm));
        if (optimizer.EndsWith("Clip", StringComparison.Ordinal))
            Assert.True(sgdPlain.LastGradientNorm > 0.05f, $"the gradient's norm {sgdPlain.LastGradientNorm} was not clipped");
    }

    /// <summary>
    /// Adam with coupled L2 (and L1), and AdamW with decoupled decay, fused into the cut step, against the two plain calls: the
    /// parameters, and the moments behind them, as the optimizer's own step leaves them (rows of odd length put weights
    /// in the kernels' scalar tails, which the optimizer's own loop runs as whole vectors), and the gradients untouched,
    /// which tells that the fused path ran.
    /// </summary>
    [Theory]
    [InlineData("Blocked", 2)]
    [InlineData("Blocked", 7)]
    [InlineData("Seed", 64)]
    [InlineData("OddSoftmax", 9)]
    [InlineData("FusedBinary", 5)]
    [InlineData("FusedSoftmaxMse", 33)]
    [InlineData("Wide", 12)]
    [InlineData("DropoutNarrow", 13)]
    [InlineData("DropoutDeep", 64)]
    public void FusedAdamEqualsGradientsThenStep(string network, int batch)
    {
        foreach (string optimizer in new[] { "Adam", "AdamW", "AdamL1" })
        {
            INetwork plain = Make(network)(), cut = Make(network)();
            Optimizer rulePlain = MakeOptimizer(optimizer)(plain.Architecture), ruleCut = MakeOptimizer(optimizer)(cut.Architecture);
            using var team = new LayerParallel(cut, 2);
            Assert.True(team.CanSplit);
            int classes = plain.OutputSize == 1 ? 2 : plain.OutputSize;
            float[] before = cut.Gradients.ToArray();
            for (int step = 0; step < 4; step++)
            {
                float[] x = Seeded.Floats(batch * plain.InputSize, (ulong)(70 + step));
                int[] y = Seeded.Labels(batch, classes, (ulong)(80 + step));
                float expected = plain.ComputeGradients(x, y);
                rulePlain.Step(plain.Parameters, plain.Gradients);
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(team.TrainStep(x, y, ruleCut)));
                AssertSameBits(plain.Parameters, cut.Parameters, $"{optimizer}, step {step + 1}");
            }
            AssertSameBits(before, cut.Gradients, $"{optimizer}: gradients");
            Assert.Equal(rulePlain.StepCount, ruleCut.StepCount);
        }
    }

    /// <summary>
    /// A batch over 256 rows is cut in chunks of 256 on the team (the network's own gradient buffer, which its own step
    /// over such a batch fills, is left alone); a NaN target in the last chunk gives the network's own NaN loss and
    /// updates nothing; a label out of range in the last chunk is refused before any chunk runs. Either way the next step
    /// has the bits of the network's own (so the dropout generator drew as it did).
    /// </summary>
    [Fact]
    public void BatchesOver256RowsAreCutInChunks()
    {
        var reference = new DropoutSplitNet(4);
        var net = new DropoutSplitNet(4);
        Optimizer referenceRule = MakeOptimizer("Momentum")(DropoutSplitNet.Architecture), rule = MakeOptimizer("Momentum")(DropoutSplitNet.Architecture);
        using var team = new LayerParallel(net, 2);
        const int batch = 600;
        float[] x = Seeded.Floats(batch * DropoutSplitNet.InputSize, 70);
        int[] labels = Seeded.Labels(batch, DropoutSplitNet.OutputSize, 71);
        float[] targets = Seeded.Floats(batch * DropoutSplitNet.OutputSize, 72).Select(v => (v + 1) / 2).ToArray();
        net.Gradients.Fill(42f);
        Assert.Equal(BitConverter.SingleToInt32Bits(reference.TrainStep(x, labels, referenceRule)), BitConverter.SingleToInt32Bits(team.TrainStep(x, labels, rule)));
        Assert.All(net.Gradients.ToArray(), g => Assert.Equal(42f, g));
        AssertSameBits(reference.Parameters, net.Parameters, "parameters");

        targets[590 * DropoutSplitNet.OutputSize + 1] = float.NaN;
        Assert.True(float.IsNaN(reference.TrainStep(x, targets, referenceRule)));
        Assert.True(float.IsNaN(team.TrainStep(x, targets, rule)));
        AssertSameBits(reference.Parameters, net.Parameters, "parameters after a NaN target");
        Assert.Equal((1, 1), (referenceRule.StepCount, rule.StepCount));

        labels[599] = DropoutSplitNet.OutputSize;
        var error = Assert.Throws<ArgumentException>(() => team.TrainStep(x, labels, rule));
        Assert.Contains("label", error.Message, StringComparison.OrdinalIgnoreCase);
        labels[599] = 0;
        Assert.Equal(BitConverter.SingleToInt32Bits(reference.TrainStep(x, labels, referenceRule)), BitConverter.SingleToInt32Bits(team.TrainStep(x, labels, rule)));
        AssertSameBits(reference.Parameters, net.Parameters, "parameters after the refused batch");
        Assert.Equal((2, 2), (referenceRule.StepCount, rule.StepCount));
    }

    [Fact]
    public void ClippedAndLargeStepsHaveTheBitsOfTheNetworksOwn()
    {
        // Clipping, cut with the gradient stored; a batch over 256 rows, in chunks: the bits of the network's own step.
        void Check(Func<INetwork> make, Func<NetworkArchitecture, IOptimizer> optimizer, int batch)
        {
            INetwork a = make(), b = make();
            IOptimizer oa = optimizer(a.Architecture), ob = optimizer(b.Architecture);
            using var team = new LayerParallel(b, 2);
            float[] x = Seeded.Floats(batch * a.InputSize, 50);
            int[] y = Seeded.Labels(batch, a.OutputSize, 51);
            float expected = a.TrainStep(x, y, oa);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(team.TrainStep(x, y, ob)));
            AssertSameBits(a.Parameters, b.Parameters, "parameters");
        }
        Check(() => new BlockedNet(3), arch => new Adam(arch, new ConstantLearningRate(0.01f), clipNorm: 0.5f), 16);
        Check(() => new BlockedNet(3), arch => new Momentum(arch, new ConstantLearningRate(0.05f), clipNorm: 0.5f), 16);
        Check(() => new BlockedNet(3), arch => new Sgd(arch, new ConstantLearningRate(0.05f), l1: 1e-3f, clipNorm: 0.5f), 16);
        Check(() => new BlockedNet(3), arch => new Sgd(arch, new ConstantLearningRate(0.05f)), 300);
        Check(() => new DropNet(3), arch => new Momentum(arch, new ConstantLearningRate(0.05f)), 300);
        Assert.True(new LayerParallel(new DropNet(3), 2).CanSplit);
    }

    [Fact]
    public void NonFiniteLossUpdatesNothing()
    {
        var net = new BlockedNet(3);
        var sgd = new Sgd(BlockedNet.Architecture, new ConstantLearningRate(0.1f));
        using var team = new LayerParallel(net, 2);
        float[] x = Seeded.Floats(8 * BlockedNet.InputSize, 60);
        float bias = net.Parameters[^1];
        net.Parameters[^1] = float.NaN; // an output bias: the loss is NaN
        float[] before = net.Parameters.ToArray();
        float loss = team.TrainStep(x, new int[8], sgd);
        Assert.False(float.IsFinite(loss), $"loss {loss}");
        AssertSameBits(before, net.Parameters, "parameters");
        Assert.Equal(0, sgd.StepCount);
        // An infinite input is refused before any phase runs.
        x[3 * BlockedNet.InputSize + 2] = float.PositiveInfinity;
        net.Parameters[^1] = bias;
        var e = Assert.Throws<ArgumentException>(() => team.TrainStep(x, new int[8], sgd));
        Assert.Contains("Row 3 of the batch has Infinity at feature 2", e.Message);
        Assert.Equal(0, sgd.StepCount);
        // The team is still usable afterwards.
        float ok = team.TrainStep(Seeded.Floats(8 * BlockedNet.InputSize, 61), new int[8], sgd);
        Assert.True(float.IsFinite(ok));
        Assert.Equal(1, sgd.StepCount);
    }

    [Fact]
    public void BadInputChangesNothing()
    {
        var net = new BlockedNet(3);
        var sgd = new Sgd(BlockedNet.Architecture, new ConstantLearningRate(0.1f));
        using var team = new LayerParallel(net, 2);
        float[] before = net.Parameters.ToArray();
        float[] x = Seeded.Floats(4 * BlockedNet.InputSize, 62);
        var error = Assert.Throws<ArgumentException>(() => team.TrainStep(x, new[] { 0, 1, 2, 10 }, sgd));
        Assert.Contains("Label 10 at index 3", error.Message);
        Assert.Throws<ArgumentException>(() => team.TrainStep(x, new[] { 0, 1, 2 }, sgd));
        Assert.Throws<ArgumentException>(() => team.TrainStep(x.AsSpan(1).ToArray(), new[] { 0, 1, 2, 3 }, sgd));
        AssertSameBits(before, net.Parameters, "parameters");
        Assert.Equal(0, sgd.StepCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LayerParallel(net, 0));
        team.Dispose();
        Assert.Throws<ObjectDisposedException>(() => team.TrainStep(x, new[] { 0, 1, 2, 3 }, sgd));
    }

    /// <summary>
    /// Steps on target vectors cut across 1, 2, 3 and 5 threads give the bits of the network's own step on them
    /// (<c>ComputeGradients</c> then the optimizer's <c>Step</c>): every loss the generator emits on targets — softmax
    /// cross-entropy on soft targets, binary cross-entropy (one output and several), mean squared error after softmax, an
    /// identity and a sigmoid — fused, with L1, and stored for clipping, with dropout.
    /// </summary>
    [Theory]
    [InlineData("Seed", 20, "Momentum")]
    [InlineData("Blocked", 64, "Sgd")]
    [InlineData("OddSoftmax", 9, "Adam")]
    [InlineData("FusedBinary", 5, "Nesterov")]
    [InlineData("MultiLabel", 12, "SgdL1")]
    [InlineData("FusedSoftmaxMse", 33, "Momentum")]
    [InlineData("Regression", 17, "Sgd")]
    [InlineData("Regression", 64, "MomentumClip")]
    [InlineData("Dropout", 64, "Momentum")]
    [InlineData("Dropout", 10, "AdamL1")]
    [InlineData("DropoutDeep", 11, "AdamClip")]
    [InlineData("Wide", 256, "MomentumL1")]
    [InlineData("Regression", 1, "Momentum")] // one row: on the caller
    [InlineData("Regression", 300, "Nesterov")] // over 256 rows: in chunks
    [InlineData("MultiLabel", 520, "AdamW")]
    public void ThreadCountDoesNotChangeABitOnTargets(string network, int batch, string optimizer)
        => AssertThreadCountsAgree(network, batch, optimizer, targets: true);

    /// <summary>
    /// A step on targets is checked as the network's own is: wrong lengths and empty targets are refused with nothing
    /// updated, a NaN target leaves a NaN loss and no update, and a split phase given labels and targets together, or a batch of one kind prepared and the other run,
    /// is refused.
    /// </summary>
    [Fact]
    public void TargetsOfTheWrongLengthAreRefusedWithNothingUpdated()
    {
        var net = new DropoutSplitNet(3);
        using var team = new LayerParallel(net, 2);
        var sgd = new Sgd(DropoutSplitNet.Architecture, 0.1f);
        float[] before = net.Parameters.ToArray();
        float[] x = Seeded.Floats(4 * DropoutSplitNet.InputSize, 50);
        var wrong = Assert.Throws<ArgumentException>(() => team.TrainStep(x, new float[4 * DropoutSplitNet.OutputSize - 1], sgd));
        Assert.Contains("Expected 4 × 3 = 12 values", wrong.Message);
        Assert.Throws<ArgumentException>(() => team.TrainStep(x, ReadOnlySpan<float>.Empty, sgd));
        AssertSameBits(before, net.Parameters, "parameters");
        Assert.Equal(0, sgd.StepCount);

        // A NaN target makes the loss NaN: returned, with nothing updated, as the network's own step does.
        float[] targets = Seeded.Floats(4 * DropoutSplitNet.OutputSize, 51);
        targets[5] = float.NaN;
        Assert.True(float.IsNaN(team.TrainStep(x, targets, sgd)));
        AssertSameBits(before, net.Parameters, "parameters after a NaN target");
        Assert.Equal(0, sgd.StepCount);

        var split = (ISplitTraining)net;
        float[] small = x.AsSpan(0, 2 * DropoutSplitNet.InputSize).ToArray();
        var both = Assert.Throws<ArgumentException>(() => split.PrepareSplitStep(small, new[] { 0, 1 }, new float[6], 1, 0, 2));
        Assert.Contains("not both", both.Message);
        Assert.Equal(2, split.PrepareSplitStep(small, default, new float[6], 1, 0, 2));
        var mixed = Assert.Throws<ArgumentException>(() => split.RunSplitPhase(0, 0, 1, small, new[] { 0, 1 }, new float[6], default));
        Assert.Contains("a label or 3 targets a row", mixed.Message);
        Assert.Throws<ArgumentException>(() => split.RunSplitPhase(0, 0, 1, small, default, new float[5], default));
    }

    /// <summary>Two epochs of 300 seeded samples through the trainer on one thread and on two: the same history and parameters.</summary>
    private static void AssertTrainerThreadsAgree(Func<INetwork> make, Func<NetworkArchitecture, IOptimizer> optimizer, int batchSize, ulong seed, int samples = 300,
        int? threads = 2, int expectedThreads = 2, bool targets = false)
    {
        INetwork shape = make();
        Dataset Data(int rows, ulong from) => targets
            ? new Dataset(Seeded.Floats(rows * shape.InputSize, from), Seeded.Floats(rows * shape.OutputSize, from + 1), shape.InputSize)
            : new Dataset(Seeded.Floats(rows * shape.InputSize, from), Seeded.Labels(rows, shape.OutputSize, from + 1), shape.InputSize, shape.OutputSize);
        var data = Data(samples, seed);
        // Evaluated on both threads: a validation set of several 256-row chunks and a test set smaller than one.
        var validation = Data(700, seed + 2);
        var test = Data(50, seed + 4);
        (float[] Parameters, TrainingHistory History) Train(int? count)
        {
            INetwork net = make();
            TrainingHistory history = new Trainer(net, optimizer(net.Architecture), new TrainerOptions { Epochs = 2, BatchSize = batchSize, Seed = 3, Threads = count }).Fit(data, validation, test);
            return (net.Parameters.ToArray(), history);
        }
        var one = Train(1);
        var two = Train(threads);
        Assert.Equal(1, one.History.Threads);
        Assert.Equal(expectedThreads, two.History.Threads);
        AssertSameBits(one.Parameters, two.Parameters, "parameters after two epochs");
        Assert.Equal(one.History.Select(e => e.TrainLoss), two.History.Select(e => e.TrainLoss));
        Assert.Equal(one.History.Select(e => (e.ValidationLoss, e.ValidationAccuracy, e.TestLoss, e.TestAccuracy)),
            two.History.Select(e => (e.ValidationLoss, e.ValidationAccuracy, e.TestLoss, e.TestAccuracy)));
        Assert.False(one.Parameters.AsSpan().SequenceEqual(shape.Parameters), "training changed nothing");
    }

    /// <summary>A trainer with two threads and a fusable SGD cuts the layers: the same history and parameters as one thread.</summary>
    [Fact]
    public void TrainerOnTwoThreadsTrainsLikeOne()
        => AssertTrainerThreadsAgree(() => new BlockedNet(6), arch => new Sgd(arch, new InverseTimeDecay(0.05f, 1e-3f), l2: 1e-4f), batchSize: 40, seed: 70);

    /// <summary>
    /// Batches over 256 rows (two epochs of 700 samples in batches of 300: 300, 300 and 100 rows), left to choose, are cut
    /// across the cores in chunks, with the history and parameters of one thread.
    /// </summary>
    [Fact]
    public void TrainerLeftToChooseCutsBatchesOver256RowsLikeOneThread()
        => AssertTrainerThreadsAgree(() => new DropoutSplitNet(6), arch => new Momentum(arch, new CosineDecay(0.02f, 6), momentum: 0.9f, l2: 5e-5f),
            batchSize: 300, seed: 74, samples: 700, threads: null, expectedThreads: Math.Min(2, Environment.ProcessorCount));

    /// <summary>The main job's kind of recipe — dropout and momentum — on two threads through the trainer: the same history and parameters as one thread.</summary>
    [Fact]
    public void TrainerWithDropoutAndMomentumOnTwoThreadsTrainsLikeOne()
        => AssertTrainerThreadsAgree(() => new DropoutSplitNet(6), arch => new Momentum(arch, new CosineDecay(0.02f, 16), momentum: 0.9f, l2: 5e-5f), batchSize: 64, seed: 72);

    /// <summary>
    /// Adam, fused into the cut step on two threads and stepping from the stored gradient on one, through the trainer, with
    /// an epoch whose last batch is one row (run on the caller): the same history and parameters as one thread.
    /// </summary>
    [Fact]
    public void TrainerWithAdamAndAOneRowLastBatchOnTwoThreadsTrainsLikeOne()
        => AssertTrainerThreadsAgree(() => new DropoutSplitNet(6), arch => new Adam(arch, new CosineDecay(0.002f, 16), l2: 5e-5f), batchSize: 64, seed: 74, samples: 257);

    /// <summary>
    /// Momentum with L1 (fused, each weight shrunk after its update) and with clipping by the global norm (the gradient
    /// stored, then the norm and the update on every thread), through the trainer on two threads: one thread's history
    /// and parameters, not the data-parallel shards' they took before.
    /// </summary>
    [Fact]
    public void TrainerWithL1OrClippingOnTwoThreadsTrainsLikeOne()
    {
        AssertTrainerThreadsAgree(() => new DropoutSplitNet(6),
            arch => new Momentum(arch, new CosineDecay(0.02f, 16), momentum: 0.9f, l2: 5e-5f, l1: 1e-3f), batchSize: 64, seed: 76);
        AssertTrainerThreadsAgree(() => new DropoutSplitNet(6),
            arch => new Momentum(arch, new CosineDecay(0.02f, 16), momentum: 0.9f, clipNorm: 0.5f), batchSize: 64, seed: 78);
    }

    /// <summary>
    /// Regression on target vectors through the trainer on two threads, and left to choose: the layer cut, with one
    /// thread's history and parameters (data-parallel shards, which it took before, gave other bits).
    /// </summary>
    [Fact]
    public void TrainerOnTargetsCutsTheLayersWithOneThreadsBits()
    {
        AssertTrainerThreadsAgree(() => new DropoutSplitNet(6), arch => new Momentum(arch, new CosineDecay(0.02f, 16), momentum: 0.9f, l2: 5e-5f),
            batchSize: 64, seed: 82, targets: true);
        int expected = LayerParallel.GainfulThreads(DropoutSplitNet.Architecture, 64, Math.Min(256, Environment.ProcessorCount));
        AssertTrainerThreadsAgree(() => new DropoutSplitNet(6), arch => new Adam(arch, new CosineDecay(0.002f, 16), l2: 5e-5f, clipNorm: 0.5f),
            batchSize: 64, seed: 84, threads: null, expectedThreads: expected, targets: true);
    }

    /// <summary>
    /// Left to choose (<see cref="TrainerOptions.Threads"/> null, the default), the trainer cuts a step large enough to gain
    /// across the machine's cores — two on a two-core machine — with one thread's history and parameters.
    /// </summary>
    [Fact]
    public void TrainerLeftToChooseCutsALargeStepAcrossTheCoresWithOneThreadsBits()
    {
        int processors = Math.Min(256, Environment.ProcessorCount);
        int expected = LayerParallel.GainfulThreads(DropoutSplitNet.Architecture, 64, processors);
        Assert.Null(new TrainerOptions().Threads);
        if (processors >= 2) Assert.InRange(expected, 2, processors);
        AssertTrainerThreadsAgree(() => new DropoutSplitNet(6), arch => new Momentum(arch, new CosineDecay(0.02f, 16), momentum: 0.9f, l2: 5e-5f),
            batchSize: 64, seed: 80, threads: null, expectedThreads: expected);
    }

    /// <summary>
    /// Left to choose, the trainer stays on one thread where the cut would not gain (a small step) or where neither the
    /// cut nor shards apply (an optimizer of the caller's own, a network composed at run time), and takes as many threads
    /// as the batch has shards where shards are asked for or the batch is over 256 rows (shards of 256, as with threads
    /// given): the result never depends on the machine.
    /// </summary>
    [Fact]
    public void TrainerLeftToChooseStaysOnOneThreadWhereTheCutDoesNotGainOrApply()
    {
        var data = new Dataset(Seeded.Floats(200 * BlockedNet.InputSize, 84), Seeded.Labels(200, BlockedNet.OutputSize, 85), BlockedNet.InputSize, BlockedNet.OutputSize);
        var small = new BlockedNet(6);
        Assert.Equal(1, new Trainer(small, new Sgd(small, 0.05f), new TrainerOptions { Epochs = 1, BatchSize = 40 }).Fit(data).Threads);

        var split = new DropoutSplitNet(6);
        var momentum = new Momentum(DropoutSplitNet.Architecture, new ConstantLearningRate(0.01f), momentum: 0.9f);
        var labels = new Dataset(Seeded.Floats(200 * DropoutSplitNet.InputSize, 86), Seeded.Labels(200, DropoutSplitNet.OutputSize, 87), DropoutSplitNet.InputSize, DropoutSplitNet.OutputSize);
        TrainingHistory sharded = new Trainer(split, momentum, new TrainerOptions { Epochs = 1, BatchSize = 64, ShardRows = 16 }).Fit(labels);
        Assert.Equal((Math.Min(4, Environment.ProcessorCount), 16), (sharded.Threads, sharded.ShardRows)); // shards: any thread count, one result

        const int many = 64;
        (int, int?) Choose(INetwork net, IOptimizer rule, int batch, int processors = many)
            => Trainer.Parallelism(net, rule, new TrainerOptions { BatchSize = batch }, batch, processors);
        Assert.True(Choose(split, momentum, 64).Item1 >= 2, "the cut applies here");
        Assert.Null(Choose(split, momentum, 64).Item2);
        Assert.Equal((1, (int?)null), Choose(split, momentum, 1));
        // Over 256 rows the cut too, in chunks of 256 (one thread's bits), on as many threads as the model finds quickest;
        // a network the cut does not take (composed at run time) in 256-row shards, on as many cores as there are shards.
        Assert.Null(Choose(split, momentum, 1024).Item2);
        Assert.True(Choose(split, momentum, 1024).Item1 >= 2, "the cut applies over 256 rows");
        Assert.Equal((2, (int?)null), Choose(split, momentum, 1024, processors: 2));
        Assert.Equal((1, (int?)null), Choose(split, momentum, 1024, processors: 1));
        var composed = new ComposedNetwork(DropoutSplitNet.Architecture, seed: 1);
        Assert.Equal((2, (int?)256), Choose(composed, momentum, 257));
        Assert.Equal((4, (int?)256), Choose(composed, momentum, 1024));
        // A network whose layers are one block of units each gains nothing from the cut: 256-row shards there, on every
        // machine (one core included), as for a composed network.
        var narrow = new OddSoftmaxNet(1);
        var narrowRule = new Momentum(OddSoftmaxNet.Architecture, new ConstantLearningRate(0.01f), momentum: 0.9f);
        Assert.Equal((4, (int?)256), Choose(narrow, narrowRule, 1024));
        Assert.Equal((1, (int?)256), Choose(narrow, narrowRule, 1024, processors: 1));
        Assert.Equal((1, (int?)null), Choose(narrow, narrowRule, 256));
        Assert.Equal((3, (int?)256), Trainer.Parallelism(narrow, narrowRule, new TrainerOptions { BatchSize = 1024, Threads = 3 }, 1024, many));
        Assert.Equal((1, (int?)null), Choose(split, new OwnRule(), 257));
        // A convolutional network: two shards as even as they go for batches of 7 to 64 rows (shards of 4 rows or more),
        // 32-row shards above, one thread below; given two threads, two shards from a batch of two.
        var cnn = new MaxPoolCnn(1);
        Assert.Equal((1, (int?)null), Choose(cnn, momentum, 1));
        Assert.Equal((1, (int?)null), Choose(cnn, momentum, 2));
        Assert.Equal((1, (int?)null), Choose(cnn, momentum, 6));
        Assert.Equal((2, (int?)4), Choose(cnn, momentum, 7));
        Assert.Equal((2, (int?)1), Trainer.Parallelism(cnn, momentum, new TrainerOptions { BatchSize = 2, Threads = 2 }, 2, many));
        Assert.Equal((2, (int?)8), Choose(cnn, momentum, 16));
        Assert.Equal((2, (int?)9), Choose(cnn, momentum, 17));
        Assert.Equal((2, (int?)17), Choose(cnn, momentum, 33));
        Assert.Equal((2, (int?)32), Choose(cnn, momentum, 64));
        Assert.Equal((3, (int?)32), Choose(cnn, momentum, 65));
        Assert.Equal((2, (int?)16), Trainer.Parallelism(cnn, momentum, new TrainerOptions { BatchSize = 32, Threads = 2 }, 32, many));
        // Threads given changes the thread count only: one thread takes the shards any other count would.
        Assert.Equal((1, (int?)16), Trainer.Parallelism(cnn, momentum, new TrainerOptions { BatchSize = 32, Threads = 1 }, 32, many));
        Assert.Equal((1, (int?)null), Trainer.Parallelism(cnn, momentum, new TrainerOptions { BatchSize = 6, Threads = 1 }, 6, many));
        Assert.Equal((1, (int?)256), Trainer.Parallelism(narrow, narrowRule, new TrainerOptions { BatchSize = 1024, Threads = 1 }, 1024, many));
        Assert.Equal((1, (int?)256), Trainer.Parallelism(composed, momentum, new TrainerOptions { BatchSize = 300, Threads = 1 }, 300, many));
        Assert.Equal((4, (int?)32), Choose(cnn, momentum, 128));
        Assert.Equal((1, (int?)32), Choose(cnn, momentum, 128, processors: 1));
        Assert.Equal((2, (int?)256), Choose(cnn, momentum, 300));
        Assert.Equal((1, (int?)null), Choose(split, momentum, 64, processors: 1));
        Assert.Equal((1, (int?)null), Choose(new ComposedNetwork(DropoutSplitNet.Architecture, seed: 1), momentum, 64));
        Assert.Equal((1, (int?)null), Choose(split, new OwnRule(), 64));
        // Given explicitly: the cut where it applies; where neither it nor the default shards do, shards of 32 on more
        // than one thread and none on one.
        Assert.Equal((3, (int?)null), Trainer.Parallelism(split, momentum, new TrainerOptions { BatchSize = 64, Threads = 3 }, 64, many));
        Assert.Equal((3, (int?)null), Trainer.Parallelism(split, momentum, new TrainerOptions { BatchSize = 300, Threads = 3 }, 300, many));
        Assert.Equal((3, (int?)256), Trainer.Parallelism(composed, momentum, new TrainerOptions { BatchSize = 300, Threads = 3 }, 300, many));
        Assert.Equal((3, (int?)32), Trainer.Parallelism(new ComposedNetwork(DropoutSplitNet.Architecture, seed: 1), momentum, new TrainerOptions { BatchSize = 64, Threads = 3 }, 64, many));
        Assert.Equal((1, (int?)null), Trainer.Parallelism(split, momentum, new TrainerOptions { BatchSize = 64, Threads = 1 }, 64, many));
        Assert.Equal((2, (int?)8), Trainer.Parallelism(split, momentum, new TrainerOptions { BatchSize = 64, Threads = 2, ShardRows = 8 }, 64, many));
    }

    /// <summary>
    /// The cost model behind the automatic thread count, on the shapes the benchmarks' <c>--cut</c> measured on two cores: a layer
    /// of at most 64 units cannot be shared, so a 784-32-10 network stays on one thread at any batch and core count; a
    /// 784-128-10 one takes two from batch 8 and never more than its two blocks of units; the seed network takes two at
    /// batch 2 and more on a larger machine, up to its eight blocks.
    /// </summary>
    [Fact]
    public void GainfulThreadsFollowTheBlocksOfUnitsAndTheStepsSize()
    {
        static NetworkArchitecture Dense(int hidden) => new(TensorShape.Vector(784), new[] { LayerDefinition.Dense(hidden, Activation.Tanh), LayerDefinition.Softmax(10) }, LossFunction.CrossEntropy);
        NetworkArchitecture narrow = Dense(32), mid = Dense(128), seed = Dense(500);
        foreach (int batch in new[] { 2, 8, 64, 256 })
            foreach (int processors in new[] { 2, 16 })
                Assert.Equal(1, LayerParallel.GainfulThreads(narrow, batch, processors));
        Assert.Equal(1, LayerParallel.GainfulThreads(mid, 2, 2));
        Assert.Equal(2, LayerParallel.GainfulThreads(mid, 8, 2));
        Assert.Equal(2, LayerParallel.GainfulThreads(mid, 256, 16));
        Assert.Equal(2, LayerParallel.GainfulThreads(seed, 2, 2));
        Assert.Equal(2, LayerParallel.GainfulThreads(seed, 64, 2));
        Assert.InRange(LayerParallel.GainfulThreads(seed, 64, 16), 3, 8);
        Assert.Equal(1, LayerParallel.GainfulThreads(seed, 64, 1));
    }

    /// <summary>
    /// The trainer's layer-cut steps copy each batch out of the data set on the team's threads. A row that turned NaN in
    /// the data set's (wrapped, not copied) array after the trainer checked it is found there: the step throws naming the
    /// row and feature, updates nothing, and leaves the dropout generator where it was — a following step gives the bits
    /// of the same step on a network that never met the bad row.
    /// </summary>
    [Fact]
    public void ARowTurnedNonFiniteInTheDataSetStopsTheTrainerBeforeAnyUpdate()
    {
        const int rows = 300;
        float[] features = Seeded.Floats(rows * DropoutSplitNet.InputSize, 90);
        int[] labels = Seeded.Labels(rows, DropoutSplitNet.OutputSize, 91);
        (INetwork Net, IOptimizer Optimizer, Exception? Error) Train(bool poison)
        {
            float[] own = features.ToArray();
            var net = new DropoutSplitNet(6);
            var momentum = new Momentum(DropoutSplitNet.Architecture, new ConstantLearningRate(0.02f), momentum: 0.9f);
            var trainer = new Trainer(net, momentum, new TrainerOptions { Epochs = 2, BatchSize = 64, Seed = 3, Threads = 2 });
            trainer.EpochCompleted += e =>
            {
                if (e.Epoch == 1 && poison)
                    for (int r = 0; r < rows; r++) own[r * DropoutSplitNet.InputSize + 5] = float.NaN;
            };
            Exception? error = Record.Exception(() => trainer.Fit(new Dataset(own, labels, DropoutSplitNet.InputSize, DropoutSplitNet.OutputSize)));
            return (net, momentum, error);
        }
        var clean = new DropoutSplitNet(6);
        var cleanMomentum = new Momentum(DropoutSplitNet.Architecture, new ConstantLearningRate(0.02f), momentum: 0.9f);
        new Trainer(clean, cleanMomentum, new TrainerOptions { Epochs = 1, BatchSize = 64, Seed = 3, Threads = 2 })
            .Fit(new Dataset(features.ToArray(), labels, DropoutSplitNet.InputSize, DropoutSplitNet.OutputSize));
        var poisoned = Train(poison: true);
        var error = Assert.IsType<ArgumentException>(poisoned.Error);
        Assert.Contains("Row 0 of the batch has NaN at feature 5", error.Message);
        AssertSameBits(clean.Parameters, poisoned.Net.Parameters, "parameters after the refused step");
        // The same next step on both: the same masks, so the same bits.
        float[] x = Seeded.Floats(64 * DropoutSplitNet.InputSize, 92);
        int[] y = Seeded.Labels(64, DropoutSplitNet.OutputSize, 93);
        clean.TrainStep(x, y, cleanMomentum);
        poisoned.Net.TrainStep(x, y, poisoned.Optimizer);
        AssertSameBits(clean.Parameters, poisoned.Net.Parameters, "parameters after one more step");
    }

    /// <summary>
    /// A phase run directly with a batch larger than the one prepared, with more workers than prepared for, or a worker
    /// out of range, is refused before it writes anything.
    /// </summary>
    [Fact]
    public void PhasesRefuseAnUnpreparedBatch()
    {
        var net = new BlockedNet(3);
        ISplitTraining split = net;
        float[] small = Seeded.Floats(2 * BlockedNet.InputSize, 80);
        var noWorker = Assert.Throws<ArgumentOutOfRangeException>(() => split.PrepareSplitStep(small, new[] { 1, 2 }, default, 0, 0, 2));
        Assert.Equal("workers", noWorker.ParamName);
        // A chunk must lie in its batch.
        foreach (var (start, rows) in new[] { (-1, 4), (3, 4), (0, 1) })
        {
            var outside = Assert.Throws<ArgumentOutOfRangeException>(() => split.PrepareSplitStep(small, new[] { 1, 2 }, default, 1, start, rows));
            Assert.Contains($"a chunk of 2 rows that lies in the batch of {rows}", outside.Message);
        }
        Assert.Equal(2, split.PrepareSplitStep(small, new[] { 1, 2 }, default, 1, 0, 2));
        float[] before = net.Parameters.ToArray();
        float[] large = Seeded.Floats(300 * BlockedNet.InputSize, 81);
        var error = Assert.Throws<ArgumentException>(() => split.RunSplitPhase(0, 0, 1, large, new int[300], default, default));
        Assert.Contains("PrepareSplitStep", error.Message);
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => split.RunSplitPhase(0, 1, 2, small, new[] { 1, 2 }, default, default));
        Assert.Contains("no more workers than the 1 that PrepareSplitStep reserved for", tooMany.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => split.RunSplitPhase(0, 2, 2, small, new[] { 1, 2 }, default, default));
        Assert.Throws<ArgumentOutOfRangeException>(() => split.RunSplitPhase(99, 0, 1, small, new[] { 1, 2 }, default, default));
        for (int phase = 0; phase <= split.ForwardPhases; phase++) split.RunSplitPhase(phase, 0, 1, small, new[] { 1, 2 }, default, default);
        error = Assert.Throws<ArgumentException>(() => split.RunSplitPhase(split.ForwardPhases + 1, 0, 1, small, new[] { 1, 2 }, default, default));
        Assert.Contains("FusedStep.Begin", error.Message);
        AssertSameBits(before, net.Parameters, "parameters");
    }

    [Fact]
    public void PhaseClockTimesEveryWorkerAndChangesNoBit()
    {
        var plain = new BlockedNet(5);
        var timed = new BlockedNet(5);
        Optimizer rulePlain = MakeOptimizer("Momentum")(BlockedNet.Architecture);
        Optimizer ruleTimed = MakeOptimizer("Momentum")(BlockedNet.Architecture);
        using var plainTeam = new LayerParallel(plain, 2);
        using var timedTeam = new LayerParallel(timed, 2);
        int phases = ((ISplitTraining)timed).Phases;
        var clock = new PhaseClock(2, phases);
        timedTeam.Clock = clock;
        for (int step = 0; step < 3; step++)
        {
            float[] x = Seeded.Floats(40 * BlockedNet.InputSize, (ulong)(70 + step));
            int[] y = Seeded.Labels(40, BlockedNet.OutputSize, (ulong)(80 + step));
            plainTeam.TrainStep(x, y, rulePlain);
            timedTeam.TrainStep(x, y, ruleTimed);
        }
        AssertSameBits(plain.Parameters, timed.Parameters, "parameters");
        Assert.Equal(3, clock.Steps);
        for (int w = 0; w < 2; w++)
        {
            Assert.Equal(0, clock.Gather(w)); // the batch came as spans: nothing to copy
            double work = 0;
            for (int p = 0; p < phases; p++)
            {
                Assert.True(clock.Work(w, p) >= 0 && clock.Wait(w, p) >= 0, $"worker {w}, phase {p}");
                work += clock.Work(w, p);
            }
            Assert.True(work > 0, $"worker {w} was timed in no phase");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Work(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Wait(0, phases));
        // From a sampler, the workers copy the batch's rows first: that is timed too.
        var data = new Dataset(Seeded.Floats(80 * BlockedNet.InputSize, 90), Seeded.Labels(80, BlockedNet.OutputSize, 91),
            BlockedNet.InputSize, BlockedNet.OutputSize);
        var sampler = new MinibatchSampler(data, 40, seed: 1);
        clock.Reset();
        timedTeam.TrainStep(sampler, 0, ruleTimed);
        Assert.Equal(1, clock.Steps);
        Assert.True(clock.Gather(0) > 0 && clock.Gather(1) > 0, "the copy of the batch was not timed");
        // A batch over 256 rows, in chunks, counts as one step.
        clock.Reset();
        timedTeam.TrainStep(Seeded.Floats(600 * BlockedNet.InputSize, 92), Seeded.Labels(600, BlockedNet.OutputSize, 93), ruleTimed);
        Assert.Equal(1, clock.Steps);
        clock.Reset();
        Assert.Equal(0, clock.Steps);
        Assert.Equal(0, clock.Work(0, 0));
    }

    /// <summary>
    /// Two copies of a network from one seed, each with its momentum optimizer and a sampler of one seed over
    /// <paramref name="data"/>: one stepped on one thread through <see cref="MinibatchSampler.GetBatch"/>, the other by a
    /// two-thread team through the sampler itself, as the trainer steps it.
    /// </summary>
    private sealed class SamplerTwins : IDisposable
    {
        private static Momentum Rule() => new(DropoutSplitNet.Architecture, new ConstantLearningRate(0.02f), momentum: 0.9f, l2: 1e-4f);
        private readonly Momentum _oneRule = Rule(), _cutRule = Rule();
        private readonly LayerParallel _team;

        public SamplerTwins(Dataset data, int seed)
        {
            OneSampler = new MinibatchSampler(data, 64, seed);
            CutSampler = new MinibatchSampler(data, 64, seed);
            _team = new LayerParallel(Cut, 2);
        }

        public DropoutSplitNet One { get; } = new(5);
        public DropoutSplitNet Cut { get; } = new(5);
        public MinibatchSampler OneSampler { get; }
        public MinibatchSampler CutSampler { get; }

        /// <summary>Rows copied during the step before theirs so far.</summary>
        public long RowsCopiedAhead => _team.RowsCopiedAhead;

        /// <summary>Batch <paramref name="b"/> on the one-thread copy; returns its loss.</summary>
        public float StepOne(int b)
        {
            Minibatch batch = OneSampler.GetBatch(b);
            return One.TrainStep(batch.Features, batch.Labels, _oneRule);
        }

        /// <summary>Batch <paramref name="b"/> on the team; returns its loss.</summary>
        public float StepCut(int b) => _team.TrainStep(CutSampler, b, _cutRule);

        public void Dispose() => _team.Dispose();
    }

    /// <summary>
    /// Stepping through a sampler, a worker waiting at a barrier copies rows of the next batch; the next step starts
    /// from them. The parameters stay those of one thread on the sampler's batches through two epochs, a reshuffle in the
    /// middle of one, a skipped batch and a batch drawn by hand between steps (the rows copied ahead of a batch that is
    /// then not the next one are never used).
    /// </summary>
    [Fact]
    public void RowsCopiedAheadKeepTheBitsOfOneThread()
    {
        const int rows = 330; // five batches of 64 and one of 10
        var data = new Dataset(Seeded.Floats(rows * DropoutSplitNet.InputSize, 94), Seeded.Labels(rows, DropoutSplitNet.OutputSize, 95),
            DropoutSplitNet.InputSize, DropoutSplitNet.OutputSize);
        using var twins = new SamplerTwins(data, seed: 7);
        void Step(int b)
        {
            float oneLoss = twins.StepOne(b), cutLoss = twins.StepCut(b);
            Assert.Equal(BitConverter.SingleToInt32Bits(oneLoss), BitConverter.SingleToInt32Bits(cutLoss));
            int count = twins.OneSampler.RowsOf(b);
            Assert.True(twins.CutSampler.View(count).Features.SequenceEqual(twins.OneSampler.View(count).Features), $"batch {b}: the sampler's buffer");
        }
        for (int b = 0; b < 6; b++) Step(b);
        AssertSameBits(twins.One.Parameters, twins.Cut.Parameters, "after the first epoch");
        Assert.True(twins.RowsCopiedAhead > 0, "no row was copied ahead");
        twins.OneSampler.Shuffle();
        twins.CutSampler.Shuffle();
        Step(0);
        Step(1);
        twins.OneSampler.Shuffle(); // in the middle of the epoch: the rows copied ahead of batch 2 are of the old order
        twins.CutSampler.Shuffle();
        Step(2);
        Step(4); // batch 3 skipped
        twins.CutSampler.GetBatch(1); // drawn by hand into the sampler's buffer between steps
        Step(5);
        AssertSameBits(twins.One.Parameters, twins.Cut.Parameters, "after the second epoch");
    }

    /// <summary>
    /// A value that is not finite in a row copied ahead stops the step of its batch, as one copied in that step does:
    /// nothing is updated, and the error names the row.
    /// </summary>
    [Fact]
    public void ANonFiniteRowCopiedAheadStopsItsOwnStep()
    {
        const int rows = 192;
        float[] features = Seeded.Floats(rows * DropoutSplitNet.InputSize, 96);
        var data = new Dataset(features, Seeded.Labels(rows, DropoutSplitNet.OutputSize, 97), DropoutSplitNet.InputSize, DropoutSplitNet.OutputSize);
        // The sample at row 0 of batch 1, the first row copied ahead while batch 0 trains, gets a NaN at feature 3.
        float[] first = new MinibatchSampler(data, 64, seed: 8).GetBatch(1).Features[..DropoutSplitNet.InputSize].ToArray();
        int sample = Enumerable.Range(0, rows).Single(i =>
            features.AsSpan(i * DropoutSplitNet.InputSize, DropoutSplitNet.InputSize).SequenceEqual(first));
        features[sample * DropoutSplitNet.InputSize + 3] = float.NaN;
        using var twins = new SamplerTwins(data, seed: 8);
        twins.StepOne(0);
        twins.StepCut(0);
        var error = Assert.Throws<ArgumentException>(() => twins.StepCut(1));
        Assert.Contains("Row 0 of the batch has NaN at feature 3", error.Message);
        Assert.True(twins.RowsCopiedAhead > 0, "the row was not copied ahead");
        AssertSameBits(twins.One.Parameters, twins.Cut.Parameters, "parameters after the refused step");
        // The team goes on: the next batch trains as on one thread.
        twins.StepOne(2);
        twins.StepCut(2);
        AssertSameBits(twins.One.Parameters, twins.Cut.Parameters, "parameters after the next step");
    }

    [Fact]
    public void TwoThreadStepAllocatesNothing()
    {
        var net = new BlockedNet(3);
        var sgd = new Sgd(BlockedNet.Architecture, new ConstantLearningRate(1e-4f));
        using var team = new LayerParallel(net, 2);
        float[] x = Seeded.Floats(16 * BlockedNet.InputSize, 63);
        int[] y = Seeded.Labels(16, BlockedNet.OutputSize, 64);
        Allocations.AssertNone(() => team.TrainStep(x, y, sgd));
        var adam = new Adam(BlockedNet.Architecture, new ConstantLearningRate(1e-4f));
        team.TrainStep(x, y, adam); // the first step creates the moments
        Allocations.AssertNone(() => team.TrainStep(x, y, adam));
        var clipped = new Momentum(BlockedNet.Architecture, new ConstantLearningRate(1e-4f), clipNorm: 0.05f, l1: 1e-4f);
        team.TrainStep(x, y, clipped); // the first creates the velocity, and the team its gradient buffer
        Allocations.AssertNone(() => team.TrainStep(x, y, clipped));
    }

    /// <summary>An optimizer of the caller's own, not an <see cref="Optimizer"/>: nothing to cut.</summary>
    private sealed class OwnRule : IOptimizer
    {
        public long StepCount => 0;
        public int Epoch { get; set; }
        public float CurrentLearningRate => 0;
        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) { }
        public void Step(Span<double> parameters, ReadOnlySpan<double> gradients) { }
    }

    private sealed class OwnAdam(NetworkArchitecture architecture) : Adam(architecture, new InverseTimeDecay(0.01f, 0.01f), beta2: 0.99f);
}
