using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>
/// Data-parallel gradients of one network over several threads, with a result that does not depend on the number of
/// threads. A batch is cut into shards of <see cref="ShardRows"/> rows (the last one shorter), fixed by the batch size
/// alone; shard <c>s</c> always runs on replica <c>s</c> (<see cref="INetwork{T}.CreateReplica"/>: the same parameters,
/// its own gradients and dropout masks), whichever thread takes it; then the network's <see cref="INetwork{T}.Gradients"/>
/// become <c>Σ_s (n_s / n) · ∇_s</c>, summed in shard order for every parameter. One thread and eight give the same bits.
/// </summary>
/// <remarks>
/// Worker threads are started once and wait between calls; the calling thread does a share of the work. Nothing is
/// allocated per call once every replica exists (they are created as larger batches first arrive). Not thread-safe:
/// one caller at a time, and nothing may write the network's parameters during a call.
/// </remarks>
public sealed class DataParallel : IDisposable
{
    private readonly INetwork _network;
    private readonly WorkerThreads _workers;
    private INetwork<float>[] _replicas = Array.Empty<INetwork<float>>();
    private double[] _shardLoss = Array.Empty<double>();
    private bool _disposed;

    // The job of the current call, read by the workers between the barriers.
    private unsafe float* _inputs;
    private unsafe int* _labels;
    private unsafe float* _targets;
    private int _batch, _shards;
    private ExceptionDispatchInfo? _failure;
    private Optimizer? _optimizer;
    private float _learningRate;
    private MinibatchSampler? _sampler; // the batch's rows still to be copied from it, each thread its shards'
    private int _batchIndex;
    private volatile bool _nonFinite;   // a row copied from the sampler held a value that is not finite

    private SingleCaller _caller; // one thread inside at a time

    /// <summary>Creates the worker threads for <paramref name="network"/>.</summary>
    /// <param name="network">The network whose gradients are computed; its replicas share its parameters.</param>
    /// <param name="threads">Threads to use, the caller's included: 1 or more (the machine's core count is a good choice).</param>
    /// <param name="shardRows">Rows per shard: the unit of work and of the fixed reduction. Smaller shards spread a small
    /// batch over more threads; larger ones run the matrix kernels more efficiently. 32 by default.</param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is not in [1, 256] or <paramref name="shardRows"/> is not positive.</exception>
    public DataParallel(INetwork network, int threads, int shardRows = 32)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (threads is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Expected between 1 and 256 threads.");
        if (shardRows < 1) throw new ArgumentOutOfRangeException(nameof(shardRows), shardRows, "Expected at least one row per shard.");
        _network = network;
        Threads = threads;
        ShardRows = shardRows;
        _workers = new WorkerThreads(threads, "NetGen data-parallel worker", Work);
    }

    /// <summary>Threads in use, the caller's included.</summary>
    public int Threads { get; }

    /// <summary>Rows per shard.</summary>
    public int ShardRows { get; }

    /// <summary>The network whose gradients are computed.</summary>
    public INetwork Network => _network;

    /// <summary>The replicas made so far (one per shard of the largest batch yet): the same parameters, their own workspaces.</summary>
    internal IReadOnlyList<INetwork<float>> Replicas => _replicas;

