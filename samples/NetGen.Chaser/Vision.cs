using System;
using NetGen;
using static NetGen.Activation;

namespace NetGen.Samples.Chaser;

/// <summary>
/// A small convolutional network the sample trains at start-up on a synthetic sight: which quadrant of an 8 × 8 view
/// holds the target (a bright 2 × 2 blot over noise). It is here so that the NativeAOT build carries convolution, pooling
/// and their training too; <c>play --check</c> fails unless it learns the task.
/// </summary>
[Input(1, 8, 8)]
[Conv2D(6, Kernel = 3, Padding = 1, Activation = ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dense(16, ReLU)]
[Softmax(4)]
public partial class TargetFinder;

/// <summary>Trains <see cref="TargetFinder"/> on generated views and measures it on fresh ones.</summary>
public static class Vision
{
    /// <summary>Accuracy on 400 fresh views after 300 Adam steps of 32 views (deterministic for the seed).</summary>
    public static double TrainAndTest(int seed)
    {
        var net = new TargetFinder(seed);
        var adam = new Adam(TargetFinder.Architecture, 3e-3f);
        var rng = new Random(seed);
        var x = new float[32 * TargetFinder.InputSize];
        var y = new int[32];
        for (int step = 0; step < 300; step++)
        {
            for (int i = 0; i < y.Length; i++) y[i] = View(rng, x.AsSpan(i * TargetFinder.InputSize, TargetFinder.InputSize));
            net.TrainStep(x, y, adam);
        }
        int right = 0;
        var view = new float[TargetFinder.InputSize];
        for (int i = 0; i < 400; i++)
        {
            int quadrant = View(rng, view);
            right += net.Predict(view) == quadrant ? 1 : 0;
        }
        return right / 400.0;
    }

    /// <summary>Draws an 8 × 8 view of noise with a 2 × 2 blot in a random quadrant; returns the quadrant (0–3).</summary>
    private static int View(Random rng, Span<float> view)
    {
        for (int i = 0; i < view.Length; i++) view[i] = 0.3f * (float)rng.NextDouble();
        int quadrant = rng.Next(4);
        int top = (quadrant / 2) * 4 + rng.Next(3), left = (quadrant % 2) * 4 + rng.Next(3);
        for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
                view[(top + dy) * 8 + left + dx] = 1f;
        return quadrant;
    }
}
