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

    /// <summary>When another's last piece is worth taking: only if the taker would finish it before the owner finishes its range.</summary>
    [Theory]
    [InlineData(100, 95, 0, 1, 30, true)] // the owner's pieces not timed yet: take, as when work is first shared out
    [InlineData(100, 95, 10, 1, 0, true)] // nor the taker's
    [InlineData(100, 95, 10, 1, 10, true)] // as fast as the owner: done at 110, the owner at 115
    [InlineData(100, 95, 10, 1, 30, false)] // three times slower (the rows come from another core's cache): 130 + 20 against 115
    [InlineData(100, 95, 10, 4, 30, false)] // the owner has four left: 150 against 145
    [InlineData(100, 95, 10, 5, 30, true)] // five: 150 against 155
    [InlineData(50, 0, 10, 1, 30, false)] // an owner 40 late: expected 40 later still, done at 100; the taker at 100 too
    [InlineData(51, 0, 10, 1, 30, true)] // 41 late: done at 102, the taker at 101
    [InlineData(1000, 0, 10, 1, 30, true)] // a stalled owner's piece goes in the end
    public void AnotherWorkersPieceIsTakenOnlyWhenThatEndsThePhaseSooner(long now, long ownerTaken, long ownerPiece, int left, long takerPiece, bool take)
        => Assert.Equal(take, WorkQueue.ShouldTake(now, ownerTaken, ownerPiece, left, takerPiece));

    /// <summary>
    /// On a clock the test moves: a worker that took another's piece slowly once leaves that worker's last piece to it
    /// while it keeps its pace (waiting in <see cref="WorkQueue.TryTake"/>, then returning false when the piece is gone),
    /// and takes it when the owner falls far behind.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AWorkerWaitsForAnOwnerOnTimeAndTakesFromOneThatStalls(bool stall)
    {
        long time = 0, reads = 0;
        var queue = new WorkQueue(() => { Interlocked.Increment(ref reads); return Volatile.Read(ref time); });
        void At(long t) => Volatile.Write(ref time, t);
        int Take(int own) => queue.TryTake(own, out int piece) ? piece : -1;

        // A first phase that times the workers: worker 1 takes its pieces 2 and 3 10 apart, then range 0's last piece
        // (untimed ranges give theirs away), which takes it 60; worker 0's piece takes 10.
        queue.Reset(2, 2);
        At(0); Assert.Equal(2, Take(1));
        At(10); Assert.Equal(3, Take(1));
        At(20); Assert.Equal(1, Take(1));
        At(20); Assert.Equal(0, Take(0));
        At(30); Assert.Equal(-1, Take(0));
        At(80); Assert.Equal(-1, Take(1));

        // The next phase: worker 0 takes 0 and 1 at its pace, worker 1 empties its range by 115. Range 0's last piece
        // would be done by its owner at 130, by worker 1 at 175 (and cost the owner 50 more at the next step): worker 1 waits.
        queue.Reset(2, 3);
        At(100); Assert.Equal(0, Take(0));
        At(100); Assert.Equal(3, Take(1));
        At(105); Assert.Equal(4, Take(1));
        At(110); Assert.Equal(1, Take(0));
        At(110); Assert.Equal(5, Take(1));
        At(115);
        int stolen = -2;
        long before = Interlocked.Read(ref reads);
        var thief = new Thread(() => Volatile.Write(ref stolen, Take(1)));
        thief.Start();
        SpinWait.SpinUntil(() => Interlocked.Read(ref reads) > before + 3 || !thief.IsAlive, TimeSpan.FromSeconds(30));
        Assert.True(thief.IsAlive); // deciding again and again, not taking
        if (stall)
        {
            At(1_000); // the owner 880 late: done at 1,890 at the earliest; the thief at 1,060 (+ 50)
            Assert.True(thief.Join(TimeSpan.FromSeconds(30)));
            Assert.Equal(2, stolen);
            Assert.Equal(-1, Take(0));
        }
        else
        {
            At(120);
            Assert.Equal(2, Take(0)); // the owner's own, on time
            Assert.True(thief.Join(TimeSpan.FromSeconds(30)));
            Assert.Equal(-1, stolen); // every range empty
        }
    }
}
