using System;
using BenchmarkDotNet.Attributes;
using NetGen;

namespace NetGen.Benchmarks;

/// <summary>One training step (gradients of a minibatch, then an SGD update) of the seed network, and its inference paths.</summary>
[MemoryDiagnoser]
public class SeedNetBenchmarks
{
    private SeedNet _net = null!;
    private Sgd _sgd = null!;
    private float[] _x = null!, _y = null!, _one = null!, _out = null!;
    private int[] _labels = null!;

    [Params(1, 20, 64, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _net = new SeedNet(1);
        _sgd = new Sgd(SeedNet.Architecture, new ConstantLearningRate(0.01f), l2: 1e-5f);
        var rng = new Xoshiro256(1);
        _x = new float[1024 * SeedNet.InputSize];
        for (int i = 0; i < _x.Length; i++) _x[i] = rng.NextSingle();
        _labels = new int[Batch];
        for (int i = 0; i < Batch; i++) _labels[i] = rng.NextInt(10);
        _y = new float[1024 * SeedNet.OutputSize];
        _one = new float[SeedNet.InputSize];
        _out = new float[SeedNet.OutputSize];
    }

    [Benchmark(Description = "train step")]
    public float TrainStep()
    {
        float loss = _net.ComputeGradients(_x.AsSpan(0, Batch * SeedNet.InputSize), _labels);
        _sgd.Step(_net);
        return loss;
    }

    [Benchmark(Description = "Forward (1 sample)")]
    public void Forward() => _net.Forward(_one, _out);

    [Benchmark(Description = "ForwardBatch 1024")]
    public void ForwardBatch() => _net.ForwardBatch(_x, _y);
}
