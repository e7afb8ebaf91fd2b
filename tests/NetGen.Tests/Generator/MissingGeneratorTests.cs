using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Generator;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>
/// A project that references the runtime but not the generator is told so at its layer attributes (NG0100), and a
/// project where the generator runs never sees that warning; every diagnostic links to its entry in the docs.
/// </summary>
public sealed class MissingGeneratorTests
{
    private const string Xor = """
        using NetGen;
        [Dense(2, 4, Activation.Tanh)]
        [Dense(4, 1, Activation.Sigmoid)]
        public partial class XorNet;
        public static class Use { public static int Width => XorNet.InputSize; }
        """;

    [Fact]
    public void WithoutTheGeneratorEachLayerAttributeSaysTheGeneratorDoesNotRun()
    {
        // The compilation a build makes when only NetGen.Runtime is referenced: no generator, no suppressor.
        Diagnostic[] diagnostics = GeneratorHarness.Compilation(Xor).GetDiagnostics().ToArray();
        Diagnostic[] missing = diagnostics.Where(d => d.Id == "NG0100").ToArray();
        Assert.Equal(2, missing.Length);
        Assert.All(missing, d =>
        {
            Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
            Assert.Contains("source generator does not run in this project", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Contains("OutputItemType=\"Analyzer\"", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("https://github.com/netgen-dotnet/netgen/blob/main/docs/diagnostics.md#ng0100", d.Descriptor.HelpLinkUri);
            Assert.StartsWith("Dense", Xor.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
        });
        Assert.Contains(diagnostics, d => d.Id == "CS0117"); // what the user saw alone before
    }

    [Fact]
    public void WhereTheGeneratorRunsNG0100IsSuppressed()
    {
        var (result, output) = GeneratorHarness.Run(Xor);
        Assert.Null(result.Exception);
        Assert.Contains(output.GetDiagnostics(), d => d.Id == "NG0100"); // reported by the compiler...
        Assert.DoesNotContain(GeneratorHarness.AfterSuppressor(output), d => d.Severity >= DiagnosticSeverity.Warning); // ...and removed
    }

    [Fact]
    public void EveryDiagnosticLinksToItsEntryInTheDocs()
    {
        string docs = File.ReadAllText(Path.Combine(GeneratorHarness.SourceDirectory(), "..", "..", "..", "docs", "diagnostics.md"));
        string[] ids = DiagnosticDescriptors.Descriptors.Select(d => d.Id).Append("NG0100").ToArray();
        foreach (DiagnosticDescriptor descriptor in DiagnosticDescriptors.Descriptors)
            Assert.Equal("https://github.com/netgen-dotnet/netgen/blob/main/docs/diagnostics.md#" + descriptor.Id.ToLowerInvariant(), descriptor.HelpLinkUri);
        foreach (string id in ids) Assert.Contains("\n## " + id + "\n", docs.Replace("\r\n", "\n"));
        string[] documented = docs.Split('\n').Where(l => l.StartsWith("## NG", System.StringComparison.Ordinal)).Select(l => l[3..].Trim()).ToArray();
        Assert.Equal(ids.Order(), documented.Order()); // and nothing documented that does not exist
    }
}
