using System;

namespace NetGen;

/// <summary>
/// One layer as declared, before shapes are inferred: what a <see cref="NetworkArchitecture"/> built from an input shape
/// takes (generated convolutional networks describe themselves this way). Create one with the static methods.
/// </summary>
public sealed record LayerDefinition
{
    private LayerDefinition(LayerKind kind) => Kind = kind;

    /// <summary>The layer's kind.</summary>
    public LayerKind Kind { get; }

    /// <summary>Units of a dense or softmax layer, output channels of a convolution, groups' size of a feature pooling; 0 otherwise.</summary>
    public int Outputs { get; private init; }

    /// <summary>Kernel or pooling window.</summary>
    public Size2D Window { get; private init; } = new(1, 1);

    /// <summary>Step between windows.</summary>
    public Size2D Stride { get; private init; } = new(1, 1);

    /// <summary>Zeros added on each side of the input (convolutions only).</summary>
    public Size2D Padding { get; private init; }

    /// <summary>The elementwise activation (dense and convolution layers).</summary>
    public Activation Activation { get; private init; }

    /// <summary>Leaky ReLU's slope for negative inputs.</summary>
    public float NegativeSlope { get; private init; } = 0.01f;

    /// <summary>Probability with which training drops each of the layer's outputs (dense layers; 0: none).</summary>
    public float Dropout { get; private init; }

    /// <summary>A convolution of <paramref name="outChannels"/> filters (<c>nn.Conv2d</c>); input channels are inferred.</summary>
    public static LayerDefinition Conv2D(int outChannels, Size2D kernel, Size2D stride, Size2D padding, Activation activation = Activation.Identity, float negativeSlope = 0.01f)
        => new(LayerKind.Conv2D) { Outputs = outChannels, Window = kernel, Stride = stride, Padding = padding, Activation = activation, NegativeSlope = negativeSlope };

    /// <summary>Maximum over windows (<c>nn.MaxPool2d</c>).</summary>
    public static LayerDefinition MaxPool2D(Size2D window, Size2D stride) => new(LayerKind.MaxPool2D) { Window = window, Stride = stride };

    /// <summary>Mean over windows, <c>1/K Σ h</c> (<c>nn.AvgPool2d</c>).</summary>
    public static LayerDefinition AvgPool2D(Size2D window, Size2D stride) => new(LayerKind.AvgPool2D) { Window = window, Stride = stride };

    /// <summary>L2 norm over windows, <c>√(Σ h²)</c> (<c>nn.LPPool2d(2, …)</c>).</summary>
    public static LayerDefinition L2Pool2D(Size2D window, Size2D stride) => new(LayerKind.L2Pool2D) { Window = window, Stride = stride };

    /// <summary>L2 norm over each group of <paramref name="groupSize"/> consecutive feature maps, at every position.</summary>
    public static LayerDefinition FeatureL2Pool(int groupSize) => new(LayerKind.FeatureL2Pool) { Outputs = groupSize };

    /// <summary>Feature maps to a vector in PyTorch's order (<c>nn.Flatten</c>).</summary>
    public static LayerDefinition Flatten() => new(LayerKind.Flatten);

    /// <summary>A fully connected layer of <paramref name="outputs"/> units; its fan-in is the previous layer's size.</summary>
    public static LayerDefinition Dense(int outputs, Activation activation = Activation.Identity, float negativeSlope = 0.01f, float dropout = 0f)
        => new(LayerKind.Dense) { Outputs = outputs, Activation = activation, NegativeSlope = negativeSlope, Dropout = dropout };

    /// <summary>A fully connected output layer of <paramref name="classes"/> units followed by softmax.</summary>
    public static LayerDefinition Softmax(int classes) => new(LayerKind.Softmax) { Outputs = classes };
}
