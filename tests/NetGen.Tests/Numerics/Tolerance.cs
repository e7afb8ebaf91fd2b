using System;
using Xunit;

namespace NetGen.Tests.Numerics;

internal static class Tolerance
{
    /// <summary>
    /// Asserts |actual − expected| ≤ rel · max(|expected_i|, floor) for every element, where floor is a tenth of the
    /// array's largest magnitude: float sums of terms as large as the largest element carry absolute rounding of about
    /// 1e-7 of it, so elements that cancel to near zero cannot keep full relative precision; a sign, factor or missing
    /// term errs by the element's own size and fails.
    /// </summary>
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double rel, string what, double floorFraction = 0.1)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        foreach (double e in expected) max = Math.Max(max, Math.Abs(e));
        double floor = Math.Max(max * floorFraction, 1e-12);
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(actual[i] - expected[i]);
            double bound = rel * Math.Max(Math.Abs(expected[i]), floor);
            if (!(err <= bound))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {err:E2} > bound {bound:E2}; array max {max:E2}).");
        }
    }
}
