using System;
using System.ComponentModel;

namespace NetGen;

/// <summary>
/// A network whose fused SGD training step (<see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{int}, IOptimizer)"/>)
/// can be cut by units across threads, phase by phase with a barrier between phases: each layer's outputs (forward pass,
/// weight update) or inputs (input delta) are shared among the workers in blocks of 64 units. Each unit is computed by
/// the same code in the same order as in one thread, so the parameters get the same bits whatever the number of workers.
/// Generated float networks without dropout implement it; <see cref="LayerParallel"/> drives it.
/// </summary>
/// <remarks>
/// Phases <c>0 … ForwardPhases − 1</c> run the layers forward; phase <c>ForwardPhases</c> computes the output activation
/// and the loss on worker 0 and returns the mean loss there; the remaining phases run the backward pass with the update
/// fused in, and must only run once the optimizer's step has begun (<see cref="Sgd.BeginFusedStep"/>).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ISplitTraining
{
    /// <summary>The number of forward phases, one per layer; the loss phase has this index.</summary>
    int ForwardPhases { get; }

    /// <summary>The number of phases of one step: forward, loss, backward.</summary>
    int Phases { get; }

    /// <summary>
    /// Validates a batch with class labels and reserves scratch for it, on the calling thread, before any phase runs.
    /// </summary>
    /// <returns>The batch size, or 0 when the batch is too large to be stepped in one pass (more than 256 rows).</returns>
    /// <exception cref="ArgumentException">Wrong lengths or a label out of range.</exception>
    int PrepareSplitStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels);

    /// <summary>
    /// Worker <paramref name="worker"/>'s share of phase <paramref name="phase"/> for the batch prepared by
    /// <see cref="PrepareSplitStep"/>; the loss phase returns the mean loss on worker 0, every other call returns 0.
    /// </summary>
    float RunSplitPhase(int phase, int worker, int workers, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, float weightFactor, float gradientFactor);
}
