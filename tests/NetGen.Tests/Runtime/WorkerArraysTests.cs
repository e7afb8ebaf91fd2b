using System;
using System.Linq;
using NetGen.CompilerServices;
using Xunit;

namespace NetGen.Tests.Runtime;

/// <summary>The arrays of each worker's own that a step cut across threads keeps (<see cref="WorkerArrays"/>).</summary>
public class WorkerArraysTests
{
    /// <summary>
    /// Range 0 gets the shared array, the other ranges that can hold units new ones of its length, and the ranges past
    /// them the shared one again (they hold no units); growing keeps those there are.
    /// </summary>
    [Fact]
    public void ReserveGivesRangesWithUnitsTheirOwnArraysAndKeepsThem()
    {
        float[] shared = new float[12];
        float[][] two = WorkerArrays.Reserve(Array.Empty<float[]>(), 2, shared, 3);
        Assert.Equal(2, two.Length);
        Assert.Same(shared, two[0]);
        Assert.Equal(12, two[1].Length);
        Assert.NotSame(shared, two[1]);
        Assert.Same(two, WorkerArrays.Reserve(two, 1, shared, 3)); // enough already
        Assert.Same(two, WorkerArrays.Reserve(two, 2, shared, 3));
        float[][] five = WorkerArrays.Reserve(two, 5, shared, 3);
        Assert.Equal(5, five.Length);
        Assert.Same(shared, five[0]);
        Assert.Same(two[1], five[1]);
        Assert.Equal(12, five[2].Length);
        Assert.NotSame(five[1], five[2]);
        Assert.NotSame(shared, five[2]);
        Assert.Same(shared, five[3]); // a layer of 3 blocks has no fourth range
        Assert.Same(shared, five[4]);
        // However many threads: as many arrays as the layer has blocks of units.
        float[][] many = WorkerArrays.Reserve(Array.Empty<float[]>(), 256, shared, 8);
        Assert.Equal(8, many.Distinct().Count());
        Assert.Equal("workers", Assert.Throws<ArgumentOutOfRangeException>(() => WorkerArrays.Reserve(two, 0, shared, 3)).ParamName);
        Assert.Equal("ranges", Assert.Throws<ArgumentOutOfRangeException>(() => WorkerArrays.Reserve(two, 2, shared, 0)).ParamName);
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
        Assert.Contains("no more workers than the 3 that PrepareSplitStep reserved for", tooMany.Message);
    }
}
