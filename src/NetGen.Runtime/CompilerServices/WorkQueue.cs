using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Threading;

namespace NetGen.CompilerServices;

/// <summary>
/// The pieces of one phase of a step cut across threads, shared out so that no thread waits long while another still
/// has work: each worker owns a range of pieces and takes them from its front; a worker whose range is empty takes the
/// last piece of another worker's range when that finishes the phase sooner than leaving it to its owner. Which worker
/// computes a piece never changes what the piece computes, so a step keeps the bits of one thread; only the waiting
/// goes when one thread runs slower than the other (another process on its core).
/// </summary>
/// <remarks>
/// <para>
/// Each range is one 64-bit word, its front and its end, on a cache line of its own with its worker's timings; a take is
/// one compare-exchange. <see cref="Reset"/> is called by one thread before the phase, with a barrier between (the
/// phases' barriers).
/// </para>
/// <para>
/// A piece of another worker's range costs its taker more than its owner: the owner's weight rows are in its own
/// core's caches, and on a machine whose cores do not share a cache they cross between the cores twice (to the taker,
/// then back to the owner at the next step). So each worker times its pieces (the time from one take to the next), its
/// own and the ones it took from others separately, and takes another's last piece only when it expects to finish it
/// before the owner would have finished the range, by a margin of that extra cost (<see cref="ShouldTake"/>); otherwise it waits in
/// <see cref="TryTake"/> while the owner works, deciding anew as the owner's pieces go or fall behind their time.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class WorkQueue
{
    private const int Stride = 8; // longs per cache line: a range's word and its worker's timings
    private const int Taken = 1; // when the range's worker took the piece it is computing (timestamp)
    private const int Own = 2; // its own pieces' typical time (ticks; 0 until one is timed)
    private const int Foreign = 3; // the typical time of the pieces it took from other ranges (ticks; 0 until one is timed)
    private const int InHand = 4; // what it is computing: 0 nothing, 1 a piece of its own range, 2 another's

    private readonly Func<long> _clock;
    private long[] _ranges = []; // made by the first Reset
    private int _count;
    private int _perRange;
    private long _resetAt;

    /// <summary>A queue timed by <see cref="Stopwatch.GetTimestamp"/>.</summary>
    public WorkQueue()
        : this(Stopwatch.GetTimestamp)
    {
    }

    /// <summary>A queue timed by <paramref name="clock"/> (monotonic ticks), for tests.</summary>
    internal WorkQueue(Func<long> clock) => _clock = clock;

    /// <summary>Makes <paramref name="ranges"/> full ranges of <paramref name="perRange"/> pieces each: piece <c>q · perRange + p</c> is the <c>p</c>-th of range <c>q</c>.</summary>
    /// <remarks>The workers' piece timings carry over from phase to phase while the number of ranges stays.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive, or the pieces number more than <see cref="int.MaxValue"/>.</exception>
    public void Reset(int ranges, int perRange)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ranges);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perRange);
        if ((long)ranges * perRange > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(perRange), perRange, $"Expected at most {int.MaxValue} pieces in all, got {ranges} × {perRange}.");
        if (ranges != _count) _ranges = new long[ranges * Stride]; // timings of another team do not apply
        for (int q = 0; q < ranges; q++)
        {
            _ranges[q * Stride + InHand] = 0;
            Volatile.Write(ref _ranges[q * Stride], (long)perRange << 32);
        }
        _count = ranges;
        _perRange = perRange;
        Volatile.Write(ref _resetAt, _clock());
    }

    /// <summary>
    /// The next piece for the worker that owns range <paramref name="own"/>: its own range's front while it lasts, then
    /// the last piece of another range that has any, in the order <paramref name="own"/> + 1, + 2, … (cyclically), once
    /// taking it finishes the phase sooner (<see cref="ShouldTake"/>); until then the call waits, and it returns
    /// <see langword="false"/> only when every range is empty.
    /// </summary>
    /// <returns>Whether a piece was left; <paramref name="piece"/> is −1 when none was.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="own"/> is not a range of the last <see cref="Reset"/>.</exception>
    public bool TryTake(int own, out int piece)
    {
        if ((uint)own >= (uint)_count)
            throw new ArgumentOutOfRangeException(nameof(own), own, $"Expected a range in [0, {_count}).");
        long[] ranges = _ranges;
        int me = own * Stride;
        long now = _clock();
        if (ranges[me + InHand] != 0) // the piece just finished: how long it took
        {
            int kind = ranges[me + InHand] == 1 ? Own : Foreign;
            long took = Math.Max(1, now - ranges[me + Taken]), typical = ranges[me + kind];
            Volatile.Write(ref ranges[me + kind], typical == 0 ? took : typical + (took - typical) / 4);
            ranges[me + InHand] = 0;
        }
        while (true)
        {
            ref long slot = ref ranges[me];
            long value = Volatile.Read(ref slot);
            int front = (int)value, end = (int)(value >> 32);
            if (front >= end) break;
            if (Interlocked.CompareExchange(ref slot, ((long)end << 32) | (uint)(front + 1), value) == value)
            {
                Volatile.Write(ref ranges[me + Taken], now);
                ranges[me + InHand] = 1;
                piece = own * _perRange + front;
                return true;
            }
        }
        long resetAt = Volatile.Read(ref _resetAt);
        long foreign = ranges[me + Foreign] != 0 ? ranges[me + Foreign] : ranges[me + Own]; // what another's piece costs this worker
        while (true)
        {
            bool left = false;
            for (int step = 1; step < _count; step++)
            {
                int q = (own + step) % _count, at = q * Stride;
                ref long slot = ref ranges[at];
                while (true)
                {
                    long value = Volatile.Read(ref slot);
                    int front = (int)value, end = (int)(value >> 32);
                    if (front >= end) break;
                    left = true;
                    long taken = Volatile.Read(ref ranges[at + Taken]);
                    if (!ShouldTake(now, Math.Max(taken, resetAt), Volatile.Read(ref ranges[at + Own]), end - front, foreign))
                        break;
                    if (Interlocked.CompareExchange(ref slot, ((long)(end - 1) << 32) | (uint)front, value) == value)
                    {
                        Volatile.Write(ref ranges[me + Taken], now);
                        ranges[me + InHand] = 2;
                        piece = q * _perRange + end - 1;
                        return true;
                    }
                }
            }
            if (!left) break;
            // About 5 µs here, a quarter of a piece of the main job's update: each look at the owner's word takes its
            // cache line from the owner, which then waits to take it back (a few hundred ns between cores that share
            // no cache); looking every microsecond instead ran that step 3 % slower on such cores (docs/performance.md).
            // With more workers than processors the owner may be waiting for this one's processor: give it up instead,
            // as the phases' barrier does.
            if (_count > Environment.ProcessorCount) Thread.Yield();
            else Thread.SpinWait(200);
            now = _clock();
        }
        piece = -1;
        return false;
    }

    /// <summary>
    /// Whether a worker whose own range is empty should take the last piece of another's range now: when it would
    /// finish that piece before the owner would have finished its range, so that the phase ends sooner, by a margin of
    /// what the piece costs it beyond the owner's time (which the owner pays again when its rows come back).
    /// </summary>
    /// <param name="now">The time now.</param>
    /// <param name="ownerTaken">When the owner took the piece it is computing, or when the phase began if it has taken none.</param>
    /// <param name="ownerPiece">The owner's typical time for a piece of its own range; 0 when none was timed yet.</param>
    /// <param name="left">Pieces of the owner's range not yet taken (at least 1).</param>
    /// <param name="takerPiece">The taker's typical time for a piece of another's range (or, until it has taken one, of its
    /// own); 0 when none was timed yet.</param>
    /// <remarks>
    /// The owner is expected to finish the piece in hand at <paramref name="ownerTaken"/> + <paramref name="ownerPiece"/>
    /// and then each piece left in <paramref name="ownerPiece"/>. An owner past that time is running slower than its
    /// pieces did (another process on its core, say): it is expected to be late by as long again as it is late already,
    /// so that a stalled owner's pieces (or those of an owner that never comes to take them) do go to the others in the
    /// end. Without timings on either side the piece is taken, as when work is first shared out.
    /// </remarks>
    internal static bool ShouldTake(long now, long ownerTaken, long ownerPiece, int left, long takerPiece)
    {
        if (ownerPiece <= 0 || takerPiece <= 0) return true;
        long due = ownerTaken + ownerPiece; // when the owner's piece in hand ends
        long late = Math.Max(0, now - due);
        long ownerDone = Math.Max(due, now) + late + left * ownerPiece;
        // What the piece costs the taker beyond the owner's time is paid again by the owner at the next step, when its
        // rows come back: a taker only as fast as the owner takes when it finishes first, a slower one must gain twice that.
        long extra = Math.Max(0, takerPiece - ownerPiece);
        return now + takerPiece + extra < ownerDone;
    }
}
