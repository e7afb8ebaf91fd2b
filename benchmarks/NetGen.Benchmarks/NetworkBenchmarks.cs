using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using NetGen;
using NetGen.CompilerServices;

namespace NetGen.Benchmarks;

/// <summary>Which network and which side of "generated against composed" a benchmark runs.</summary>
public static class Sides
{
    public static INetwork Create(string shape, string side)
    {
        INetwork generated = shape switch
        {
            "seed 784-500-10" => new SeedNet(1),
            "control 16-32-32-4" => new ControlNet(1),
            "wide 3072-1024-512-10" => new WideNet(1),
            "cnn 1x28x28-32c-64c-128-10" => new CnnNet(1),
            _ => throw new ArgumentException(shape),
        };
        return side == "generated" ? generated : new ComposedNetwork(generated.Architecture, seed: 1);
    }

    /// <summary>
    /// The network <see cref="OnnxRuntimeBenchmarks"/> runs for <paramref name="shape"/>: the generated one; with a
    /// "frozen " prefix its copy frozen for inference (<c>Freeze()</c>); with a "baked " prefix (in the
    /// <c>-p:NetGenBaked=true</c> build) its inference-only twin with the same weights baked in.
    /// </summary>
    public static IInferenceNetwork CreateInference(string shape) => shape switch
    {
#if NETGEN_BAKED
        "baked seed 784-500-10" => new BakedSeedNet(),
        "baked wide 3072-1024-512-10" => new BakedWideNet(),
#endif
        "frozen seed 784-500-10" => new SeedNet(1).Freeze(),
        "frozen wide 3072-1024-512-10" => new WideNet(1).Freeze(),
        _ => Create(Trainable(shape), "generated"),
    };

    /// <summary>The trainable network's shape of a baked or frozen one (the name without its prefix), whose weights it has.</summary>
    public static string Trainable(string shape)
    {
        foreach (string prefix in new[] { "baked ", "frozen " })
            if (shape.StartsWith(prefix, StringComparison.Ordinal)) return shape[prefix.Length..];
        return shape;
    }

    public static float[] Inputs(int count)
    {
        var rng = new Xoshiro256(1);
        var x = new float[count];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle();
        return x;
    }
}

/// <summary>Single-sample latency and batch-1024 throughput of the forward pass, generated and composed, per shape.</summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, warmupCount: 3, iterationCount: 5)]
public class InferenceBenchmarks
{
    private INetwork _net = null!;
    private float[] _x = null!, _y = null!;

    [Params("seed 784-500-10", "control 16-32-32-4", "wide 3072-1024-512-10")]
    public string Shape { get; set; } = "";

    [Params("generated", "composed")]
    public string Side { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _net = Sides.Create(Shape, Side);
        _x = Sides.Inputs(1024 * _net.InputSize);
        _y = new float[1024 * _net.OutputSize];
    }

    [Benchmark(Description = "Forward (1 sample)")]
    public void Forward() => _net.Forward(_x.AsSpan(0, _net.InputSize), _y.AsSpan(0, _net.OutputSize));

    [Benchmark(Description = "ForwardBatch 1024")]
    public void ForwardBatch() => _net.ForwardBatch(_x, _y);
}

/// <summary>One training step — gradients of a minibatch, then an SGD update with L2 — generated and composed, per shape and batch.</summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, warmupCount: 3, iterationCount: 5)]
public class TrainingBenchmarks
{
    private INetwork _net = null!;
    private Sgd _sgd = null!;
    private float[] _x = null!;
    private int[] _labels = null!;

    [Params("seed 784-500-10", "control 16-32-32-4", "wide 3072-1024-512-10")]
    public string Shape { get; set; } = "";

    [Params("generated", "composed")]
    public string Side { get; set; } = "";

