using System;

namespace NetGen;

/// <summary>
/// A float network frozen for inference: what a generated network's <c>Freeze()</c> returns. It runs a copy of the
/// network's parameters as they were when it was frozen, so training the original afterwards changes nothing here, and
/// its wide layers (the ones that take the packed matrix product) have their weights packed once, when it is frozen, as
/// ONNX Runtime packs a model's weights when a session is created: one sample and batches of every size then run on the
/// packed product (with AVX-512), where the trainable network reads its weights in place below a batch of 64 rows, and
/// through those layers one sample has the same bits as its row of any batch. Its outputs equal the original's to
/// rounding. Not thread-safe, like the network it came from (one frozen copy per thread).
/// </summary>
public class FrozenNetwork : IInferenceNetwork
{
    private readonly IInferenceNetwork _network;

    internal FrozenNetwork(IInferenceNetwork network) => _network = network;

    /// <summary>The architecture and parameter layout of the network it was frozen from.</summary>
    public NetworkArchitecture Architecture => _network.Architecture;

    /// <summary>Width of one input sample.</summary>
    public int InputSize => _network.InputSize;

    /// <summary>Width of one output.</summary>
    public int OutputSize => _network.OutputSize;

    /// <summary>Runs one sample forward. A softmax network writes probabilities. Allocates nothing after the calling thread's first call.</summary>
    /// <exception cref="ArgumentException">A span does not have the network's input or output width.</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => _network.Forward(input, output);

    /// <summary>Runs a row-major batch forward; the batch size is <c>inputs.Length / InputSize</c>.</summary>
    /// <exception cref="ArgumentException">The spans' lengths do not describe the same whole number of samples.</exception>
    public void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs) => _network.ForwardBatch(inputs, outputs);
}

/// <summary>
/// A classifier frozen for inference: what a generated classifier's <c>Freeze()</c> returns (see
/// <see cref="FrozenNetwork"/>), with <see cref="Predict"/>.
/// </summary>
public sealed class FrozenClassifier : FrozenNetwork, IClassifier<float>
{
    private readonly IClassifier<float> _classifier;

    internal FrozenClassifier(IInferenceNetwork network, IClassifier<float> classifier) : base(network) => _classifier = classifier;

    /// <summary>
    /// The class one sample is predicted to be: the index of the largest output, or for a network with a single output
    /// 1 when the output is at least ½ and 0 otherwise.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> is not <c>InputSize</c> long.</exception>
    public int Predict(ReadOnlySpan<float> input) => _classifier.Predict(input);
}
