using System;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Runtime;

/// <summary>
/// Data-parallel gradients: the same bits whatever the thread count, the same gradient as one pass over the whole batch
/// (to rounding), replicas that share parameters and own their gradients, and bad input refused before any thread runs.
/// </summary>
public sealed class DataParallelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(50)] // shards of 8: six whole and a short one
    [InlineData(300)] // more rows than a generated network's 256-row chunk
    public void ThreadCountDoesNotChangeABit(int batch)
    {
        float[] x = Seeded.Floats(batch * BlockedNet.InputSize, 1);
        int[] y = Seeded.Labels(batch, BlockedNet.OutputSize, 2);
        float[]? reference = null;
        float referenceLoss = 0;
        foreach (int threads in new[] { 1, 2, 3, 5 })
        {
            var net = new BlockedNet(3);
            using var parallel = new DataParallel(net, threads, shardRows: 8);
            float loss = parallel.ComputeGradients(x, y);
            float[] gradients = net.Gradients.ToArray();
            if (reference is null)
            {
                reference = gradients;
                referenceLoss = loss;
                continue;
            }
            Assert.Equal(BitConverter.SingleToInt32Bits(referenceLoss), BitConverter.SingleToInt32Bits(loss));
            Assert.True(reference.AsSpan().SequenceEqual(gradients), $"{threads} threads changed the gradient");
        }
    }

    [Fact]
    public void GradientIsTheWholeBatchGradient()
    {
        const int batch = 45;
        float[] x = Seeded.Floats(batch * OddSoftmaxNet.InputSize, 4);
        int[] y = Seeded.Labels(batch, OddSoftmaxNet.OutputSize, 5);
        var whole = new OddSoftmaxNet(9);
        float expectedLoss = whole.ComputeGradients(x, y);
        var net = new OddSoftmaxNet(9);
        using var parallel = new DataParallel(net, threads: 2, shardRows: 16);
        float loss = parallel.ComputeGradients(x, y);
        Assert.Equal(expectedLoss, loss, 1e-6f);
        float scale = whole.Gradients.ToArray().Max(MathF.Abs);
        for (int i = 0; i < net.Gradients.Length; i++)
            Assert.True(MathF.Abs(whole.Gradients[i] - net.Gradients[i]) <= 1e-6f * scale, $"gradient {i}: {net.Gradients[i]} against {whole.Gradients[i]}");
    }

    [Fact]
    public void TargetVectorsMatchTheWholeBatchToo()
    {
        const int batch = 20;
        float[] x = Seeded.Floats(batch * OddRegressionNet.InputSize, 6);
        float[] t = Seeded.Floats(batch * OddRegressionNet.OutputSize, 7);
        var whole = new OddRegressionNet(2);
        float expectedLoss = whole.ComputeGradients(x, t);
        var net = new OddRegressionNet(2);
        using var parallel = new DataParallel(net, threads: 2, shardRows: 6);
        Assert.Equal(expectedLoss, parallel.ComputeGradients(x, t), 1e-6f);
        float scale = whole.Gradients.ToArray().Max(MathF.Abs);
        for (int i = 0; i < net.Gradients.Length; i++)
            Assert.True(MathF.Abs(whole.Gradients[i] - net.Gradients[i]) <= 1e-6f * scale);
    }

    [Fact]
    public void ReplicasShareParametersAndOwnTheirGradients()
    {
        var net = new OddSoftmaxNet(1);
        INetwork<float> replica = ((INetwork<float>)net).CreateReplica();
        net.Parameters[5] = 42f;
        Assert.Equal(42f, replica.Parameters[5]);
        replica.ComputeGradients(Seeded.Floats(OddSoftmaxNet.InputSize, 3), new[] { 1 });
        Assert.True(net.Gradients.ToArray().All(g => g == 0f), "the replica wrote the original's gradients");

        var composed = new ComposedNetwork(OddSoftmaxNet.Architecture, seed: 1);
        INetwork<float> composedReplica = ((INetwork<float>)composed).CreateReplica();
        composed.Parameters[7] = -3f;
        Assert.Equal(-3f, composedReplica.Parameters[7]);
    }

    [Fact]
    public void ComposedNetworkTrainsInParallelToTheSameBitsAsTheGenerated()
    {
        const int batch = 40;
        float[] x = Seeded.Floats(batch * BlockedNet.InputSize, 8);
        int[] y = Seeded.Labels(batch, BlockedNet.OutputSize, 9);
        var generated = new BlockedNet(4);
        var composed = new ComposedNetwork(BlockedNet.Architecture, seed: 4);
        using var a = new DataParallel(generated, 2, 16);
        using var b = new DataParallel(composed, 1, 16);
        Assert.Equal(a.ComputeGradients(x, y), b.ComputeGradients(x, y), 1e-5f);
        for (int i = 0; i < generated.Gradients.Length; i++) Assert.Equal(generated.Gradients[i], composed.Gradients[i], 1e-5f);
    }

    /// <summary>
    /// Data-parallel dropout training on one thread and on three: the same parameters, and the same evaluations to the bit,
    /// which the replicas share chunk by chunk: a validation set of five 256-row chunks, so two threads take two each and
    /// summing per thread instead of per chunk would show (checked by hand: that mutation fails this test); a test set
    /// smaller than one chunk.
    /// </summary>
    [Fact]
    public void DropoutTrainingIsTheSameOnOneThreadOrThree()
    {
        var data = new Dataset(Seeded.Floats(200 * DropNet.InputSize, 10), Seeded.Labels(200, DropNet.OutputSize, 11), DropNet.InputSize, DropNet.OutputSize);
        var validation = new Dataset(Seeded.Floats(1100 * DropNet.InputSize, 12), Seeded.Labels(1100, DropNet.OutputSize, 13), DropNet.InputSize, DropNet.OutputSize);
        var test = new Dataset(Seeded.Floats(50 * DropNet.InputSize, 14), Seeded.Labels(50, DropNet.OutputSize, 15), DropNet.InputSize, DropNet.OutputSize);
        (float[] Parameters, TrainingHistory History) Train(int threads)
        {
            var net = new DropNet(5);
            var sgd = new Momentum(DropNet.Architecture, new ConstantLearningRate(0.05f), momentum: 0.9f, l2: 1e-4f);
            var history = new Trainer(net, sgd, new TrainerOptions { Epochs = 3, BatchSize = 32, Seed = 2, Threads = threads, ShardRows = 8 })
                .Fit(data, validation, test);
            return (net.Parameters.ToArray(), history);
        }
        var one = Train(1);
        var three = Train(3);
        Assert.True(one.Parameters.AsSpan().SequenceEqual(three.Parameters), "three threads trained to different parameters than one");
        Assert.Equal(one.History.Select(e => (e.ValidationLoss, e.ValidationAccuracy, e.TestLoss, e.TestAccuracy)),
            three.History.Select(e => (e.ValidationLoss, e.ValidationAccuracy, e.TestLoss, e.TestAccuracy)));
        Assert.False(one.Parameters.AsSpan().SequenceEqual(new DropNet(5).Parameters), "training changed nothing");
    }

    /// <summary>
    /// Left to choose, the trainer runs a convolutional network's batches in shards of 32 rows on as many cores as a
    /// batch has shards (two on a two-core machine for batches of 64): the result of one thread on the same shards, so
    /// the same on every machine.
    /// </summary>
    [Fact]
    public void ConvolutionalTrainingLeftToChooseShardsOnEveryCoreWithTheResultOfOneThread()
        => AssertChosenShardsTrainLikeOneThread(() => new MaxPoolCnn(5), samples: 160, batch: 64, shardRows: 32);

    /// <summary>
    /// A convolutional network's small batches, left to choose, go in two shards as even as they go (a batch of 13 in 7 and
    /// 6 rows): the result of one thread on the same shards.
    /// </summary>
    [Fact]
    public void SmallConvolutionalBatchesLeftToChooseShardInTwoWithTheResultOfOneThread()
        => AssertChosenShardsTrainLikeOneThread(() => new MaxPoolCnn(5), samples: 60, batch: 13, shardRows: 7);

    /// <summary>
    /// One shard a batch (<c>ShardRows</c> the batch size) is the network's own step: a convolutional network's batches of
    /// six rows, which the trainer steps on the network itself, give the same parameters and losses through one shard.
    /// </summary>
    [Fact]
    public void OneShardABatchIsTheNetworksOwnStep()
    {
        var data = new Dataset(Seeded.Floats(30 * MaxPoolCnn.InputSize, 18), Seeded.Labels(30, MaxPoolCnn.OutputSize, 19), MaxPoolCnn.InputSize, MaxPoolCnn.OutputSize);
        (float[] Parameters, TrainingHistory History) Train(int? rows)
        {
            var net = new MaxPoolCnn(5);
            var adam = new Adam(MaxPoolCnn.Architecture, new ConstantLearningRate(0.01f), l2: 1e-3f);
            TrainingHistory history = new Trainer(net, adam, new TrainerOptions { Epochs = 2, BatchSize = 6, Seed = 2, Threads = 1, ShardRows = rows })
                .Fit(data, test: data);
            return (net.Parameters.ToArray(), history);
        }
        var own = Train(null);
        var shard = Train(6);
        Assert.Equal(((int?)null, (int?)6), (own.History.ShardRows, shard.History.ShardRows));
        Assert.True(own.Parameters.AsSpan().SequenceEqual(shard.Parameters), "one shard a batch trained to other parameters than the network's own step");
        Assert.Equal(own.History.Select(e => (e.TrainLoss, e.TestLoss)), shard.History.Select(e => (e.TrainLoss, e.TestLoss)));
    }

    /// <summary>
    /// Two epochs through the trainer left to choose: two threads (one on a one-core machine) in shards of
    /// <paramref name="shardRows"/>, with the history and parameters of one thread and of two given explicitly, which take
    /// the same shards.
    /// </summary>
    private static void AssertChosenShardsTrainLikeOneThread(Func<INetwork> make, int samples, int batch, int shardRows)
    {
        INetwork shape = make();
        var data = new Dataset(Seeded.Floats(samples * shape.InputSize, 16), Seeded.Labels(samples, shape.OutputSize, 17), shape.InputSize, shape.OutputSize);
        (float[] Parameters, TrainingHistory History) Train(int? threads, int? rows)
        {
            INetwork net = make();
            var momentum = new Momentum(net.Architecture, new ConstantLearningRate(0.05f), momentum: 0.9f);
            TrainingHistory history = new Trainer(net, momentum, new TrainerOptions { Epochs = 2, BatchSize = batch, Seed = 2, Threads = threads, ShardRows = rows })
                .Fit(data, test: data);
            return (net.Parameters.ToArray(), history);
        }
        var chosen = Train(null, null);
        Assert.Equal((Math.Min(2, Environment.ProcessorCount), (int?)shardRows), (chosen.History.Threads, chosen.History.ShardRows));
        var one = Train(1, null);
        var two = Train(2, null);
        Assert.Equal((1, (int?)shardRows), (one.History.Threads, one.History.ShardRows));
        Assert.Equal((2, (int?)shardRows), (two.History.Threads, two.History.ShardRows));
        foreach (var (other, what) in new[] { (chosen, "the chosen threads"), (two, "two threads") })
        {
            Assert.True(one.Parameters.AsSpan().SequenceEqual(other.Parameters), $"{what} trained to other parameters than one thread on the same shards");
            Assert.Equal(one.History.Select(e => (e.TrainLoss, e.TestLoss)), other.History.Select(e => (e.TrainLoss, e.TestLoss)));
        }
        Assert.False(one.Parameters.AsSpan().SequenceEqual(shape.Parameters), "training changed nothing");
    }

    public static TheoryData<string> Optimizers => new() { "sgd", "momentum", "nesterov", "adam", "adamw", "clipped" };

    private static IOptimizer Create(string name, NetworkArchitecture a) => name switch
    {
        "sgd" => new Sgd(a, new InverseTimeDecay(0.1f, 0.01f), l2: 1e-3f, l1: 1e-4f),
        "momentum" => new Momentum(a, new ConstantLearningRate(0.05f), momentum: 0.9f, l2: 1e-3f),
        "nesterov" => new Momentum(a, new ConstantLearningRate(0.05f), momentum: 0.9f, nesterov: true, l1: 1e-4f),
        "adam" => new Adam(a, new ConstantLearningRate(0.01f), l2: 1e-3f),
        "adamw" => new AdamW(a, new ConstantLearningRate(0.01f), weightDecay: 1e-2f),
        _ => new Sgd(a, new ConstantLearningRate(0.1f), clipNorm: 0.01f),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void TrainStepIsComputeGradientsThenStepToTheBit(string optimizer)
    {
        // BlockedNet's ranges (150·86 weights, 86 biases, ...) are long enough to be sliced across threads, with tails.
        const int batch = 48;
        var serial = new BlockedNet(6);
        var parallelNet = new BlockedNet(6);
        IOptimizer a = Create(optimizer, BlockedNet.Architecture), b = Create(optimizer, BlockedNet.Architecture);
        using var one = new DataParallel(serial, 1, 16);
        using var three = new DataParallel(parallelNet, 3, 16);
        for (int step = 0; step < 4; step++)
        {
            float[] x = Seeded.Floats(batch * BlockedNet.InputSize, (ulong)(20 + step));
            int[] y = Seeded.Labels(batch, BlockedNet.OutputSize, (ulong)(30 + step));
            float expected = one.ComputeGradients(x, y);
            a.Step(serial.Parameters, serial.Gradients);
            float loss = three.TrainStep(x, y, b);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(loss));
            Assert.True(serial.Parameters.SequenceEqual(parallelNet.Parameters), $"{optimizer}: parameters differ after step {step + 1}");
        }
        Assert.Equal(a.StepCount, b.StepCount);
    }

    /// <summary>
    /// Stepping through a sampler, each thread copies its shards' rows before computing them: the bits of the same step
    /// on the batch the sampler copies whole, for an optimizer that updates in slices (Adam) and one that steps on the
    /// caller (clipping SGD), and the sampler's buffer holds the batch afterwards.
    /// </summary>
    [Theory]
    [InlineData("adam")]
    [InlineData("clipped")]
    public void SamplerStepsCopyTheirShardsWithTheBitsOfTheWholeBatch(string optimizer)
    {
        const int rows = 110; // batches of 48, 48 and 14: shards of 16 and a short one
        var data = new Dataset(Seeded.Floats(rows * BlockedNet.InputSize, 40), Seeded.Labels(rows, BlockedNet.OutputSize, 41),
            BlockedNet.InputSize, BlockedNet.OutputSize);
        var whole = new BlockedNet(6);
        var copied = new BlockedNet(6);
        IOptimizer a = Create(optimizer, BlockedNet.Architecture), b = Create(optimizer, BlockedNet.Architecture);
        using var wholeTeam = new DataParallel(whole, 2, 16);
        using var copyingTeam = new DataParallel(copied, 2, 16);
        var wholeSampler = new MinibatchSampler(data, 48, seed: 3);
        var copyingSampler = new MinibatchSampler(data, 48, seed: 3);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            for (int batch = 0; batch < wholeSampler.BatchesPerEpoch; batch++)
            {
                Minibatch m = wholeSampler.GetBatch(batch);
                float expected = wholeTeam.TrainStep(m.Features, m.Labels, a);
                float loss = copyingTeam.TrainStep(copyingSampler, batch, b);
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(loss));
                Assert.True(copyingSampler.View(m.Count).Features.SequenceEqual(m.Features), $"batch {batch}: the sampler's buffer");
                Assert.True(whole.Parameters.SequenceEqual(copied.Parameters), $"{optimizer}: parameters differ after batch {batch} of epoch {epoch}");
            }
            wholeSampler.Shuffle();
            copyingSampler.Shuffle();
        }
        Assert.Equal(a.StepCount, b.StepCount);
    }

    /// <summary>A value that is not finite in a row a thread copies stops the step: it names the row, and nothing is updated or counted.</summary>
    [Fact]
    public void ANonFiniteRowCopiedByAThreadStopsTheStep()
    {
        const int rows = 64;
        float[] features = Seeded.Floats(rows * BlockedNet.InputSize, 42);
        var data = new Dataset(features, Seeded.Labels(rows, BlockedNet.OutputSize, 43), BlockedNet.InputSize, BlockedNet.OutputSize);
        var net = new BlockedNet(6);
        var adam = new Adam(BlockedNet.Architecture, new ConstantLearningRate(0.01f));
        using var team = new DataParallel(net, 2, 16);
        var sampler = new MinibatchSampler(data, 64, seed: 4);
        // The row the sampler puts at 37 (the third shard, on the second thread) gets an infinity at feature 11.
        float[] row = sampler.GetBatch(0).Features.Slice(37 * BlockedNet.InputSize, BlockedNet.InputSize).ToArray();
        int sample = Enumerable.Range(0, rows).Single(i => features.AsSpan(i * BlockedNet.InputSize, BlockedNet.InputSize).SequenceEqual(row));
        features[sample * BlockedNet.InputSize + 11] = float.PositiveInfinity;
        float[] before = net.Parameters.ToArray();
        var e = Assert.Throws<ArgumentException>(() => team.TrainStep(sampler, 0, adam));
        Assert.Contains("Row 37 of the batch has Infinity at feature 11", e.Message);
        Assert.True(before.AsSpan().SequenceEqual(net.Parameters), "a parameter changed");
        Assert.Equal(0, adam.StepCount);
        // The instance goes on once the row is mended.
        features[sample * BlockedNet.InputSize + 11] = 0f;
        Assert.True(float.IsFinite(team.TrainStep(sampler, 0, adam)));
        Assert.Equal(1, adam.StepCount);
    }

    [Fact]
    public void NonFiniteLossLeavesParametersAlone()
    {
        var net = new OddRegressionNet(1);
        using var parallel = new DataParallel(net, 2, 4);
        var sgd = new Sgd(OddRegressionNet.Architecture, new ConstantLearningRate(0.1f));
        net.Parameters[^1] = float.NaN; // an output bias: the loss is NaN
        float[] before = net.Parameters.ToArray();
        float[] x = Seeded.Floats(8 * OddRegressionNet.InputSize, 1);
        int[] y = new int[8];
        Assert.True(float.IsNaN(parallel.TrainStep(x, y, sgd)));
        Assert.True(before.AsSpan().SequenceEqual(net.Parameters));
        Assert.Equal(0, sgd.StepCount);
        // An infinite input is refused before any shard runs.
        x[5] = float.NegativeInfinity;
        var e = Assert.Throws<ArgumentException>(() => parallel.TrainStep(x, y, sgd));
        Assert.Contains("Row 0 of the batch has -Infinity at feature 5", e.Message);
        Assert.True(before.AsSpan().SequenceEqual(net.Parameters));
    }

    [Fact]
    public void BadInputIsRefusedBeforeAnyWork()
    {
        var net = new OddSoftmaxNet(1);
        using var parallel = new DataParallel(net, 2, 4);
        float[] x = Seeded.Floats(10 * OddSoftmaxNet.InputSize, 1);
        var e = Assert.Throws<ArgumentException>(() => parallel.ComputeGradients(x.AsSpan(1), new int[10]));
        Assert.Contains("37", e.Message);
        Assert.Throws<ArgumentException>(() => parallel.ComputeGradients(x, new int[9]));
        Assert.Throws<ArgumentException>(() => parallel.ComputeGradients(x, Enumerable.Repeat(5, 10).ToArray()));
        Assert.True(net.Gradients.ToArray().All(g => g == 0f));
        // Still usable after refusals.
        parallel.ComputeGradients(x, new int[10]);
        Assert.Contains(net.Gradients.ToArray(), g => g != 0f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallel(net, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallel(net, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerOptions { Threads = 0 }.Validate());
    }

    /// <summary>A network whose replicas throw on a marked input: a failure inside a shard, on whichever thread runs it.</summary>
    private sealed class FailingNetwork(ComposedNetwork inner) : INetwork
    {
        public NetworkArchitecture Architecture => inner.Architecture;
        public int InputSize => inner.InputSize;
        public int OutputSize => inner.OutputSize;
        public Span<float> Parameters => inner.Parameters;
        public Span<float> Gradients => inner.Gradients;
        public void Forward(ReadOnlySpan<float> input, Span<float> output) => inner.Forward(input, output);
        public void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs) => inner.ForwardBatch(inputs, outputs);
        public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets) => inner.ComputeGradients(inputs, targets);
        public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
        {
            if (inputs[0] == 1234f) throw new InvalidOperationException("shard failure");
            return inner.ComputeGradients(inputs, labels);
        }
        public INetwork<float> CreateReplica() => new FailingNetwork(inner.CreateReplica());
    }

    [Fact]
    public void AFailureOnAWorkerReachesTheCallerAndLeavesTheInstanceUsable()
    {
        var net = new FailingNetwork(new ComposedNetwork(OddSoftmaxNet.Architecture, seed: 1));
        using var parallel = new DataParallel(net, threads: 2, shardRows: 4);
        float[] x = Seeded.Floats(8 * OddSoftmaxNet.InputSize, 3);
        int[] y = new int[8];
        x[4 * OddSoftmaxNet.InputSize] = 1234f; // the second shard's first value: the worker thread's shard
        var e = Assert.Throws<InvalidOperationException>(() => parallel.TrainStep(x, y, new Sgd(OddSoftmaxNet.Architecture, new ConstantLearningRate(0.1f))));
        Assert.Equal("shard failure", e.Message);
        x[4 * OddSoftmaxNet.InputSize] = 0.5f;
        Assert.True(float.IsFinite(parallel.ComputeGradients(x, y)), "the instance is stuck after a failure");
    }

    /// <summary>An optimizer whose update fails on any non-empty slice: a failure in the reduction phase.</summary>
    private sealed class FailingOptimizer(NetworkArchitecture architecture) : Optimizer(architecture, new ConstantLearningRate(0.1f), 0f, 0f, null)
    {
        protected override void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, int offset, T learningRate, T gradientScale, T l2)
        {
            if (!parameters.IsEmpty) throw new InvalidOperationException("update failure");
        }
    }

    [Fact]
    public void AFailingUpdateReachesTheCallerWithoutCountingAStep()
    {
        var net = new BlockedNet(1);
        using var parallel = new DataParallel(net, threads: 3, shardRows: 4);
        var optimizer = new FailingOptimizer(BlockedNet.Architecture);
        float[] x = Seeded.Floats(12 * BlockedNet.InputSize, 4);
        int[] y = new int[12];
        var e = Assert.Throws<InvalidOperationException>(() => parallel.TrainStep(x, y, optimizer));
        Assert.Equal("update failure", e.Message);
        Assert.Equal(0, optimizer.StepCount);
        Assert.True(float.IsFinite(parallel.TrainStep(x, y, new Sgd(BlockedNet.Architecture, new ConstantLearningRate(0.1f)))));
    }

    [Fact]
    public void DisposedInstanceRefusesWork()
    {
        var net = new OddSoftmaxNet(1);
        var parallel = new DataParallel(net, 3);
        parallel.Dispose();
        parallel.Dispose();
        Assert.Throws<ObjectDisposedException>(() => parallel.ComputeGradients(new float[OddSoftmaxNet.InputSize], new[] { 0 }));
    }

    [Fact]
    public void CallsAllocateNothing()
    {
        var net = new BlockedNet(1);
        using var parallel = new DataParallel(net, 2, 8);
        float[] x = Seeded.Floats(64 * BlockedNet.InputSize, 1);
        int[] y = Seeded.Labels(64, BlockedNet.OutputSize, 2);
        // The calling thread's share; the worker runs the same code on its shards (a process-wide count would see other tests).
        Allocations.AssertNone(() => parallel.ComputeGradients(x, y));
    }
}
