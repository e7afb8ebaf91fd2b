using System;
using System.ComponentModel;

namespace NetGen.CompilerServices;

/// <summary>
/// Scratch arrays of a step cut across threads that each worker has of its own: arrays that only the worker that wrote a
/// unit reads again, so no cache line at the cut between two workers' units is written by two cores. Each worker's array
/// has the shape of the shared one, and worker 0's is the shared one itself.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WorkerArrays
{
    /// <summary>
    /// One array per worker for <paramref name="workers"/> workers: <paramref name="first"/> for worker 0, those of
    /// <paramref name="arrays"/> kept, a new one of <paramref name="first"/>'s length for each worker beyond them.
    /// </summary>
    /// <returns><paramref name="arrays"/> when it already has enough; otherwise a longer array of arrays.</returns>
    public static T[][] Reserve<T>(T[][] arrays, int workers, T[] first)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        ArgumentNullException.ThrowIfNull(first);
        if (arrays.Length >= workers) return arrays;
        var grown = new T[workers][];
        arrays.AsSpan().CopyTo(grown);
        grown[0] = first;
        for (int i = Math.Max(1, arrays.Length); i < workers; i++) grown[i] = new T[first.Length];
        return grown;
    }
}
