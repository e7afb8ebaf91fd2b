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
}
