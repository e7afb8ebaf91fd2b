using System;
using System.IO;
using System.Linq;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>
/// The exact generated text of a few networks. Set NETGEN_UPDATE_GOLDEN=1 to rewrite the files on purpose
/// (then review the diff); otherwise any change in the emitted code fails here.
/// </summary>
public class GoldenFileTests
{
    public static TheoryData<string, string> Cases() => new()
    {
        { "FashionNet", "using NetGen;\nusing static NetGen.Activation;\nnamespace Demo;\n[Dense(784, 500, Tanh)]\n[Softmax(10)]\npublic partial class FashionNet;\n" },
        { "OddNet", "using NetGen;\n[Dense(37, 19, Activation.Tanh)]\n[Dense(19, 7, Activation.LeakyReLU, NegativeSlope = 0.05f)]\n[Dense(7, 5, Activation.Sigmoid)]\n[Loss(LossFunction.BinaryCrossEntropy)]\npartial class OddNet { }\n" },
        { "DropoutNet", "using NetGen;\nusing static NetGen.Activation;\n[Dense(20, 12, ReLU)]\n[Dropout(0.25)]\n[Softmax(3)]\npublic partial class DropoutNet;\n" },
        { "DoubleNet", "using NetGen;\nusing static NetGen.Activation;\n[Dense(20, 12, Tanh)]\n[Dropout(0.25)]\n[Dense(12, 9, LeakyReLU)]\n[Softmax(3)]\n[ElementType(typeof(double))]\npublic partial class DoubleNet;\n" },
        { "FashionCnn", "using NetGen;\nusing static NetGen.Activation;\n[Input(1, 28, 28)]\n[Conv2D(32, Kernel = 3, Padding = 1, Activation = ReLU)]\n[MaxPool2D(2)]\n" +
            "[Conv2D(64, Kernel = 3, Padding = 1, Activation = ReLU)]\n[MaxPool2D(2)]\n[Flatten]\n[Dense(128, ReLU)]\n[Dropout(0.3)]\n[Softmax(10)]\npublic partial class FashionCnn;\n" },
        { "ControlNet", "namespace Game.AI\n{\n    public static partial class Brains\n    {\n        [NetGen.Dense(16, 32, NetGen.Activation.ReLU)]\n        [NetGen.Dense(32, 32, NetGen.Activation.ReLU)]\n        [NetGen.Dense(32, 4)]\n        internal sealed partial class ControlNet { }\n    }\n}\n" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GeneratedSourceMatchesGoldenFile(string name, string source)
    {
        var (result, _) = GeneratorHarness.Run(source);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        string generated = Assert.Single(result.GeneratedSources).SourceText.ToString();
        AssertMatchesGolden(name, generated);
    }

    /// <summary>Compares generated source with Golden/NAME.g.cs, or rewrites the file when NETGEN_UPDATE_GOLDEN=1.</summary>
    internal static void AssertMatchesGolden(string name, string generated)
    {
        string path = Path.Combine(GeneratorHarness.SourceDirectory(), "..", "Golden", name + ".g.cs");

        if (Environment.GetEnvironmentVariable("NETGEN_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, generated);
            return;
        }
        Assert.True(File.Exists(path), $"{path} is missing; run with NETGEN_UPDATE_GOLDEN=1 to create it.");
        string expected = File.ReadAllText(path);
        if (expected != generated)
        {
            string[] e = expected.Split('\n'), g = generated.Split('\n');
            int line = Enumerable.Range(0, Math.Min(e.Length, g.Length)).FirstOrDefault(i => e[i] != g[i], Math.Min(e.Length, g.Length));
            Assert.Fail($"{name}: generated source differs from {path} at line {line + 1}:\n golden:    {(line < e.Length ? e[line] : "<end>")}\n generated: {(line < g.Length ? g[line] : "<end>")}\nRun with NETGEN_UPDATE_GOLDEN=1 to accept the change.");
        }
    }

    [Fact]
    public void GeneratedSourceDoesNotGrowWithTheNumberOfWeights()
    {
        // Same depth, 64× the weights: the same lines, differing only in the numbers they print. The widths differ by a
        // multiple of 64 (four vectors), so every block remainder and tail is the same; both are past the four vectors
        // that single-row kernels keep in registers, and both hand large batches to the packed product (128 outputs or more).
        string Generate(int hidden) => Assert.Single(GeneratorHarness.Run(
            $"using NetGen;\n[Dense(784, {hidden}, Activation.Tanh)]\n[Softmax(10)]\npartial class N;\n").Result.GeneratedSources).SourceText.ToString();
        string small = Generate(200), large = Generate(200 + 64 * 99);
        Assert.Equal(small.Split('\n').Length, large.Split('\n').Length);
        Assert.InRange(large.Length, small.Length, small.Length * 21 / 20);
    }
}
