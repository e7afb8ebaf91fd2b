using System;
using System.IO;
using System.Runtime.Intrinsics;
using NetGen.Samples.Chaser;
using Xunit;

namespace NetGen.Tests.Samples;

/// <summary>The embedding sample: the shipped controller plays as well as the expert it learned from, and its baked weights come from the sample's own training code.</summary>
public class ChaserSampleTests
{
    [Fact]
    public void ShippedControllerCatchesAlmostAsOftenAsTheExpert()
    {
        int expert = ChaserTraining.Play(null, games: 5);
        int network = ChaserTraining.Play(new ChaserBrain(), games: 5);
        Assert.InRange(expert, 50, int.MaxValue); // the game is winnable at all
        Assert.InRange(network, expert * 9 / 10, int.MaxValue);
    }

    [Fact]
    public void ShippedWeightsAreTheSamplesTrainingOutput()
    {
        ChaserTraining.Result result = ChaserTraining.Fit(seed: 1);
        if (Vector512.IsHardwareAccelerated)
        {
            // Model/chaser.safetensors was written by `train` on an AVX-512 machine: the same code retrains it bit for bit.
            Assert.Equal(ChaserBrain.BakedParameters.ToArray(), result.Network.Parameters.ToArray());
        }
        else
        {
            // Other SIMD widths round differently, so training takes another path; it must still learn the expert.
            Assert.InRange(result.Catches, result.ExpertCatches * 9 / 10, int.MaxValue);
        }
        Assert.InRange(result.HeldOutError, 0, result.ZeroError / 100);
    }

    [Fact]
    public void ArenaRejectsWrongSpanLengths()
    {
        var arena = new Arena(seed: 1);
        Assert.Contains("8", Assert.Throws<ArgumentException>(() => arena.Observe(new float[7])).Message);
        Assert.Contains("2", Assert.Throws<ArgumentException>(() => arena.Step(new float[3])).Message);
    }
}
