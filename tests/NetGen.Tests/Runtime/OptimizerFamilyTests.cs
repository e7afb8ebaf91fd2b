using System;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Runtime;

/// <summary>Hand-computed two-step examples, convergence on a convex problem, clipping, schedules.</summary>
public class OptimizerFamilyTests
{
    private static readonly NetworkArchitecture Arch = LinearNet.Architecture; // W [2, 3] at 0..5, b [2] at 6..7
    private static readonly ConstantLearningRate Lr = new(0.1f);

    /// <summary>Two steps with gradients 0.5 then −0.25 on every parameter, all starting at 1.</summary>
    private static float[] TwoSteps(IOptimizer optimizer)
    {
        float[] p = Enumerable.Repeat(1f, 8).ToArray();
        optimizer.Step(p, Enumerable.Repeat(0.5f, 8).ToArray());
        optimizer.Step(p, Enumerable.Repeat(-0.25f, 8).ToArray());
        return p;
    }

    [Fact]
    public void SgdTwoSteps()
    {
        // w1 = 1 − 0.1·0.5 = 0.95; w2 = 0.95 + 0.1·0.25 = 0.975.
        float[] p = TwoSteps(new Sgd(Arch, Lr));
        Assert.Equal(0.975f, p[0], 6);
        Assert.Equal(0.975f, p[7], 6);
    }

    [Fact]
    public void MomentumTwoSteps()
    {
        // v1 = 0.5, w1 = 0.95; v2 = 0.9·0.5 − 0.25 = 0.2, w2 = 0.95 − 0.02 = 0.93.
        float[] p = TwoSteps(new Momentum(Arch, Lr, momentum: 0.9f));
        Assert.Equal(0.93f, p[0], 6);
        Assert.Equal(0.93f, p[6], 6);
    }

    [Fact]
    public void NesterovTwoSteps()
    {
        // v1 = 0.5, w1 = 1 − 0.1·(0.5 + 0.9·0.5) = 0.905; v2 = 0.2, w2 = 0.905 − 0.1·(−0.25 + 0.18) = 0.912.
        float[] p = TwoSteps(new Momentum(Arch, Lr, momentum: 0.9f, nesterov: true));
        Assert.Equal(0.912f, p[0], 6);
    }

    [Fact]
    public void AdamTwoSteps()
    {
        // Step 1: m = 0.05, v = 2.5e-4, m̂ = 0.5, v̂ = 0.25, w1 = 1 − 0.1·0.5/0.5 = 0.9.
        // Step 2: m = 0.045 − 0.025 = 0.02, v = 2.4975e-4 + 6.25e-5 = 3.1225e-4,
        //         m̂ = 0.02/0.19 = 0.1052632, v̂ = 3.1225e-4/1.999e-3 = 0.1562031, √v̂ = 0.3952254,
        //         w2 = 0.9 − 0.1·0.1052632/0.3952254 = 0.8733669.
        float[] p = TwoSteps(new Adam(Arch, Lr));
        Assert.Equal(0.8733669f, p[0], 5);
        Assert.Equal(0.8733669f, p[7], 5);
    }