    [Params(1, 20, 64, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _net = Sides.Create(Shape, Side);
        _sgd = new Sgd(_net.Architecture, new ConstantLearningRate(1e-4f), l2: 1e-5f);
        _x = Sides.Inputs(Batch * _net.InputSize);
        var rng = new Xoshiro256(2);
        _labels = new int[Batch];
        for (int i = 0; i < Batch; i++) _labels[i] = rng.NextInt(_net.OutputSize);
    }

    [Benchmark(Description = "train step")]
    public float TrainStep()
    {
        float loss = _net.ComputeGradients(_x, _labels);
        _sgd.Step(_net);
        return loss;
    }
}

/// <summary>
/// Training steps with SGD, generated and composed: the separate step (<c>ComputeGradients</c>, then <c>Sgd.Step</c>
/// reading the stored gradient) against <c>TrainStep</c>, which fuses the update into the backward pass on both sides
/// (the same parameter bits).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, warmupCount: 3, iterationCount: 5)]
public class FusedStepBenchmarks
{
    private INetwork _net = null!;
    private Sgd _sgd = null!;
    private float[] _x = null!;
    private int[] _labels = null!;

    [Params("seed 784-500-10", "control 16-32-32-4")]
    public string Shape { get; set; } = "";

    [Params("generated", "composed")]
    public string Side { get; set; } = "";

    [Params(1, 20, 64, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _net = Sides.Create(Shape, Side);
        _sgd = new Sgd(_net.Architecture, new ConstantLearningRate(1e-4f), l2: 1e-5f);
        _x = Sides.Inputs(Batch * _net.InputSize);
        var rng = new Xoshiro256(2);
        _labels = new int[Batch];
        for (int i = 0; i < Batch; i++) _labels[i] = rng.NextInt(_net.OutputSize);
    }

    [Benchmark(Baseline = true, Description = "gradients, then step")]
    public float Separate()
    {
        float loss = _net.ComputeGradients(_x, _labels);
        _sgd.Step(_net);
        return loss;
    }

    [Benchmark(Description = "TrainStep (fused)")]
    public float Fused() => _net.TrainStep(_x, _labels, _sgd);
}

/// <summary>
/// Two-thread training of the seed network, one SGD step each: the plain single-threaded path; data-parallel shards of
/// half the batch (<see cref="DataParallel"/>) on one and on two threads; the fused <c>TrainStep</c> on one thread; and
/// every layer cut across two threads (<see cref="LayerParallel"/>, the bits of one thread).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, warmupCount: 3, iterationCount: 7)]
public class ParallelTrainingBenchmarks
{
    private SeedNet _net = null!;
    private Sgd _sgd = null!;
    private DataParallel? _parallel;
    private LayerParallel? _layers;
    private float[] _x = null!;
    private int[] _labels = null!;

    [Params(64, 256)]
    public int Batch { get; set; }

    [Params("plain", "shards, 1 thread", "shards, 2 threads", "fused, 1 thread", "layers cut, 2 threads")]
    public string Mode { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _net = new SeedNet(1);
        _sgd = new Sgd(SeedNet.Architecture, new ConstantLearningRate(1e-4f), l2: 1e-5f);
        _parallel = Mode switch { "shards, 1 thread" => new DataParallel(_net, 1, Batch / 2), "shards, 2 threads" => new DataParallel(_net, 2, Batch / 2), _ => null };
        _layers = Mode == "layers cut, 2 threads" ? new LayerParallel(_net, 2) : null;
        _x = Sides.Inputs(Batch * SeedNet.InputSize);
        var rng = new Xoshiro256(2);
        _labels = new int[Batch];
        for (int i = 0; i < Batch; i++) _labels[i] = rng.NextInt(SeedNet.OutputSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _parallel?.Dispose();
        _layers?.Dispose();
    }

    [Benchmark(Description = "seed train step")]
    public float TrainStep()
    {
        if (_parallel is not null) return _parallel.TrainStep(_x, _labels, _sgd);
        if (_layers is not null) return _layers.TrainStep(_x, _labels, _sgd);
        if (Mode == "fused, 1 thread") return _net.TrainStep(_x, _labels, _sgd);
        float loss = _net.ComputeGradients(_x, _labels);
        _sgd.Step(_net);
        return loss;
    }
}
