using System;
using System.ComponentModel;
using System.Threading;

namespace NetGen.CompilerServices;

/// <summary>
/// The pieces of one phase of a step cut across threads, shared out so that no thread waits while another still has
/// work: each worker owns a range of pieces and takes them from its front; a worker whose range is empty takes the last
/// piece of another worker's range. Which worker computes a piece never changes what the piece computes, so a step keeps
/// the bits of one thread; only the waiting goes when one thread runs slower than the other (another process on its core).
/// </summary>
/// <remarks>
/// Each range is one 64-bit word, its front and its end, on a cache line of its own; a take is one compare-exchange.
/// <see cref="Reset"/> is called by one thread before the phase, with a barrier between (the phases' barriers).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class WorkQueue
{
    private const int Stride = 8; // longs per cache line
    private long[] _ranges = new long[Stride];
    private int _count;
    private int _perRange;

    /// <summary>Makes <paramref name="ranges"/> full ranges of <paramref name="perRange"/> pieces each: piece <c>q · perRange + p</c> is the <c>p</c>-th of range <c>q</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive, or the pieces number more than <see cref="int.MaxValue"/>.</exception>
    public void Reset(int ranges, int perRange)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ranges);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perRange);
        if ((long)ranges * perRange > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(perRange), perRange, $"Expected at most {int.MaxValue} pieces in all, got {ranges} × {perRange}.");
        if (_ranges.Length < ranges * Stride) _ranges = new long[ranges * Stride];
        for (int q = 0; q < ranges; q++) Volatile.Write(ref _ranges[q * Stride], (long)perRange << 32);
        _count = ranges;
        _perRange = perRange;
    }

    /// <summary>
    /// The next piece for the worker that owns range <paramref name="own"/>: its own range's front while it lasts, then
    /// the last piece of the next range that has any, in the order <paramref name="own"/> + 1, + 2, … (cyclically).
    /// </summary>
    /// <returns>Whether a piece was left; <paramref name="piece"/> is −1 when none was.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="own"/> is not a range of the last <see cref="Reset"/>.</exception>
    public bool TryTake(int own, out int piece)
    {
        if ((uint)own >= (uint)_count)
            throw new ArgumentOutOfRangeException(nameof(own), own, $"Expected a range in [0, {_count}).");
        while (true)
        {
            ref long slot = ref _ranges[own * Stride];
            long value = Volatile.Read(ref slot);
            int front = (int)value, end = (int)(value >> 32);
            if (front >= end) break;
            if (Interlocked.CompareExchange(ref slot, ((long)end << 32) | (uint)(front + 1), value) == value)
            {
                piece = own * _perRange + front;
                return true;
            }
        }
        for (int step = 1; step < _count; step++)
        {
            int q = (own + step) % _count;
            ref long slot = ref _ranges[q * Stride];
            while (true)
            {
                long value = Volatile.Read(ref slot);
                int front = (int)value, end = (int)(value >> 32);
                if (front >= end) break;
                if (Interlocked.CompareExchange(ref slot, ((long)(end - 1) << 32) | (uint)front, value) == value)
                {
                    piece = q * _perRange + end - 1;
                    return true;
                }
            }
        }
        piece = -1;
        return false;
    }
}
