using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>
/// Trains one network on several threads by cutting every layer across them: each thread computes its share of the
/// layer's units over the whole batch — forward outputs, input deltas, and weight rows updated in place by an SGD,
/// momentum or Adam step fused into the backward pass — with a barrier between layers. Nothing is reduced across threads, so
/// each thread touches only its own rows of every weight matrix, and the result has the same bits as a single-threaded
/// <see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{int}, IOptimizer)"/> (or, on target vectors,
/// <see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{T}, IOptimizer)"/>), whatever the thread count.
/// </summary>
/// <remarks>
/// It needs a generated network that implements <see cref="ISplitTraining"/> (float), an <see cref="Optimizer"/> and a
/// batch of two rows or more (one row runs on the calling thread, which takes the one-row kernels as a single-threaded step
/// does). A step that fuses (<see cref="FusedStep.CanFuse"/>: <see cref="Sgd"/>, <see cref="Momentum"/>, <see cref="Adam"/>,
/// <see cref="AdamW"/>, with or without L1) updates inside the backward phases; any other — gradient clipping, which
/// needs the whole gradient's norm first, or a subclass's rule — stores the gradient in those phases instead, then every
/// thread adds up its blocks of the norm and updates its slice of every parameter range by the optimizer's own rule.
/// Each dropout layer's mask key is drawn before the phases, as one thread draws it, and each thread draws the part of
/// the mask its share needs (<see cref="DropoutMath.DrawMask{T}(ulong, long, Span{T}, T)"/>). Any other step runs
/// the network's own <c>TrainStep</c> on the calling thread, with the same result. A batch of more than 256 rows goes
/// through the phases in chunks of 256, as the network's own <c>ComputeGradients</c> takes it, with the gradient stored
/// and summed over the chunks and the update in slices after the last (so its step, like the network's own there, never
/// fuses); one whose last chunk would be a single row (257, 513, … rows) runs on the calling thread. For optimizers of
/// other kinds, <see cref="DataParallel"/> splits the batch instead.
/// Instances are not thread-safe; dispose to stop the worker threads.
/// </remarks>
public sealed class LayerParallel : IDisposable
{
    private readonly INetwork _network;
    private readonly ISplitTraining? _split;
    private readonly WorkerThreads _workers;
    private bool _disposed;

    // The job of the current call, read by the workers between barriers.
    private unsafe float* _inputs;
    private unsafe int* _labels;     // null for a batch of targets
    private unsafe float* _targets;  // null for a batch of labels
    private int _batch;
    private int _chunkStart;   // the row of the whole batch this job's rows start at (0 unless a batch over 256 rows)
    private int _batchRows;    // the rows of the whole batch
    private IOptimizer? _optimizer;
    private FusedStep _step;
    private float _loss;
    private volatile bool _stop;
    private bool _begun;
    private MinibatchSampler? _sampler; // the batch the workers gather first, when the step comes from one
    private int _batchIndex;
    private volatile bool _nonFinite;
    private ExceptionDispatchInfo? _failure;

    // A step that needs the whole gradient first (clipping): the phases store it here, then every worker updates its
    // slices from it (StoredStep).
    private Optimizer? _stored;       // the optimizer of such a step, null for a fused one
    private float[]? _gradient;       // laid out like the parameters
    private double[]? _normBlocks;    // VectorOps.Norm's block sums, each worker's blocks
    private float _storedRate;        // the step's learning rate

    // The next batch's rows, copied by the workers while they wait at the barriers between phases (AheadCopy).
    private long _aheadClaim;    // (the step's ticket << 32) | the next row to claim
    private uint _ticket;        // the current step's ticket: a late claim of an earlier step's row fails
    private long _aheadBad = -1; // the ticket of a step whose rows copied ahead held a value that is not finite
    private int _aheadStart;     // rows of the current batch copied during the step before it
    private AheadCopy _ahead;    // what the workers copy ahead this step; each takes its own copy when it starts

    private SingleCaller _caller; // one thread inside at a time