    /// <summary>
    /// A unit whose gradient goes to zero decays Adam's moments geometrically; they are taken as zero below 2⁻¹⁰⁰ instead
    /// of passing through the subnormal range (where Intel processors compute slowly), with β₁ = β₂ = 0.9 so that both
    /// would reach it within a few hundred steps. Both the vector loop and the scalar tail (OddTwinNet's parameter count
    /// is not a whole number of vectors); a gradient of normal size still moves the parameters.
    /// </summary>
    [Theory]
    [InlineData(1e-3f)]
    [InlineData(1e-17f)] // a gradient whose square would be subnormal
    public void AdamMomentsNeverTurnSubnormal(float first)
    {
        var adam = new Adam(OddTwinNet.Architecture, 1e-3f, beta1: 0.9f, beta2: 0.9f);
        int n = OddTwinNet.Architecture.ParameterCount;
        Assert.NotEqual(0, n % System.Numerics.Vector<float>.Count);
        float[] p = Enumerable.Repeat(0.5f, n).ToArray(), g = Enumerable.Repeat(first, n).ToArray(), zero = new float[n];
        adam.Step(p, g);
        if (first > 1e-6f) Assert.All(p, w => Assert.NotEqual(0.5f, w)); // a gradient of normal size moved every parameter (by about lr)
        var field = typeof(Adam).GetField("_moments", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!; // first moments, then second
        Assert.Equal(2 * n, ((float[])field.GetValue(adam)!).Length);
        for (int step = 0; step < 1200; step++)
        {
            adam.Step(p, zero);
            foreach (float value in (float[])field.GetValue(adam)!)
                Assert.False(float.IsSubnormal(value), $"a moment is subnormal ({value:R}) after {step + 1} steps without gradient");
            Assert.All(p, w => Assert.False(float.IsSubnormal(w)));
        }
        Assert.All((float[])field.GetValue(adam)!, m => Assert.Equal(0f, m));
    }

    [Fact]
    public void AdamWTwoStepsDecaysWeightsOnly()
    {
        // Weights: w1 = 1·(1 − 0.1·0.1) − 0.1 = 0.89; w2 = 0.89·0.99 − 0.0266331 = 0.8544669.
        // Biases follow plain Adam: 0.8733669.
        float[] p = TwoSteps(new AdamW(Arch, Lr, weightDecay: 0.1f));
        Assert.Equal(0.8544669f, p[0], 5);
        Assert.Equal(0.8733669f, p[6], 5);
    }

    public static TheoryData<string> All() => new() { "sgd", "momentum", "nesterov", "adam", "adamw" };

    private static IOptimizer Create(string name, ILearningRateSchedule lr, float l2 = 0f, float l1 = 0f, float? clip = null) => name switch
    {
        "sgd" => new Sgd(Arch, lr, l2, l1, clip),
        "momentum" => new Momentum(Arch, lr, 0.9f, false, l2, l1, clip),
        "nesterov" => new Momentum(Arch, lr, 0.9f, true, l2, l1, clip),
        "adam" => new Adam(Arch, lr, l2: l2, l1: l1, clipNorm: clip),
        "adamw" => new AdamW(Arch, lr, weightDecay: l2, l1: l1, clipNorm: clip),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(All))]
    public void ConvergesOnAConvexQuadratic(string name)
    {
        // f(θ) = ½ Σ aᵢ(θᵢ − cᵢ)², condition number 10.
        float[] a = { 1, 2, 5, 10, 1, 3, 7, 2 };
        float[] c = { 3, -1, 0.5f, 2, -2, 1, 0, 4 };
        var theta = new float[8];
        var g = new float[8];
        IOptimizer optimizer = Create(name, new ConstantLearningRate(0.05f));
        for (int step = 0; step < 3000; step++)
        {
            for (int i = 0; i < 8; i++) g[i] = a[i] * (theta[i] - c[i]);
            optimizer.Step(theta, g);
        }
        for (int i = 0; i < 8; i++) Assert.True(Math.Abs(theta[i] - c[i]) < 1e-3, $"{name}: θ[{i}] = {theta[i]}, optimum {c[i]}");
    }

    [Theory]
    [MemberData(nameof(All))]
    public void RegularizationLeavesBiasesUntouched(string name)
    {
        float[] p = { 1, -2, 3, 0.5f, -1, 2, 0.75f, -0.75f };
        IOptimizer optimizer = Create(name, Lr, l2: 0.5f, l1: 0.01f);
        for (int step = 0; step < 5; step++) optimizer.Step(p, new float[8]);
        Assert.Equal(0.75f, p[6]);
        Assert.Equal(-0.75f, p[7]);
        Assert.True(Math.Abs(p[0]) < 1f && Math.Abs(p[1]) < 2f, $"{name}: weights should shrink ({p[0]}, {p[1]})");
    }

    [Fact]
    public void ClippingScalesToTheGlobalNorm()
    {
        var sgd = new Sgd(Arch, new ConstantLearningRate(1f), clipNorm: 1f);
        var p = new float[8];
        var g = new float[8];
        g[0] = 6;
        g[7] = 8; // norm 10
        sgd.Step(p, g);
        Assert.Equal(10f, sgd.LastGradientNorm, 5);
        Assert.Equal(-0.6f, p[0], 6);
        Assert.Equal(-0.8f, p[7], 6);
        // Below the threshold nothing changes.
        var small = new Sgd(Arch, new ConstantLearningRate(1f), clipNorm: 100f);
        var q = new float[8];
        small.Step(q, g);
        Assert.Equal(-6f, q[0]);
    }

    [Fact]
    public void OptimizersAllocateNothingPerStep()
    {
        var p = new float[8];
        var g = Enumerable.Repeat(0.1f, 8).ToArray();
        foreach (string name in new[] { "sgd", "momentum", "nesterov", "adam", "adamw" })
        {
            IOptimizer o = Create(name, Lr, l2: 0.01f, clip: 5f);
            Allocations.AssertNone(() => o.Step(p, g), repeats: 100);
        }
    }

    [Fact]
    public void SchedulesAtGivenSteps()
    {
        var step = new StepDecay(0.1f, 0.5f, every: 3);
        Assert.Equal(0.1f, step.GetLearningRate(999, 2));
        Assert.Equal(0.05f, step.GetLearningRate(0, 3), 6);
        Assert.Equal(0.025f, step.GetLearningRate(0, 7), 6);
        var cosine = new CosineDecay(0.1f, duration: 100, minimum: 0.01f);
        Assert.Equal(0.1f, cosine.GetLearningRate(0, 0), 6);
        Assert.Equal(0.055f, cosine.GetLearningRate(50, 0), 6);
        Assert.Equal(0.01f, cosine.GetLearningRate(100, 0), 6);
        Assert.Equal(0.01f, cosine.GetLearningRate(1000, 0), 6);
        var perEpoch = new CosineDecay(0.2f, duration: 4, unit: ScheduleUnit.Epoch);
        Assert.Equal(0.1f, perEpoch.GetLearningRate(12345, 2), 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(0.1f, 1.5f, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineDecay(0.1f, 0));
    }
}
