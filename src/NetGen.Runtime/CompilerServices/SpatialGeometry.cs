using System.ComponentModel;

namespace NetGen.CompilerServices;

/// <summary>
/// The geometry of one layer over feature maps, as the kernels of <see cref="Convolution"/>, <see cref="Pooling"/> and
/// <see cref="Layout"/> take it: input channels and size, output channels, window, stride and padding. Generated networks
/// hold one per layer as a static constant; <see cref="ComposedNetwork"/> builds them from its architecture.
/// </summary>
/// <remarks>Feature maps are stored channels-last inside a network (<c>[H, W, C]</c> per sample): a window's channels are contiguous.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct SpatialGeometry(
    int InChannels, int InHeight, int InWidth, int OutChannels,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PaddingHeight, int PaddingWidth)
{
    /// <summary>Rows of each output map: <c>⌊(InHeight + 2·PaddingHeight − KernelHeight) / StrideHeight⌋ + 1</c>.</summary>
    public int OutHeight => (InHeight + 2 * PaddingHeight - KernelHeight) / StrideHeight + 1;

    /// <summary>Columns of each output map.</summary>
    public int OutWidth => (InWidth + 2 * PaddingWidth - KernelWidth) / StrideWidth + 1;

    /// <summary>Elements of one sample's input.</summary>
    public int InSize => InChannels * InHeight * InWidth;

    /// <summary>Elements of one sample's output.</summary>
    public int OutSize => OutChannels * OutHeight * OutWidth;

    /// <summary>Output positions per map, <c>OutHeight × OutWidth</c>.</summary>
    public int Positions => OutHeight * OutWidth;

    /// <summary>A convolution's reduction depth, <c>KernelHeight × KernelWidth × InChannels</c>.</summary>
    public int Depth => KernelHeight * KernelWidth * InChannels;

    /// <summary>A convolution's weights, <c>OutChannels × Depth</c>.</summary>
    public int WeightCount => OutChannels * Depth;

    /// <summary>The geometry of a layer of <paramref name="layer"/>'s description.</summary>
    public static SpatialGeometry Of(LayerDescription layer) => new(
        layer.InputShape.Channels, layer.InputShape.Height, layer.InputShape.Width, layer.OutputShape.Channels,
        layer.Window.Height, layer.Window.Width, layer.Stride.Height, layer.Stride.Width, layer.Padding.Height, layer.Padding.Width);
}
