using System;
using System.ComponentModel;

namespace NetGen.CompilerServices;

/// <summary>
/// Scratch arrays of a step cut across threads that each worker has of its own: arrays that only the worker that wrote a
/// unit reads again, so no cache line at the cut between two workers' units is written by two cores. Each is indexed by
/// the worker's range of units (range 0 is the first units) and has the shape of the shared array, which range 0 takes,
/// as do the ranges too far along to hold any units.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WorkerArrays
{
    /// <summary>
    /// One array per range for <paramref name="workers"/> workers: <paramref name="shared"/> for range 0 and for ranges
    /// from <paramref name="ranges"/> on (which hold no units: a layer is cut in at most that many), those of
    /// <paramref name="arrays"/> kept, and a new one of <paramref name="shared"/>'s length for each range between, so the
    /// memory grows with the layer's blocks of units, not with the number of threads.
    /// </summary>
    /// <param name="arrays">The arrays so far, one per range.</param>
    /// <param name="workers">The workers to reserve for.</param>
    /// <param name="shared">The shared array.</param>
    /// <param name="ranges">The most ranges that hold units: the layer's blocks of units (64 each), rounded up.</param>
    /// <returns><paramref name="arrays"/> when it already has enough; otherwise a longer array of arrays.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workers"/> or <paramref name="ranges"/> is not positive.</exception>
    public static T[][] Reserve<T>(T[][] arrays, int workers, T[] shared, int ranges)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        ArgumentNullException.ThrowIfNull(shared);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ranges);
        if (arrays.Length >= workers) return arrays;
        var grown = new T[workers][];
        arrays.AsSpan().CopyTo(grown);
        grown[0] = shared;
        for (int q = Math.Max(1, arrays.Length); q < workers; q++) grown[q] = q < ranges ? new T[shared.Length] : shared;
        return grown;
    }
}
