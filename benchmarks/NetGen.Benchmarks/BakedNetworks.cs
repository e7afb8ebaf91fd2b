using System;
using System.IO;
using NetGen;
using static NetGen.Activation;

namespace NetGen.Benchmarks;

#if NETGEN_BAKED
/// <summary>The seed network with <see cref="SeedNet"/>'s weights (seed 1) baked in: inference-only, as a fixed model ships.</summary>
[Dense(784, 500, Tanh)]
[Softmax(10)]
[BakedWeights("Model/seed.safetensors", InferenceOnly = true)]
public partial class BakedSeedNet;

/// <summary>The wide network with <see cref="WideNet"/>'s weights (seed 1) baked in, inference-only.</summary>
[Dense(3072, 1024, ReLU)]
[Dense(1024, 512, ReLU)]
[Softmax(10)]
[BakedWeights("Model/wide.safetensors", InferenceOnly = true)]
public partial class BakedWideNet;
#endif

/// <summary>
/// `--write-baked`: writes the weights the <c>-p:NetGenBaked=true</c> build bakes in, the trainable seed and wide
/// networks' own (created with seed 1), to Model/ beside the project, so the baked networks compute what the trainable
/// ones do and ONNX Runtime gets the same model for both.
/// </summary>
public static class BakedWeightsFiles
{
    public static int Write(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            SafeTensors.Save(new SeedNet(1), Path.Combine(directory, "seed.safetensors"));
            SafeTensors.Save(new WideNet(1), Path.Combine(directory, "wide.safetensors"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"--write-baked: cannot write the weights files to '{directory}': {e.Message}");
            return 2;
        }
        Console.WriteLine($"wrote seed.safetensors and wide.safetensors to {Path.GetFullPath(directory)}");
        return 0;
    }
}
