using System;
using NetGen.CompilerServices;
using Xunit;

namespace NetGen.Tests.Runtime;

/// <summary>The arrays of each worker's own that a step cut across threads keeps (<see cref="WorkerArrays"/>).</summary>
public class WorkerArraysTests
{
    /// <summary>Worker 0 gets the shared array; the others new ones of its length; growing keeps those there are.</summary>
    [Fact]
    public void ReserveGivesWorkerZeroTheSharedArrayAndKeepsTheOthers()
    {
        float[] shared = new float[12];
        float[][] two = WorkerArrays.Reserve(Array.Empty<float[]>(), 2, shared);
        Assert.Equal(2, two.Length);
        Assert.Same(shared, two[0]);
        Assert.Equal(12, two[1].Length);
        Assert.NotSame(shared, two[1]);
        Assert.Same(two, WorkerArrays.Reserve(two, 1, shared)); // enough already
        Assert.Same(two, WorkerArrays.Reserve(two, 2, shared));
        float[][] four = WorkerArrays.Reserve(two, 4, shared);
        Assert.Equal(4, four.Length);
        Assert.Same(shared, four[0]);
        Assert.Same(two[1], four[1]);
        Assert.Equal(12, four[3].Length);
        Assert.NotSame(four[2], four[3]);
        Assert.NotSame(four[1], four[2]);
    }

    /// <summary>A split step needs at least one worker, and no more in a phase than its preparation reserved for.</summary>
    [Fact]
    public void WorkerCountsAreChecked()
    {
        Assert.Equal(3, NetworkGuard.Workers(3, 2));
        Assert.Equal(5, NetworkGuard.Workers(2, 5));
        var none = Assert.Throws<ArgumentOutOfRangeException>(() => NetworkGuard.Workers(0, 4));
        Assert.Equal("workers", none.ParamName);
        NetworkGuard.Worker(2, 3, 3);
        Assert.Equal("worker", Assert.Throws<ArgumentOutOfRangeException>(() => NetworkGuard.Worker(3, 3, 3)).ParamName);
        Assert.Equal("worker", Assert.Throws<ArgumentOutOfRangeException>(() => NetworkGuard.Worker(-1, 3, 3)).ParamName);
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => NetworkGuard.Worker(0, 4, 3));
        Assert.Equal("workers", tooMany.ParamName);
        Assert.Contains("at most the 3 workers PrepareSplitStep reserved for", tooMany.Message);
    }
}
