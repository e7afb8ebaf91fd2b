using System;
using NetGen.CompilerServices;

namespace NetGen.Samples.Chaser;

/// <summary>
/// A small pursuit game: an agent with inertia chases a wandering target in the square [−1, 1]²; touching it scores a
/// catch and the target reappears elsewhere. The agent's controller sees <see cref="ObservationSize"/> numbers and
/// answers <see cref="ActionSize"/> accelerations in [−1, 1]. Everything is deterministic for a seed.
/// </summary>
public sealed class Arena
{
    /// <summary>Observation: target offset (2), agent velocity (2), target velocity (2), agent position (2).</summary>
    public const int ObservationSize = 8;

    /// <summary>Action: acceleration along x and y, each in [−1, 1] times <see cref="MaxAcceleration"/>.</summary>
    public const int ActionSize = 2;

    /// <summary>Simulation step, seconds (30 decisions per second).</summary>
    public const float TimeStep = 1f / 30;

    public const float MaxAcceleration = 4f;
    public const float MaxSpeed = 1.2f;
    public const float TargetSpeed = 0.6f;
    public const float CatchRadius = 0.08f;

    private Xoshiro256 _rng;
    private float _ax, _ay, _vx, _vy, _tx, _ty, _tvx, _tvy;

    /// <summary>Starts a game from <paramref name="seed"/>.</summary>
    public Arena(int seed)
    {
        _rng = new Xoshiro256(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 1));
        _ax = Uniform(-0.8f, 0.8f);
        _ay = Uniform(-0.8f, 0.8f);
        RespawnTarget();
    }

    /// <summary>Catches so far.</summary>
    public int Catches { get; private set; }

    /// <summary>Distance between agent and target now.</summary>
    public float Distance => MathF.Sqrt((_tx - _ax) * (_tx - _ax) + (_ty - _ay) * (_ty - _ay));

    /// <summary>Writes what the controller sees.</summary>
    /// <exception cref="ArgumentException"><paramref name="observation"/> is not <see cref="ObservationSize"/> long.</exception>
    public void Observe(Span<float> observation)
    {
        if (observation.Length != ObservationSize)
            throw new ArgumentException($"An observation has {ObservationSize} values; the span has {observation.Length}.", nameof(observation));
        observation[0] = _tx - _ax;
        observation[1] = _ty - _ay;
        observation[2] = _vx;
        observation[3] = _vy;
        observation[4] = _tvx;
        observation[5] = _tvy;
        observation[6] = _ax;
        observation[7] = _ay;
    }

    /// <summary>Advances one step with the agent's action (clamped to [−1, 1]); returns whether the target was caught.</summary>
    /// <exception cref="ArgumentException"><paramref name="action"/> is not <see cref="ActionSize"/> long.</exception>
    public bool Step(ReadOnlySpan<float> action)
    {
        if (action.Length != ActionSize)
            throw new ArgumentException($"An action has {ActionSize} values; the span has {action.Length}.", nameof(action));
        const float dt = TimeStep;
        _vx += MaxAcceleration * Math.Clamp(action[0], -1f, 1f) * dt;
        _vy += MaxAcceleration * Math.Clamp(action[1], -1f, 1f) * dt;
        float speed = MathF.Sqrt(_vx * _vx + _vy * _vy);
        if (speed > MaxSpeed)
        {
            _vx *= MaxSpeed / speed;
            _vy *= MaxSpeed / speed;
        }
        _ax = Bounce(_ax + _vx * dt, ref _vx);
        _ay = Bounce(_ay + _vy * dt, ref _vy);

        // The target wanders: its heading turns a little at random each step, and it bounces off the walls.
        float turn = Uniform(-0.35f, 0.35f);
        float c = MathF.Cos(turn), s = MathF.Sin(turn);
        (_tvx, _tvy) = (c * _tvx - s * _tvy, s * _tvx + c * _tvy);
        _tx = Bounce(_tx + _tvx * dt, ref _tvx);
        _ty = Bounce(_ty + _tvy * dt, ref _tvy);

        if (Distance >= CatchRadius) return false;
        Catches++;
        RespawnTarget();
        return true;
    }

    /// <summary>
    /// The hand-written expert the network learns from: steer towards where the target will be, at a speed that
    /// falls off near it, with a proportional velocity controller.
    /// </summary>
    public static void Expert(ReadOnlySpan<float> observation, Span<float> action)
    {
        float dx = observation[0] + 0.3f * observation[4], dy = observation[1] + 0.3f * observation[5];
        float distance = MathF.Sqrt(dx * dx + dy * dy) + 1e-6f;
        float desired = MaxSpeed * MathF.Min(1f, distance / 0.3f);
        float wantX = observation[4] + dx / distance * desired, wantY = observation[5] + dy / distance * desired;
        action[0] = Math.Clamp(2.5f * (wantX - observation[2]) / MaxAcceleration, -1f, 1f);
        action[1] = Math.Clamp(2.5f * (wantY - observation[3]) / MaxAcceleration, -1f, 1f);
    }

    /// <summary>An observation drawn from the whole state space, for training the controller on every situation.</summary>
    public static void RandomObservation(ref Xoshiro256 rng, Span<float> observation)
    {
        float ax = Uniform(ref rng, -1, 1), ay = Uniform(ref rng, -1, 1);
        float tx = Uniform(ref rng, -1, 1), ty = Uniform(ref rng, -1, 1);
        float angle = Uniform(ref rng, 0, 2 * MathF.PI), speed = MaxSpeed * MathF.Sqrt(Uniform(ref rng, 0, 1));
        float heading = Uniform(ref rng, 0, 2 * MathF.PI);
        observation[0] = tx - ax;
        observation[1] = ty - ay;
        observation[2] = speed * MathF.Cos(angle);
        observation[3] = speed * MathF.Sin(angle);
        observation[4] = TargetSpeed * MathF.Cos(heading);
        observation[5] = TargetSpeed * MathF.Sin(heading);
        observation[6] = ax;
        observation[7] = ay;
    }

    private void RespawnTarget()
    {
        do
        {
            _tx = Uniform(-0.9f, 0.9f);
            _ty = Uniform(-0.9f, 0.9f);
        }
        while (Distance < 0.5f);
        float heading = Uniform(0, 2 * MathF.PI);
        _tvx = TargetSpeed * MathF.Cos(heading);
        _tvy = TargetSpeed * MathF.Sin(heading);
    }

    private static float Bounce(float position, ref float velocity)
    {
        if (position > 1f) { velocity = -MathF.Abs(velocity); return 2f - position; }
        if (position < -1f) { velocity = MathF.Abs(velocity); return -2f - position; }
        return position;
    }

    private float Uniform(float low, float high) => Uniform(ref _rng, low, high);

    private static float Uniform(ref Xoshiro256 rng, float low, float high) => low + (high - low) * rng.NextSingle();
}
