using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
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

    public static GeneratorDriver Driver(params AdditionalText[] additionalFiles) => CSharpGeneratorDriver.Create(
        new[] { new NetGenGenerator().AsSourceGenerator() }, additionalTexts: additionalFiles, parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns its result and the compilation with the generated sources added.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(params string[] sources) => Run(sources, Array.Empty<AdditionalText>());

    /// <summary>Runs the generator with additional files (for [BakedWeights]).</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(string[] sources, AdditionalText[] additionalFiles)
    {
        CSharpCompilation compilation = Compilation(sources);
        GeneratorDriver driver = Driver(additionalFiles).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }

    /// <summary>Diagnostics the generator reported, as (id, the source text at its location).</summary>
    public static (string Id, string Text)[] GeneratorDiagnostics(params string[] sources) => GeneratorDiagnostics(sources, Array.Empty<AdditionalText>());

    /// <summary>Diagnostics the generator reported with additional files, as (id, the source text at its location).</summary>
    public static (string Id, string Text)[] GeneratorDiagnostics(string[] sources, AdditionalText[] additionalFiles)
    {
        var (result, _) = Run(sources, additionalFiles);
        Assert.Null(result.Exception);
        // Locations rebuilt from plain data carry a path, not a tree: find the source by its path.
        return result.Diagnostics.Select(d =>
        {
            string path = d.Location.GetLineSpan().Path;
            int index = int.Parse(path.Substring("Source".Length, path.Length - "Source.cs".Length), System.Globalization.CultureInfo.InvariantCulture);
            return (d.Id, sources[index].Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
        }).ToArray();
    }

    /// <summary>
    /// Errors and warnings of the compilation with the generated code, the generator's own diagnostics included, after
    /// the generator's suppressor has run (as in a build, where it removes NG0100).
    /// </summary>
    public static Diagnostic[] CompileErrorsAndWarnings(params string[] sources)
    {
        var (result, output) = Run(sources);
        Assert.Null(result.Exception);
        return result.Diagnostics.Concat(AfterSuppressor(output))
            .Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
    }

    /// <summary>The compilation's diagnostics with <see cref="NetGen.Generator.MissingGeneratorSuppressor"/> applied; suppressed ones left out.</summary>
    public static Diagnostic[] AfterSuppressor(Compilation compilation)
    {
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new NetGen.Generator.MissingGeneratorSuppressor());
        return compilation.WithAnalyzers(analyzers).GetAllDiagnosticsAsync().GetAwaiter().GetResult()
            .Where(d => !d.IsSuppressed).ToArray();
    }

    public static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    /// <summary>An additional file on disk, as the compiler passes it: a path; binary content has no text.</summary>
    public sealed class FileOnDisk(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        public override Microsoft.CodeAnalysis.Text.SourceText? GetText(System.Threading.CancellationToken cancellationToken = default) => null;
    }
}
