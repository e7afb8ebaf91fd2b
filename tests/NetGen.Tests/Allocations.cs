using System;
using Xunit;

namespace NetGen.Tests;

/// <summary>Zero-allocation assertions that do not trip over the JIT.</summary>
internal static class Allocations
{
    /// <summary>
    /// Runs <paramref name="action"/> past tiered compilation (call counting, then the background tier-1 rejit, which
    /// can allocate on the calling thread the first times round), then asserts that <paramref name="repeats"/> more
    /// calls allocate nothing on this thread.
    /// </summary>
    public static void AssertNone(Action action, int repeats = 20)
    {
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 40; i++) action();
            System.Threading.Thread.Sleep(150);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < repeats; i++) action();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