    /// <summary>Creates the team: <paramref name="threads"/> − 1 worker threads besides the caller's.</summary>
    /// <param name="network">The network to train; its steps are cut across threads when it implements <see cref="ISplitTraining"/>.</param>
    /// <param name="threads">Threads per step, the caller's included: 1 to 256.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is out of range.</exception>
    public LayerParallel(INetwork network, int threads)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (threads is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Expected between 1 and 256 threads.");
        _network = network;
        _split = network as ISplitTraining;
        Threads = threads;
        _workers = new WorkerThreads(threads, "NetGen layer-parallel worker", Work);
    }

    /// <summary>Threads per step, the caller's included.</summary>
    public int Threads { get; }

    /// <summary>The network being trained.</summary>
    public INetwork Network => _network;

    /// <summary>
    /// When set, the workers of each step cut across threads add their time per phase to it (diagnostics: the
    /// benchmarks' <c>--placement</c>); set it between steps. Null in normal use.
    /// </summary>
    internal PhaseClock? Clock { get; set; }

    /// <summary>Rows of the batches so far that were copied during the step before theirs (diagnostics and tests).</summary>
    internal long RowsCopiedAhead { get; private set; }

    /// <summary>Whether the network can be cut across threads (it implements <see cref="ISplitTraining"/>).</summary>
    public bool CanSplit => _split is not null;

