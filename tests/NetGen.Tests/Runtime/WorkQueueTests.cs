using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetGen.CompilerServices;
using Xunit;

namespace NetGen.Tests.Runtime;

/// <summary>The queue that shares out the pieces of a phase cut across threads (the first layer's update).</summary>
public class WorkQueueTests
{
    /// <summary>One worker alone: its own range front to back, then the others' ranges from their ends, then nothing.</summary>
    [Fact]
    public void AWorkerTakesItsRangeInOrderThenTheOthersFromTheirEnds()
    {
        var queue = new WorkQueue();
        queue.Reset(3, 4); // pieces 0-3, 4-7, 8-11
        var taken = new List<int>();
        while (queue.TryTake(1, out int piece)) taken.Add(piece);
        Assert.Equal(new[] { 4, 5, 6, 7, 11, 10, 9, 8, 3, 2, 1, 0 }, taken);
        Assert.False(queue.TryTake(0, out int none));
        Assert.Equal(-1, none);
        queue.Reset(2, 3); // a new phase: every piece again
        Assert.True(queue.TryTake(0, out int first));
        Assert.Equal(0, first);
        Assert.True(queue.TryTake(0, out int stolen));
        Assert.Equal(1, stolen);
        Assert.True(queue.TryTake(1, out int other));
        Assert.Equal(3, other);
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.TryTake(2, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.Reset(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.Reset(1 << 16, 1 << 16));
    }

    /// <summary>Four threads taking at once, one of them slowed (so the others take from its range): every piece exactly once.</summary>
    [Fact]
    public void ConcurrentWorkersTakeEveryPieceExactlyOnce()
    {
        const int workers = 4, perRange = 2_000;
        var queue = new WorkQueue();
        for (int round = 0; round < 5; round++)
        {
            queue.Reset(workers, perRange);
            var counts = new int[workers * perRange];
            var byWorker = new int[workers];
            using var start = new Barrier(workers);
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
            {
                start.SignalAndWait();
                while (queue.TryTake(w, out int piece))
                {
                    Interlocked.Increment(ref counts[piece]);
                    byWorker[w]++;
                    if (w == 0) Thread.SpinWait(2_000); // the slow one
                }
            });
            Assert.All(counts, c => Assert.Equal(1, c));
            Assert.Equal(workers * perRange, byWorker.Sum());
        }
    }

    /// <summary>Range boundaries: an even share rounded to the block, increasing, from 0 to the units.</summary>
    [Theory]
    [InlineData(500, 2, 6)]
    [InlineData(500, 5, 6)]
    [InlineData(12, 5, 6)]
    [InlineData(1024, 3, 6)]
    public void BoundariesAreBlockMultiplesInOrder(int units, int ranges, int block)
    {
        int[] at = Enumerable.Range(0, ranges + 1).Select(q => WorkQueue.Boundary(units, q, ranges, block)).ToArray();
        Assert.Equal(0, at[0]);
        Assert.Equal(units, at[^1]);
        for (int q = 1; q < ranges; q++)
        {
            Assert.Equal(0, at[q] % block);
            Assert.True(at[q] >= at[q - 1] && at[q] <= units, $"boundary {q}: {at[q]} after {at[q - 1]}");
            Assert.InRange(at[q], (long)units * q / ranges - block, (long)units * q / ranges + block);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkQueue.Boundary(units, ranges + 1, ranges, block));
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkQueue.Boundary(units, -1, ranges, block));
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkQueue.Boundary(units, 0, ranges, 0));
    }
}
