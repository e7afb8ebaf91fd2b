using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// The momentum update of <see cref="Momentum"/>'s step for generated kernels that fuse it into the backward pass
/// (<see cref="FusedStep"/>): <c>g ← ∇ + λ₂·w</c>, <c>v ← m·v + g</c>, <c>w ← w − μ·v</c> (Nesterov:
/// <c>w ← w − μ·(m·v + g)</c>), with the same operations in the same order as the optimizer, so the bits agree.
/// </summary>
public static class MomentumMath
{
    /// <summary>One vector of parameters at <paramref name="w"/> + <paramref name="at"/> and their velocity at <paramref name="v"/> + <paramref name="at"/>; <paramref name="negativeRate"/> is −μ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update(ref float w, ref float v, nuint at, Vector512<float> gradient, Vector512<float> l2, Vector512<float> momentum, Vector512<float> negativeRate, bool nesterov)
    {
        Vector512<float> p = Vector512.LoadUnsafe(ref w, at);
        Vector512<float> g = Vector512.FusedMultiplyAdd(gradient, Vector512<float>.One, l2 * p);
        Vector512<float> velocity = Vector512.FusedMultiplyAdd(momentum, Vector512.LoadUnsafe(ref v, at), g);
        velocity.StoreUnsafe(ref v, at);
        Vector512.FusedMultiplyAdd(negativeRate, nesterov ? Vector512.FusedMultiplyAdd(momentum, velocity, g) : velocity, p).StoreUnsafe(ref w, at);
    }

    /// <inheritdoc cref="Update(ref float, ref float, nuint, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, bool)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update(ref float w, ref float v, nuint at, Vector<float> gradient, Vector<float> l2, Vector<float> momentum, Vector<float> negativeRate, bool nesterov)
    {
        Vector<float> p = Vector.LoadUnsafe(ref w, at);
        Vector<float> g = Vector.FusedMultiplyAdd(gradient, Vector<float>.One, l2 * p);
        Vector<float> velocity = Vector.FusedMultiplyAdd(momentum, Vector.LoadUnsafe(ref v, at), g);
        velocity.StoreUnsafe(ref v, at);
        Vector.FusedMultiplyAdd(negativeRate, nesterov ? Vector.FusedMultiplyAdd(momentum, velocity, g) : velocity, p).StoreUnsafe(ref w, at);
    }

    /// <summary>One parameter <paramref name="w"/> and its velocity <paramref name="v"/>; <paramref name="negativeRate"/> is −μ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update(ref float w, ref float v, float gradient, float l2, float momentum, float negativeRate, bool nesterov)
    {
        float p = w;
        float g = float.FusedMultiplyAdd(gradient, 1f, l2 * p);
        float velocity = float.FusedMultiplyAdd(momentum, v, g);
        v = velocity;
        w = float.FusedMultiplyAdd(negativeRate, nesterov ? float.FusedMultiplyAdd(momentum, velocity, g) : velocity, p);
    }
}
