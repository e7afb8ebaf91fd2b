using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.Tests.Networks;
using NetGen.Tests.Numerics;
using Xunit;

namespace NetGen.Tests.Serialization;

/// <summary>
/// NetGen ⇄ PyTorch through safetensors, with <c>PyTorch/roundtrip.py</c> (Debian's python3-torch; the README's test
/// command installs it). PyTorch computes in double here, so the comparison measures NetGen's float error only.
/// </summary>
public class PyTorchRoundTripTests : IDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly string _dir = Directory.CreateTempSubdirectory("netgen-torch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Script => Path.Combine(Generator.GeneratorHarness.SourceDirectory(), "..", "PyTorch", "roundtrip.py");

    private static void RequireTorch()
    {
        var (code, output) = Run("-c \"import torch\"");
        Assert.True(code == 0, "PyTorch is not installed for /usr/bin/python3; install it with: sudo apt-get install -y python3-torch (the README's test command does this).\n" + output);
    }

    private static (int Code, string Output) Run(string arguments)
    {
        var start = new ProcessStartInfo(Python, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    private static float[] ReadFloats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();

    private static void WriteFloats(string path, ReadOnlySpan<float> values) => File.WriteAllBytes(path, MemoryMarshal.AsBytes(values).ToArray());

    [Theory]
    [InlineData(nameof(OddSoftmaxNet))]
    [InlineData(nameof(TanhOutputNet))]
    [InlineData(nameof(MultiLabelNet))]
    [InlineData(nameof(BlockedNet))]
    [InlineData(nameof(MaxPoolCnn))]
    [InlineData(nameof(AvgPoolCnn))]
    [InlineData(nameof(L2PoolCnn))]
    [InlineData(nameof(WinogradCnn))]
    public void PyTorchLoadsNetGenParametersAndAgreesOnOutputsAndGradients(string name)
    {
        RequireTorch();
        INetwork net = TestData.Create(name, seed: 3);
        const int batch = 7;
        float[] x = TestData.Uniform(batch * net.InputSize, 4);
        float[] t = TestData.Targets(net, batch, 5);
        string parameters = Path.Combine(_dir, "params.safetensors");
        SafeTensors.Save(net, parameters);
        WriteFloats(Path.Combine(_dir, "x.f32"), x);
        WriteFloats(Path.Combine(_dir, "t.f32"), t);
        var (code, output) = Run($"\"{Script}\" check \"{parameters}\" \"{_dir}/x.f32\" \"{_dir}/t.f32\" {batch} \"{_dir}\"");
        Assert.True(code == 0, output);

        var outputs = new float[batch * net.OutputSize];
        net.ForwardBatch(x, outputs);
        Tolerance.Close(ReadFloats(Path.Combine(_dir, "outputs.f32")).Select(v => (double)v).ToArray(), outputs, 1e-5, $"{name} outputs vs PyTorch");
        float loss = net.ComputeGradients(x, t);
        Assert.Equal(ReadFloats(Path.Combine(_dir, "loss.f32"))[0], loss, 5);
        foreach (TensorInfo tensor in SafeTensors.Tensors(net.Architecture))
        {
            double[] torchGrad = ReadFloats(Path.Combine(_dir, tensor.Name + ".grad.f32")).Select(v => (double)v).ToArray();
            Tolerance.Close(torchGrad, net.Gradients.Slice(tensor.Offset, tensor.Count), 1e-5, $"{name} {tensor.Name} gradient vs PyTorch");
        }
    }

    [Theory]
    [InlineData(nameof(OddSoftmaxNet))]
    [InlineData(nameof(OddRegressionNet))]
    [InlineData(nameof(MaxPoolCnn))]
    [InlineData(nameof(WinogradCnn))]
    public void WeightsTrainedInPyTorchPredictTheSameInNetGen(string name)
    {
        RequireTorch();
        INetwork net = TestData.Create(name, seed: 9);
        const int batch = 11;
        float[] x = TestData.Uniform(batch * net.InputSize, 6);
        string architecture = Path.Combine(_dir, "arch.safetensors"), trained = Path.Combine(_dir, "torch.safetensors");
        SafeTensors.Save(net, architecture);
        WriteFloats(Path.Combine(_dir, "x.f32"), x);
        var (code, output) = Run($"\"{Script}\" export \"{architecture}\" \"{trained}\" \"{_dir}/x.f32\" {batch} \"{_dir}/p.f32\"");
        Assert.True(code == 0, output);

        float[] before = net.Parameters.ToArray();
        SafeTensors.Load(net, trained);
        Assert.NotEqual(before, net.Parameters.ToArray());
        var outputs = new float[batch * net.OutputSize];
        net.ForwardBatch(x, outputs);
        float[] torchPredictions = ReadFloats(Path.Combine(_dir, "p.f32"));
        Tolerance.Close(torchPredictions.Select(v => (double)v).ToArray(), outputs, 1e-5, $"{name} predictions vs PyTorch");
        if (net.Architecture.HasSoftmaxOutput)
            for (int s = 0; s < batch; s++)
                Assert.Equal(Array.IndexOf(torchPredictions, torchPredictions.Skip(s * net.OutputSize).Take(net.OutputSize).Max(), s * net.OutputSize) - s * net.OutputSize,
                    ((IClassifier<float>)net).Predict(x.AsSpan(s * net.InputSize, net.InputSize)));
    }
}
