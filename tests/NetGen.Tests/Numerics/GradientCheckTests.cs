using System;
using NetGen;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Numerics;

/// <summary>
/// Centered finite differences, (L(θ + ε) − L(θ − ε)) / 2ε, against the generated analytic gradient, for every
/// parameter of every test network (each activation and each loss appears at least once).
/// </summary>
public class GradientCheckTests
{
    /// <summary>
    /// The loss is evaluated in double precision (<see cref="ReferenceNetwork"/>) at the generated network's parameters,
    /// so the differences have ~1e-11 of noise and ε can be tiny; the float network's own loss rounds at ~1e-7, which a
    /// small ε would amplify past any useful tolerance (see <see cref="FloatLossDifferencesAgreeOnSmoothNetworks"/>).
    /// </summary>
    [Theory]
    [MemberData(nameof(TestData.Networks), MemberType = typeof(TestData))]
    [MemberData(nameof(TestData.ConvNetworks), MemberType = typeof(TestData))]
    public void AnalyticGradientMatchesCenteredDifferences(string name)
    {
        const double epsilon = 1e-5;
        INetwork net = TestData.Create(name, seed: 11);
        const int batch = 3;
        float[] x = TestData.Uniform(batch * net.InputSize, seed: 12);
        float[] t = TestData.Targets(net, batch, seed: 13);
        net.ComputeGradients(x, t);
        float[] analytic = net.Gradients.ToArray();
        double[] p = ReferenceNetwork.Widen(net.Parameters);
        double center = ReferenceNetwork.LossAndGradient(net.Architecture, p, x, t).Loss;

        double maxGradient = 0;
        foreach (float g in analytic) maxGradient = Math.Max(maxGradient, Math.Abs(g));
        int checkedCount = 0, kinks = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double saved = p[i];
            p[i] = saved + epsilon;
            double plus = ReferenceNetwork.LossAndGradient(net.Architecture, p, x, t).Loss;
            p[i] = saved - epsilon;
            double minus = ReferenceNetwork.LossAndGradient(net.Architecture, p, x, t).Loss;
            p[i] = saved;
            double forward = (plus - center) / epsilon, backward = (center - minus) / epsilon;
            // Where smooth the one-sided slopes differ by ε·L″; a ReLU kink within ε makes them jump apart, and
            // there no finite difference is the derivative, so the point is skipped and counted.
            if (Math.Abs(forward - backward) > 1e-5 + 1e-3 * Math.Abs(forward + backward))
            {
                kinks++;
                continue;
            }
            double centered = (plus - minus) / (2 * epsilon);
            double tolerance = 1e-4 * Math.Max(Math.Abs(centered), 0.01 * maxGradient) + 1e-7;
            double error = Math.Abs(analytic[i] - centered);
            Assert.True(error <= tolerance,
                $"{name} parameter {i}: analytic {analytic[i]:R}, centered difference {centered:R} (error {error:E2} > {tolerance:E2})");
            checkedCount++;
        }
        Assert.True(kinks <= p.Length / 100, $"{kinks} of {p.Length} parameters sat on a kink; the check would be too weak.");
        Assert.True(checkedCount > p.Length / 2);
    }

    /// <summary>The generated network's own float loss, differenced with a step large enough to rise above its rounding.</summary>
    [Theory]
    [InlineData(nameof(OddSoftmaxNet))]
    [InlineData(nameof(BinaryNet))]
    [InlineData(nameof(SoftmaxMseNet))]
    public void FloatLossDifferencesAgreeOnSmoothNetworks(string name)
    {
        const float epsilon = 1e-2f;
        INetwork net = TestData.Create(name, seed: 21);
        float[] x = TestData.Uniform(4 * net.InputSize, seed: 22);
        float[] t = TestData.Targets(net, 4, seed: 23);
        net.ComputeGradients(x, t);
        float[] analytic = net.Gradients.ToArray();
        Span<float> p = net.Parameters;
        for (int i = 0; i < p.Length; i++)
        {
            float saved = p[i];
            p[i] = saved + epsilon;
            double plus = net.ComputeGradients(x, t);
            p[i] = saved - epsilon;
            double minus = net.ComputeGradients(x, t);
            p[i] = saved;
            double centered = (plus - minus) / ((double)(saved + epsilon) - (saved - epsilon));
            double tolerance = 1e-4 + 1e-2 * Math.Abs(centered);
            Assert.True(Math.Abs(analytic[i] - centered) <= tolerance,
                $"{name} parameter {i}: analytic {analytic[i]:R}, float centered difference {centered:R}");
        }
    }

    [Fact]
    public void ToleranceIsFarBelowASignOrFactorError()
    {
        // Doubling or negating the largest analytic entry must exceed the tolerance used above by a wide margin.
        INetwork net = TestData.Create(nameof(OddSoftmaxNet), seed: 11);
        float[] x = TestData.Uniform(3 * net.InputSize, seed: 12);
        float[] t = TestData.Targets(net, 3, seed: 13);
        net.ComputeGradients(x, t);
        float max = 0;
        foreach (float g in net.Gradients) max = Math.Max(max, Math.Abs(g));
        double tolerance = 1e-4 * max + 1e-7;
        Assert.True(max > 1e3 * tolerance, $"largest gradient {max} vs tolerance {tolerance}");
    }
}
