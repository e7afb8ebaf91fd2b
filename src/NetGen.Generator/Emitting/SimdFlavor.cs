namespace NetGen.Generator.Emitting;

/// <summary>
/// One vector instruction set the kernels are emitted for. <c>Vector512</c> has a width known at
/// generation time, so its loop bounds and tails are literal and absent tails are not emitted at all;
/// the portable flavor uses <c>Vector&lt;T&gt;</c>, whose width the JIT folds into a constant.
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

    /// <summary>Lanes per vector when known at generation time.</summary>
    public int? Width { get; }

    public string WidthText => Width is int w ? Literal.Int(w) : Type + ".Count";

    /// <summary>The offset of the <paramref name="index"/>-th vector of a chunk.</summary>
    public string Offset(int index) => index == 0 ? "0" : Width is int w ? Literal.Int(index * w) : index == 1 ? WidthText : index + " * " + WidthText;

    /// <summary><paramref name="n"/> rounded down to a multiple of <paramref name="vectors"/> vectors.</summary>
    public string RoundDown(int n, int vectors = 1)
    {
        if (Width is int w) return Literal.Int(n - n % (w * vectors));
        string step = vectors == 1 ? WidthText : "(" + vectors + " * " + WidthText + ")";
        return "(" + n + " - " + n + " % " + step + ")";
    }

    /// <summary>Whether a loop over whole chunks of <paramref name="vectors"/> vectors can run at all for <paramref name="n"/> elements.</summary>
    public bool MayHaveChunks(int n, int vectors = 1) => Width is not int w || n >= w * vectors;

    /// <summary>Whether elements remain after whole chunks of <paramref name="vectors"/> vectors (always assumed for a JIT-time width).</summary>
    public bool MayHaveRemainder(int n, int vectors = 1) => Width is not int w || n % (w * vectors) != 0;

    public string Step(int vectors) => vectors == 1 ? WidthText : Width is int w ? Literal.Int(w * vectors) : vectors + " * " + WidthText;

    public string Load(string reference, string offset) => Ops + ".LoadUnsafe(ref " + reference + ", (nuint)(" + offset + "))";

    public string Broadcast(string scalar) => Width is null ? "new " + Type + "(" + scalar + ")" : Ops + ".Create(" + scalar + ")";
}
