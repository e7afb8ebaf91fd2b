using System.Linq;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests.Generator;

/// <summary>
/// The generated source grows with the number of layers, never with the number of weights: loops are unrolled by
/// vector width inside a layer, not per weight. Widening every layer by whole four-vector blocks (past the four vectors
/// a single-row kernel keeps in registers) that are also whole 4 KB rows of weights (so each one-row kernel reads as many
/// weight rows side by side) leaves the line count unchanged.
/// </summary>
public sealed class SourceSizeTests(ITestOutputHelper output)
{
    private static string Declaration(int[] widths, string name)
    {
        var text = new StringBuilder("using NetGen;\nusing static NetGen.Activation;\n");
        for (int l = 0; l + 2 < widths.Length; l++) text.Append($"[Dense({widths[l]}, {widths[l + 1]}, Tanh)]\n");
        text.Append($"[Softmax({widths[^1]})]\npublic partial class {name};\n");
        return text.ToString();
    }

    private (int Lines, int Bytes) Generate(int[] widths, string name)
    {
        var (result, compiled) = GeneratorHarness.Run(Declaration(widths, name));
        Assert.Null(result.Exception);
        Assert.Empty(compiled.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        string source = result.GeneratedSources.Single().SourceText.ToString();
        int lines = source.Split('\n').Length, bytes = Encoding.UTF8.GetByteCount(source);
        output.WriteLine($"{name}: {string.Join("-", widths)}: {lines} lines, {bytes} bytes");
        return (lines, bytes);
    }

    [Fact]
    public void SeedNetworkSourceSize()
    {
        // The layer-plan issue's bound: at most half of the 3,543 lines the seed network took when its portable kernels
        // were emitted too (they are the runtime's PortableDense now, specialized by each layer's constants).
        var seed = Generate(new[] { 784, 500, 10 }, "Seed");
        Assert.InRange(seed.Lines, 1000, 3543 / 2);
    }

    [Fact]
    public void SmallNetworkSourceSize()
    {
        // The same bound for the 16-32-32-4 network, which took 3,740 lines, more than the seed network.
        var small = Generate(new[] { 16, 32, 32, 4 }, "Small");
        Assert.InRange(small.Lines, 500, 3740 / 2);
    }

    [Fact]
    public void TenLayerSourceGrowsWithLayersOnly()
    {
        // Every hidden width at least 128, so every layer but the output takes the packed product in both networks. The
        // wider network adds 1,024 units or more to every layer but the output: whole four-vector blocks, and whole 4 KB
        // rows of weights, so each layer's one-row kernel reads as many weight rows side by side as before
        // (Planner.RowGroup, which looks at where a layer's weight rows fall in L1's sets).
        int[] ten = { 784, 512, 400, 320, 256, 200, 192, 168, 140, 136, 10 };
        int[] tenWide = ten.Select((w, i) => i == ten.Length - 1 ? w : w + 1024 * (w / 100 + 1)).ToArray();
        var narrow = Generate(ten, "Ten");
        var wide = Generate(tenWide, "TenWide");
        Assert.Equal(narrow.Lines, wide.Lines);
        var two = Generate(new[] { 784, 512, 10 }, "Two");
        // Per layer, not per weight: ten layers cost a bounded multiple of two layers' lines (weights grow ~ 1,000×).
        Assert.InRange(narrow.Lines, two.Lines, two.Lines * 10);
    }

    /// <summary>
    /// Generated code is read (in the IDE, in a diff, when a kernel is stepped through): no line runs past 140
    /// characters, at the seed's and the wide network's sizes, with dropout, a label loss and in double.
    /// </summary>
    [Theory]
    [InlineData("[Dense(784, 500, Tanh)] [Softmax(10)]")]
    [InlineData("[Dense(3072, 1024, ReLU)] [Dropout(0.5)] [Dense(1024, 512, Tanh)] [Dense(512, 10, Sigmoid)] [Loss(LossFunction.BinaryCrossEntropy)]")]
    [InlineData("[Dense(37, 19, Tanh)] [Dense(19, 7, LeakyReLU, NegativeSlope = 0.05f)] [Dense(7, 5, Sigmoid)]")]
    [InlineData("[Dense(20, 12, Tanh)] [Dropout(0.25)] [Dense(12, 9, LeakyReLU)] [Softmax(3)] [ElementType(typeof(double))]")]
    [InlineData("[Dense(16, 32, ReLU)] [Dense(32, 32, ReLU)] [Dense(32, 4)]")]
    [InlineData("[Input(3, 224, 224)] [Conv2D(64, KernelHeight = 7, KernelWidth = 5, Stride = 2, PaddingHeight = 3, Activation = LeakyReLU, " +
                "NegativeSlope = 0.125f)] [MaxPool2D(3, Stride = 2)] [Conv2D(128, Kernel = 3, Padding = 1, Activation = Tanh)] [AvgPool2D(2)] " +
                "[L2Pool2D(2, StrideHeight = 1)] [FeatureL2Pool(4)] [Flatten] [Dense(100, ReLU)] [Dropout(0.5)] [Softmax(1000)] [ElementType(typeof(double))]")]
    public void GeneratedLinesStayReadable(string attributes)
    {
        var (result, _) = GeneratorHarness.Run("using NetGen;\nusing static NetGen.Activation;\n" + attributes + " public partial class Net;\n");
        Assert.Null(result.Exception);
        string[] lines = result.GeneratedSources.Single().SourceText.ToString().Split('\n');
        var longest = lines.Select((text, i) => (Line: i + 1, text.Length, Text: text)).MaxBy(l => l.Length);
        Assert.True(longest.Length <= 140, $"Line {longest.Line} has {longest.Length} characters: {longest.Text.Trim()}");
    }
}
