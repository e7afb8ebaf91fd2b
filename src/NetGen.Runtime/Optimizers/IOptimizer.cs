using System;

namespace NetGen;

/// <summary>Updates a network's parameters from its gradients.</summary>
public interface IOptimizer
{
    /// <summary>Number of steps taken.</summary>
    long StepCount { get; }

    /// <summary>The epoch schedules see; the trainer sets it at the start of each epoch.</summary>
    int Epoch { get; set; }

    /// <summary>The learning rate the next step will use.</summary>
    float CurrentLearningRate { get; }

    /// <summary>One update of <paramref name="parameters"/> from <paramref name="gradients"/> (the gradient of the mean loss).</summary>
    /// <exception cref="ArgumentException">A span's length differs from the architecture's parameter count.</exception>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>One update of a double network's <paramref name="parameters"/>; the optimizer's state is then kept in double.</summary>
    /// <exception cref="ArgumentException">A span's length differs from the architecture's parameter count.</exception>
    /// <exception cref="InvalidOperationException">The optimizer has already stepped float parameters.</exception>
    void Step(Span<double> parameters, ReadOnlySpan<double> gradients);
}

/// <summary>Conveniences over <see cref="IOptimizer"/>.</summary>
public static class OptimizerExtensions
{
    /// <summary>One update of a network from its current <see cref="INetwork{T}.Gradients"/>.</summary>
    public static void Step(this IOptimizer optimizer, INetwork network)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(network);
        optimizer.Step(network.Parameters, network.Gradients);
    }

    /// <summary>One update of a double network from its current <see cref="INetwork{T}.Gradients"/>.</summary>
    public static void Step(this IOptimizer optimizer, INetwork<double> network)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(network);
        optimizer.Step(network.Parameters, network.Gradients);
    }
}
