using System;

namespace NetGen;

/// <summary>
/// One parameterized layer of a network and where its parameters live in the flat parameter buffer:
/// the weight <c>[Outputs, Inputs]</c> row-major at <see cref="WeightOffset"/>, then the bias <c>[Outputs]</c>
/// at <see cref="BiasOffset"/> (PyTorch's <c>nn.Linear</c> order).
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
    }

    /// <summary>Dense or softmax output.</summary>
    public LayerKind Kind { get; }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>Activation (<see cref="Activation.Identity"/> for a softmax layer, whose nonlinearity is the softmax).</summary>
    public Activation Activation { get; }

    /// <summary>Negative slope of a leaky ReLU.</summary>
    public float NegativeSlope { get; }

    /// <summary>Probability with which training drops each of this layer's outputs (0: no dropout).</summary>
    public float DropoutProbability { get; }

    /// <summary>Offset of the weight matrix in the parameter buffer.</summary>
    public int WeightOffset { get; }

    /// <summary>Number of weights, <c>Outputs × Inputs</c>.</summary>
    public int WeightCount => Outputs * Inputs;

    /// <summary>Offset of the bias vector in the parameter buffer.</summary>
    public int BiasOffset => WeightOffset + WeightCount;

    /// <summary>Number of biases, <c>Outputs</c>.</summary>
    public int BiasCount => Outputs;

    /// <summary>Xavier/Glorot uniform bound <c>√6/√(fan_in + fan_out)</c>, four times that for sigmoid layers.</summary>
    public double XavierBound => (Activation == Activation.Sigmoid ? 4.0 : 1.0) * Math.Sqrt(6.0 / (Inputs + Outputs));

    /// <inheritdoc/>
    public override string ToString() => Kind == LayerKind.Softmax
        ? $"Softmax({Inputs} → {Outputs})"
        : $"Dense({Inputs} → {Outputs}, {Activation})";
}
