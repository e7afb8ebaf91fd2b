using System.Globalization;

namespace NetGen.Generator.Emitting;

/// <summary>The element type a network is generated in: its C# keyword, its math class, literals and vector widths.</summary>
internal sealed class ElementType
{
    public static readonly ElementType Single = new("float", "MathF", "f", 16);
    public static readonly ElementType Double = new("double", "Math", "d", 8);

    private readonly string _suffix;

    private ElementType(string name, string math, string suffix, int vector512Lanes)
    {
        Name = name;
        Math = math;
        _suffix = suffix;
        Vector512Lanes = vector512Lanes;
        One = "1" + suffix;
        Zero = "0" + suffix;
    }

    /// <summary>The C# keyword: <c>float</c> or <c>double</c>.</summary>
    public string Name { get; }

    /// <summary>The scalar math class: <c>MathF</c> or <c>Math</c>.</summary>
    public string Math { get; }

    /// <summary>Lanes of a <c>Vector512</c>.</summary>
    public int Vector512Lanes { get; }

    /// <summary>Bytes of one element.</summary>
    public int Size => 64 / Vector512Lanes;

    public string One { get; }

    public string Zero { get; }

    public static ElementType Of(Model.ElementKind kind) => kind == Model.ElementKind.Double ? Double : Single;

    /// <summary>A literal of this type that parses back to exactly <paramref name="value"/> (G9 round-trips any float, G17 any double).</summary>
    public string Exact(double value)
        => (this == Single ? ((float)value).ToString("G9", CultureInfo.InvariantCulture) : value.ToString("G17", CultureInfo.InvariantCulture)) + _suffix;
}
