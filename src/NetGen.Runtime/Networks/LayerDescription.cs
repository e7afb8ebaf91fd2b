using System;

namespace NetGen;

/// <summary>
/// One layer of a network, its shapes, and where its parameters live in the flat parameter buffer: a dense layer's
/// weight <c>[Outputs, Inputs]</c> row-major at <see cref="WeightOffset"/>, then the bias <c>[Outputs]</c> at
/// <see cref="BiasOffset"/> (PyTorch's <c>nn.Linear</c> order); a convolution's weight <c>[out, in, kh, kw]</c> then its
/// bias <c>[out]</c> (<c>nn.Conv2d</c>); poolings and flatten have no parameters.
/// </summary>
public sealed class LayerDescription
{
    /// <summary>Creates a layer description; offsets are given by <see cref="NetworkArchitecture"/>.</summary>
    public LayerDescription(LayerKind kind, int inputs, int outputs, Activation activation, float negativeSlope, int weightOffset, float dropoutProbability = 0f)
    {
        if (inputs <= 0) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "A layer needs at least one input.");
        if (outputs <= 0) throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "A layer needs at least one output.");
        if (weightOffset < 0) throw new ArgumentOutOfRangeException(nameof(weightOffset), weightOffset, "Offsets are non-negative.");
        if (!(dropoutProbability >= 0f && dropoutProbability < 1f))
            throw new ArgumentOutOfRangeException(nameof(dropoutProbability), dropoutProbability, "The dropout probability must lie in [0, 1).");
        DropoutProbability = dropoutProbability;
        Kind = kind;
        Inputs = inputs;
        Outputs = outputs;
        Activation = activation;
        NegativeSlope = negativeSlope;
        WeightOffset = weightOffset;
        InputShape = TensorShape.Vector(inputs);
        OutputShape = TensorShape.Vector(outputs);
    }

    /// <summary>A layer over feature maps (convolution, pooling, flatten); built by <see cref="NetworkArchitecture"/>.</summary>
    internal LayerDescription(LayerKind kind, TensorShape input, TensorShape output, Size2D window, Size2D stride, Size2D padding,
        Activation activation, float negativeSlope, int weightOffset)
    {
        Kind = kind;
        InputShape = input;
        OutputShape = output;
        Inputs = checked((int)input.Size);
        Outputs = checked((int)output.Size);
        Window = window;
        Stride = stride;
        Padding = padding;
        Activation = activation;
        NegativeSlope = negativeSlope;
        WeightOffset = weightOffset;
    }

    /// <summary>The shape of one sample's input (<c>(Inputs, 1, 1)</c> for a dense layer).</summary>
    public TensorShape InputShape { get; }

    /// <summary>The shape of one sample's output (<c>(Outputs, 1, 1)</c> for a dense layer).</summary>
    public TensorShape OutputShape { get; }

    /// <summary>Kernel of a convolution, window of a pooling (1 × 1 for the other kinds; a feature pooling's group is <see cref="GroupSize"/>).</summary>
    public Size2D Window { get; } = new(1, 1);

    /// <summary>Step between windows (1 × 1 for dense layers).</summary>
    public Size2D Stride { get; } = new(1, 1);

    /// <summary>Zeros on each side of a convolution's input.</summary>
    public Size2D Padding { get; }

    /// <summary>Feature maps pooled together by a <see cref="LayerKind.FeatureL2Pool"/> layer; 1 for the other kinds.</summary>
    public int GroupSize => Kind == LayerKind.FeatureL2Pool ? InputShape.Channels / OutputShape.Channels : 1;

    /// <summary>Whether the layer works on feature maps (convolution, pooling, flatten) rather than vectors.</summary>
    public bool IsSpatial => Kind is LayerKind.Conv2D or LayerKind.MaxPool2D or LayerKind.AvgPool2D or LayerKind.L2Pool2D
        or LayerKind.FeatureL2Pool or LayerKind.Flatten;

    /// <summary>What the layer computes.</summary>
    public LayerKind Kind { get; }

    /// <summary>Input width (elements of one sample's input).</summary>
    public int Inputs { get; }

    /// <summary>Output width (elements of one sample's output).</summary>
    public int Outputs { get; }

    /// <summary>Activation (<see cref="Activation.Identity"/> for a softmax layer, whose nonlinearity is the softmax).</summary>
    public Activation Activation { get; }

    /// <summary>Negative slope of a leaky ReLU.</summary>
    public float NegativeSlope { get; }

    /// <summary>Probability with which training drops each of this layer's outputs (0: no dropout).</summary>
    public float DropoutProbability { get; }

    /// <summary>Offset of the weight matrix in the parameter buffer.</summary>
    public int WeightOffset { get; }

    /// <summary>Number of weights: <c>Outputs × Inputs</c> for a dense layer, <c>out × in × kh × kw</c> for a convolution, 0 for the rest.</summary>
    public int WeightCount => Kind switch
    {
        LayerKind.Dense or LayerKind.Softmax => Outputs * Inputs,
        LayerKind.Conv2D => OutputShape.Channels * InputShape.Channels * Window.Height * Window.Width,
        _ => 0,
    };

    /// <summary>Offset of the bias vector in the parameter buffer.</summary>
    public int BiasOffset => WeightOffset + WeightCount;

    /// <summary>Number of biases: <c>Outputs</c> for a dense layer, output channels for a convolution, 0 for the rest.</summary>
    public int BiasCount => Kind switch
    {
        LayerKind.Dense or LayerKind.Softmax => Outputs,
        LayerKind.Conv2D => OutputShape.Channels,
        _ => 0,
    };

    /// <summary>
    /// Xavier/Glorot uniform bound <c>√6/√(fan_in + fan_out)</c>, four times that for sigmoid layers; a convolution's fans
    /// are its channels times the kernel's area (as <c>torch.nn.init.xavier_uniform_</c> counts them).
    /// </summary>
    public double XavierBound
    {
        get
        {
            double area = Window.Height * (double)Window.Width;
            (double fanIn, double fanOut) = Kind == LayerKind.Conv2D
                ? (InputShape.Channels * area, OutputShape.Channels * area)
                : (Inputs, Outputs);
            return (Activation == Activation.Sigmoid ? 4.0 : 1.0) * Math.Sqrt(6.0 / (fanIn + fanOut));
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        LayerKind.Softmax => $"Softmax({Inputs} → {Outputs})",
        LayerKind.Dense => $"Dense({Inputs} → {Outputs}, {Activation})",
        LayerKind.Conv2D => $"Conv2D({InputShape} → {OutputShape}, kernel {Window}, stride {Stride}, padding {Padding}, {Activation})",
        LayerKind.FeatureL2Pool => $"FeatureL2Pool({InputShape} → {OutputShape}, groups of {GroupSize})",
        LayerKind.Flatten => $"Flatten({InputShape} → {Outputs})",
        _ => $"{Kind}({InputShape} → {OutputShape}, window {Window}, stride {Stride})",
    };
}
