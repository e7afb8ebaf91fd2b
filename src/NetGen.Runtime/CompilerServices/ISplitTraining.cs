using System;
using System.ComponentModel;

namespace NetGen.CompilerServices;

/// <summary>
/// A network whose fused training step (<see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{int}, IOptimizer)"/>)
/// can be cut by units across threads, phase by phase with a barrier between phases: each layer's outputs (forward pass,
/// weight update) or inputs (input delta) are shared among the workers in blocks of 64 units. Each unit is computed by
/// the same code in the same order as in one thread, so the parameters get the same bits whatever the number of workers.
/// Generated float networks implement it; <see cref="LayerParallel"/> drives it.
/// </summary>
/// <remarks>
/// Phases <c>0 … ForwardPhases − 1</c> run the layers forward; phase <c>ForwardPhases</c> computes the output activation
/// and the loss on worker 0 and returns the mean loss there; the remaining phases run the backward pass with the update
/// fused in, and must only run once the optimizer's step has begun (<see cref="FusedStep.Begin"/>). Dropout masks are
/// drawn by <see cref="PrepareSplitStep"/>, in the order a single-threaded step draws them. A batch of more than 256 rows
/// is stepped in chunks of 256, as <c>ComputeGradients</c> takes it: each chunk prepared and run through the phases in
/// turn with the gradient stored (<see cref="FusedStep.StoresGradient"/>) and added to the earlier chunks', its losses
/// scaled by the whole batch and summed on from the earlier chunks', so that the last chunk's loss phase returns the
/// whole batch's mean loss.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ISplitTraining
{
    /// <summary>The number of forward phases, one per layer; the loss phase has this index.</summary>
    int ForwardPhases { get; }

    /// <summary>The number of phases of one step: forward, loss, backward.</summary>
    int Phases { get; }

    /// <summary>
    /// A network for inference on another thread: this network's parameters (the same buffer) and a workspace of its own.
    /// Unlike <see cref="INetwork{T}.CreateReplica"/> it leaves this network's dropout generator alone, so a layer-cut
    /// trainer can evaluate on every thread and still train with the bits of one.
    /// </summary>
    IInferenceNetwork CreateEvaluator();

    /// <summary>
    /// Validates a batch with class labels or targets, reserves scratch for it and for <paramref name="workers"/> workers (some
    /// arrays, read again only by the worker that wrote them, are each worker's own, so no cache line is written by two
    /// cores) and draws its dropout masks, on the calling thread, before any phase runs.
    /// </summary>
    /// <param name="inputs">The batch, row-major.</param>
    /// <param name="labels">A class label per row; empty for a batch of targets.</param>
    /// <param name="targets">Row-major targets, <c>[rows, OutputSize]</c>; empty for a batch of labels.</param>
    /// <param name="workers">The number of workers that will run the phases; at least 1.</param>
    /// <param name="chunkStart">The row of the whole batch this one starts at: 0 for a whole batch or its first chunk.</param>
    /// <param name="batchRows">The rows of the whole batch: those of <paramref name="inputs"/> for a whole batch.</param>
    /// <returns>The batch size, or 0 when the batch is too large to be stepped in one pass (more than 256 rows).</returns>
    /// <exception cref="ArgumentException">Wrong lengths, both labels and targets, or a label out of range.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workers"/> is below 1, or the chunk does not lie in
    /// the batch.</exception>
    int PrepareSplitStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, int workers, int chunkStart, int batchRows);

    /// <summary>
    /// Worker <paramref name="worker"/>'s share of phase <paramref name="phase"/> for the batch prepared by
    /// <see cref="PrepareSplitStep"/>; the loss phase returns the mean loss on worker 0 (for a chunk, the sum of the
    /// losses so far over the whole batch's rows), every other call returns 0.
    /// </summary>
    /// <param name="phase">The phase, <c>0 … Phases − 1</c>.</param>
    /// <param name="worker">This worker, <c>0 … workers − 1</c>.</param>
    /// <param name="workers">The number of workers sharing the phase, at most as many as <see cref="PrepareSplitStep"/> reserved for.</param>
    /// <param name="inputs">The batch given to <see cref="PrepareSplitStep"/>.</param>
    /// <param name="labels">Its labels (empty for targets).</param>
    /// <param name="targets">Its targets (empty for labels).</param>
    /// <param name="step">The optimizer's step, begun after the loss phase; ignored by the forward and loss phases.</param>
    float RunSplitPhase(int phase, int worker, int workers, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, in FusedStep step);
}
