using System;
using System.Numerics;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>
/// What every generated network implements for inference, trainable or not, in its element type
/// <typeparamref name="T"/> (<c>float</c>, or <c>double</c> for networks declared with <see cref="ElementTypeAttribute"/>).
/// Implementations are not thread-safe: one network, one thread (the scratch buffers are per instance).
/// </summary>
public interface IInferenceNetwork<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>The architecture and parameter layout.</summary>
    NetworkArchitecture Architecture { get; }

    /// <summary>Width of one input sample.</summary>
    int InputSize { get; }

    /// <summary>Width of one output.</summary>
    int OutputSize { get; }

    /// <summary>Runs one sample forward. A softmax network writes probabilities.</summary>
    /// <exception cref="ArgumentException">A span does not have the network's input or output width.</exception>
    void Forward(ReadOnlySpan<T> input, Span<T> output);

    /// <summary>Runs a row-major batch forward; the batch size is <c>inputs.Length / InputSize</c>.</summary>
    /// <exception cref="ArgumentException">The spans' lengths do not describe the same whole number of samples.</exception>
    void ForwardBatch(ReadOnlySpan<T> inputs, Span<T> outputs);
}

/// <summary>
/// A network whose output names a class: a softmax output, or any output layer with an activation (a single sigmoid
/// output is a yes/no classifier). A network whose output layer is linear is a regression network: it has no
/// <c>Predict</c>, only <c>Forward</c> and <c>ForwardBatch</c>, decided when it is generated.
/// </summary>
public interface IClassifier<T> : IInferenceNetwork<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>
    /// The class one sample is predicted to be: the index of the largest output, or for a network with a single output
    /// (which trains on the labels 0 and 1 as its target) 1 when the output is at least ½ and 0 otherwise.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> is not <c>InputSize</c> long.</exception>
    int Predict(ReadOnlySpan<T> input);
}

/// <summary>What every trainable generated network implements, in its element type <typeparamref name="T"/>.</summary>
public interface INetwork<T> : IInferenceNetwork<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>All parameters, layer by layer, each as weight <c>[out, in]</c> row-major then bias <c>[out]</c>.</summary>
    Span<T> Parameters { get; }

    /// <summary>Gradient of the last <c>ComputeGradients</c> call's mean loss; same length and layout as <see cref="Parameters"/>.</summary>
    Span<T> Gradients { get; }

    /// <summary>Mean loss over a batch with class labels; overwrites <see cref="Gradients"/> with its gradient.</summary>
    /// <exception cref="ArgumentException">Wrong lengths or a label outside <c>[0, OutputSize)</c>; nothing is computed.</exception>
    T ComputeGradients(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels);

    /// <summary>Mean loss over a batch with target vectors (row-major <c>[batch, OutputSize]</c>); overwrites <see cref="Gradients"/>.</summary>
    /// <exception cref="ArgumentException">Wrong lengths; nothing is computed.</exception>
    T ComputeGradients(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets);

    /// <summary>
    /// Creates a replica for data-parallel training: it reads this network's <see cref="Parameters"/> (the same memory,
    /// never a copy) and has its own <see cref="Gradients"/>, scratch buffers and dropout masks, so that the original and
    /// its replicas can compute gradients of different rows on different threads at once. <see cref="DataParallel"/> uses it.
    /// </summary>
    INetwork<T> CreateReplica();

    /// <summary>
    /// Reseeds the generator of dropout masks, so that the next training pass of the same batch draws the same masks
    /// (what <see cref="GradientCheck"/> needs to difference a loss). A network without dropout has nothing to reseed.
    /// </summary>
    void SeedDropout(int seed)
    {
    }

    /// <summary>
    /// One training step on a batch with class labels: the gradients as <see cref="ComputeGradients(ReadOnlySpan{T}, ReadOnlySpan{int})"/>,
    /// then <paramref name="optimizer"/>'s update — unless the loss is NaN or infinite: then no parameter changes and the
    /// loss is returned, so that the caller can stop before a bad update.
    /// </summary>
    /// <remarks>
    /// The parameters end up with the same bits as after the two calls. A generated float network fuses a plain
    /// <see cref="Sgd"/> or <see cref="Momentum"/> update (<see cref="FusedStep.FusesInTrainStep"/>) of a batch of at most 256 rows
    /// into its backward pass: each weight is updated as its gradient is formed, without writing the gradient, so
    /// <see cref="Gradients"/> then keeps its earlier contents. (An <see cref="Adam"/> step is fused only when
    /// <see cref="LayerParallel"/> cuts the layers across threads: on one thread its update is as fast from the stored gradient.)
    /// </remarks>
    /// <returns>The mean loss of the batch, as <see cref="ComputeGradients(ReadOnlySpan{T}, ReadOnlySpan{int})"/> returns it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="optimizer"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// Wrong lengths, a label outside <c>[0, OutputSize)</c>, or an input that is NaN or infinite (which can leave the loss
    /// finite and the gradient not); nothing is computed or updated.
    /// </exception>
    T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        NetworkGuard.FiniteInputs(inputs, InputSize, nameof(inputs));
        return StepIfFinite(ComputeGradients(inputs, labels), optimizer);
    }

    /// <summary>
    /// One training step on a batch with target rows (regression, multi-output): the gradients as
    /// <see cref="ComputeGradients(ReadOnlySpan{T}, ReadOnlySpan{T})"/>, then <paramref name="optimizer"/>'s update — unless
    /// the loss is NaN or infinite: then no parameter changes and the loss is returned.
    /// </summary>
    /// <remarks>
    /// The parameters end up with the same bits as after the two calls; a generated float network fuses a plain
    /// <see cref="Sgd"/> or <see cref="Momentum"/> update into its backward pass here too, leaving <see cref="Gradients"/>
    /// as it was (see the overload on class labels).
    /// </remarks>
    /// <returns>The mean loss of the batch.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="optimizer"/> is null.</exception>
    /// <exception cref="ArgumentException">Wrong lengths, or an input that is NaN or infinite; nothing is computed or updated.</exception>
    T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        NetworkGuard.FiniteInputs(inputs, InputSize, nameof(inputs));
        return StepIfFinite(ComputeGradients(inputs, targets), optimizer);
    }

    /// <summary>The optimizer's update of the gradients just computed, unless their loss is NaN or infinite; returns the loss.</summary>
    private T StepIfFinite(T loss, IOptimizer optimizer)
    {
        if (!T.IsFinite(loss)) return loss;
        if (this is INetwork<float> single) optimizer.Step(single.Parameters, single.Gradients);
        else if (this is INetwork<double> @double) optimizer.Step(@double.Parameters, @double.Gradients);
        else throw new NotSupportedException($"Optimizers step float or double parameters, not {typeof(T).Name}.");
        return loss;
    }
}

/// <summary>
/// A float network for inference: what an inference-only network (weights baked in with <see cref="BakedWeightsAttribute"/>
/// and <see cref="BakedWeightsAttribute.InferenceOnly"/>) implements, and what evaluation needs.
/// </summary>
public interface IInferenceNetwork : IInferenceNetwork<float>
{
}

/// <summary>
/// A trainable float network: what the runtime's optimizers, trainer, evaluation and safetensors I/O work with, without
/// reflection. Networks declared in <c>double</c> implement <see cref="INetwork{T}"/> of <c>double</c> instead.
/// </summary>
public interface INetwork : INetwork<float>, IInferenceNetwork
{
}
