using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// The constants of one generated dense layer, as static members of a struct the generator writes (<c>Kernels.Layer0</c>):
/// passed as a type argument to <see cref="PortableDense{TLayer, T}"/> (and <see cref="Dense512{TLayer, T}"/>), they reach
/// the JIT as constants, which then compiles the kernels once per layer with every size, bound and activation folded in.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IDenseLayer
{
    /// <summary>The layer's inputs: the width of one sample's input row.</summary>
    static abstract int Inputs { get; }

    /// <summary>The layer's outputs: the width of one sample's output row.</summary>
    static abstract int Outputs { get; }

    /// <summary>The activation the forward kernel applies to its outputs (Identity: none).</summary>
    static virtual Activation Activation => Activation.Identity;

    /// <summary>The slope of <see cref="Activation.LeakyReLU"/> below zero.</summary>
    static virtual float NegativeSlope => 0f;

    /// <summary>The activation of the layer before, whose derivative the input delta takes (Identity: none).</summary>
    static virtual Activation InputActivation => Activation.Identity;

    /// <summary>The slope of the layer before when it is a leaky ReLU.</summary>
    static virtual float InputSlope => 0f;

    /// <summary>Rows of a forward panel: the planner's choice (its inputs stay in L2 while the weight rows sweep them).</summary>
    static abstract int PanelRows { get; }

    /// <summary>Whether a forward call of at least <see cref="SharedConstants.RowGemmRows"/> rows takes the matrix product (<see cref="Gemm"/>).</summary>
    static virtual bool UsesGemm => false;
}

