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
        _parameterRanges = FindParameterRanges();
        Loss = loss;
        InputShape = TensorShape.Vector(_layers[0].Inputs);
    }

    /// <summary>
    /// Builds an architecture from an input shape and layer definitions, inferring every later shape as PyTorch does:
    /// a convolution's output is <c>⌊(in + 2·padding − kernel) / stride⌋ + 1</c> per axis, a pooling's
    /// <c>⌊(in − window) / stride⌋ + 1</c>; a dense layer's fan-in is the previous layer's size.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A shape below 1, a window larger than its (padded) input, padding not smaller than the kernel, a layer over feature
    /// maps after <see cref="LayerKind.Flatten"/>, a dense layer straight after feature maps (flatten them first), a feature
    /// pooling whose group does not divide the channels, misplaced softmax or dropout, or too many parameters.
    /// </exception>
    public NetworkArchitecture(TensorShape input, IReadOnlyList<LayerDefinition> layers, LossFunction loss)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (!input.IsValid) throw new ArgumentException($"The input shape is {input}; every dimension must be at least 1.", nameof(input));
        if (input.Size > int.MaxValue) throw new ArgumentException($"The input shape {input} has {input.Size} elements per sample, more than {int.MaxValue}.", nameof(input));
        if (layers.Count == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        _layers = new LayerDescription[layers.Count];
        TensorShape shape = input;
        bool maps = input.Height > 1 || input.Width > 1, flattened = false;
        long offset = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerDefinition layer = layers[i] ?? throw new ArgumentException($"Layer {i} is null.", nameof(layers));
            string at = $"Layer {i} ({layer.Kind})";
            if (layer.Kind is LayerKind.Dense or LayerKind.Softmax)
            {
                if (maps && !flattened)
                    throw new ArgumentException($"{at} follows feature maps of {shape}; add a Flatten layer before it.", nameof(layers));
                if (layer.Kind == LayerKind.Softmax && i != layers.Count - 1)
                    throw new ArgumentException($"{at} is a softmax layer but is not the last layer.", nameof(layers));
                if (layer.Dropout != 0f && i == layers.Count - 1)
                    throw new ArgumentException($"{at} is the output layer; dropout must sit between two layers.", nameof(layers));
                if (layer.Outputs <= 0) throw new ArgumentException($"{at} has {layer.Outputs} units; expected at least 1.", nameof(layers));
                int inputs = (int)shape.Size; // every shape was checked to fit an int
                if (offset + ((long)inputs + 1) * layer.Outputs > int.MaxValue)
                    throw new ArgumentException($"The network has more than {int.MaxValue} parameters (at least {offset + ((long)inputs + 1) * layer.Outputs}).", nameof(layers));
                _layers[i] = new LayerDescription(layer.Kind, inputs, layer.Outputs, layer.Activation, layer.NegativeSlope, (int)offset, layer.Dropout);
                shape = TensorShape.Vector(layer.Outputs);
                maps = false;
            }
            else
            {
                if (flattened || (!maps && i > 0))
                    throw new ArgumentException($"{at} needs feature maps, but its input is the flat vector of {shape.Size} elements.", nameof(layers));
                TensorShape output = OutputShape(layer, shape, at);
                long weights = layer.Kind == LayerKind.Conv2D ? (long)output.Channels * shape.Channels * layer.Window.Height * layer.Window.Width : 0;
                if (offset + weights > int.MaxValue)
                    throw new ArgumentException($"The network has more than {int.MaxValue} parameters (at least {offset + weights}).", nameof(layers));
                _layers[i] = new LayerDescription(layer.Kind, shape, output, layer.Window, layer.Stride, layer.Padding, layer.Activation, layer.NegativeSlope, (int)offset);
                flattened = layer.Kind == LayerKind.Flatten;
                shape = output;
            }
            offset += (long)_layers[i].WeightCount + _layers[i].BiasCount;
            if (offset > int.MaxValue)
                throw new ArgumentException($"The network has more than {int.MaxValue} parameters (at least {offset}).", nameof(layers));
        }
        ParameterCount = (int)offset;
        _parameterRanges = FindParameterRanges();
        Loss = loss;
        InputShape = input;
    }

    /// <summary>The shape a layer over feature maps makes of <paramref name="input"/>, or an exception that names both.</summary>
    private static TensorShape OutputShape(LayerDefinition layer, TensorShape input, string at)
    {
        if (layer.Kind == LayerKind.Flatten) return TensorShape.Vector(checked((int)input.Size));
        if (layer.Kind == LayerKind.FeatureL2Pool)
        {
            int group = layer.Outputs;
            if (group < 1 || input.Channels % group != 0)
                throw new ArgumentException($"{at} pools groups of {group} feature maps, which must divide the {input.Channels} channels of {input}.", "layers");
            return input with { Channels = input.Channels / group };
        }
        Size2D k = layer.Window, s = layer.Stride, p = layer.Padding;
        if (k.Height < 1 || k.Width < 1 || s.Height < 1 || s.Width < 1 || p.Height < 0 || p.Width < 0)
            throw new ArgumentException($"{at} has window {k}, stride {s} and padding {p}; windows and strides must be at least 1, padding at least 0.", "layers");
        if (p.Height >= k.Height || p.Width >= k.Width)
            throw new ArgumentException($"{at} pads {p} around a {k} kernel; padding must be smaller than the kernel.", "layers");
        long height = (input.Height + 2L * p.Height - k.Height) / s.Height + 1, width = (input.Width + 2L * p.Width - k.Width) / s.Width + 1;
        if (input.Height + 2L * p.Height < k.Height || input.Width + 2L * p.Width < k.Width)
            throw new ArgumentException($"{at} has a {k} window, larger than its input {input} with padding {p}.", "layers");
        int channels = layer.Kind == LayerKind.Conv2D ? layer.Outputs : input.Channels;
        if (channels < 1) throw new ArgumentException($"{at} has {channels} output channels; expected at least 1.", "layers");
        var output = new TensorShape(channels, (int)height, (int)width);
        if (output.Size > int.MaxValue) throw new ArgumentException($"{at} makes {output} = {output.Size} elements per sample, more than {int.MaxValue}.", "layers");
        return output;
    }

    /// <summary>The shape of one input sample: <c>(InputSize, 1, 1)</c> for a network of dense layers.</summary>
    public TensorShape InputShape { get; }

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

    private readonly (int Offset, int Count, bool Weights)[] _parameterRanges;

    /// <summary>
    /// Every non-empty weight and bias range of the parameter buffer, in buffer order, and whether it holds weights
    /// (which regularization touches) or biases: what optimizers and the parallel trainers update range by range.
    /// </summary>
    internal ReadOnlySpan<(int Offset, int Count, bool Weights)> ParameterRanges => _parameterRanges;

    private (int Offset, int Count, bool Weights)[] FindParameterRanges()
    {
        var ranges = new List<(int Offset, int Count, bool Weights)>();
        foreach (LayerDescription layer in _layers)
        {
            if (layer.WeightCount > 0) ranges.Add((layer.WeightOffset, layer.WeightCount, true));
            if (layer.BiasCount > 0) ranges.Add((layer.BiasOffset, layer.BiasCount, false));
        }
        return ranges.ToArray();
    }

    /// <summary>The training loss.</summary>
    public LossFunction Loss { get; }

    /// <summary>Whether any layer works on feature maps (a convolutional network).</summary>
    public bool IsSpatial => _layers[0].IsSpatial;

    /// <summary>Whether the output is a softmax over classes.</summary>
    public bool HasSoftmaxOutput => _layers[^1].Kind == LayerKind.Softmax;

    /// <summary>Whether the output is one sigmoid unit: a binary classifier whose output reads as a probability.</summary>
    internal bool HasSingleSigmoidOutput => _layers[^1].Kind == LayerKind.Dense && _layers[^1].Outputs == 1 && _layers[^1].Activation == Activation.Sigmoid;

    /// <summary>A one-line drawing such as <c>784 → Dense(500, Tanh) → Softmax(10) | CrossEntropy</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(InputShape.Height == 1 && InputShape.Width == 1 ? InputSize.ToString(System.Globalization.CultureInfo.InvariantCulture) : InputShape.ToString());
        foreach (var layer in _layers)
        {
            sb.Append(" → ");
            sb.Append(layer.Kind switch
            {
                LayerKind.Softmax => $"Softmax({layer.Outputs})",
                LayerKind.Dense => $"Dense({layer.Outputs}, {layer.Activation})",
                LayerKind.Conv2D => $"Conv2D({layer.OutputShape.Channels}, {layer.Window}, stride {layer.Stride}, padding {layer.Padding}, {layer.Activation})",
                LayerKind.FeatureL2Pool => $"FeatureL2Pool({layer.GroupSize})",
                LayerKind.Flatten => "Flatten",
                _ => $"{layer.Kind}({layer.Window}, stride {layer.Stride})",
            });
            if (layer.DropoutProbability > 0f) sb.Append(FormattableString.Invariant($" → Dropout({layer.DropoutProbability})"));
        }
        return sb.Append(" | ").Append(Loss).ToString();
    }
}
