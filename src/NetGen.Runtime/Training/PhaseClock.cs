using System;
using System.Diagnostics;

namespace NetGen;

/// <summary>
/// Where the time of a step cut across threads goes, for diagnostics (the benchmarks' <c>--placement</c>): while a
/// <see cref="LayerParallel"/> has one in <see cref="LayerParallel.Clock"/>, each worker adds the ticks it spends
/// gathering the batch, in each phase, and waiting at the barrier after each phase. No cache line holds two workers'
/// sums; read them between steps.
/// </summary>
internal sealed class PhaseClock
{
    private const int LongsPerLine = 8;
    private readonly long[] _ticks;
    private readonly int _stride; // longs per worker: the gather, work and wait per phase, a step count, a spare cache line

    /// <summary>A clock for <paramref name="threads"/> workers and <paramref name="phases"/> phases.</summary>
    public PhaseClock(int threads, int phases)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(phases);
        Threads = threads;
        Phases = phases;
        // A whole line spare after each worker's sums: the array need not start on a cache line.
        _stride = (2 + 2 * phases + LongsPerLine - 1) / LongsPerLine * LongsPerLine + LongsPerLine;
        _ticks = new long[(threads + 1) * _stride]; // and a spare stride before the first worker's
    }

    /// <summary>Workers the clock has room for; higher workers are not timed.</summary>
    public int Threads { get; }

    /// <summary>Phases of the step the clock has room for.</summary>
    public int Phases { get; }

    /// <summary>Steps timed since the last <see cref="Reset"/> (counted by worker 0, after its sums).</summary>
    public long Steps => _ticks[StepsAt];

    private int StepsAt => _stride + 1 + 2 * Phases; // worker 0's; at least a line before worker 1's sums

    /// <summary>Adds the ticks since <paramref name="since"/> to <paramref name="slot"/> of <paramref name="worker"/> and returns now.</summary>
    internal long Lap(int worker, int slot, long since)
    {
        long now = Stopwatch.GetTimestamp();
        if (worker < Threads && slot < 1 + 2 * Phases) _ticks[(worker + 1) * _stride + slot] += now - since;
        return now;
    }

    /// <summary>Counts one step; worker 0 calls it at the end of each.</summary>
    internal void CountStep() => _ticks[StepsAt]++;

    /// <summary>Microseconds per step <paramref name="worker"/> spent copying its rows of the batch and preparing the step, barriers included.</summary>
    public double Gather(int worker) => PerStep(worker, 0);

    /// <summary>Microseconds per step <paramref name="worker"/> spent computing its part of <paramref name="phase"/>.</summary>
    public double Work(int worker, int phase) => PerStep(worker, 1 + 2 * CheckPhase(phase));

    /// <summary>Microseconds per step <paramref name="worker"/> spent at the barrier after <paramref name="phase"/> (copying rows of the next batch meanwhile, when the step comes from a sampler).</summary>
    public double Wait(int worker, int phase) => PerStep(worker, 2 + 2 * CheckPhase(phase));

    /// <summary>Clears the sums and the step count.</summary>
    public void Reset() => Array.Clear(_ticks);

    private int CheckPhase(int phase)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)phase, (uint)Phases, nameof(phase));
        return phase;
    }

    private double PerStep(int worker, int slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)worker, (uint)Threads, nameof(worker));
        return Steps == 0 ? 0 : _ticks[(worker + 1) * _stride + slot] * 1e6 / Stopwatch.Frequency / Steps;
    }
}
