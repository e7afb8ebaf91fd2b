using System.Linq;
using NetGen.CompilerServices;

namespace NetGen.Tests.Runtime;

/// <summary>Seeded inputs and labels for the training-step tests: the same values for the same seed, on every machine.</summary>
internal static class Seeded
{
    /// <summary><paramref name="count"/> values uniform in [−<paramref name="scale"/>, <paramref name="scale"/>).</summary>
    public static float[] Floats(int count, ulong seed, float scale = 1f)
    {
        var rng = new Xoshiro256(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (rng.NextSingle() * 2f - 1f) * scale;
        return values;
    }

    /// <summary><paramref name="count"/> labels uniform in [0, <paramref name="classes"/>).</summary>
    public static int[] Labels(int count, int classes, ulong seed)
    {
        var rng = new Xoshiro256(seed);
        return Enumerable.Range(0, count).Select(_ => rng.NextInt(classes)).ToArray();
    }
}
