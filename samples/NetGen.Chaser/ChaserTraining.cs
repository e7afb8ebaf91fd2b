using System;
using NetGen.CompilerServices;

namespace NetGen.Samples.Chaser;

/// <summary>
/// Behaviour cloning: the trainable twin learns the expert's action for observations drawn half from the whole state
/// space and half from games the expert plays (with noise on its actions, so the states near a chase are covered too).
/// Mean squared error, Adam with a cosine schedule, minibatches of 64; deterministic for a seed.
/// </summary>
public static class ChaserTraining
{
    /// <summary>What <see cref="Fit"/> produced and measured.</summary>
    public sealed record Result(ChaserBrainTrainer Network, int Samples, int Epochs, double HeldOutError, double ZeroError, int Catches, int ExpertCatches);

    /// <summary>Builds the data, trains, and measures the result on held-out observations and in play.</summary>
    public static Result Fit(int seed, int samples = 120_000, int epochs = 30)
    {
        var rng = new Xoshiro256((ulong)seed);
        (float[] x, float[] y) = Collect(ref rng, samples);
        (float[] hx, float[] hy) = Collect(ref rng, 10_000);

        var net = new ChaserBrainTrainer(seed);
        const int batch = 64;
        int steps = samples / batch;
        var adam = new Adam(ChaserBrainTrainer.Architecture, new CosineDecay(3e-3f, (long)steps * epochs));
        var order = new int[samples];
        for (int i = 0; i < samples; i++) order[i] = i;
        var bx = new float[batch * Arena.ObservationSize];
        var by = new float[batch * Arena.ActionSize];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            rng.Shuffle<int>(order);
            for (int s = 0; s < steps; s++)
            {
                for (int r = 0; r < batch; r++)
                {
                    int i = order[s * batch + r];
                    x.AsSpan(i * Arena.ObservationSize, Arena.ObservationSize).CopyTo(bx.AsSpan(r * Arena.ObservationSize));
                    y.AsSpan(i * Arena.ActionSize, Arena.ActionSize).CopyTo(by.AsSpan(r * Arena.ActionSize));
                }
                float loss = net.ComputeGradients(bx, by);
                if (!float.IsFinite(loss)) throw new InvalidOperationException($"Training diverged at epoch {epoch + 1}, step {s + 1}: the loss is {loss}.");
                adam.Step(net.Parameters, net.Gradients);
            }
        }

        var predictions = new float[hy.Length];
        net.ForwardBatch(hx, predictions);
        double error = 0, zero = 0;
        for (int i = 0; i < hy.Length; i++)
        {
            error += (predictions[i] - hy[i]) * (predictions[i] - hy[i]);
            zero += hy[i] * hy[i];
        }
        int catches = Play(net, 5), expert = Play(null, 5);
        return new Result(net, samples, epochs, error / hy.Length, zero / hy.Length, catches, expert);
    }

    /// <summary>Catches in <paramref name="games"/> one-minute games (seeds 1000, 1001, …) by a network, or by the expert when null.</summary>
    public static int Play(IInferenceNetwork? network, int games)
    {
        Span<float> observation = stackalloc float[Arena.ObservationSize];
        Span<float> action = stackalloc float[Arena.ActionSize];
        int total = 0;
        for (int g = 0; g < games; g++)
        {
            var arena = new Arena(seed: 1000 + g);
            for (int s = 0; s < 60 * 30; s++)
            {
                arena.Observe(observation);
                if (network is null) Arena.Expert(observation, action);
                else network.Forward(observation, action);
                arena.Step(action);
            }
            total += arena.Catches;
        }
        return total;
    }

    private static (float[] X, float[] Y) Collect(ref Xoshiro256 rng, int count)
    {
        var x = new float[count * Arena.ObservationSize];
        var y = new float[count * Arena.ActionSize];
        int half = count / 2;
        for (int i = 0; i < half; i++)
            Arena.RandomObservation(ref rng, x.AsSpan(i * Arena.ObservationSize, Arena.ObservationSize));

        Span<float> action = stackalloc float[Arena.ActionSize];
        var arena = new Arena(seed: (int)(rng.NextUInt64() & 0x7FFFFFFF));
        for (int i = half; i < count; i++)
        {
            Span<float> o = x.AsSpan(i * Arena.ObservationSize, Arena.ObservationSize);
            arena.Observe(o);
            Arena.Expert(o, action);
            action[0] += 0.6f * (rng.NextSingle() - 0.5f);
            action[1] += 0.6f * (rng.NextSingle() - 0.5f);
            arena.Step(action);
            if ((i - half) % 1800 == 1799) arena = new Arena(seed: (int)(rng.NextUInt64() & 0x7FFFFFFF));
        }
        for (int i = 0; i < count; i++)
            Arena.Expert(x.AsSpan(i * Arena.ObservationSize, Arena.ObservationSize), y.AsSpan(i * Arena.ActionSize, Arena.ActionSize));
        return (x, y);
    }
}
