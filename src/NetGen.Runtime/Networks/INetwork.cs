using System;

namespace NetGen;

/// <summary>
/// What every generated network implements for inference, trainable or not: its architecture and the forward pass.
/// An inference-only network (weights baked in with <see cref="BakedWeightsAttribute"/> and
/// <see cref="BakedWeightsAttribute.InferenceOnly"/>) implements only this; a trainable one implements <see cref="INetwork"/>.
/// Implementations are not thread-safe: one network, one thread (the scratch buffers are per instance).
/// </summary>
public interface IInferenceNetwork
{
    /// <summary>The architecture and parameter layout.</summary>
    NetworkArchitecture Architecture { get; }

    /// <summary>Width of one input sample.</summary>
    int InputSize { get; }

    /// <summary>Width of one output.</summary>
    int OutputSize { get; }

    /// <summary>Runs one sample forward. A softmax network writes probabilities.</summary>
    /// <exception cref="ArgumentException">A span does not have the network's input or output width.</exception>
    void Forward(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Runs a row-major batch forward; the batch size is <c>inputs.Length / InputSize</c>.</summary>
    /// <exception cref="ArgumentException">The spans' lengths do not describe the same whole number of samples.</exception>
    void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>Index of the largest output for one sample.</summary>
    int Predict(ReadOnlySpan<float> input);
}

/// <summary>
/// What every trainable generated network implements, so the runtime can train, evaluate and save any of them
/// without reflection. Implementations are not thread-safe: one network, one thread (the scratch
/// buffers are per instance).
/// </summary>
public interface INetwork : IInferenceNetwork
{
    /// <summary>All parameters, layer by layer, each as weight <c>[out, in]</c> row-major then bias <c>[out]</c>.</summary>
    Span<float> Parameters { get; }

    /// <summary>Gradient of the last <c>ComputeGradients</c> call's mean loss; same length and layout as <see cref="Parameters"/>.</summary>
    Span<float> Gradients { get; }

    /// <summary>Mean loss over a batch with class labels; overwrites <see cref="Gradients"/> with its gradient.</summary>
    /// <exception cref="ArgumentException">Wrong lengths or a label outside <c>[0, OutputSize)</c>; nothing is computed.</exception>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels);

    /// <summary>Mean loss over a batch with target vectors (row-major <c>[batch, OutputSize]</c>); overwrites <see cref="Gradients"/>.</summary>
    /// <exception cref="ArgumentException">Wrong lengths; nothing is computed.</exception>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets);
}
