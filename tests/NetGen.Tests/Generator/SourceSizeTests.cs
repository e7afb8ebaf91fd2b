using System.Linq;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests.Generator;

/// <summary>
/// The generated source grows with the number of layers, never with the number of weights: loops are unrolled by
/// vector width inside a layer, not per weight. Scaling every width leaves the line count unchanged.
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
    public void SeedNetworkSourceDoesNotGrowWithItsWeights()
    {
        // 784-500-10 and the same shape about 16 times the weights; widths grow by multiples of 64 (a 4-vector block),
        // so every vector tail and block remainder is the same and only the literals differ.
        var seed = Generate(new[] { 784, 500, 10 }, "Seed");
        var wider = Generate(new[] { 784 + 64 * 37, 500 + 64 * 24, 10 }, "Wider");
        Assert.Equal(seed.Lines, wider.Lines);
    }

    [Fact]
    public void TenLayerSourceGrowsWithLayersOnly()
    {
        int[] ten = { 784, 512, 400, 320, 256, 200, 160, 128, 96, 64, 10 };
        int[] tenWide = ten.Select((w, i) => i == ten.Length - 1 ? w : w + 64 * (w / 9)).ToArray();
        var narrow = Generate(ten, "Ten");
        var wide = Generate(tenWide, "TenWide");
        Assert.Equal(narrow.Lines, wide.Lines);
        var two = Generate(new[] { 784, 512, 10 }, "Two");
        // Per layer, not per weight: ten layers cost a bounded multiple of two layers' lines (weights grow ~ 1,000×).
        Assert.InRange(narrow.Lines, two.Lines, two.Lines * 10);
    }
}
