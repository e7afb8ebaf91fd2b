using System;

namespace NetGen;

/// <summary>
/// Declares the shape of one input sample, before the first layer: <c>[Input(1, 28, 28)]</c> for gray 28 × 28 images
/// (channels, height, width: PyTorch's <c>C·H·W</c> order, one sample as <c>tensor.reshape(n, -1)</c> gives it), or
/// <c>[Input(784)]</c> for a vector. Every later shape is inferred from it, so layers can leave out their fan-in:
/// <c>[Dense(128, ReLU)]</c>.
/// </summary>
/// <example>
/// <code>
/// [Input(1, 28, 28)]
/// [Conv2D(32, Kernel = 3, Padding = 1, Activation = ReLU)]
/// [MaxPool2D(2)]
/// [Flatten]
/// [Dense(128, ReLU)]
/// [Softmax(10)]
/// public partial class SmallCnn;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>Feature maps of <paramref name="height"/> × <paramref name="width"/>, <paramref name="channels"/> of them.</summary>
    public InputAttribute(int channels, int height, int width)
    {
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>A flat vector of <paramref name="size"/> elements.</summary>
    public InputAttribute(int size) : this(size, 1, 1) { }

    /// <summary>Input channels (feature maps).</summary>
    public int Channels { get; }

    /// <summary>Rows of each map.</summary>
    public int Height { get; }

    /// <summary>Columns of each map.</summary>
    public int Width { get; }
}
