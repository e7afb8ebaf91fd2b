using System;
using System.Collections.Generic;
using System.Text;

namespace NetGen;

/// <summary>
/// A network's architecture as data: its layers in order, the loss, and the parameter layout.
/// Every generated network exposes one (<c>MyNet.Architecture</c>); the runtime uses it to tell
/// weights from biases, to initialize, and to name tensors.
/// </summary>
public sealed class NetworkArchitecture
{
    private readonly LayerDescription[] _layers;

    /// <summary>Builds an architecture from layer shapes, computing the parameter offsets.</summary>
    /// <exception cref="ArgumentException">No layers, widths that do not chain, or more parameters than fit in an <see cref="int"/>.</exception>
    public NetworkArchitecture(IReadOnlyList<(LayerKind Kind, int Inputs, int Outputs, Activation Activation, float NegativeSlope)> layers, LossFunction loss)
        : this(ToDropoutFree(layers), loss)
    {
    }

    /// <summary>Builds an architecture whose layers may drop their outputs in training.</summary>
    /// <exception cref="ArgumentException">No layers, widths that do not chain, dropout on the last layer, or too many parameters.</exception>
    public NetworkArchitecture(IReadOnlyList<(LayerKind Kind, int Inputs, int Outputs, Activation Activation, float NegativeSlope, float Dropout)> layers, LossFunction loss)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        _layers = new LayerDescription[layers.Count];
        long offset = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            var (kind, inputs, outputs, activation, slope, dropout) = layers[i];
            if (dropout != 0f && i == layers.Count - 1)
                throw new ArgumentException($"Layer {i} is the output layer; dropout must sit between two layers.", nameof(layers));
            if (i > 0 && inputs != layers[i - 1].Outputs)
                throw new ArgumentException($"Layer {i} expects {inputs} inputs but layer {i - 1} produces {layers[i - 1].Outputs}.", nameof(layers));
            if (kind == LayerKind.Softmax && i != layers.Count - 1)
                throw new ArgumentException($"Layer {i} is a softmax layer but is not the last layer.", nameof(layers));
            if (inputs <= 0 || outputs <= 0)
                throw new ArgumentException($"Layer {i} has widths {inputs} → {outputs}; widths must be positive.", nameof(layers));
            _layers[i] = new LayerDescription(kind, inputs, outputs, activation, slope, checked((int)offset), dropout);
            offset += (long)inputs * outputs + outputs;
            if (offset > int.MaxValue)
                throw new ArgumentException($"The network has more than {int.MaxValue} parameters (at least {offset}).", nameof(layers));
        }
        ParameterCount = (int)offset;
        Loss = loss;
    }

    private static (LayerKind, int, int, Activation, float, float)[] ToDropoutFree(IReadOnlyList<(LayerKind Kind, int Inputs, int Outputs, Activation Activation, float NegativeSlope)> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var result = new (LayerKind, int, int, Activation, float, float)[layers.Count];
        for (int i = 0; i < result.Length; i++) result[i] = (layers[i].Kind, layers[i].Inputs, layers[i].Outputs, layers[i].Activation, layers[i].NegativeSlope, 0f);
        return result;
    }

    /// <summary>The layers in forward order.</summary>
    public ReadOnlySpan<LayerDescription> Layers => _layers;

    /// <summary>Input width of the first layer.</summary>
    public int InputSize => _layers[0].Inputs;

    /// <summary>Output width of the last layer.</summary>
    public int OutputSize => _layers[^1].Outputs;

    /// <summary>Total number of parameters.</summary>
    public int ParameterCount { get; }

    /// <summary>The training loss.</summary>
    public LossFunction Loss { get; }

    /// <summary>Whether the output is a softmax over classes.</summary>
    public bool HasSoftmaxOutput => _layers[^1].Kind == LayerKind.Softmax;

    /// <summary>Whether the output is one sigmoid unit: a binary classifier whose output reads as a probability.</summary>
    internal bool HasSingleSigmoidOutput => _layers[^1].Kind == LayerKind.Dense && _layers[^1].Outputs == 1 && _layers[^1].Activation == Activation.Sigmoid;

    /// <summary>A one-line drawing such as <c>784 → Dense(500, Tanh) → Softmax(10) | CrossEntropy</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(InputSize);
        foreach (var layer in _layers)
        {
            sb.Append(" → ");
            sb.Append(layer.Kind == LayerKind.Softmax ? $"Softmax({layer.Outputs})" : $"Dense({layer.Outputs}, {layer.Activation})");
            if (layer.DropoutProbability > 0f) sb.Append(FormattableString.Invariant($" → Dropout({layer.DropoutProbability})"));
        }
        return sb.Append(" | ").Append(Loss).ToString();
    }
}
