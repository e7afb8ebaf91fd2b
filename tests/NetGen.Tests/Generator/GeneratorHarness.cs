using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>Runs the generator in-process over source text, as the compiler would.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return trusted.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(NetGen.INetwork).Assembly.Location))
            .ToImmutableArray();
    });

    public static CSharpCompilation Compilation(params string[] sources)
        => CSharpCompilation.Create("UserAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                allowUnsafe: false, generalDiagnosticOption: ReportDiagnostic.Default));

    public static GeneratorDriver Driver() => CSharpGeneratorDriver.Create(
        new[] { new NetGenGenerator().AsSourceGenerator() }, parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns its result and the compilation with the generated sources added.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(params string[] sources)
    {
        CSharpCompilation compilation = Compilation(sources);
        GeneratorDriver driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }

    /// <summary>Diagnostics the generator reported, as (id, the source text at its location).</summary>
    public static (string Id, string Text)[] GeneratorDiagnostics(params string[] sources)
    {
        var (result, _) = Run(sources);
        Assert.Null(result.Exception);
        // Locations rebuilt from plain data carry a path, not a tree: find the source by its path.
        return result.Diagnostics.Select(d =>
        {
            string path = d.Location.GetLineSpan().Path;
            int index = int.Parse(path.Substring("Source".Length, path.Length - "Source.cs".Length), System.Globalization.CultureInfo.InvariantCulture);
            return (d.Id, sources[index].Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
        }).ToArray();
    }

    /// <summary>Errors and warnings of the compilation with the generated code, the generator's own diagnostics included.</summary>
    public static Diagnostic[] CompileErrorsAndWarnings(params string[] sources)
    {
        var (result, output) = Run(sources);
        Assert.Null(result.Exception);
        return result.Diagnostics.Concat(output.GetDiagnostics())
            .Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
    }

    public static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
