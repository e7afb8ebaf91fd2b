namespace NetGen.CompilerServices;

/// <summary>
/// Constants that the generator writes into generated code and the runtime relies on: one source file, compiled into
/// both assemblies (the generator links it), so the two cannot drift apart.
/// </summary>
internal static class SharedConstants
{
    /// <summary>Largest number of samples a network processes at once; larger batches run in chunks of this many rows.</summary>
    public const int MaxRows = 256;

    /// <summary>
    /// Rows of a chunk from which <c>ForwardBatch</c> packs a wide float layer's weights once per call and runs the
    /// weights-packed product (<c>Gemm.MultiplyPacked</c>) on them (see the planner's <c>GemmRows</c>).
    /// </summary>
    public const int GemmRows = 128;

    /// <summary>
    /// Rows from which a forward kernel of a wide float layer runs the matrix product with the rows packed and the weights
    /// read in place (<c>Gemm.MultiplyRows</c>) instead of the dot-product blocks (see the planner's <c>RowGemmRows</c>).
    /// </summary>
    public const int RowGemmRows = 64;

    /// <summary>Mixed into a seed to seed the generator of dropout masks (<c>SeedDropout</c>), so masks and weights differ.</summary>
    public const ulong DropoutSalt = 0xD50F_0A7BUL;

    /// <summary>
    /// Where every NetGen diagnostic is explained (docs/diagnostics.md in the repository), up to the entry's anchor: the
    /// id in lower case. The generator's help links and the runtime's NG0100 both use it.
    /// </summary>
    public const string DiagnosticHelpBase = "https://github.com/netgen-dotnet/netgen/blob/main/docs/diagnostics.md#";

    /// <summary>The warning that the source generator does not run (see <c>GeneratorCheck</c>); its suppressor removes it.</summary>
    public const string MissingGeneratorId = "NG0100";
}
