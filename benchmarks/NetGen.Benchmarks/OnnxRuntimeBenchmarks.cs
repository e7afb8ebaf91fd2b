using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.ML.OnnxRuntime;
using NetGen;

namespace NetGen.Benchmarks;

/// <summary>
/// NetGen's forward pass against ONNX Runtime's (MLAS kernels) on the same network with the same weights, per shape and
/// batch. ONNX Runtime runs as fast as it is offered: one intra-op thread (as NetGen's forward pass), all graph
/// optimizations, and <see cref="OrtValue"/>s over pinned, preallocated input and output buffers. The Ratio column is
/// NetGen's time over ONNX Runtime's: below 1, NetGen is faster.
/// </summary>
[SimpleJob(RunStrategy.Throughput, warmupCount: 3, iterationCount: 7)]
public class OnnxRuntimeBenchmarks
{
    private IInferenceNetwork _net = null!;
    private float[] _x = null!, _y = null!, _peerY = null!;
    private InferenceSession _session = null!;
    private RunOptions _run = null!;
    private OrtValue _input = null!, _output = null!;
    private string[] _inputNames = null!, _outputNames = null!;
    private OrtValue[] _inputs = null!, _outputs = null!;

    /// <summary>The shapes <see cref="OnnxComparison"/> compares, the baked ones included in the <c>-p:NetGenBaked=true</c> build.</summary>
    public static System.Collections.Generic.IEnumerable<string> Shapes => OnnxComparison.Shapes;

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    [Params(1, 64, 1024)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _net = Sides.CreateInference(Shape);
        _x = Sides.Inputs(Batch * _net.InputSize);
        _y = new float[Batch * _net.OutputSize];
        _peerY = new float[Batch * _net.OutputSize];

        var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        // ONNX Runtime packs constant weights once, when the session is created (its default); with
        // NETGEN_ORT_DISABLE_PREPACKING=1 it packs them on every call instead. NetGen reads its weights where they lie,
        // in PyTorch's layout, since a trainable network's may change between calls (docs/performance.md).
        if (Environment.GetEnvironmentVariable("NETGEN_ORT_DISABLE_PREPACKING") == "1")
            options.AddSessionConfigEntry("session.disable_prepacking", "1");
        // A baked or frozen network's weights are its trainable twin's (seed 1), whose parameters the export reads.
        INetwork weights = _net as INetwork ?? Sides.Create(Sides.Trainable(Shape), "generated");
        _session = new InferenceSession(OnnxExport.Model(weights, weights.Parameters), options);
        _run = new RunOptions();
        TensorShape shape = _net.Architecture.InputShape;
        _input = OrtValue.CreateTensorValueFromMemory(_x, _net.Architecture.IsSpatial
            ? new long[] { Batch, shape.Channels, shape.Height, shape.Width }
            : new long[] { Batch, _net.InputSize });
        _output = OrtValue.CreateTensorValueFromMemory(_peerY, new long[] { Batch, _net.OutputSize });
        _inputNames = new[] { "x" };
        _outputNames = new[] { "y" };
        _inputs = new[] { _input };
        _outputs = new[] { _output };

        // Both sides must compute the same function before their times mean anything.
        NetGen();
        OnnxRuntime();
        double worst = 0;
        for (int i = 0; i < _y.Length; i++) worst = Math.Max(worst, Math.Abs(_y[i] - _peerY[i]) / (1e-3 + Math.Abs(_peerY[i])));
        if (!(worst < 1e-3)) throw new InvalidOperationException($"ONNX Runtime and NetGen disagree on {Shape}: worst relative difference {worst:G3}.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Dispose();
        _output.Dispose();
        _run.Dispose();
        _session.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ONNX Runtime")]
    public void OnnxRuntime() => _session.Run(_run, _inputNames, _inputs, _outputNames, _outputs); // nothing allocated per call

    [Benchmark(Description = "NetGen")]
    public void NetGen()
    {
        if (Batch == 1) _net.Forward(_x, _y);
        else _net.ForwardBatch(_x, _y);
    }
}