    /// <summary>
    /// One training step: the same as <see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{int}, IOptimizer)"/>,
    /// to the bit, on <see cref="Threads"/> threads when the step can be cut (see the remarks on the class). No parameter
    /// changes when the loss is NaN or infinite.
    /// </summary>
    /// <returns>The mean loss of the batch.</returns>
    /// <exception cref="ArgumentException">Wrong lengths, a label out of range or an input that is not finite; nothing is computed or updated.</exception>
    /// <exception cref="ObjectDisposedException">The instance is disposed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is inside this instance; it is not thread-safe.</exception>
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, IOptimizer optimizer)
        => TrainStep(inputs, labels, default, optimizer);

    /// <summary>
    /// One training step on a batch with target vectors: the same as
    /// <see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{T}, IOptimizer)"/> (<c>ComputeGradients</c>, then the
    /// optimizer's <c>Step</c>), to the bit, on <see cref="Threads"/> threads when the step can be cut (see the remarks on
    /// the class). No parameter changes when the loss is NaN or infinite.
    /// </summary>
    /// <param name="inputs">The batch, row-major <c>[rows, InputSize]</c>.</param>
    /// <param name="targets">Row-major targets, <c>[rows, OutputSize]</c>.</param>
    /// <param name="optimizer">The optimizer whose step is taken.</param>
    /// <returns>The mean loss of the batch.</returns>
    /// <exception cref="ArgumentException">Wrong lengths or an input that is not finite; nothing is computed or updated.</exception>
    /// <exception cref="ObjectDisposedException">The instance is disposed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is inside this instance; it is not thread-safe.</exception>
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, IOptimizer optimizer)
    {
        // Empty targets would read as a batch of labels below; the network's own step refuses them (and any empty batch).
        return targets.IsEmpty ? _network.TrainStep(inputs, targets, optimizer) : TrainStep(inputs, default, targets, optimizer);
    }

    /// <summary>One step on labels, or on targets when <paramref name="targets"/> is not empty.</summary>
    private unsafe float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _caller.Enter(this);
        try
        {
            // One row runs on the caller: a single-threaded step takes the one-row kernels there, which sum in another order.
            if (_split is null || Threads == 1 || !CanCut(optimizer) || inputs.Length == _network.InputSize)
                return OwnStep(inputs, labels, targets, optimizer); // which checks the inputs itself
            NetworkGuard.FiniteInputs(inputs, _network.InputSize, nameof(inputs));
            int rows = inputs.Length / _network.InputSize;
            // Checks the whole batch's truth first, and prepares it unless it is over 256 rows (then it returns 0).
            int batch = _split.PrepareSplitStep(inputs, labels, targets, Threads, 0, rows);
            fixed (float* x = inputs)
            fixed (int* y = labels)
            fixed (float* t = targets)
            {
                if (batch > 0)
                {
                    Run(x, targets.IsEmpty ? y : null, targets.IsEmpty ? null : t, batch, optimizer, null, 0);
                    _failure?.Throw();
                    return _loss;
                }
                // More than 256 rows: in chunks of 256, as ComputeGradients takes them, the gradient stored and summed over
                // the chunks, then the optimizer's update in slices (StoredStep) after the last chunk. A last chunk of one
                // row takes the one-row kernels there, which sum in another order: such a batch runs on the caller.
                if (rows % SharedConstants.MaxRows == 1) return OwnStep(inputs, labels, targets, optimizer);
                int n = _network.InputSize, outputs = _network.OutputSize;
                for (int start = 0; start < rows; start += SharedConstants.MaxRows)
                {
                    int count = Math.Min(SharedConstants.MaxRows, rows - start);
                    _split.PrepareSplitStep(inputs.Slice(start * n, count * n), targets.IsEmpty ? labels.Slice(start, count) : default,
                        targets.IsEmpty ? default : targets.Slice(start * outputs, count * outputs), Threads, start, rows);
                    Run(x + (nint)start * n, targets.IsEmpty ? y + start : null, targets.IsEmpty ? null : t + (nint)start * outputs,
                        count, optimizer, null, 0, start, rows);
                    _failure?.Throw();
                }
                return _loss;
            }
        }
        finally
        {
            _caller.Exit();
        }
    }

    /// <summary>The network's own step on the calling thread, on labels or targets.</summary>
    private float OwnStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, IOptimizer optimizer)
        => targets.IsEmpty ? _network.TrainStep(inputs, labels, optimizer) : _network.TrainStep(inputs, targets, optimizer);

    /// <summary>
    /// One training step on batch <paramref name="index"/> of <paramref name="sampler"/>, whose rows the threads copy
    /// out of the data set between them before the phases (the copy of 64 scattered rows of Fashion-MNIST took 54 µs on
    /// one thread in the main job's loop); otherwise the same as <see cref="TrainStep(ReadOnlySpan{float}, ReadOnlySpan{int}, IOptimizer)"/>
    /// on <see cref="MinibatchSampler.GetBatch"/>, to the bit, and the sampler's buffers hold the batch afterwards.
    /// A worker that waits at a barrier between phases copies rows of batch <paramref name="index"/> + 1 meanwhile, into
    /// the sampler's second buffer; the next call, when it is for that batch of the same order, starts from them.
    /// </summary>
    /// <exception cref="ArgumentException">A label out of range or an input that is not finite; nothing is updated.</exception>
    /// <remarks>A batch of targets is stepped the same way, as <see cref="TrainStep(ReadOnlySpan{float}, ReadOnlySpan{float}, IOptimizer)"/> on it.</remarks>
    internal unsafe float TrainStep(MinibatchSampler sampler, int index, IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(optimizer);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_split is null || Threads == 1 || !CanCut(optimizer) || sampler.BatchSize > SharedConstants.MaxRows
            || sampler.FeatureCount != _network.InputSize || sampler.RowsOf(index) == 1)
        {
            Minibatch whole = sampler.GetBatch(index);
            return sampler.HasLabels ? TrainStep(whole.Features, whole.Labels, optimizer) : TrainStep(whole.Features, whole.Targets, optimizer);
        }
        _caller.Enter(this);
        try
        {
            int count = sampler.BeginBatch(index);
            // The last step's copy ahead ends here: a worker that claimed a row after the last barrier finishes it
            // before it reaches the next start, and a later claim fails on the new ticket.
            long claimed = Interlocked.Exchange(ref _aheadClaim, (long)++_ticket << 32);
            int copied = (uint)(claimed >> 32) == _ticket - 1 ? (int)claimed : 0;
            _aheadStart = sampler.TakeAhead(index, this) ? Math.Min(copied, count) : 0;
            RowsCopiedAhead += _aheadStart;
            float[]? next = sampler.PrepareAhead(index + 1, this);
            _ahead = new AheadCopy(this, sampler, next, index + 1, next is null ? 0 : sampler.RowsOf(index + 1), _ticket);
            Minibatch batch = sampler.View(count);
            fixed (float* x = batch.Features)
            fixed (int* y = batch.Labels)
            fixed (float* t = batch.Targets)
                Run(x, sampler.HasLabels ? y : null, sampler.HasLabels ? null : t, count, optimizer, sampler, index);
            _ahead = default;
            _failure?.Throw();
            if (_nonFinite) NetworkGuard.FiniteInputs(batch.Features, _network.InputSize, "inputs"); // throws, naming the row
            return _loss;
        }
        finally
        {
            _caller.Exit();
        }
    }

    /// <summary>What a step costs the team beyond its share of the work, in weight-rows (see <see cref="GainfulThreads"/>).</summary>
    internal const double ThreadCost = 600_000;

    /// <summary>Weight-rows a step costs besides its rows: the update's pass over every weight, about eight rows' worth.</summary>
    internal const int UpdateRows = 8;

    /// <summary>
    /// The number of threads, 1 to <paramref name="processors"/>, that a model of the cut step finds quickest for
    /// <paramref name="batch"/> rows. A layer costs its weights × (rows + <see cref="UpdateRows"/>) and is shared among at most as
    /// many threads as it has blocks of 64 units; every thread beyond the first adds <see cref="ThreadCost"/> (the
    /// barriers, and the activations and deltas handed between cores). Calibrated on two cores (the benchmarks' <c>--cut</c>):
    /// a 784-128-10 network gains from batch 8, a 784-32-10 one (one block of units a layer) loses up to 64 rows and
    /// reads 0.97–1.19× at 128 and 256, where the model keeps it on one thread.
    /// </summary>
    internal static int GainfulThreads(NetworkArchitecture architecture, int batch, int processors)
    {
        int best = 1;
        double bestCost = double.PositiveInfinity;
        for (int threads = 1; threads <= processors; threads++)
        {
            double cost = (threads - 1) * ThreadCost;
            foreach (LayerDescription layer in architecture.Layers)
            {
                int blocks = (layer.Outputs + 63) / 64;
                cost += (double)layer.WeightCount * (batch + UpdateRows) / Math.Min(threads, blocks);
            }
            if (cost < bestCost)
            {
                bestCost = cost;
                best = threads;
            }
        }
        return best;
    }

    /// <summary>
    /// Whether a step of <paramref name="optimizer"/> can be cut: one that fuses (<see cref="FusedStep.CanFuse"/>), or any
    /// other <see cref="Optimizer"/> (gradient clipping, a subclass's rule), whose phases store the gradient and whose
    /// update then runs in slices on every thread.
    /// </summary>
    internal static bool CanCut(IOptimizer optimizer) => FusedStep.CanFuse(optimizer) || optimizer is Optimizer;

    /// <summary>
    /// One job for the team on the batch at <paramref name="x"/> (its rows still to be copied from <paramref name="sampler"/>
    /// when one is given): worker 0 on the calling thread, the others released for their parts; the job's fields are
    /// cleared again afterwards, its loss, failure and <see cref="_nonFinite"/> kept.
    /// </summary>
    private unsafe void Run(float* x, int* y, float* t, int batch, IOptimizer optimizer, MinibatchSampler? sampler, int index,
        int chunkStart = 0, int batchRows = 0)
    {
        _inputs = x;
        _labels = y;
        _targets = t;
        _batch = batch;
        _chunkStart = chunkStart;
        _batchRows = Math.Max(batch, batchRows);
        _sampler = sampler;
        _batchIndex = index;
        _optimizer = optimizer;
        // A chunk of a larger batch stores its gradient, as ComputeGradients then Step (the network's own step there) does.
        _stored = FusedStep.CanFuse(optimizer) && _batchRows == batch ? null : (Optimizer)optimizer;
        if (_stored is not null) ReserveStoredStep();
        _step = default;
        _stop = false;
        _nonFinite = false;
        _begun = false;
        _failure = null;
        _workers.Start();
        Work(0);
        _inputs = null;
        _labels = null;
        _targets = null;
        _sampler = null;
        _optimizer = null;
        _stored = null;
        _step = default;
    }

    /// <summary>Whether the current job ends its batch: a whole batch, or the last chunk of one over 256 rows.</summary>
    private bool LastChunk => _chunkStart + _batch == _batchRows;

    /// <summary>The gradient buffer and the norm's block sums of a stored step, made once.</summary>
    private void ReserveStoredStep()
    {
        int count = _network.Architecture.ParameterCount;
        if (_gradient?.Length == count) return;
        _gradient = new float[count];
        _normBlocks = new double[VectorOps.NormBlocks<float>(count)];
    }

    /// <summary>
    /// The update of a stored step after its phases, on every worker, with a barrier after each part: this worker's
    /// blocks of the gradient's norm (<see cref="VectorOps.Norm{T}"/>'s blocks, summed in its order by every worker
    /// alike), then this worker's slice of every weight and bias range — the slices <see cref="DataParallel"/> updates,
    /// whole multiples of 64 elements into their range — each by the optimizer's own rule with the clipping factor
    /// (<see cref="Optimizer.UpdateSlice"/>), so the parameters get the bits of <c>ComputeGradients</c> then <c>Step</c>.
    /// Both are taken in reverse worker order, as the phases share out units (worker 0 the last), so that each worker
    /// reads mostly the gradient rows it stored and the weight rows it read.
    /// </summary>
    private void StoredStep(int worker)
    {
        try
        {
            if (!_stop)
            {
                double[] blocks = _normBlocks!;
                int per = (blocks.Length + Threads - 1) / Threads, first = Math.Min(blocks.Length, (Threads - 1 - worker) * per);
                VectorOps.NormBlockSums<float>(_gradient, first, Math.Min(blocks.Length, first + per), blocks);
            }
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            _stop = true;
        }
        _workers.Barrier.SignalAndWait();
        try
        {
            if (!_stop)
            {
                Optimizer optimizer = _stored!;
                float[] gradient = _gradient!;
                double norm = VectorOps.NormFromBlocks<float>(gradient, _normBlocks);
                // Every worker computes the same factor; worker 0 alone records the norm.
                float scale = optimizer.ClipScale<float>(norm);
                if (worker == 0 && optimizer.ClipNorm is not null) optimizer.RecordGradientNorm(norm);
                Span<float> parameters = _network.Parameters;
                foreach (var (offset, count, weights) in _network.Architecture.ParameterRanges)
                {
                    var (from, to) = Optimizer.SliceOf(count, Threads - 1 - worker, Threads);
                    if (from < to)
                        optimizer.UpdateSlice(parameters.Slice(offset + from, to - from), gradient.AsSpan(offset + from, to - from),
                            offset + from, weights, _storedRate, scale);
                }
            }
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            _stop = true;
        }
        _workers.Barrier.SignalAndWait();
    }

    /// <summary>
    /// Rows [lo, hi) of the batch of <see cref="_sampler"/> that <paramref name="worker"/> copies (checking each value as it
    /// copies it: one pass over the rows), then the step's preparation
    /// on worker 0 once every row is known to be finite (so a bad row leaves the dropout generator as it was), with a
    /// barrier after each.
    /// </summary>
    private unsafe void Gather(int worker)
    {
        try
        {
            // Every worker has passed the start, so every row copied ahead in the last step is in place and checked.
            if (worker == 0 && _aheadStart > 0 && Volatile.Read(ref _aheadBad) == _ticket - 1)
            {
                _nonFinite = true;
                _stop = true;
            }
            int left = _batch - _aheadStart, per = (left + Threads - 1) / Threads;
            int lo = _aheadStart + Math.Min(left, worker * per), hi = Math.Min(_batch, lo + per);
            if (!_sampler!.CopyFeatures(_batchIndex, lo, hi))
            {
                _nonFinite = true;
                _stop = true;
            }
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            _stop = true;
        }
        _workers.Barrier.SignalAndWait();
        if (worker == 0 && !_stop)
        {
            try
            {
                int n = _network.InputSize;
                _split!.PrepareSplitStep(new ReadOnlySpan<float>(_inputs, _batch * n), Labels(), Targets(), Threads, 0, _batch);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
                _stop = true;
            }
        }
        _workers.Barrier.SignalAndWait();
    }

    /// <summary>The current job's labels, empty for a batch of targets.</summary>
    private unsafe ReadOnlySpan<int> Labels() => _labels is null ? default : new ReadOnlySpan<int>(_labels, _batch);

    /// <summary>The current job's targets, empty for a batch of labels.</summary>
    private unsafe ReadOnlySpan<float> Targets() => _targets is null ? default : new ReadOnlySpan<float>(_targets, _batch * _network.OutputSize);

    /// <summary>
    /// Every phase in turn, with a barrier after each. Worker 0 begins the optimizer's step once the loss is known and
    /// finite, and stops the step otherwise; a failure on any worker stops the remaining phases. Every worker reaches
    /// every barrier, so none is left waiting.
    /// </summary>
    private unsafe void Work(int worker)
    {
        PhaseClock? clock = Clock;
        long mark = clock is null ? 0 : Stopwatch.GetTimestamp();
        if (_sampler is not null)
        {
            Gather(worker);
            if (clock is not null) mark = clock.Lap(worker, 0, mark);
        }
        AheadCopy ahead = _ahead; // this step's: the field changes when worker 0 starts the next
        ISplitTraining split = _split!;
        int phases = split.Phases, lossPhase = split.ForwardPhases;
        int n = _network.InputSize;
        for (int phase = 0; phase < phases; phase++)
        {
            if (!_stop)
            {
                try
                {
                    var x = new ReadOnlySpan<float>(_inputs, _batch * n);
                    float result = split.RunSplitPhase(phase, worker, Threads, x, Labels(), Targets(), in _step);
                    if (phase == lossPhase && worker == 0)
                    {
                        _loss = result;
                        if (float.IsFinite(result))
                        {
                            // A chunk before a batch's last stores its gradient (after the first, adds it) and begins
                            // nothing: the step begins once the whole batch's loss is known to be finite, as Step would.
                            int count = _network.Architecture.ParameterCount;
                            if (_stored is null) _step = FusedStep.Begin(_optimizer!, count);
                            else
                            {
                                if (LastChunk) _storedRate = _stored.BeginSlicedStep(count);
                                _step = FusedStep.StoreGradients(_stored, _gradient!, accumulate: _chunkStart > 0);
                            }
                            _begun = LastChunk;
                        }
                        else
                        {
                            _stop = true;
                        }
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
                    _stop = true;
                }
            }
            if (clock is not null) mark = clock.Lap(worker, 1 + 2 * phase, mark);
            _workers.Barrier.SignalAndWait(ref ahead);
            if (clock is not null) mark = clock.Lap(worker, 2 + 2 * phase, mark);
        }
        if (_stored is not null && _begun) StoredStep(worker); // _begun is set before the loss phase's barrier
        if (worker == 0 && _begun) _step.End();
        if (worker == 0 && LastChunk) clock?.CountStep(); // a batch over 256 rows counts once
    }

    /// <summary>
    /// Rows of the next batch a worker copies while it waits at a barrier between phases, one row per piece (about a
    /// microsecond where the cores share a cache): the wait of the worker with the smaller share of a layer, otherwise
    /// spent spinning, takes rows off the next step's copy. Rows are claimed in order through
    /// <see cref="_aheadClaim"/>, so the rows copied are always the first ones, and a claim carries the step's ticket.
    /// </summary>
    private readonly struct AheadCopy(LayerParallel team, MinibatchSampler? sampler, float[]? buffer, int index, int rows, uint ticket)
        : IBarrierWork
    {
        public bool TryRunOne()
        {
            if (buffer is null) return false;
            long claim = Volatile.Read(ref team._aheadClaim);
            if ((uint)(claim >> 32) != ticket || (int)claim >= rows) return false;
            if (Interlocked.CompareExchange(ref team._aheadClaim, claim + 1, claim) == claim
                && !sampler!.CopyRow(buffer, index, (int)claim))
                Volatile.Write(ref team._aheadBad, ticket);
            return true;
        }
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _workers.Dispose();
    }
}
