using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// Dense-layer kernels for sizes known only at run time: what <see cref="ComposedNetwork"/> runs, written with the care one
/// would take without a generator: 4 × 4 register blocks of <see cref="Vector512{T}"/> accumulators, bias and
/// activation fused into the epilogue. Matrices are row-major: inputs <c>x[rows, ins]</c>, weights <c>W[outs, ins]</c>.
/// On hardware without AVX-512, .NET runs <see cref="Vector512{T}"/> as two 256-bit halves.
/// </summary>
internal static class DenseKernels
{
    private const int Lanes = 16;

    /// <summary><c>y[rows, outs] = f(x · Wᵀ + b)</c>; <paramref name="activation"/> Identity leaves the pre-activations.</summary>
    public static void Forward(ref float x, ref float w, ref float b, ref float y, int rows, int ins, int outs, Activation activation, float slope)
    {
        int kv = ins - ins % Lanes;
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            ref float x0 = ref Unsafe.Add(ref x, (nint)r * ins);
            ref float x1 = ref Unsafe.Add(ref x0, ins);
            ref float x2 = ref Unsafe.Add(ref x1, ins);
            ref float x3 = ref Unsafe.Add(ref x2, ins);
            int o = 0;
            for (; o + 4 <= outs; o += 4)
            {
                ref float w0 = ref Unsafe.Add(ref w, (nint)o * ins);
                ref float w1 = ref Unsafe.Add(ref w0, ins);
                ref float w2 = ref Unsafe.Add(ref w1, ins);
                ref float w3 = ref Unsafe.Add(ref w2, ins);
                Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
                Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
                for (int k = 0; k < kv; k += Lanes)
                {
                    Vector512<float> a0 = Vector512.LoadUnsafe(ref x0, (nuint)k), a1 = Vector512.LoadUnsafe(ref x1, (nuint)k);
                    Vector512<float> a2 = Vector512.LoadUnsafe(ref x2, (nuint)k), a3 = Vector512.LoadUnsafe(ref x3, (nuint)k);
                    Vector512<float> v0 = Vector512.LoadUnsafe(ref w0, (nuint)k), v1 = Vector512.LoadUnsafe(ref w1, (nuint)k);
                    Vector512<float> v2 = Vector512.LoadUnsafe(ref w2, (nuint)k), v3 = Vector512.LoadUnsafe(ref w3, (nuint)k);
                    c00 = Vector512.FusedMultiplyAdd(a0, v0, c00); c01 = Vector512.FusedMultiplyAdd(a0, v1, c01); c02 = Vector512.FusedMultiplyAdd(a0, v2, c02); c03 = Vector512.FusedMultiplyAdd(a0, v3, c03);
                    c10 = Vector512.FusedMultiplyAdd(a1, v0, c10); c11 = Vector512.FusedMultiplyAdd(a1, v1, c11); c12 = Vector512.FusedMultiplyAdd(a1, v2, c12); c13 = Vector512.FusedMultiplyAdd(a1, v3, c13);
                    c20 = Vector512.FusedMultiplyAdd(a2, v0, c20); c21 = Vector512.FusedMultiplyAdd(a2, v1, c21); c22 = Vector512.FusedMultiplyAdd(a2, v2, c22); c23 = Vector512.FusedMultiplyAdd(a2, v3, c23);
                    c30 = Vector512.FusedMultiplyAdd(a3, v0, c30); c31 = Vector512.FusedMultiplyAdd(a3, v1, c31); c32 = Vector512.FusedMultiplyAdd(a3, v2, c32); c33 = Vector512.FusedMultiplyAdd(a3, v3, c33);
                }
                if (kv == ins)
                {
                    // No scalar tail: one transposing reduction finishes all sixteen (lane 4i + j: row i, output j).
                    Vector512<float> sums = VectorMath.SumEach(c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33);
                    Vector128<float> bias = Vector128.LoadUnsafe(ref b, (nuint)o);
                    (sums.GetLower().GetLower() + bias).StoreUnsafe(ref y, (nuint)((nint)r * outs + o));
                    (sums.GetLower().GetUpper() + bias).StoreUnsafe(ref y, (nuint)((nint)(r + 1) * outs + o));
                    (sums.GetUpper().GetLower() + bias).StoreUnsafe(ref y, (nuint)((nint)(r + 2) * outs + o));
                    (sums.GetUpper().GetUpper() + bias).StoreUnsafe(ref y, (nuint)((nint)(r + 3) * outs + o));
                    continue;
                }
                Store(ref y, r, o, outs, ref b, kv, ins, ref x0, ref w0, Vector512.Sum(c00), 0, 0);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x0, ref w1, Vector512.Sum(c01), 0, 1);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x0, ref w2, Vector512.Sum(c02), 0, 2);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x0, ref w3, Vector512.Sum(c03), 0, 3);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x1, ref w0, Vector512.Sum(c10), 1, 0);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x1, ref w1, Vector512.Sum(c11), 1, 1);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x1, ref w2, Vector512.Sum(c12), 1, 2);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x1, ref w3, Vector512.Sum(c13), 1, 3);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x2, ref w0, Vector512.Sum(c20), 2, 0);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x2, ref w1, Vector512.Sum(c21), 2, 1);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x2, ref w2, Vector512.Sum(c22), 2, 2);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x2, ref w3, Vector512.Sum(c23), 2, 3);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x3, ref w0, Vector512.Sum(c30), 3, 0);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x3, ref w1, Vector512.Sum(c31), 3, 1);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x3, ref w2, Vector512.Sum(c32), 3, 2);
                Store(ref y, r, o, outs, ref b, kv, ins, ref x3, ref w3, Vector512.Sum(c33), 3, 3);
            }
            for (; o < outs; o++)
            {
                for (int m = 0; m < 4; m++) Unsafe.Add(ref y, (nint)(r + m) * outs + o) = Dot(ref Unsafe.Add(ref x0, m * ins), ref Unsafe.Add(ref w, (nint)o * ins), ins) + Unsafe.Add(ref b, o);
            }
        }
        for (; r < rows; r++)
        {
            ref float xr = ref Unsafe.Add(ref x, (nint)r * ins);
            ref float yr = ref Unsafe.Add(ref y, (nint)r * outs);
            int o = 0;
            if (kv == ins)
            {
                for (; o + Lanes <= outs; o += Lanes) ForwardRowBlock(ref xr, ref Unsafe.Add(ref w, (nint)o * ins), ref Unsafe.Add(ref b, o), ref Unsafe.Add(ref yr, o), ins);
            }
            for (; o < outs; o++)
                Unsafe.Add(ref yr, o) = Dot(ref xr, ref Unsafe.Add(ref w, (nint)o * ins), ins) + Unsafe.Add(ref b, o);
        }
        if (activation != Activation.Identity) Activate(MemoryMarshal.CreateSpan(ref y, rows * outs), activation, slope);
    }

    /// <summary>Finishes one dot product of the 4 × 4 block: the scalar tail past the last whole vector, then the bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float y, int r, int o, int outs, ref float b, int kv, int ins, ref float xRow, ref float wRow, float sum, int dr, int dout)
    {
        for (int k = kv; k < ins; k++) sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref xRow, k), Unsafe.Add(ref wRow, k), sum);
        Unsafe.Add(ref y, (nint)(r + dr) * outs + o + dout) = sum + Unsafe.Add(ref b, o + dout);
    }

    /// <summary>Sixteen outputs of one row (weight rows from <paramref name="w"/>), <paramref name="ins"/> a whole number of vectors: sixteen accumulators and one transposing reduction.</summary>
    private static void ForwardRowBlock(ref float x, ref float w, ref float b, ref float y, int ins)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        for (int k = 0; k < ins; k += Lanes)
        {
            Vector512<float> xv = Vector512.LoadUnsafe(ref x, (nuint)k);
            ref float wk = ref Unsafe.Add(ref w, k);
            c0 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk), c0);
            c1 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)ins), c1);
            c2 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(2 * ins)), c2);
            c3 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(3 * ins)), c3);
            c4 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(4 * ins)), c4);
            c5 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(5 * ins)), c5);
            c6 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(6 * ins)), c6);
            c7 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(7 * ins)), c7);
            c8 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(8 * ins)), c8);
            c9 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(9 * ins)), c9);
            c10 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(10 * ins)), c10);
            c11 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(11 * ins)), c11);
            c12 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(12 * ins)), c12);
            c13 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(13 * ins)), c13);
            c14 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(14 * ins)), c14);
            c15 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref wk, (nuint)(15 * ins)), c15);
        }
        (VectorMath.SumEach(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15) + Vector512.LoadUnsafe(ref b)).StoreUnsafe(ref y);
    }

    private static float Dot(ref float a, ref float b, int n)
    {
        int k = 0;
        Vector512<float> acc = default;
        for (; k <= n - Lanes; k += Lanes) acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)k), Vector512.LoadUnsafe(ref b, (nuint)k), acc);
        float sum = Vector512.Sum(acc);
        for (; k < n; k++) sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref a, k), Unsafe.Add(ref b, k), sum);
        return sum;
    }

    /// <summary>Applies an activation in place, a vector at a time.</summary>
    public static void Activate(Span<float> values, Activation activation, float slope)
    {
        ref float v = ref MemoryMarshal.GetReference(values);
        int i = 0;
        for (; i <= values.Length - Lanes; i += Lanes)
        {
            ActivationMath.Apply(activation, Vector512.LoadUnsafe(ref v, (nuint)i), slope).StoreUnsafe(ref v, (nuint)i);
        }
        for (; i < values.Length; i++) Unsafe.Add(ref v, i) = ActivationMath.Apply(activation, Unsafe.Add(ref v, i), slope);
    }

    /// <summary>
    /// <c>dW[outs, ins] = δ[rows, outs]ᵀ · x[rows, ins]</c>, <c>db = Σ_rows δ</c>, handed block by block to
    /// <paramref name="update"/> (<see cref="StoreGradient{T}"/> stores or adds them; <see cref="SgdUpdate"/> consumes them
    /// in an SGD step, the operations <see cref="Sgd"/>'s step performs on a stored gradient): 4 weight rows × one vector
    /// of inputs per block.
    /// </summary>
    public static void BackwardWeights<TUpdate>(ref float delta, ref float x, ref float dw, ref float db, int rows, int ins, int outs, in TUpdate update)
        where TUpdate : struct, IParameterUpdate<float>
    {
        TUpdate u = update;
        ref float none = ref Unsafe.NullRef<float>();
        int iv = ins - ins % Lanes;
        int o = 0;
        for (; o + 4 <= outs; o += 4)
        {
            for (int i = 0; i < iv; i += Lanes)
            {
                Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
                for (int r = 0; r < rows; r++)
                {
                    Vector512<float> xv = Vector512.LoadUnsafe(ref x, (nuint)((nint)r * ins + i));
                    ref float d = ref Unsafe.Add(ref delta, (nint)r * outs + o);
                    c0 = Vector512.FusedMultiplyAdd(Vector512.Create(d), xv, c0);
                    c1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref d, 1)), xv, c1);
                    c2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref d, 2)), xv, c2);
                    c3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref d, 3)), xv, c3);
                }
                u.Weight(ref dw, ref none, (nuint)((nint)o * ins + i), c0);
                u.Weight(ref dw, ref none, (nuint)((nint)(o + 1) * ins + i), c1);
                u.Weight(ref dw, ref none, (nuint)((nint)(o + 2) * ins + i), c2);
                u.Weight(ref dw, ref none, (nuint)((nint)(o + 3) * ins + i), c3);
            }
        }
        for (; o < outs; o++)
        {
            for (int i = 0; i < iv; i += Lanes)
            {
                Vector512<float> c = default;
                for (int r = 0; r < rows; r++)
                    c = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref delta, (nint)r * outs + o)), Vector512.LoadUnsafe(ref x, (nuint)((nint)r * ins + i)), c);
                u.Weight(ref dw, ref none, (nuint)((nint)o * ins + i), c);
            }
        }
        for (o = 0; o < outs; o++)
        {
            for (int i = iv; i < ins; i++)
            {
                float s = 0f;
                for (int r = 0; r < rows; r++) s = MathF.FusedMultiplyAdd(Unsafe.Add(ref delta, (nint)r * outs + o), Unsafe.Add(ref x, (nint)r * ins + i), s);
                u.Weight(ref Unsafe.Add(ref dw, (nint)o * ins + i), ref none, s);
            }
            float sb = 0f;
            for (int r = 0; r < rows; r++) sb += Unsafe.Add(ref delta, (nint)r * outs + o);
            u.Bias(ref Unsafe.Add(ref db, o), ref none, sb);
        }
    }

    /// <summary>
    /// One row's gradient consumed at once by an SGD update: <c>W ← a·W + b·(δ ⊗ x)</c>, <c>bias ← bias + b·δ</c>, each
    /// gradient element formed exactly as <see cref="BackwardWeights"/> forms it for one row (a fused multiply-add onto
    /// zero), so the parameters get the bits of that gradient followed by <see cref="Sgd"/>'s step.
    /// </summary>
    public static void StepWeightsRow(ref float delta, ref float x, ref float w, ref float b, int ins, int outs, in SgdUpdate update)
    {
        SgdUpdate u = update;
        ref float none = ref Unsafe.NullRef<float>();
        int iv = ins - ins % Lanes;
        for (int o = 0; o < outs; o++)
        {
            float d = Unsafe.Add(ref delta, o);
            Vector512<float> dv = Vector512.Create(d);
            ref float wo = ref Unsafe.Add(ref w, (nint)o * ins);
            for (int i = 0; i < iv; i += Lanes)
                u.Weight(ref wo, ref none, (nuint)i, Vector512.FusedMultiplyAdd(dv, Vector512.LoadUnsafe(ref x, (nuint)i), Vector512<float>.Zero));
            for (int i = iv; i < ins; i++)
                u.Weight(ref Unsafe.Add(ref wo, i), ref none, MathF.FusedMultiplyAdd(d, Unsafe.Add(ref x, i), 0f));
            u.Bias(ref Unsafe.Add(ref b, o), ref none, 0f + d);
        }
    }

    /// <summary>
    /// <c>δp[rows, ins] = (δ[rows, outs] · W[outs, ins]) ∘ f′(a) (∘ mask)</c>, with <c>f′</c> taken from the previous layer's
    /// activations <paramref name="a"/>; <paramref name="mask"/> is the previous layer's dropout mask, or a null reference.
    /// </summary>
    public static void BackwardInput(ref float delta, ref float w, ref float a, ref float mask, ref float deltaPrevious,
        int rows, int ins, int outs, Activation previous, float slope)
    {
        bool masked = !Unsafe.IsNullRef(ref mask);
        int iv = ins - ins % Lanes;
        for (int r = 0; r < rows; r++)
        {
            ref float d = ref Unsafe.Add(ref delta, (nint)r * outs);
            for (int i = 0; i < iv; i += Lanes)
            {
                Vector512<float> c0 = default, c1 = default;
                int o = 0;
                for (; o + 2 <= outs; o += 2)
                {
                    c0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref d, o)), Vector512.LoadUnsafe(ref w, (nuint)((nint)o * ins + i)), c0);
                    c1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref d, o + 1)), Vector512.LoadUnsafe(ref w, (nuint)((nint)(o + 1) * ins + i)), c1);
                }
                if (o < outs) c0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref d, o)), Vector512.LoadUnsafe(ref w, (nuint)((nint)o * ins + i)), c0);
                nint at = (nint)r * ins + i;
                Vector512<float> av = Vector512.LoadUnsafe(ref a, (nuint)at);
                Vector512<float> derivative = previous switch
                {
                    Activation.Sigmoid => ActivationMath.SigmoidDerivative(av),
                    Activation.Tanh => ActivationMath.TanhDerivative(av),
                    Activation.ReLU => ActivationMath.ReLUDerivative(av),
                    Activation.LeakyReLU => ActivationMath.LeakyReLUDerivative(av, slope),
                    _ => Vector512<float>.One,
                };
                Vector512<float> result = (c0 + c1) * derivative;
                if (masked) result *= Vector512.LoadUnsafe(ref mask, (nuint)at);
                result.StoreUnsafe(ref deltaPrevious, (nuint)at);
            }
            for (int i = iv; i < ins; i++)
            {
                float s = 0f;
                for (int o = 0; o < outs; o++) s = MathF.FusedMultiplyAdd(Unsafe.Add(ref d, o), Unsafe.Add(ref w, (nint)o * ins + i), s);
                nint at = (nint)r * ins + i;
                s *= ActivationMath.DerivativeFromOutput(previous, Unsafe.Add(ref a, at), slope);
                if (masked) s *= Unsafe.Add(ref mask, at);
                Unsafe.Add(ref deltaPrevious, at) = s;
            }
        }
    }
}
