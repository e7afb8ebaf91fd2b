using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using NetGen.CompilerServices;

namespace NetGen.Generator;

/// <summary>
/// Removes NG0100, the warning the layer attributes carry for projects where this generator does not run: loaded
/// next to the generator, it is proof that the warning does not apply.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MissingGeneratorSuppressor : DiagnosticSuppressor
{
    private static readonly SuppressionDescriptor GeneratorRuns = new(
        "NGSP0100", SharedConstants.MissingGeneratorId, "NetGen's source generator runs in this compilation.");

    /// <inheritdoc/>
    public override ImmutableArray<SuppressionDescriptor> SupportedSuppressions { get; } = ImmutableArray.Create(GeneratorRuns);

    /// <inheritdoc/>
    public override void ReportSuppressions(SuppressionAnalysisContext context)
    {
        foreach (Diagnostic diagnostic in context.ReportedDiagnostics)
            context.ReportSuppression(Suppression.Create(GeneratorRuns, diagnostic));
    }
}
