using System;

namespace NetGen;

/// <summary>The shape of one sample's activations: <paramref name="Channels"/> feature maps of <paramref name="Height"/> × <paramref name="Width"/>, stored channel by channel, row by row (PyTorch's <c>C·H·W</c>).</summary>
/// <param name="Channels">Feature maps (1 for a gray image, 3 for RGB).</param>
/// <param name="Height">Rows of each map.</param>
/// <param name="Width">Columns of each map.</param>
public readonly record struct TensorShape(int Channels, int Height, int Width)
{
    /// <summary>Elements of one sample, <c>Channels × Height × Width</c> (saturates at <see cref="long.MaxValue"/>, never wraps).</summary>
    public long Size => (long)Channels * Height * Width;

    /// <summary>A flat vector of <paramref name="length"/> elements: <c>(length, 1, 1)</c>.</summary>
    public static TensorShape Vector(int length) => new(length, 1, 1);

    /// <summary>Whether every dimension is at least 1.</summary>
    public bool IsValid => Channels > 0 && Height > 0 && Width > 0;

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"{Channels}×{Height}×{Width}");
}

/// <summary>A pair of sizes along height and width: a kernel, a window, a stride or a padding.</summary>
/// <param name="Height">Along the rows.</param>
/// <param name="Width">Along the columns.</param>
public readonly record struct Size2D(int Height, int Width)
{
    /// <summary>The same size along both axes.</summary>
    public static Size2D Square(int size) => new(size, size);

    /// <inheritdoc/>
    public override string ToString() => Height == Width
        ? Height.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : FormattableString.Invariant($"{Height}×{Width}");
}
