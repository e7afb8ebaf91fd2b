namespace NetGen.Generator.Emitting;

/// <summary>
/// One vector instruction set a network dispatches to. <c>Vector512</c>'s kernels are emitted: its width is known at
/// generation time, so their loop bounds and tails are literal and absent tails are not emitted at all. The portable
/// flavor (<c>Vector&lt;T&gt;</c>) names the runtime's <c>PortableDense</c> instead, which the JIT specializes per layer.
/// </summary>
internal sealed class SimdFlavor
{
    private static readonly SimdFlavor[] SingleFlavors = Create(ElementType.Single);
    private static readonly SimdFlavor[] DoubleFlavors = Create(ElementType.Double);

    private SimdFlavor(Planning.Flavor kind, string suffix, string type, string ops, int? width, ElementType element)
    {
        Kind = kind;
        Suffix = suffix;
        Type = type;
        Ops = ops;
        Width = width;
        Element = element;
    }

    /// <summary>The flavors kernels are emitted in for an element type: <c>Vector512</c> first, then the portable fallback.</summary>
    public static SimdFlavor[] For(ElementType element) => element == ElementType.Double ? DoubleFlavors : SingleFlavors;

    private static SimdFlavor[] Create(ElementType e) => new[]
    {
        new SimdFlavor(Planning.Flavor.Vector512, "V512", "Vector512<" + e.Name + ">", "Vector512", e.Vector512Lanes, e),
        new SimdFlavor(Planning.Flavor.VectorT, "Vec", "Vector<" + e.Name + ">", "Vector", null, e),
    };

    /// <summary>The flavor of <paramref name="kind"/> for <paramref name="element"/>.</summary>
    public static SimdFlavor Of(ElementType element, Planning.Flavor kind) => System.Array.Find(For(element), f => f.Kind == kind);

    /// <summary>Which flavor this is, as the plan names it.</summary>
    public Planning.Flavor Kind { get; }

    /// <summary>The vector type as XML documentation text (<c>Vector512&lt;float&gt;</c>).</summary>
    public string Xml => Type.Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>The element type of the lanes.</summary>
    public ElementType Element { get; }

    /// <summary>The element type's C# keyword.</summary>
    public string T => Element.Name;

    /// <summary>Appended to kernel names (<c>ForwardLayer0V512</c>).</summary>
    public string Suffix { get; }

    /// <summary>The vector type.</summary>
    public string Type { get; }

    /// <summary>The static class with the vector operations.</summary>
    public string Ops { get; }

    /// <summary>Lanes per vector when known at generation time (Vector512); null for the portable flavor.</summary>
    public int? Width { get; }

    /// <summary>
    /// Lanes per vector of a flavor whose kernels are emitted. Only <c>Vector512</c>'s are: the portable flavor's kernels
    /// are the runtime's <c>PortableDense</c>, so asking for its width while emitting a kernel is a generator bug.
    /// </summary>
    private int Lanes => Width ?? throw new System.InvalidOperationException("The portable flavor's kernels are not emitted.");

    public string WidthText => Literal.Int(Lanes);

    /// <summary>The offset of the <paramref name="index"/>-th vector of a chunk.</summary>
    public string Offset(int index) => index == 0 ? "0" : Literal.Int(index * Lanes);

    /// <summary><paramref name="n"/> rounded down to a multiple of <paramref name="vectors"/> vectors.</summary>
    public string RoundDown(int n, int vectors = 1) => Literal.Int(n - n % (Lanes * vectors));

    /// <summary>Whether a loop over whole chunks of <paramref name="vectors"/> vectors can run at all for <paramref name="n"/> elements.</summary>
    public bool MayHaveChunks(int n, int vectors = 1) => n >= Lanes * vectors;

    /// <summary>Whether elements remain after whole chunks of <paramref name="vectors"/> vectors.</summary>
    public bool MayHaveRemainder(int n, int vectors = 1) => n % (Lanes * vectors) != 0;

    public string Step(int vectors) => Literal.Int(Lanes * vectors);

    public string Load(string reference, string offset) => Ops + ".LoadUnsafe(ref " + reference + ", (nuint)(" + offset + "))";

    public string Broadcast(string scalar) => Ops + ".Create(" + scalar + ")";
}
