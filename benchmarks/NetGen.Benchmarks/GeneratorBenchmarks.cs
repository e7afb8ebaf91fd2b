using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator;

namespace NetGen.Benchmarks;

/// <summary>
/// The generator's own cost, as an editor pays it: a cold run over 20 or 50 networks in one compilation (one file each,
/// depths 1 to 5, widths 3 to 784), and a warm run after an unrelated edit, where every step should come from the cache.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private CSharpCompilation _compilation = null!, _edited = null!;
    private GeneratorDriver _warm = null!;

    [Params(20, 50)]
    public int Networks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var rng = new Random(50);
        var trees = Enumerable.Range(0, Networks).Select(n =>
        {
            int depth = 1 + n % 5, width = new[] { 784, 64, 37, 16, 3 }[n % 5];
            var attributes = new System.Text.StringBuilder();
            for (int l = 0; l < depth; l++)
            {
                int next = 3 + rng.Next(300);
                attributes.Append($"[Dense({width}, {next}, Activation.{(Activation)(1 + rng.Next(4))})]\n");
                width = next;
            }
            attributes.Append("[Softmax(10)]\n");
            return CSharpSyntaxTree.ParseText($"using NetGen;\nnamespace Bench{n};\n{attributes}public partial class Net{n} {{ public int Helper() => {n}; }}\n", parse, $"Net{n}.cs");
        }).Append(CSharpSyntaxTree.ParseText("public static class Other { public static int Value() => 1; }", parse, "Other.cs")).ToArray();
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var references = trusted.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(INetwork).Assembly.Location));
        _compilation = CSharpCompilation.Create("Bench", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        SyntaxTree other = trees[^1];
        _edited = _compilation.ReplaceSyntaxTree(other, CSharpSyntaxTree.ParseText("public static class Other { public static int Value() => 2; }", parse, "Other.cs"));
        _warm = Driver().RunGenerators(_compilation);
        int sources = _warm.GetRunResult().Results[0].GeneratedSources.Length;
        if (sources != Networks) throw new InvalidOperationException($"expected {Networks} generated networks, got {sources}");
    }

    private static GeneratorDriver Driver() => CSharpGeneratorDriver.Create(new NetGenGenerator());

    [Benchmark(Description = "cold run")]
    public GeneratorDriver Cold() => Driver().RunGenerators(_compilation);

    [Benchmark(Description = "warm run after an unrelated edit")]
    public GeneratorDriver WarmAfterUnrelatedEdit() => _warm.RunGenerators(_edited);
}