    /// <summary>Mean loss over a batch with class labels; overwrites the network's gradients with the gradient of that mean.</summary>
    /// <exception cref="ArgumentException">Wrong lengths or a label out of range; nothing is computed.</exception>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is inside this instance; it is not thread-safe.</exception>
    public unsafe float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        int batch = CheckLabels(inputs, labels);
        _caller.Enter(this);
        try
        {
            fixed (float* x = inputs)
            fixed (int* y = labels)
                return Run(x, y, null, batch);
        }
        finally
        {
            _caller.Exit();
        }
    }

    /// <summary>Mean loss over a batch with target vectors (row-major <c>[batch, OutputSize]</c>); overwrites the network's gradients.</summary>
    /// <exception cref="ArgumentException">Wrong lengths; nothing is computed.</exception>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is inside this instance; it is not thread-safe.</exception>
    public unsafe float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets)
    {
        int batch = NetworkGuard.BatchSize(inputs.Length, _network.InputSize, nameof(inputs));
        NetworkGuard.BatchLength(targets.Length, batch, _network.OutputSize, nameof(targets));
        _caller.Enter(this);
        try
        {
            fixed (float* x = inputs)
            fixed (float* t = targets)
                return Run(x, null, t, batch);
        }
        finally
        {
            _caller.Exit();
        }
    }

    /// <summary>
    /// One training step: the gradients of the batch as <see cref="ComputeGradients(ReadOnlySpan{float}, ReadOnlySpan{int})"/>
    /// computes them, then <paramref name="optimizer"/>'s update — with the same bits as calling
    /// <see cref="IOptimizer.Step(Span{float}, ReadOnlySpan{float})"/> after it. A runtime optimizer without gradient
    /// clipping updates slices of the parameters on every thread, each slice while its summed gradient is still in cache;
    /// any other optimizer steps on the calling thread. A loss that is NaN or infinite is returned without any update.
    /// </summary>
    /// <returns>The mean loss of the batch.</returns>
    /// <exception cref="ArgumentException">Wrong lengths, a label out of range or an input that is not finite; nothing is computed or updated.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="optimizer"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is inside this instance; it is not thread-safe.</exception>
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        int batch = CheckLabels(inputs, labels);
        NetworkGuard.FiniteInputs(inputs, _network.InputSize, nameof(inputs));
        return Step(inputs, labels, batch, optimizer, null, 0);
    }

    /// <summary>
    /// One training step on batch <paramref name="index"/> of <paramref name="sampler"/>: each thread copies its shards'
    /// rows out of the data set (checking every value finite as it copies it) before it computes them, instead of the
    /// caller copying the whole batch first; otherwise the same as <see cref="TrainStep(ReadOnlySpan{float}, ReadOnlySpan{int}, IOptimizer)"/>
    /// on <see cref="MinibatchSampler.GetBatch"/>, to the bit, and the sampler's buffers hold the batch afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">A label out of range or an input that is not finite; nothing is updated.</exception>
    internal float TrainStep(MinibatchSampler sampler, int index, IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (sampler.FeatureCount != _network.InputSize || !sampler.HasLabels)
        {
            Minibatch whole = sampler.GetBatch(index);
            return TrainStep(whole.Features, whole.Labels, optimizer);
        }
        int count = sampler.BeginBatch(index);
        Minibatch batch = sampler.View(count);
        int rows = CheckLabels(batch.Features, batch.Labels); // the lengths and labels; the rows are checked as they are copied
        return Step(batch.Features, batch.Labels, rows, optimizer, sampler, index);
    }

    /// <summary>
    /// The step on checked labels: the shards' gradients (their rows first copied from batch <paramref name="index"/> of
    /// <paramref name="sampler"/> when one is given), then the optimizer's update, in slices on every thread when it can.
    /// </summary>
    private unsafe float Step(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batch, IOptimizer optimizer, MinibatchSampler? sampler, int index)
    {
        var sliced = optimizer as Optimizer;
        if (sliced is { StepIsElementwise: false }) sliced = null;
        _caller.Enter(this);
        try
        {
            float loss;
            _sampler = sampler;
            _batchIndex = index;
            try
            {
                fixed (float* x = inputs)
                fixed (int* y = labels)
                    loss = Run(x, y, null, batch, sliced);
            }
            finally
            {
                _sampler = null;
            }
            if (_nonFinite) NetworkGuard.FiniteInputs(inputs, _network.InputSize, nameof(inputs)); // throws, naming the row
            if (!float.IsFinite(loss)) return loss;
            if (sliced is null) optimizer.Step(_network.Parameters, _network.Gradients);
            return loss;
        }
        finally
        {
            _caller.Exit();
        }
    }

    /// <summary>The batch size of <paramref name="inputs"/>, after checking it and every label as the network itself would.</summary>
    private int CheckLabels(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        int batch = NetworkGuard.BatchSize(inputs.Length, _network.InputSize, nameof(inputs));
        int classes = _network.Architecture.HasSoftmaxOutput || _network.OutputSize > 1 ? _network.OutputSize : 2;
        NetworkGuard.Labels(labels, batch, classes, nameof(labels));
        return batch;
    }

    /// <summary>The shards of <paramref name="rows"/> rows a batch of <paramref name="batch"/> rows is cut into (the last shorter).</summary>
    internal static int ShardsOf(long batch, int rows) => (int)Math.Min(int.MaxValue, (batch + rows - 1) / rows);

    private unsafe float Run(float* inputs, int* labels, float* targets, int batch, Optimizer? optimizer = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int shards = ShardsOf(batch, ShardRows);
        EnsureReplicas(shards);
        _inputs = inputs;
        _labels = labels;
        _targets = targets;
        _batch = batch;
        _shards = shards;
        _failure = null;
        _nonFinite = false;
        _optimizer = optimizer;
        if (optimizer is not null) _learningRate = optimizer.BeginSlicedStep(_network.Parameters.Length);
        _workers.Start();
        Work(0);
        _inputs = null;
        _labels = null;
        _targets = null;
        _failure?.Throw();
        if (_nonFinite)
        {
            _optimizer = null;
            return float.NaN; // nothing was reduced or updated; the caller names the row
        }
        double loss = 0;
        for (int s = 0; s < shards; s++) loss += _shardLoss[s];
        float mean = (float)(loss / batch);
        if (optimizer is not null && float.IsFinite(mean)) optimizer.EndSlicedStep();
        _optimizer = null;
        return mean;
    }

    /// <summary>
    /// Thread <paramref name="index"/>'s part of a call: its shards, a barrier, its slice of the reduction, a barrier.
    /// Whatever throws is kept for the caller to rethrow; every thread still reaches both barriers, so none is left waiting.
    /// </summary>
    private void Work(int index)
    {
        try
        {
            ComputeShards(index);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
        }
        if (_workers.Any) _workers.Barrier.SignalAndWait(); // every shard done
        try
        {
            if (Volatile.Read(ref _failure) is null && !_nonFinite) Reduce(index, _optimizer is not null && SumIsFinite());
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
        }
        if (_workers.Any) _workers.Barrier.SignalAndWait(); // reduction done
    }

    private unsafe void ComputeShards(int index)
    {
        int n = _network.InputSize, m = _network.OutputSize;
        for (int s = index; s < _shards; s += Threads)
        {
            int start = s * ShardRows, rows = Math.Min(ShardRows, _batch - start);
            if (_sampler is not null && !_sampler.CopyFeatures(_batchIndex, start, start + rows))
            {
                _nonFinite = true;
                continue;
            }
            var x = new ReadOnlySpan<float>(_inputs + (nint)start * n, rows * n);
            float loss = _labels != null
                ? _replicas[s].ComputeGradients(x, new ReadOnlySpan<int>(_labels + start, rows))
                : _replicas[s].ComputeGradients(x, new ReadOnlySpan<float>(_targets + (nint)start * m, rows * m));
            _shardLoss[s] = (double)loss * rows;
        }
    }

    private bool SumIsFinite()
    {
        double loss = 0;
        for (int s = 0; s < _shards; s++) loss += _shardLoss[s];
        return float.IsFinite((float)(loss / _batch));
    }

    /// <summary>
    /// <c>∇ = Σ_s (n_s / n) · ∇_s</c> over this thread's slice of every weight and bias range, in shard order: the order
    /// per parameter is the same whatever the slicing, so the result does not depend on the thread count. With
    /// <paramref name="update"/>, the optimizer then updates each block of the slice while its gradient is in cache.
    /// Slices and blocks start whole multiples of 64 elements into their range, so the optimizer's vector loops and
    /// tails fall exactly where a single-threaded step puts them.
    /// </summary>
    private void Reduce(int index, bool update)
    {
        const int Block = 4096; // the running sum stays in cache while every shard's slice streams past it once
        Span<float> parameters = _network.Parameters, gradients = _network.Gradients;
        foreach (var (offset, count, weights) in _network.Architecture.ParameterRanges)
        {
            var (from, to) = Optimizer.SliceOf(count, index, Threads);
            for (int start = from; start < to; start += Block)
            {
                int at = offset + start, length = Math.Min(Block, to - start);
                Span<float> target = gradients.Slice(at, length);
                VectorOps.Scale(target, (float)Math.Min(ShardRows, _batch) / _batch, _replicas[0].Gradients.Slice(at, length));
                for (int s = 1; s < _shards; s++)
                {
                    int rows = Math.Min(ShardRows, _batch - s * ShardRows);
                    VectorOps.ScaleAdd(target, 1f, _replicas[s].Gradients.Slice(at, length), (float)rows / _batch);
                }
                if (update) _optimizer!.UpdateSlice(parameters.Slice(at, length), target, at, weights, _learningRate);
            }
        }
    }

    private void EnsureReplicas(int shards)
    {
        if (_replicas.Length >= shards) return;
        var replicas = new INetwork<float>[shards];
        _replicas.CopyTo(replicas, 0);
        for (int s = _replicas.Length; s < shards; s++) replicas[s] = _network.CreateReplica();
        _replicas = replicas;
        var losses = new double[shards];
        _shardLoss = losses;
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _workers.Dispose();
    }
}