/// <summary>
/// The portable flavor of a generated dense layer's kernels, over <see cref="Vector{T}"/> (256 bits with 16 registers on
/// AVX2, the machines without AVX-512): written once here and compiled by the JIT once per layer, with the layer's
/// constants from <typeparamref name="TLayer"/>. Blocks of 3 rows × 4 outputs (forward) or 4 rows × 3 vectors
/// (backward) keep 12 accumulators and their operands in registers. Every output's sum runs in one order whatever the
/// cut [lo, hi) or the number of rows, so threads that share a layer's units compute the bits of one thread.
/// </summary>
/// <typeparam name="TLayer">The layer's constants.</typeparam>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PortableDense<TLayer, T>
    where TLayer : struct, IDenseLayer
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rows of the batch a weight-gradient block sums between two requests for its share of the next block's weights.</summary>
    private const int PrefetchRows = 4;

    /// <summary>
    /// Rows from which a wide float layer's forward pass runs on the rows-packed product (<see cref="Gemm.MultiplyRows"/>,
    /// panels of 16 rows with 256-bit vectors) instead of the dot-product blocks: 64 (<c>SharedConstants.RowGemmRows</c>),
    /// or 16 for a layer of more than 1,024 inputs. The four weight rows a block reads are then more than 16 KB,
    /// which no longer stay in a 32 KB L1 beside the rows of the batch, and the block waits on L2 for every vector. With
    /// <c>DOTNET_EnableAVX512=0 NetGen.Benchmarks.dll --training 20 24 32 48 56</c> (the wide network, 3,072 inputs first;
    /// two runs alternating the two choices) the step went from 48–62 % of the <c>Vector256</c> FMA peak to 62–67 % at 32
    /// rows, from 46–58 % to 51–72 % at 48 and from 55–59 % to 66–73 % at 56, and read 44–56 % against 38–47 % at 20 rows,
    /// where the second panel has 4 rows of 16; 1,024 inputs read the same either way. A layer of 784 inputs keeps the
    /// dot products below 64 rows: its blocks stay in L1, and the seed network's step read 64 % against 78 % at 32 rows
    /// (one run). Those figures are of the 2 × 4 blocks before the 3 × 4 ones; with the 3 × 4 blocks below 64 rows the
    /// wide step read 47–61 % at 32 rows against 69–71 % on the product, 55–60 % against 70–75 % at 48 (two alternating
    /// pairs), so the choice stands.
    /// </summary>
    private static int GemmRows => TLayer.Inputs > 1024 ? 16 : SharedConstants.RowGemmRows;

    // ------------------------------------------------------------------ forward: y = f(x·Wᵀ + b)

    /// <summary>
    /// <c>y[rows, lo..hi) = f(x[rows, in] · W[lo..hi, in]ᵀ + b[lo..hi])</c>: 3 × 4 blocks of dot products along the
    /// inputs, panel by panel of rows, or from <see cref="GemmRows"/> rows the rows-packed matrix product;
    /// <paramref name="lo"/> a multiple of 64, <paramref name="hi"/> too or the outputs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Forward(ref T x, ref T w, ref T b, ref T y, int rows, int lo, int hi)
    {
        int ins = TLayer.Inputs, outs = TLayer.Outputs;
        if (TLayer.UsesGemm && typeof(T) == typeof(float) && rows >= GemmRows && Vector256.IsHardwareAccelerated)
        {
            // The rows packed (panels of 16 with 256-bit vectors) and the weights read in place, each output one FMA
            // chain over k. With AVX2, 64 rows of the seed network's first layer ran at 77 % of the Vector256 FMA peak
            // this way (--gemm) against about half of it on the dot-product blocks; at 256 rows 80 %, against 72–80 % for
            // the weights packed per call (MultiplyTransposed).
            Gemm.MultiplyRows(ref Unsafe.As<T, float>(ref x), ref Unsafe.As<T, float>(ref w), ref Unsafe.As<T, float>(ref b),
                ref Unsafe.As<T, float>(ref y), rows, ins, outs, lo, hi, TLayer.Activation, TLayer.NegativeSlope);
            return;
        }
        int fullOutputs = outs - outs % 4;
        for (int r0 = 0; r0 < rows; r0 += TLayer.PanelRows)
        {
            int r1 = Math.Min(rows, r0 + TLayer.PanelRows);
            for (int o = lo, end = Math.Min(hi, fullOutputs); o < end; o += 4)
            {
                int r = r0;
                for (; r + 1 < r1; r += 3) Dot3x4(ref x, ref w, ref b, ref y, r, o, r1 - 1);
                if (r < r1) Dot1x4(ref x, ref w, ref b, ref y, r, o);
            }
            for (int o = Math.Max(lo, fullOutputs); o < hi; o++)
            {
                int r = r0;
                for (; r + 2 <= r1; r += 2) Dot2x1(ref x, ref w, ref b, ref y, r, o);
                for (; r < r1; r++) Dot1x1(ref x, ref w, ref b, ref y, r, o);
            }
            Activate(ref y, r0, r1, lo, hi);
        }
    }

    /// <summary>
    /// Three rows × four outputs: 12 accumulators, the three rows' vectors and one weight vector at a time, AVX2's 16
    /// registers. Each weight vector feeds three FMAs where the 2 × 4 block's fed two: with AVX-512 turned off, a probe of
    /// the seed network's first layer (784 × 500, one thread, alternating in one process) ran 1.09–1.14× as fast at 12 to
    /// 48 rows, the wide network's second (1,024 × 512) 1.07–1.09× at 24 and 48, its first (3,072 × 1,024) 1.25–1.29× at
    /// 6 and 12 rows; a 16- or 32-input layer the same (0.99–1.02×). Every output keeps its one chain over the inputs.
    /// Rows past <paramref name="last"/> repeat it: a last block of two rows computes its second row twice, to the same
    /// bits, and stores it twice in one place, reading the weights once for both.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot3x4(ref T x, ref T w, ref T b, ref T y, int r, int o, int last)
    {
        int ins = TLayer.Inputs, outs = TLayer.Outputs, vectorIns = ins - ins % Vector<T>.Count;
        int row1 = Math.Min(r + 1, last), row2 = Math.Min(r + 2, last);
        ref T x0 = ref Unsafe.Add(ref x, (nint)(r) * ins), x1 = ref Unsafe.Add(ref x, (nint)row1 * ins), x2 = ref Unsafe.Add(ref x, (nint)row2 * ins);
        ref T w0 = ref Unsafe.Add(ref w, (nint)(o) * ins), w1 = ref Unsafe.Add(ref w, (nint)(o + 1) * ins);
        ref T w2 = ref Unsafe.Add(ref w, (nint)(o + 2) * ins), w3 = ref Unsafe.Add(ref w, (nint)(o + 3) * ins);
        Vector<T> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector<T> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector<T> c20 = default, c21 = default, c22 = default, c23 = default;
        for (int k = 0; k < vectorIns; k += Vector<T>.Count)
        {
            Vector<T> xv0 = Vector.LoadUnsafe(ref x0, (nuint)(k)), xv1 = Vector.LoadUnsafe(ref x1, (nuint)(k)), xv2 = Vector.LoadUnsafe(ref x2, (nuint)(k));
            Vector<T> wv = Vector.LoadUnsafe(ref w0, (nuint)(k));
            c00 = VectorMath.Fma(xv0, wv, c00); c10 = VectorMath.Fma(xv1, wv, c10); c20 = VectorMath.Fma(xv2, wv, c20);
            wv = Vector.LoadUnsafe(ref w1, (nuint)(k));
            c01 = VectorMath.Fma(xv0, wv, c01); c11 = VectorMath.Fma(xv1, wv, c11); c21 = VectorMath.Fma(xv2, wv, c21);
            wv = Vector.LoadUnsafe(ref w2, (nuint)(k));
            c02 = VectorMath.Fma(xv0, wv, c02); c12 = VectorMath.Fma(xv1, wv, c12); c22 = VectorMath.Fma(xv2, wv, c22);
            wv = Vector.LoadUnsafe(ref w3, (nuint)(k));
            c03 = VectorMath.Fma(xv0, wv, c03); c13 = VectorMath.Fma(xv1, wv, c13); c23 = VectorMath.Fma(xv2, wv, c23);
        }
        T s00 = Vector.Sum(c00), s01 = Vector.Sum(c01), s02 = Vector.Sum(c02), s03 = Vector.Sum(c03);
        T s10 = Vector.Sum(c10), s11 = Vector.Sum(c11), s12 = Vector.Sum(c12), s13 = Vector.Sum(c13);
        T s20 = Vector.Sum(c20), s21 = Vector.Sum(c21), s22 = Vector.Sum(c22), s23 = Vector.Sum(c23);
        for (int k = vectorIns; k < ins; k++)
        {
            T a0 = Unsafe.Add(ref x0, k), a1 = Unsafe.Add(ref x1, k), a2 = Unsafe.Add(ref x2, k);
            T ws0 = Unsafe.Add(ref w0, k), ws1 = Unsafe.Add(ref w1, k), ws2 = Unsafe.Add(ref w2, k), ws3 = Unsafe.Add(ref w3, k);
            s00 = T.FusedMultiplyAdd(a0, ws0, s00); s01 = T.FusedMultiplyAdd(a0, ws1, s01);
            s02 = T.FusedMultiplyAdd(a0, ws2, s02); s03 = T.FusedMultiplyAdd(a0, ws3, s03);
            s10 = T.FusedMultiplyAdd(a1, ws0, s10); s11 = T.FusedMultiplyAdd(a1, ws1, s11);
            s12 = T.FusedMultiplyAdd(a1, ws2, s12); s13 = T.FusedMultiplyAdd(a1, ws3, s13);
            s20 = T.FusedMultiplyAdd(a2, ws0, s20); s21 = T.FusedMultiplyAdd(a2, ws1, s21);
            s22 = T.FusedMultiplyAdd(a2, ws2, s22); s23 = T.FusedMultiplyAdd(a2, ws3, s23);
        }
        Store4(ref Unsafe.Add(ref y, (nint)(r) * outs), ref b, o, s00, s01, s02, s03);
        Store4(ref Unsafe.Add(ref y, (nint)row1 * outs), ref b, o, s10, s11, s12, s13);
        Store4(ref Unsafe.Add(ref y, (nint)row2 * outs), ref b, o, s20, s21, s22, s23);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot1x4(ref T x, ref T w, ref T b, ref T y, int r, int o)
    {
        int ins = TLayer.Inputs, outs = TLayer.Outputs, vectorIns = ins - ins % Vector<T>.Count;
        ref T x0 = ref Unsafe.Add(ref x, (nint)(r) * ins);
        ref T w0 = ref Unsafe.Add(ref w, (nint)(o) * ins), w1 = ref Unsafe.Add(ref w, (nint)(o + 1) * ins);
        ref T w2 = ref Unsafe.Add(ref w, (nint)(o + 2) * ins), w3 = ref Unsafe.Add(ref w, (nint)(o + 3) * ins);
        Vector<T> c00 = default, c01 = default, c02 = default, c03 = default;
        for (int k = 0; k < vectorIns; k += Vector<T>.Count)
        {
            Vector<T> xv0 = Vector.LoadUnsafe(ref x0, (nuint)(k));
            c00 = VectorMath.Fma(xv0, Vector.LoadUnsafe(ref w0, (nuint)(k)), c00); c01 = VectorMath.Fma(xv0, Vector.LoadUnsafe(ref w1, (nuint)(k)), c01);
            c02 = VectorMath.Fma(xv0, Vector.LoadUnsafe(ref w2, (nuint)(k)), c02); c03 = VectorMath.Fma(xv0, Vector.LoadUnsafe(ref w3, (nuint)(k)), c03);
        }
        T s00 = Vector.Sum(c00), s01 = Vector.Sum(c01), s02 = Vector.Sum(c02), s03 = Vector.Sum(c03);
        for (int k = vectorIns; k < ins; k++)
        {
            T a0 = Unsafe.Add(ref x0, k);
            s00 = T.FusedMultiplyAdd(a0, Unsafe.Add(ref w0, k), s00); s01 = T.FusedMultiplyAdd(a0, Unsafe.Add(ref w1, k), s01);
            s02 = T.FusedMultiplyAdd(a0, Unsafe.Add(ref w2, k), s02); s03 = T.FusedMultiplyAdd(a0, Unsafe.Add(ref w3, k), s03);
        }
        Store4(ref Unsafe.Add(ref y, (nint)(r) * outs), ref b, o, s00, s01, s02, s03);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot2x1(ref T x, ref T w, ref T b, ref T y, int r, int o)
    {
        int ins = TLayer.Inputs, outs = TLayer.Outputs, vectorIns = ins - ins % Vector<T>.Count;
        ref T x0 = ref Unsafe.Add(ref x, (nint)(r) * ins), x1 = ref Unsafe.Add(ref x, (nint)(r + 1) * ins), w0 = ref Unsafe.Add(ref w, (nint)(o) * ins);
        Vector<T> c00 = default, c10 = default;
        for (int k = 0; k < vectorIns; k += Vector<T>.Count)
        {
            Vector<T> wv0 = Vector.LoadUnsafe(ref w0, (nuint)(k));
            c00 = VectorMath.Fma(Vector.LoadUnsafe(ref x0, (nuint)(k)), wv0, c00);
            c10 = VectorMath.Fma(Vector.LoadUnsafe(ref x1, (nuint)(k)), wv0, c10);
        }
        T s00 = Vector.Sum(c00), s10 = Vector.Sum(c10);
        for (int k = vectorIns; k < ins; k++)
        {
            T ws0 = Unsafe.Add(ref w0, k);
            s00 = T.FusedMultiplyAdd(Unsafe.Add(ref x0, k), ws0, s00);
            s10 = T.FusedMultiplyAdd(Unsafe.Add(ref x1, k), ws0, s10);
        }
        Unsafe.Add(ref Unsafe.Add(ref y, (nint)(r) * outs), o) = s00 + Unsafe.Add(ref b, o);
        Unsafe.Add(ref Unsafe.Add(ref y, (nint)(r + 1) * outs), o) = s10 + Unsafe.Add(ref b, o);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot1x1(ref T x, ref T w, ref T b, ref T y, int r, int o)
    {
        int ins = TLayer.Inputs, outs = TLayer.Outputs, vectorIns = ins - ins % Vector<T>.Count;
        ref T x0 = ref Unsafe.Add(ref x, (nint)(r) * ins), w0 = ref Unsafe.Add(ref w, (nint)(o) * ins);
        Vector<T> c00 = default;
        for (int k = 0; k < vectorIns; k += Vector<T>.Count) c00 = VectorMath.Fma(Vector.LoadUnsafe(ref x0, (nuint)(k)), Vector.LoadUnsafe(ref w0, (nuint)(k)), c00);
        T s00 = Vector.Sum(c00);
        for (int k = vectorIns; k < ins; k++) s00 = T.FusedMultiplyAdd(Unsafe.Add(ref x0, k), Unsafe.Add(ref w0, k), s00);
        Unsafe.Add(ref Unsafe.Add(ref y, (nint)(r) * outs), o) = s00 + Unsafe.Add(ref b, o);
    }

    /// <summary><c>y[o..o + 4) = s + b[o..o + 4)</c>, the end of every block of four outputs (<see cref="Dense512{TLayer, T}"/>'s too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store4(ref T y, ref T b, int o, T s0, T s1, T s2, T s3)
    {
        Unsafe.Add(ref y, o) = s0 + Unsafe.Add(ref b, o);
        Unsafe.Add(ref y, o + 1) = s1 + Unsafe.Add(ref b, o + 1);
        Unsafe.Add(ref y, o + 2) = s2 + Unsafe.Add(ref b, o + 2);
        Unsafe.Add(ref y, o + 3) = s3 + Unsafe.Add(ref b, o + 3);
    }

    /// <summary>
    /// The layer's activation over outputs [lo, hi) of rows [r0, r1), in place (nothing for Identity): a call of its own,
    /// so the activation's vector code does not take the JIT's inlining budget of the product it follows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Activate(ref T y, int r0, int r1, int lo, int hi)
    {
        if (TLayer.Activation == Activation.Identity) return;
        int outs = TLayer.Outputs, vectorEnd = outs - outs % Vector<T>.Count;
        T slope = T.CreateTruncating(TLayer.NegativeSlope);
        for (int r = r0; r < r1; r++)
        {
            ref T row = ref Unsafe.Add(ref y, (nint)r * outs);
            for (int j = lo, end = Math.Min(hi, vectorEnd); j < end; j += Vector<T>.Count)
                ActivationMath.Apply(TLayer.Activation, Vector.LoadUnsafe(ref row, (nuint)j), slope).StoreUnsafe(ref row, (nuint)j);
            for (int j = Math.Max(lo, vectorEnd); j < hi; j++)
                Unsafe.Add(ref row, j) = ActivationMath.Apply(TLayer.Activation, Unsafe.Add(ref row, j), slope);
        }
    }

    // ------------------------------------------------------------------ backward: dW = δᵀ·x, db = Σ δ

    /// <summary>
    /// <c>dW[lo..hi, in] = δ[rows, lo..hi]ᵀ · x[rows, in]</c> and <c>db[lo..hi] = Σ_rows δ</c>, each block handed to
    /// <paramref name="update"/> (stored, or consumed by a fused optimizer step with <paramref name="vw"/>,
    /// <paramref name="vb"/> as its state): blocks of 4 weight rows × 3 vectors of inputs summed over the rows in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void BackwardWeights<TUpdate>(
        ref T delta, ref T x, ref T w, ref T b, ref T vw, ref T vb, int rows, in TUpdate update, int lo, int hi)
        where TUpdate : struct, IParameterUpdate<T>
        => Update(ref delta, ref x, ref w, ref b, ref vw, ref vb, rows, in update, lo, hi, 0, TLayer.Inputs, bias: true);

    /// <summary>
    /// As the other overload, for the input columns [<paramref name="i0"/>, <paramref name="i1"/>) of weight rows
    /// [lo, hi) only, and their biases when <paramref name="bias"/> is set: a narrow layer's update cut across threads by
    /// its inputs. Each weight gets the bits of the whole call when <paramref name="i0"/> and <paramref name="i1"/> are
    /// multiples of <see cref="Vector{T}.Count"/> or the layer's inputs (the cut falls between whole vectors); lo and hi
    /// are such multiples (or the layer's outputs) in either overload, as the biases go in whole vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void BackwardWeights<TUpdate>(
        ref T delta, ref T x, ref T w, ref T b, ref T vw, ref T vb, int rows, in TUpdate update, int lo, int hi, int i0, int i1, bool bias)
        where TUpdate : struct, IParameterUpdate<T>
        => Update(ref delta, ref x, ref w, ref b, ref vw, ref vb, rows, in update, lo, hi, i0, i1, bias);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update<TUpdate>(
        ref T delta, ref T x, ref T w, ref T b, ref T vw, ref T vb, int rows, in TUpdate update, int lo, int hi, int i0, int i1, bool bias)
        where TUpdate : struct, IParameterUpdate<T>
    {
        int ins = TLayer.Inputs, outs = TLayer.Outputs, n = Vector<T>.Count, vectorIns = ins - ins % n;
        hi = Math.Min(hi, outs);
        i1 = Math.Min(i1, ins);
        if (hi <= lo || (i1 <= i0 && !bias)) return; // nothing (each panel below copies its columns of x for every row)
        TUpdate u = update; // a local copy: its coefficients stay in registers
        int whole = lo + (hi - lo) / 4 * 4; // weight rows in whole blocks of 4
        // Panels of 3 vectors of columns from i0, then the one or two whole vectors left as one panel (4 rows × 2
        // vectors still keep 8 sums in flight).
        int vectorEnd = Math.Max(i0, Math.Min(i1, vectorIns)), blockEnd = i0 + (vectorEnd - i0) / (3 * n) * (3 * n);
        for (int i = i0; i < blockEnd; i += 3 * n) WeightPanel(ref delta, ref x, ref w, ref vw, rows, ref u, lo, hi, whole, i, 3);
        if (vectorEnd - blockEnd == 2 * n) WeightPanel(ref delta, ref x, ref w, ref vw, rows, ref u, lo, hi, whole, blockEnd, 2);
        else if (vectorEnd - blockEnd == n) WeightPanel(ref delta, ref x, ref w, ref vw, rows, ref u, lo, hi, whole, blockEnd, 1);
        // Columns past the last whole vector.
        for (int i = Math.Max(i0, vectorIns); i < i1; i++)
        {
            for (int o = lo; o < hi; o++)
            {
                T s = T.Zero;
                for (int r = 0; r < rows; r++) s = T.FusedMultiplyAdd(Unsafe.Add(ref delta, (nint)r * outs + o), Unsafe.Add(ref x, (nint)r * ins + i), s);
                int at = o * ins + i;
                u.Weight(ref Unsafe.Add(ref w, at), ref Unsafe.Add(ref vw, at), s);
            }
        }
        if (!bias) return;
        // db = Σ_rows δ
        int vectorOutputs = outs - outs % n;
        for (int o = lo, end = Math.Min(hi, vectorOutputs); o < end; o += n)
        {
            Vector<T> s = Vector<T>.Zero;
            for (int r = 0; r < rows; r++) s += Vector.LoadUnsafe(ref delta, (nuint)(r * outs + o));
            u.Bias(ref b, ref vb, (nuint)o, s);
        }
        for (int o = Math.Max(lo, vectorOutputs); o < hi; o++)
        {
            T s = T.Zero;
            for (int r = 0; r < rows; r++) s += Unsafe.Add(ref delta, (nint)r * outs + o);
            u.Bias(ref Unsafe.Add(ref b, o), ref Unsafe.Add(ref vb, o), s);
        }
    }

    /// <summary>
    /// Columns [<paramref name="i"/>, i + <paramref name="nv"/> vectors) of x copied where its rows start whole cache
    /// lines (<see cref="VectorOps.Panel{T}"/>), then swept by the weight rows [lo, hi): blocks of 4 up to
    /// <paramref name="whole"/>, then one at a time. <paramref name="nv"/> is a constant where the JIT inlines it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WeightPanel<TUpdate>(ref T delta, ref T x, ref T w, ref T vw, int rows, ref TUpdate u, int lo, int hi, int whole, int i, int nv)
        where TUpdate : struct, IParameterUpdate<T>
    {
        ref T panel = ref VectorOps.Panel(ref x, TLayer.Inputs, rows, i, nv * Vector<T>.Count);
        int o = lo;
        for (; o < whole; o += 4) WeightBlock(ref delta, ref panel, ref w, ref vw, rows, ref u, o, hi, i, 4, nv);
        for (; o < hi; o++) WeightBlock(ref delta, ref panel, ref w, ref vw, rows, ref u, o, hi, i, 1, nv);
    }

    /// <summary>
    /// <paramref name="mr"/> (1 or 4) weight rows from <paramref name="o"/> × <paramref name="nv"/> (1 to 3) vectors of
    /// inputs from <paramref name="i"/>, the inputs from their <paramref name="panel"/> (rows <paramref name="nv"/> vectors
    /// apart); both are constants where the JIT inlines it. With 4 × 3, 12 accumulators, 3 inputs and a broadcast δ fill
    /// AVX2's 16 registers, 7 loads for 12 FMAs (2 × 4 vectors took 6 loads for 8 FMAs, and 8 accumulators are just the
    /// FMAs a core keeps in flight).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WeightBlock<TUpdate>(ref T delta, ref T panel, ref T w, ref T vw, int rows, ref TUpdate u, int o, int hi, int i, int mr, int nv)
        where TUpdate : struct, IParameterUpdate<T>
    {
        int ins = TLayer.Inputs, outs = TLayer.Outputs;
        int n = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        // The next block's weights (this range's) to the cache, a share per group of rows while this block sums over the
        // batch: after a block of four only (the single rows that end a range have no next block in it).
        nuint next = mr == 4 ? (nuint)((o + 4) * ins + i) : 0;
        int ahead = mr == 4 ? Math.Min(4, hi - o - 4) : 0;
        // Row r's δ and inputs by stepping two references, not by multiplying r out each time: with AVX2's 2 FMAs a
        // cycle, the loop's 12 FMAs leave room for few other instructions. For the same reason the share of the next
        // block is asked for once per group of PrefetchRows rows, not in every row, which ran the seed network's kernel
        // about 4 % slower (docs/performance.md).
        ref T dr = ref Unsafe.Add(ref delta, o);
        ref T xr = ref panel;
        int groups = (rows + PrefetchRows - 1) / PrefetchRows;
        for (int r = 0, group = 0; r < rows; group++)
        {
            if (mr == 4) u.Prefetch(ref w, ref vw, next, ahead, ins, nv * n, group, groups);
            for (int end = Math.Min(rows, r + PrefetchRows); r < end; r++, dr = ref Unsafe.Add(ref dr, outs), xr = ref Unsafe.Add(ref xr, nv * n))
            {
                Vector<T> xv0 = Vector.LoadUnsafe(ref xr);
                Vector<T> xv1 = nv > 1 ? Vector.LoadUnsafe(ref xr, (nuint)n) : default;
                Vector<T> xv2 = nv > 2 ? Vector.LoadUnsafe(ref xr, (nuint)(2 * n)) : default;
                Vector<T> d = new(dr);
                c00 = VectorMath.Fma(d, xv0, c00);
                if (nv > 1) c01 = VectorMath.Fma(d, xv1, c01);
                if (nv > 2) c02 = VectorMath.Fma(d, xv2, c02);
                if (mr == 4)
                {
                    d = new(Unsafe.Add(ref dr, 1));
                    c10 = VectorMath.Fma(d, xv0, c10);
                    if (nv > 1) c11 = VectorMath.Fma(d, xv1, c11);
                    if (nv > 2) c12 = VectorMath.Fma(d, xv2, c12);
                    d = new(Unsafe.Add(ref dr, 2));
                    c20 = VectorMath.Fma(d, xv0, c20);
                    if (nv > 1) c21 = VectorMath.Fma(d, xv1, c21);
                    if (nv > 2) c22 = VectorMath.Fma(d, xv2, c22);
                    d = new(Unsafe.Add(ref dr, 3));
                    c30 = VectorMath.Fma(d, xv0, c30);
                    if (nv > 1) c31 = VectorMath.Fma(d, xv1, c31);
                    if (nv > 2) c32 = VectorMath.Fma(d, xv2, c32);
                }
            }
        }
        WeightRow(ref w, ref vw, ref u, o * ins + i, nv, c00, c01, c02);
        if (mr == 4)
        {
            WeightRow(ref w, ref vw, ref u, (o + 1) * ins + i, nv, c10, c11, c12);
            WeightRow(ref w, ref vw, ref u, (o + 2) * ins + i, nv, c20, c21, c22);
            WeightRow(ref w, ref vw, ref u, (o + 3) * ins + i, nv, c30, c31, c32);
        }
    }

    /// <summary>The first <paramref name="nv"/> of one weight row's gradient vectors, handed to the update at <paramref name="at"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WeightRow<TUpdate>(ref T w, ref T vw, ref TUpdate u, int at, int nv, Vector<T> c0, Vector<T> c1, Vector<T> c2)
        where TUpdate : struct, IParameterUpdate<T>
    {
        int n = Vector<T>.Count;
        u.Weight(ref w, ref vw, (nuint)at, c0);
        if (nv > 1) u.Weight(ref w, ref vw, (nuint)(at + n), c1);
        if (nv > 2) u.Weight(ref w, ref vw, (nuint)(at + 2 * n), c2);
    }

    // ------------------------------------------------------------------ backward: δ_prev = (δ·W) ∘ f′(a_prev)

    /// <summary>
    /// The previous layer's delta, columns [lo, hi): <c>δp[rows, in] = (δ[rows, out] · W[out, in]) ∘ f′(a[rows, in])</c>,
    /// f the previous layer's activation (<see cref="IDenseLayer.InputActivation"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void BackwardInput(ref T delta, ref T w, ref T a, ref T deltaPrevious, int rows, int lo, int hi)
        => InputDelta(ref delta, ref w, ref a, ref Unsafe.NullRef<T>(), ref deltaPrevious, rows, lo, hi, masked: false);

    /// <summary>As the unmasked overload, times the previous layer's dropout mask: <c>δp ∘= mask</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void BackwardInput(ref T delta, ref T w, ref T a, ref T mask, ref T deltaPrevious, int rows, int lo, int hi)
        => InputDelta(ref delta, ref w, ref a, ref mask, ref deltaPrevious, rows, lo, hi, masked: true);

    /// <summary>Columns outer, rows inner: a panel of W's columns (every output × up to 3 vectors) stays in cache while the rows sweep it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputDelta(ref T delta, ref T w, ref T a, ref T mask, ref T deltaPrevious, int rows, int lo, int hi, bool masked)
    {
        int ins = TLayer.Inputs, outs = TLayer.Outputs, vectorIns = ins - ins % Vector<T>.Count;
        int n = Vector<T>.Count;
        // Columns [lo, vectorEnd) in whole vectors: panels of 3 from lo, then the one or two left as one panel.
        int vectorEnd = Math.Max(lo, Math.Min(hi, vectorIns)), blockEnd = lo + (vectorEnd - lo) / (3 * n) * (3 * n);
        // Each column panel of W is first copied where its rows lie one after another (VectorOps.Panel): W's rows are a
        // power of two apart in the wide layers, and the panel's slices of them would all fall into the same few sets of L1.
        for (int i = lo; i < blockEnd; i += 3 * n) InputPanel(ref delta, ref w, ref a, ref mask, ref deltaPrevious, rows, i, 3, masked);
        if (vectorEnd - blockEnd == 2 * n) InputPanel(ref delta, ref w, ref a, ref mask, ref deltaPrevious, rows, blockEnd, 2, masked);
        else if (vectorEnd - blockEnd == n) InputPanel(ref delta, ref w, ref a, ref mask, ref deltaPrevious, rows, blockEnd, 1, masked);
        T slope = T.CreateTruncating(TLayer.InputSlope);
        for (int i = Math.Max(lo, vectorIns); i < hi; i++)
        {
            for (int r = 0; r < rows; r++)
            {
                T s = T.Zero;
                for (int o = 0; o < outs; o++)
                    s = T.FusedMultiplyAdd(Unsafe.Add(ref delta, (nint)r * outs + o), Unsafe.Add(ref w, (nint)o * ins + i), s);
                nint at = (nint)r * ins + i;
                if (TLayer.InputActivation != Activation.Identity)
                    s *= ActivationMath.DerivativeFromOutput(TLayer.InputActivation, Unsafe.Add(ref a, at), slope);
                if (masked) s *= Unsafe.Add(ref mask, at);
                Unsafe.Add(ref deltaPrevious, at) = s;
            }
        }
    }

    /// <summary>
    /// W's columns [<paramref name="i"/>, i + <paramref name="nv"/> vectors) copied to a panel (every output's slice one
    /// after another), then every row of the batch against it: blocks of 4 rows, then one at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputPanel(ref T delta, ref T w, ref T a, ref T mask, ref T deltaPrevious, int rows, int i, int nv, bool masked)
    {
        ref T panel = ref VectorOps.Panel(ref w, TLayer.Inputs, TLayer.Outputs, i, nv * Vector<T>.Count);
        int r = 0;
        for (; r + 4 <= rows; r += 4) InputBlock(ref delta, ref panel, ref a, ref mask, ref deltaPrevious, r, 4, i, nv, masked);
        for (; r < rows; r++) InputBlock(ref delta, ref panel, ref a, ref mask, ref deltaPrevious, r, 1, i, nv, masked);
    }

    /// <summary>
    /// <paramref name="mr"/> (1 or 4) rows from <paramref name="r"/> × <paramref name="nv"/> (1 to 3) vectors of inputs from
    /// <paramref name="i"/>, W's columns from their <paramref name="panel"/> (rows <paramref name="nv"/> vectors apart): at
    /// 4 × 3, 12 accumulators, 3 of W and a broadcast δ in AVX2's 16 registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputBlock(ref T delta, ref T panel, ref T a, ref T mask, ref T deltaPrevious, int r, int mr, int i, int nv, bool masked)
    {
        int outs = TLayer.Outputs;
        int n = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        ref T dr = ref Unsafe.Add(ref delta, (nint)r * outs);
        ref T wr = ref panel; // W's row o of the panel, stepped along as the weight gradient's blocks step theirs
        for (int o = 0; o < outs; o++, wr = ref Unsafe.Add(ref wr, nv * n))
        {
            Vector<T> wv0 = Vector.LoadUnsafe(ref wr);
            Vector<T> wv1 = nv > 1 ? Vector.LoadUnsafe(ref wr, (nuint)n) : default;
            Vector<T> wv2 = nv > 2 ? Vector.LoadUnsafe(ref wr, (nuint)(2 * n)) : default;
            Vector<T> d = new(Unsafe.Add(ref dr, o));
            c00 = VectorMath.Fma(d, wv0, c00);
            if (nv > 1) c01 = VectorMath.Fma(d, wv1, c01);
            if (nv > 2) c02 = VectorMath.Fma(d, wv2, c02);
            if (mr == 4)
            {
                d = new(Unsafe.Add(ref dr, outs + o));
                c10 = VectorMath.Fma(d, wv0, c10);
                if (nv > 1) c11 = VectorMath.Fma(d, wv1, c11);
                if (nv > 2) c12 = VectorMath.Fma(d, wv2, c12);
                d = new(Unsafe.Add(ref dr, 2 * outs + o));
                c20 = VectorMath.Fma(d, wv0, c20);
                if (nv > 1) c21 = VectorMath.Fma(d, wv1, c21);
                if (nv > 2) c22 = VectorMath.Fma(d, wv2, c22);
                d = new(Unsafe.Add(ref dr, 3 * outs + o));
                c30 = VectorMath.Fma(d, wv0, c30);
                if (nv > 1) c31 = VectorMath.Fma(d, wv1, c31);
                if (nv > 2) c32 = VectorMath.Fma(d, wv2, c32);
            }
        }
        StoreDeltas(ref a, ref mask, ref deltaPrevious, r, i, nv, c00, c01, c02, masked);
        if (mr == 4)
        {
            StoreDeltas(ref a, ref mask, ref deltaPrevious, r + 1, i, nv, c10, c11, c12, masked);
            StoreDeltas(ref a, ref mask, ref deltaPrevious, r + 2, i, nv, c20, c21, c22, masked);
            StoreDeltas(ref a, ref mask, ref deltaPrevious, r + 3, i, nv, c30, c31, c32, masked);
        }
    }

    /// <summary>The first <paramref name="nv"/> of one row's delta vectors from column <paramref name="i"/> (<see cref="StoreDelta"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDeltas(ref T a, ref T mask, ref T deltaPrevious, int r, int i, int nv, Vector<T> c0, Vector<T> c1, Vector<T> c2, bool masked)
    {
        int n = Vector<T>.Count;
        StoreDelta(ref a, ref mask, ref deltaPrevious, r, i, c0, masked);
        if (nv > 1) StoreDelta(ref a, ref mask, ref deltaPrevious, r, i + n, c1, masked);
        if (nv > 2) StoreDelta(ref a, ref mask, ref deltaPrevious, r, i + 2 * n, c2, masked);
    }

    /// <summary>δp[r, i..i+n) = c ∘ f′(a) (∘ mask).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDelta(ref T a, ref T mask, ref T deltaPrevious, int r, int i, Vector<T> c, bool masked)
    {
        int ins = TLayer.Inputs;
        int at = r * ins + i;
        if (TLayer.InputActivation != Activation.Identity) c *= Derivative(Vector.LoadUnsafe(ref a, (nuint)(at)));
        if (masked) c *= Vector.LoadUnsafe(ref mask, (nuint)(at));
        c.StoreUnsafe(ref deltaPrevious, (nuint)at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Derivative(Vector<T> a) => TLayer.InputActivation switch
    {
        Activation.Sigmoid => ActivationMath.SigmoidDerivative(a),
        Activation.Tanh => ActivationMath.TanhDerivative(a),
        Activation.ReLU => ActivationMath.ReLUDerivative(a),
        Activation.LeakyReLU => ActivationMath.LeakyReLUDerivative(a, T.CreateTruncating(TLayer.InputSlope)),
        _ => Vector<T>.One,
    };
}
