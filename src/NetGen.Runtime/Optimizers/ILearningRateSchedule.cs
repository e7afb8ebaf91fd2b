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

/// <summary>Step decay: <c>μ(t) = μ₀ · factor^⌊t / every⌋</c>.</summary>
public sealed class StepDecay : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    public StepDecay(float initial, float factor, int every, ScheduleUnit unit = ScheduleUnit.Epoch)
    {
        if (!(initial > 0f) || !float.IsFinite(initial)) throw new ArgumentOutOfRangeException(nameof(initial), initial, "μ₀ must be a positive finite number.");
        if (!(factor > 0f && factor <= 1f)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must lie in (0, 1].");
        if (every <= 0) throw new ArgumentOutOfRangeException(nameof(every), every, "The interval must be positive.");
        Initial = initial;
        Factor = factor;
        Every = every;
        Unit = unit;
    }

    /// <summary>μ₀.</summary>
    public float Initial { get; }

    /// <summary>The multiplier applied every <see cref="Every"/> units.</summary>
    public float Factor { get; }

    /// <summary>The interval.</summary>
    public int Every { get; }

    /// <summary>What t counts.</summary>
    public ScheduleUnit Unit { get; }

    /// <inheritdoc/>
    public float GetLearningRate(long step, int epoch)
        => (float)(Initial * Math.Pow(Factor, (Unit == ScheduleUnit.Step ? step : epoch) / Every));

    /// <inheritdoc/>
    public override string ToString() => $"step decay μ₀={Initial} ×{Factor} every {Every} {Unit.ToString().ToLowerInvariant()}s";
}

/// <summary>Cosine annealing: <c>μ(t) = μmin + ½(μ₀ − μmin)(1 + cos(π·t/T))</c> for <c>t ≤ T</c>, then μmin.</summary>
public sealed class CosineDecay : ILearningRateSchedule
{
    /// <summary>Creates the schedule over <paramref name="duration"/> units.</summary>
    public CosineDecay(float initial, long duration, float minimum = 0f, ScheduleUnit unit = ScheduleUnit.Step)
    {
        if (!(initial > 0f) || !float.IsFinite(initial)) throw new ArgumentOutOfRangeException(nameof(initial), initial, "μ₀ must be a positive finite number.");
        if (!(minimum >= 0f && minimum <= initial)) throw new ArgumentOutOfRangeException(nameof(minimum), minimum, "The minimum must lie in [0, μ₀].");
        if (duration <= 0) throw new ArgumentOutOfRangeException(nameof(duration), duration, "The duration must be positive.");
        Initial = initial;
        Minimum = minimum;
        Duration = duration;
        Unit = unit;
    }

    /// <summary>μ₀.</summary>
    public float Initial { get; }

    /// <summary>μmin.</summary>
    public float Minimum { get; }

    /// <summary>T.</summary>
    public long Duration { get; }

    /// <summary>What t counts.</summary>
    public ScheduleUnit Unit { get; }

    /// <inheritdoc/>
    public float GetLearningRate(long step, int epoch)
    {
        long t = Math.Min(Unit == ScheduleUnit.Step ? step : epoch, Duration);
        return (float)(Minimum + 0.5 * (Initial - Minimum) * (1 + Math.Cos(Math.PI * t / Duration)));
    }

    /// <inheritdoc/>
    public override string ToString() => $"cosine μ₀={Initial} → {Minimum} over {Duration} {Unit.ToString().ToLowerInvariant()}s";
}
