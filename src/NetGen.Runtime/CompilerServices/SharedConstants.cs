namespace NetGen.CompilerServices;

/// <summary>
/// Constants that the generator writes into generated code and the runtime relies on: one source file, compiled into
/// both assemblies (the generator links it), so the two cannot drift apart.
/// </summary>
internal static class SharedConstants
{
    /// <summary>Largest number of samples a network processes at once; larger batches run in chunks of this many rows.</summary>
    public const int MaxRows = 256;

    /// <summary>Mixed into a seed to seed the generator of dropout masks (<c>SeedDropout</c>), so masks and weights differ.</summary>
    public const ulong DropoutSalt = 0xD50F_0A7BUL;
}
