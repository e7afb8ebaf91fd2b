using System;
using System.Threading;

namespace NetGen;

/// <summary>
/// Threads 1 … n − 1 of a team whose thread 0 is the caller. Each waits at <see cref="Barrier"/>, runs its part of the
/// job, and waits again; the caller releases them with <see cref="Start"/> and then runs part 0 itself. The job's own
/// phases use the same barrier, so every part must reach it equally often. Disposing releases and joins the threads.
/// </summary>
internal sealed class WorkerThreads : IDisposable
{
    private readonly Thread[] _threads;
    private volatile bool _stopping;

    /// <summary>Starts <paramref name="threads"/> − 1 background threads named <paramref name="name"/> 1, 2, …, each running <paramref name="part"/> with its index once per job.</summary>
    public WorkerThreads(int threads, string name, Action<int> part)
    {
        Barrier = new SpinningBarrier(threads);
        _threads = new Thread[threads - 1];
        for (int t = 1; t < threads; t++)
        {
            int index = t;
            _threads[t - 1] = new Thread(() => Loop(index, part)) { IsBackground = true, Name = $"{name} {index}" };
            _threads[t - 1].Start();
        }
    }

    /// <summary>The barrier every part of the team waits at.</summary>
    public SpinningBarrier Barrier { get; }

    /// <summary>Whether the team has threads besides the caller's.</summary>
    public bool Any => _threads.Length > 0;

    /// <summary>Releases the threads into their parts of a new job; the caller runs part 0 next.</summary>
    public void Start()
    {
        if (Any) Barrier.SignalAndWait();
    }

    private void Loop(int index, Action<int> part)
    {
        while (true)
        {
            Barrier.SignalAndWait(); // start (or shut down)
            if (_stopping) return;
            part(index);
        }
    }

    /// <summary>Stops and joins the threads.</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        if (!Any) return;
        Barrier.SignalAndWait();
        foreach (Thread thread in _threads) thread.Join();
    }
}

/// <summary>
/// A barrier for phases a few hundred microseconds apart: waiters spin for up to a millisecond before they block, because
/// waking a blocked thread costs tens of microseconds, far more on a virtual machine whose idle core the host has parked.
/// A team larger than the cores the process may use does not spin at all: a spinning waiter would take the core that
/// the thread it waits for needs (with 256 threads on two cores an epoch did not finish in 150 s).
/// </summary>
internal sealed class SpinningBarrier(int participants)
{
    private readonly long _spinTicks = participants <= Environment.ProcessorCount ? System.Diagnostics.Stopwatch.Frequency / 1000 : 0;
    private readonly object _gate = new();
    private int _arrived;
    private volatile int _generation;

    /// <summary>Waits until all participants have called it in this phase.</summary>
    public void SignalAndWait()
    {
        var none = default(NoWork);
        SignalAndWait(ref none);
    }

    /// <summary>
    /// Waits until all participants have called it in this phase, running <paramref name="work"/> one piece at a time
    /// while it waits, until the others arrive or the work is done (so a piece begun just before the last one arrives
    /// ends a little after the release).
    /// </summary>
    public void SignalAndWait<TWork>(ref TWork work) where TWork : struct, IBarrierWork
    {
        int generation = _generation;
        if (Interlocked.Increment(ref _arrived) == participants)
        {
            _arrived = 0;
            lock (_gate)
            {
                _generation = generation + 1;
                Monitor.PulseAll(_gate);
            }
            return;
        }
        bool working = true;
        while (working && _generation == generation) working = work.TryRunOne();
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (_generation == generation)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() - start < _spinTicks)
            {
                Thread.SpinWait(20);
                continue;
            }
            lock (_gate)
            {
                while (_generation == generation) Monitor.Wait(_gate);
            }
        }
    }
}

/// <summary>
/// Detects a second thread entering an instance that is not thread-safe (<see cref="LayerParallel"/>,
/// <see cref="DataParallel"/>): one interlocked exchange per call, and an <see cref="InvalidOperationException"/> for the
/// second caller that leaves the instance as the first caller has it.
/// </summary>
internal struct SingleCaller
{
    private int _busy;

    /// <summary>Claims the instance for the calling thread; end with <see cref="Exit"/> in a <c>finally</c>.</summary>
    /// <exception cref="InvalidOperationException">Another thread is inside the instance.</exception>
    public void Enter(object owner)
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException($"This {owner.GetType().Name} is already running a call on another thread. An instance is not " +
                "thread-safe: create one per thread. Nothing was computed by this call, and the instance stays usable.");
    }

    /// <summary>Releases the instance.</summary>
    public void Exit() => Volatile.Write(ref _busy, 0);
}

/// <summary>Work a waiter at a <see cref="SpinningBarrier"/> does while it waits, one short piece at a time.</summary>
internal interface IBarrierWork
{
    /// <summary>Runs one piece (a few microseconds at most).</summary>
    /// <returns>False when there was nothing left to run.</returns>
    bool TryRunOne();
}

/// <summary>No work: a plain wait.</summary>
internal struct NoWork : IBarrierWork
{
    /// <inheritdoc/>
    public readonly bool TryRunOne() => false;
}
