namespace NetGen;

/// <summary>
/// The build-time check that NetGen's source generator runs: the layer attributes carry an <c>[Obsolete]</c> warning
/// with id NG0100, and the generator, when it runs, ships a suppressor that removes every NG0100. A project that
/// references this runtime without the generator therefore gets NG0100 at its first layer attribute, saying what is
/// missing, instead of CS0117 wherever the network's generated members are used.
/// </summary>
internal static class GeneratorCheck
{
    public const string DiagnosticId = CompilerServices.SharedConstants.MissingGeneratorId;

    public const string Message =
        "NetGen's source generator does not run in this project, so this network gets no generated members. Reference the " +
        "NetGen package (it brings the generator), or, next to a project reference to NetGen.Runtime, reference " +
        "NetGen.Generator with OutputItemType=\"Analyzer\" ReferenceOutputAssembly=\"false\". Analyzers turned off " +
        "(RunAnalyzers=false) also turn off the generator's removal of this warning.";

    /// <summary>NG0100's entry in docs/diagnostics.md.</summary>
    public const string UrlFormat = CompilerServices.SharedConstants.DiagnosticHelpBase + "ng0100";
}
