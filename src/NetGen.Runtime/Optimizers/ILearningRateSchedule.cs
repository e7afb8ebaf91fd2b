using System;

namespace NetGen;

/// <summary>A learning rate as a function of the optimizer step (counted from 0) and the epoch (counted from 0).</summary>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate to use for the given step of the given epoch.</summary>
    float GetLearningRate(long step, int epoch);
}

/// <summary>A constant learning rate.</summary>
public sealed class ConstantLearningRate : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number.</exception>
    public ConstantLearningRate(float learningRate)
    {
        if (!(learningRate > 0f) || !float.IsFinite(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a positive finite number.");
        LearningRate = learningRate;
    }

    /// <summary>The rate.</summary>
    public float LearningRate { get; }

    /// <inheritdoc/>
    public float GetLearningRate(long step, int epoch) => LearningRate;

    /// <inheritdoc/>
    public override string ToString() => $"constant {LearningRate}";
}

/// <summary>Whether a schedule's clock <c>t</c> counts optimizer steps or epochs.</summary>
public enum ScheduleUnit
{
    /// <summary><c>t</c> is the number of optimizer steps taken.</summary>
    Step,
    /// <summary><c>t</c> is the number of completed epochs.</summary>
    Epoch,
}

/// <summary>The lecture notes' decay <c>μ(t) = μ₀ / (1 + d·t)</c>.</summary>
public sealed class InverseTimeDecay : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initial">μ₀, positive.</param>
    /// <param name="decay">d, non-negative.</param>
    /// <param name="unit">Whether t counts steps or epochs.</param>
    public InverseTimeDecay(float initial, float decay, ScheduleUnit unit = ScheduleUnit.Step)
    {
        if (!(initial > 0f) || !float.IsFinite(initial))
            throw new ArgumentOutOfRangeException(nameof(initial), initial, "μ₀ must be a positive finite number.");
        if (!(decay >= 0f) || !float.IsFinite(decay))
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "d must be a non-negative finite number.");
        Initial = initial;
        Decay = decay;
        Unit = unit;
    }

    /// <summary>μ₀.</summary>
    public float Initial { get; }

    /// <summary>d.</summary>
    public float Decay { get; }

    /// <summary>What t counts.</summary>
    public ScheduleUnit Unit { get; }

    /// <inheritdoc/>
    public float GetLearningRate(long step, int epoch)
        => (float)(Initial / (1.0 + Decay * (Unit == ScheduleUnit.Step ? step : epoch)));

    /// <inheritdoc/>
    public override string ToString() => $"μ₀/(1+d·t), μ₀={Initial}, d={Decay} per {Unit.ToString().ToLowerInvariant()}";
}
