using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.CompilerServices;

/// <summary>
/// Matrix products in the style of BLIS for a dense layer's forward pass, <c>y = f(x·Wᵀ + b)</c>: one operand packed
/// into k-major panels of 64 (by 16 × 16 transposes in registers), a tile of <see cref="RowsPerTile"/> × 64 (four
/// <see cref="Vector512{T}"/>s, 24 accumulators) kept in registers while the other operand is broadcast and a panel of at
/// most 32 KB streams from L1. <see cref="MultiplyTransposed"/> packs the weights per call; <see cref="MultiplyPacked"/>
/// takes weights <see cref="Pack"/> packed once (and runs layers of at most 32 outputs on tiles of 12 rows × one or two
/// vectors); <see cref="MultiplyRows"/> packs the rows instead, for batches too small to pay for packing the weights.
/// The generator's plan says which a layer takes; without AVX-512 the tile is 6 × 16 in <see cref="Vector256{T}"/>s.
/// </summary>
/// <remarks>
/// Every output is a single chain of fused multiply-adds over k in order, from zero, then plus the bias: blocking over k
/// stores the partial sums and resumes them, so the result does not depend on the blocking, the tile an output lands in,
/// the number of rows, or which columns [lo, hi) a thread was given — the same bits on any thread count.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Gemm
{
    /// <summary>Rows of a register tile.</summary>
    public const int RowsPerTile = 6;

    /// <summary>
    /// Most depth of a block over k. A block pays its tile's 24 loads and 24 stores of partial sums once, so fewer and
    /// deeper blocks win as long as a panel streams from L2: a 64-column panel is <c>1024 × 64 × 4</c> = 256 KB at most
    /// (784 inputs → one block, 3,072 → three). On this project's AMD EPYC (32 KB L1d, 1 MB L2) <c>--gemm</c> measured
    /// <c>MultiplyPacked</c> at 92–95 % of the FMA peak with 1,024 against 85–88 % with 128 (a panel in L1) on the seed
    /// network's first layer at 256 rows, and 87–94 % against 82–86 % on the wide network's.
    /// </summary>
    private const int DepthBlock = 1024;

    /// <summary>Rows of a block of the inputs that a panel of weights sweeps before the next panel (48 to 256 measured level).</summary>
    private const int RowBlock = 96;

    /// <summary>Columns of a block of the weights packed at once: with <see cref="DepthBlock"/>, 1 MB of packed weights per thread.</summary>
    private const int ColumnBlock = 256;

    /// <summary>Whether the tiles run on vector hardware (AVX-512, or 256-bit vectors): elsewhere callers keep their own kernels.</summary>
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated;

    /// <summary>
    /// One scratch buffer per thread, allocated on its first call and aligned to a cache line: the packed weights
    /// (256 × 1,024), an edge tile's copy (6 × 64, or 12 × 32 for a narrow tile) and a tile's bias padded to 64.
    /// </summary>
    [ThreadStatic] private static AlignedBuffer<float>? t_scratch;

    private const int ScratchLength = ColumnBlock * DepthBlock + RowsPerTile * 64 + 64;

    /// <summary>Columns of a packed panel: 64 (four <see cref="Vector512{T}"/>s) with AVX-512, else 16.</summary>
    public static int PanelColumns => Vector512.IsHardwareAccelerated ? 64 : 16;

    /// <summary>Floats <see cref="Pack"/> writes for a layer: the outputs rounded up to <see cref="PanelColumns"/>, times the inputs.</summary>
    public static int PackedLength(int inputs, int outputs) => (outputs + PanelColumns - 1) / PanelColumns * PanelColumns * inputs;

    /// <summary>
    /// Packs weight rows [lo, hi) of W (PyTorch's <c>[outputs, inputs]</c>) for <see cref="MultiplyPacked"/>: panels of
    /// <see cref="PanelColumns"/> outputs over the whole depth, k-major, the panel of output <c>j</c> at
    /// <c>packed[j / PanelColumns · PanelColumns · inputs]</c>, columns past the outputs zero. <paramref name="lo"/> is a
    /// multiple of 64, so threads that split the outputs pack disjoint panels of one buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pack(ref float w, ref float packed, int inputs, int outputs, int lo, int hi)
    {
        if (hi <= lo) return;
        PackWeights(ref Unsafe.Add(ref w, (nint)lo * inputs), ref Unsafe.Add(ref packed, (nint)lo * inputs), inputs, hi - lo, inputs, PanelColumns);
    }

    /// <summary>
    /// <c>y[rows, lo..hi) = f(x[rows, inputs] · W[lo..hi, inputs]ᵀ + b[lo..hi))</c> with W in PyTorch's
    /// <c>[outputs, inputs]</c> layout, packed per call; y of row length <paramref name="outputs"/>. Allocates its
    /// scratch buffer (about 1 MB) once per thread.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyTransposed(ref float x, ref float w, ref float b, ref float y, int rows, int inputs, int outputs, int lo, int hi,
        Activation activation = Activation.Identity, float slope = 0f)
    {
        if (rows <= 0 || hi <= lo) return;
        int columnsPerTile = PanelColumns;
        ref float scratch = ref (t_scratch ??= new AlignedBuffer<float>(ScratchLength)).Reference;
        ref float pb = ref scratch;
        int depth = Depth(inputs);
        for (int jc = lo; jc < hi; jc += ColumnBlock)
        {
            int nc = Math.Min(ColumnBlock, hi - jc);
            for (int pc = 0; pc < inputs; pc += depth)
            {
                int kc = Math.Min(depth, inputs - pc);
                PackWeights(ref Unsafe.Add(ref w, (nint)jc * inputs + pc), ref pb, inputs, nc, kc, columnsPerTile);
                Sweep(ref x, ref pb, kc, ref b, ref y, rows, inputs, outputs, jc, nc, pc, kc, activation, slope, ref scratch);
            }
        }
    }

    /// <summary>Per thread: a panel of 64 rows of inputs packed over one depth block, then the transposed product, grown as needed.</summary>
    [ThreadStatic] private static AlignedBuffer<float>? t_rowScratch;

    /// <summary>Rows of inputs <see cref="MultiplyRows"/> packs into one panel with AVX-512 (16 without): the width of its tiles.</summary>
    public const int RowPanel = 64;

    /// <summary>
    /// The product of <see cref="MultiplyTransposed"/> for a batch of up to a few panels of 64 rows, with the roles
    /// swapped: the inputs are packed (k-major, 64 rows a panel, about 32 KB a depth block) and the weights are the
    /// broadcast operand, read in PyTorch's layout from memory once per panel, so nothing as large as the weights is
    /// packed per call. Tiles of 6 outputs × 64 rows form the transposed product in a scratch buffer; it is transposed
    /// into y by 16 × 16 blocks, then the bias and the activation are applied row by row. Each output is the same FMA
    /// chain over k plus the bias as in <see cref="MultiplyTransposed"/>: the same bits. Without AVX-512 the panels are
    /// 16 rows wide (tiles of 6 × 16 in <see cref="Vector256{T}"/>s) and the transposes go by 8 × 8 blocks (<see cref="Transpose8"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRows(ref float x, ref float w, ref float b, ref float y, int rows, int inputs, int outputs, int lo, int hi,
        Activation activation = Activation.Identity, float slope = 0f)
    {
        if (rows <= 0 || hi <= lo) return;
        bool wide = Vector512.IsHardwareAccelerated;
        if (!wide && !Vector256.IsHardwareAccelerated)
        {
            MultiplyTransposed(ref x, ref w, ref b, ref y, rows, inputs, outputs, lo, hi, activation, slope);
            return;
        }
        // A panel is a tile's width: 64 rows with AVX-512, 16 with 256-bit vectors (tiles of 6 × 16).
        int panelRows = wide ? RowPanel : 16;
        int tiles = (hi - lo + RowsPerTile - 1) / RowsPerTile;
        int needed = DepthBlock * panelRows + tiles * RowsPerTile * panelRows + panelRows;
        if (t_rowScratch is null || t_rowScratch.Length < needed) t_rowScratch = new AlignedBuffer<float>(needed);
        ref float panel = ref t_rowScratch.Reference;
        ref float product = ref Unsafe.Add(ref panel, DepthBlock * panelRows);  // [outputs of the range, padded to 6][panel rows]
        ref float zeros = ref Unsafe.Add(ref product, tiles * RowsPerTile * panelRows); // a bias the tiles never add
        int depth = Depth(inputs);
        for (int r0 = 0; r0 < rows; r0 += panelRows)
        {
            int nr = Math.Min(panelRows, rows - r0);
            for (int pc = 0; pc < inputs; pc += depth)
            {
                int kc = Math.Min(depth, inputs - pc);
                // The rows as the "weights" of PackWeights: one panel of rows, k-major, rows past nr zero.
                PackWeights(ref Unsafe.Add(ref x, (nint)r0 * inputs + pc), ref panel, inputs, nr, kc, panelRows);
                for (int o = lo; o < hi; o += RowsPerTile)
                {
                    int mr = Math.Min(RowsPerTile, hi - o);
                    ref float a = ref Unsafe.Add(ref w, (nint)o * inputs + pc);
                    ref float t = ref Unsafe.Add(ref product, (nint)(o - lo) * panelRows);
                    if (wide) Tile512(ref a, inputs, mr, ref panel, ref zeros, ref t, panelRows, kc, first: pc == 0, last: false);
                    else Tile256(ref a, inputs, mr, ref panel, ref zeros, ref t, panelRows, kc, first: pc == 0, last: false);
                }
            }
            ref float y0 = ref Unsafe.Add(ref y, (nint)r0 * outputs);
            TransposeOut(ref product, panelRows, ref y0, outputs, lo, hi, nr);
            BiasAndActivate(ref y0, outputs, nr, lo, hi, ref b, activation, slope);
        }
    }

    /// <summary>
    /// <c>y[r, lo + j] = product[j][r]</c> for r &lt; <paramref name="nr"/>, the product's rows <paramref name="ldp"/> apart:
    /// 16 × 16 blocks in registers where whole (AVX-512; 8 × 8 with AVX alone), one value at a time elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeOut(ref float product, int ldp, ref float y, int outputs, int lo, int hi, int nr)
    {
        int width = hi - lo;
        int j = 0;
        if (Avx512F.IsSupported)
        {
            for (; j + 16 <= width; j += 16)
            {
                int r = 0;
                for (; r + 16 <= nr; r += 16)
                    Transpose16(ref Unsafe.Add(ref product, (nint)j * ldp + r), ldp, ref Unsafe.Add(ref y, (nint)r * outputs + lo + j), outputs);
                for (; r < nr; r++)
                    for (int t = 0; t < 16; t++) Unsafe.Add(ref y, (nint)r * outputs + lo + j + t) = Unsafe.Add(ref product, (nint)(j + t) * ldp + r);
            }
        }
        else if (Avx.IsSupported)
        {
            for (; j + 8 <= width; j += 8)
            {
                int r = 0;
                for (; r + 8 <= nr; r += 8)
                    Transpose8(ref Unsafe.Add(ref product, (nint)j * ldp + r), ldp, ref Unsafe.Add(ref y, (nint)r * outputs + lo + j), outputs);
                for (; r < nr; r++)
                    for (int t = 0; t < 8; t++) Unsafe.Add(ref y, (nint)r * outputs + lo + j + t) = Unsafe.Add(ref product, (nint)(j + t) * ldp + r);
            }
        }
        for (int r = 0; r < nr; r++)
        {
            ref float row = ref Unsafe.Add(ref y, (nint)r * outputs + lo);
            for (int c = j; c < width; c++) Unsafe.Add(ref row, c) = Unsafe.Add(ref product, (nint)c * ldp + r);
        }
    }

    /// <summary>Adds the bias to columns [lo, hi) of <paramref name="nr"/> rows, then applies the activation as <see cref="Activate"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BiasAndActivate(ref float y, int ldy, int nr, int lo, int hi, ref float b, Activation activation, float slope)
    {
        int width = hi - lo;
        ref float bias = ref Unsafe.Add(ref b, lo);
        for (int i = 0; i < nr; i++)
        {
            ref float row = ref Unsafe.Add(ref y, (nint)i * ldy + lo);
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j + 16 <= width; j += 16)
                    (Vector512.LoadUnsafe(ref row, (nuint)j) + Vector512.LoadUnsafe(ref bias, (nuint)j)).StoreUnsafe(ref row, (nuint)j);
            }
            else
            {
                for (; j + Vector<float>.Count <= width; j += Vector<float>.Count)
                    (Vector.LoadUnsafe(ref row, (nuint)j) + Vector.LoadUnsafe(ref bias, (nuint)j)).StoreUnsafe(ref row, (nuint)j);
            }
            for (; j < width; j++) Unsafe.Add(ref row, j) += Unsafe.Add(ref bias, j);
        }
        if (activation != Activation.Identity) Activate(ref Unsafe.Add(ref y, lo), ldy, nr, width, activation, slope);
    }

    /// <summary>
    /// The product of <see cref="MultiplyTransposed"/> with weights <see cref="Pack"/> has packed (once for many calls):
    /// the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyPacked(ref float x, ref float packed, ref float b, ref float y, int rows, int inputs, int outputs, int lo, int hi,
        Activation activation = Activation.Identity, float slope = 0f, bool backwards = false)
    {
        if (rows <= 0 || hi <= lo) return;
        ref float scratch = ref (t_scratch ??= new AlignedBuffer<float>(ScratchLength)).Reference;
        if (Vector512.IsHardwareAccelerated && lo == 0 && hi <= NarrowColumns)
        {
            MultiplyNarrow(ref x, ref packed, ref b, ref y, rows, inputs, outputs, hi, activation, slope, ref scratch);
            return;
        }
        int depth = Depth(inputs), columnsPerTile = PanelColumns;
        int lastBlock = lo + (hi - lo - 1) / ColumnBlock * ColumnBlock;
        for (int jc = backwards ? lastBlock : lo; backwards ? jc >= lo : jc < hi; jc += backwards ? -ColumnBlock : ColumnBlock)
        {
            int nc = Math.Min(ColumnBlock, hi - jc);
            for (int pc = 0; pc < inputs; pc += depth)
            {
                int kc = Math.Min(depth, inputs - pc);
                Sweep(ref x, ref Unsafe.Add(ref packed, (nint)jc * inputs + pc * columnsPerTile), inputs, ref b, ref y, rows, inputs, outputs,
                    jc, nc, pc, kc, activation, slope, ref scratch, backwards);
            }
        }
    }

    /// <summary>Most outputs of a layer that <see cref="MultiplyPacked"/> runs on the narrow tiles.</summary>
    private const int NarrowColumns = 32;

    /// <summary>Rows of a narrow tile.</summary>
    private const int NarrowRows = 12;

    /// <summary>
    /// Outputs [0, <paramref name="hi"/>) of a narrow layer (at most 32) from its one packed panel (64 columns, k-major, the
    /// whole depth): tiles of 12 rows × one or two vectors, so no lanes are spent on a 64-column tile's empty half. The
    /// sums are formed as in <see cref="Tile512"/>: one chain over k from zero, then the bias — the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyNarrow(ref float x, ref float packed, ref float b, ref float y, int rows, int inputs, int outputs, int hi,
        Activation activation, float slope, ref float scratch)
    {
        ref float edge = ref Unsafe.Add(ref scratch, ColumnBlock * DepthBlock);
        ref float bias = ref Unsafe.Add(ref edge, RowsPerTile * 64);
        CopyTile(ref b, 0, ref bias, 0, 1, hi);
        int width = hi > 16 ? 32 : 16;
        for (int r = 0; r < rows; r += NarrowRows)
        {
            int mr = Math.Min(NarrowRows, rows - r);
            ref float a = ref Unsafe.Add(ref x, (nint)r * inputs);
            ref float c = ref Unsafe.Add(ref y, (nint)r * outputs);
            // A tile that is not whole works on a copy (12 × 32), as an edge tile of the wide product does.
            bool full = mr == NarrowRows && hi == width;
            ref float target = ref full ? ref c : ref edge;
            int ldt = full ? outputs : 32;
            // ReLU and leaky ReLU are applied in registers as the tile is stored, the others by a pass over the stored tile.
            switch (activation, width)
            {
                case (Activation.ReLU, 32): Narrow2<ReLUOp>(ref a, inputs, mr, ref packed, ref bias, ref target, ldt, inputs, slope); break;
                case (Activation.ReLU, _): Narrow1<ReLUOp>(ref a, inputs, mr, ref packed, ref bias, ref target, ldt, inputs, slope); break;
                case (Activation.LeakyReLU, 32): Narrow2<LeakyReLUOp>(ref a, inputs, mr, ref packed, ref bias, ref target, ldt, inputs, slope); break;
                case (Activation.LeakyReLU, _): Narrow1<LeakyReLUOp>(ref a, inputs, mr, ref packed, ref bias, ref target, ldt, inputs, slope); break;
                case (_, 32): Narrow2<IdentityOp>(ref a, inputs, mr, ref packed, ref bias, ref target, ldt, inputs, slope); break;
                default: Narrow1<IdentityOp>(ref a, inputs, mr, ref packed, ref bias, ref target, ldt, inputs, slope); break;
            }
            if (!full) CopyTile(ref edge, 32, ref c, outputs, mr, hi);
            if (activation is Activation.Tanh or Activation.Sigmoid) Activate(ref c, outputs, mr, hi, activation, slope);
        }
    }

    /// <summary>12 rows × 32 columns (24 accumulators) over the whole depth, then the bias; rows from <paramref name="mr"/> on repeat the last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Narrow2<TOp>(ref float a, int lda, int mr, ref float b, ref float bias, ref float t, int ldt, int kc, float slope)
        where TOp : struct, IActivationOp
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default, c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        ref float a0 = ref a, a1 = ref Row(ref a, lda, mr, 1), a2 = ref Row(ref a, lda, mr, 2), a3 = ref Row(ref a, lda, mr, 3);
        ref float a4 = ref Row(ref a, lda, mr, 4), a5 = ref Row(ref a, lda, mr, 5), a6 = ref Row(ref a, lda, mr, 6), a7 = ref Row(ref a, lda, mr, 7);
        ref float a8 = ref Row(ref a, lda, mr, 8), a9 = ref Row(ref a, lda, mr, 9), aa = ref Row(ref a, lda, mr, 10), ab = ref Row(ref a, lda, mr, 11);
        for (int k = 0; k < kc; k++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref b), b1 = Vector512.LoadUnsafe(ref b, 16);
            Vector512<float> s = Vector512.Create(Unsafe.Add(ref a0, k));
            c00 = Vector512.FusedMultiplyAdd(s, b0, c00); c01 = Vector512.FusedMultiplyAdd(s, b1, c01);
            s = Vector512.Create(Unsafe.Add(ref a1, k)); c10 = Vector512.FusedMultiplyAdd(s, b0, c10); c11 = Vector512.FusedMultiplyAdd(s, b1, c11);
            s = Vector512.Create(Unsafe.Add(ref a2, k)); c20 = Vector512.FusedMultiplyAdd(s, b0, c20); c21 = Vector512.FusedMultiplyAdd(s, b1, c21);
            s = Vector512.Create(Unsafe.Add(ref a3, k)); c30 = Vector512.FusedMultiplyAdd(s, b0, c30); c31 = Vector512.FusedMultiplyAdd(s, b1, c31);
            s = Vector512.Create(Unsafe.Add(ref a4, k)); c40 = Vector512.FusedMultiplyAdd(s, b0, c40); c41 = Vector512.FusedMultiplyAdd(s, b1, c41);
            s = Vector512.Create(Unsafe.Add(ref a5, k)); c50 = Vector512.FusedMultiplyAdd(s, b0, c50); c51 = Vector512.FusedMultiplyAdd(s, b1, c51);
            s = Vector512.Create(Unsafe.Add(ref a6, k)); c60 = Vector512.FusedMultiplyAdd(s, b0, c60); c61 = Vector512.FusedMultiplyAdd(s, b1, c61);
            s = Vector512.Create(Unsafe.Add(ref a7, k)); c70 = Vector512.FusedMultiplyAdd(s, b0, c70); c71 = Vector512.FusedMultiplyAdd(s, b1, c71);
            s = Vector512.Create(Unsafe.Add(ref a8, k)); c80 = Vector512.FusedMultiplyAdd(s, b0, c80); c81 = Vector512.FusedMultiplyAdd(s, b1, c81);
            s = Vector512.Create(Unsafe.Add(ref a9, k)); c90 = Vector512.FusedMultiplyAdd(s, b0, c90); c91 = Vector512.FusedMultiplyAdd(s, b1, c91);
            s = Vector512.Create(Unsafe.Add(ref aa, k)); ca0 = Vector512.FusedMultiplyAdd(s, b0, ca0); ca1 = Vector512.FusedMultiplyAdd(s, b1, ca1);
            s = Vector512.Create(Unsafe.Add(ref ab, k)); cb0 = Vector512.FusedMultiplyAdd(s, b0, cb0); cb1 = Vector512.FusedMultiplyAdd(s, b1, cb1);
            b = ref Unsafe.Add(ref b, 64);
        }
        Vector512<float> d0 = Vector512.LoadUnsafe(ref bias), d1 = Vector512.LoadUnsafe(ref bias, 16);
        TOp.Apply(c00 + d0, slope).StoreUnsafe(ref t); TOp.Apply(c01 + d1, slope).StoreUnsafe(ref t, 16);
        TOp.Apply(c10 + d0, slope).StoreUnsafe(ref t, (nuint)ldt); TOp.Apply(c11 + d1, slope).StoreUnsafe(ref t, (nuint)ldt + 16);
        TOp.Apply(c20 + d0, slope).StoreUnsafe(ref t, (nuint)(2 * ldt)); TOp.Apply(c21 + d1, slope).StoreUnsafe(ref t, (nuint)(2 * ldt) + 16);
        TOp.Apply(c30 + d0, slope).StoreUnsafe(ref t, (nuint)(3 * ldt)); TOp.Apply(c31 + d1, slope).StoreUnsafe(ref t, (nuint)(3 * ldt) + 16);
        TOp.Apply(c40 + d0, slope).StoreUnsafe(ref t, (nuint)(4 * ldt)); TOp.Apply(c41 + d1, slope).StoreUnsafe(ref t, (nuint)(4 * ldt) + 16);
        TOp.Apply(c50 + d0, slope).StoreUnsafe(ref t, (nuint)(5 * ldt)); TOp.Apply(c51 + d1, slope).StoreUnsafe(ref t, (nuint)(5 * ldt) + 16);
        TOp.Apply(c60 + d0, slope).StoreUnsafe(ref t, (nuint)(6 * ldt)); TOp.Apply(c61 + d1, slope).StoreUnsafe(ref t, (nuint)(6 * ldt) + 16);
        TOp.Apply(c70 + d0, slope).StoreUnsafe(ref t, (nuint)(7 * ldt)); TOp.Apply(c71 + d1, slope).StoreUnsafe(ref t, (nuint)(7 * ldt) + 16);
        TOp.Apply(c80 + d0, slope).StoreUnsafe(ref t, (nuint)(8 * ldt)); TOp.Apply(c81 + d1, slope).StoreUnsafe(ref t, (nuint)(8 * ldt) + 16);
        TOp.Apply(c90 + d0, slope).StoreUnsafe(ref t, (nuint)(9 * ldt)); TOp.Apply(c91 + d1, slope).StoreUnsafe(ref t, (nuint)(9 * ldt) + 16);
        TOp.Apply(ca0 + d0, slope).StoreUnsafe(ref t, (nuint)(10 * ldt)); TOp.Apply(ca1 + d1, slope).StoreUnsafe(ref t, (nuint)(10 * ldt) + 16);
        TOp.Apply(cb0 + d0, slope).StoreUnsafe(ref t, (nuint)(11 * ldt)); TOp.Apply(cb1 + d1, slope).StoreUnsafe(ref t, (nuint)(11 * ldt) + 16);
    }

    /// <summary>12 rows × 16 columns (12 accumulators) over the whole depth, then the bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Narrow1<TOp>(ref float a, int lda, int mr, ref float b, ref float bias, ref float t, int ldt, int kc, float slope)
        where TOp : struct, IActivationOp
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> c6 = default, c7 = default, c8 = default, c9 = default, ca = default, cb = default;
        ref float a0 = ref a, a1 = ref Row(ref a, lda, mr, 1), a2 = ref Row(ref a, lda, mr, 2), a3 = ref Row(ref a, lda, mr, 3);
        ref float a4 = ref Row(ref a, lda, mr, 4), a5 = ref Row(ref a, lda, mr, 5), a6 = ref Row(ref a, lda, mr, 6), a7 = ref Row(ref a, lda, mr, 7);
        ref float a8 = ref Row(ref a, lda, mr, 8), a9 = ref Row(ref a, lda, mr, 9), aa = ref Row(ref a, lda, mr, 10), ab = ref Row(ref a, lda, mr, 11);
        for (int k = 0; k < kc; k++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a0, k)), b0, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a1, k)), b0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a2, k)), b0, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a3, k)), b0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a4, k)), b0, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a5, k)), b0, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a6, k)), b0, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a7, k)), b0, c7);
            c8 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a8, k)), b0, c8);
            c9 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a9, k)), b0, c9);
            ca = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref aa, k)), b0, ca);
            cb = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ab, k)), b0, cb);
            b = ref Unsafe.Add(ref b, 64);
        }
        Vector512<float> d = Vector512.LoadUnsafe(ref bias);
        TOp.Apply(c0 + d, slope).StoreUnsafe(ref t); TOp.Apply(c1 + d, slope).StoreUnsafe(ref t, (nuint)ldt); TOp.Apply(c2 + d, slope).StoreUnsafe(ref t, (nuint)(2 * ldt));
        TOp.Apply(c3 + d, slope).StoreUnsafe(ref t, (nuint)(3 * ldt)); TOp.Apply(c4 + d, slope).StoreUnsafe(ref t, (nuint)(4 * ldt)); TOp.Apply(c5 + d, slope).StoreUnsafe(ref t, (nuint)(5 * ldt));
        TOp.Apply(c6 + d, slope).StoreUnsafe(ref t, (nuint)(6 * ldt)); TOp.Apply(c7 + d, slope).StoreUnsafe(ref t, (nuint)(7 * ldt)); TOp.Apply(c8 + d, slope).StoreUnsafe(ref t, (nuint)(8 * ldt));
        TOp.Apply(c9 + d, slope).StoreUnsafe(ref t, (nuint)(9 * ldt)); TOp.Apply(ca + d, slope).StoreUnsafe(ref t, (nuint)(10 * ldt)); TOp.Apply(cb + d, slope).StoreUnsafe(ref t, (nuint)(11 * ldt));
    }

    /// <summary>Row <paramref name="i"/> of a tile, or its last row (<paramref name="mr"/> − 1) past the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float Row(ref float a, int lda, int mr, int i) => ref Unsafe.Add(ref a, (nint)Math.Min(i, mr - 1) * lda);

    /// <summary>Blocks over k of equal depth (784 → 7 × 112, not 6 × 128 + 16): a tile pays its loads and stores once per block.</summary>
    private static int Depth(int inputs)
    {
        int blocks = (inputs + DepthBlock - 1) / DepthBlock;
        return (inputs + blocks - 1) / blocks;
    }

    /// <summary>
    /// Columns [jc, jc + nc) of y over depth block [pc, pc + kc): every tile of the rows against panels of packed weights,
    /// the panel of column <c>jc + jr</c> at <c>block + jr · columnStride</c> (kc × panel width, k-major).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sweep(ref float x, ref float block, int columnStride, ref float b, ref float y, int rows, int inputs, int outputs,
        int jc, int nc, int pc, int kc, Activation activation, float slope, ref float scratch, bool backwards = false)
    {
        bool wide = Vector512.IsHardwareAccelerated;
        int columnsPerTile = wide ? 64 : 16;
        bool first = pc == 0, last = pc + kc == inputs;
        ref float edge = ref Unsafe.Add(ref scratch, ColumnBlock * DepthBlock);
        ref float padded = ref Unsafe.Add(ref edge, RowsPerTile * 64);
        for (int ic = 0; ic < rows; ic += RowBlock)
        {
            int mc = Math.Min(RowBlock, rows - ic);
            int lastPanel = (nc - 1) / columnsPerTile * columnsPerTile;
            for (int jr = backwards ? lastPanel : 0; backwards ? jr >= 0 : jr < nc; jr += backwards ? -columnsPerTile : columnsPerTile)
            {
                int nr = Math.Min(columnsPerTile, nc - jr);
                ref float panelB = ref Unsafe.Add(ref block, (nint)jr * columnStride);
                ref float bias = ref Unsafe.Add(ref b, jc + jr);
                if (last && nr < columnsPerTile)
                {
                    CopyTile(ref bias, 0, ref padded, 0, 1, nr);
                    bias = ref padded;
                }
                for (int ir = 0; ir < mc; ir += RowsPerTile)
                {
                    int mr = Math.Min(RowsPerTile, mc - ir);
                    ref float panelA = ref Unsafe.Add(ref x, (nint)(ic + ir) * inputs + pc);
                    ref float c = ref Unsafe.Add(ref y, (nint)(ic + ir) * outputs + jc + jr);
                    // An edge tile works on a copy, so that its loads and stores never pass the valid part; rows past
                    // the last are computed from a copy of the last row and never stored.
                    bool full = mr == RowsPerTile && nr == columnsPerTile;
                    ref float target = ref full ? ref c : ref edge;
                    int ldt = full ? outputs : columnsPerTile;
                    if (!full && !first) CopyTile(ref c, outputs, ref edge, columnsPerTile, mr, nr);
                    if (wide) Tile512(ref panelA, inputs, mr, ref panelB, ref bias, ref target, ldt, kc, first, last);
                    else Tile256(ref panelA, inputs, mr, ref panelB, ref bias, ref target, ldt, kc, first, last);
                    if (!full) CopyTile(ref edge, columnsPerTile, ref c, outputs, mr, nr);
                    if (last && activation != Activation.Identity) Activate(ref c, outputs, mr, nr, activation, slope);
                }
            }
        }
    }

    /// <summary>
    /// Applies the layer's activation to an <paramref name="mr"/> × <paramref name="nr"/> tile just stored (still in L1):
    /// whole vectors from the tile's first column (a multiple of the vector width), the rest in one masked vector with
    /// AVX-512 (one value at a time without), so a column's bits depend on its position in the layer only, never on the
    /// rows or a thread's share of the columns. One loop per activation, chosen once.
    /// </summary>
    private static void Activate(ref float c, int ldc, int mr, int nr, Activation activation, float slope)
    {
        switch (activation)
        {
            case Activation.Sigmoid: Activate<SigmoidOp>(ref c, ldc, mr, nr, slope); break;
            case Activation.Tanh: Activate<TanhOp>(ref c, ldc, mr, nr, slope); break;
            case Activation.ReLU: Activate<ReLUOp>(ref c, ldc, mr, nr, slope); break;
            case Activation.LeakyReLU: Activate<LeakyReLUOp>(ref c, ldc, mr, nr, slope); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Activate<TOp>(ref float c, int ldc, int mr, int nr, float slope) where TOp : struct, IActivationOp
    {
        for (int i = 0; i < mr; i++)
        {
            ref float row = ref Unsafe.Add(ref c, (nint)i * ldc);
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j + 16 <= nr; j += 16) TOp.Apply(Vector512.LoadUnsafe(ref row, (nuint)j), slope).StoreUnsafe(ref row, (nuint)j);
                if (j < nr && Avx512F.IsSupported)
                {
                    // The columns past the last whole vector in one masked vector, instead of one scalar call each.
                    Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(nr - j)).AsSingle();
                    fixed (float* p = &Unsafe.Add(ref row, j))
                        Avx512F.MaskStore(p, mask, TOp.Apply(Avx512F.MaskLoad(p, mask, Vector512<float>.Zero), slope));
                    continue;
                }
            }
            else
            {
                for (; j + Vector<float>.Count <= nr; j += Vector<float>.Count)
                    TOp.Apply(Vector.LoadUnsafe(ref row, (nuint)j), slope).StoreUnsafe(ref row, (nuint)j);
            }
            for (; j < nr; j++) Unsafe.Add(ref row, j) = TOp.Apply(Unsafe.Add(ref row, j), slope);
        }
    }

    /// <summary>One activation in the three widths the kernels apply it in: <see cref="ActivationMath"/>'s functions, inlined.</summary>
    private interface IActivationOp
    {
        static abstract Vector512<float> Apply(Vector512<float> v, float slope);
        static abstract Vector<float> Apply(Vector<float> v, float slope);
        static abstract float Apply(float v, float slope);
    }

    private readonly struct IdentityOp : IActivationOp
    {
        public static Vector512<float> Apply(Vector512<float> v, float slope) => v;
        public static Vector<float> Apply(Vector<float> v, float slope) => v;
        public static float Apply(float v, float slope) => v;
    }

    private readonly struct SigmoidOp : IActivationOp
    {
        public static Vector512<float> Apply(Vector512<float> v, float slope) => ActivationMath.Sigmoid(v);
        public static Vector<float> Apply(Vector<float> v, float slope) => ActivationMath.Sigmoid(v);
        public static float Apply(float v, float slope) => ActivationMath.Sigmoid(v);
    }

    private readonly struct TanhOp : IActivationOp
    {
        public static Vector512<float> Apply(Vector512<float> v, float slope) => ActivationMath.Tanh(v);
        public static Vector<float> Apply(Vector<float> v, float slope) => ActivationMath.Tanh(v);
        public static float Apply(float v, float slope) => ActivationMath.Tanh(v);
    }

    private readonly struct ReLUOp : IActivationOp
    {
        public static Vector512<float> Apply(Vector512<float> v, float slope) => ActivationMath.ReLU(v);
        public static Vector<float> Apply(Vector<float> v, float slope) => ActivationMath.ReLU(v);
        public static float Apply(float v, float slope) => ActivationMath.ReLU(v);
    }

    private readonly struct LeakyReLUOp : IActivationOp
    {
        public static Vector512<float> Apply(Vector512<float> v, float slope) => ActivationMath.LeakyReLU(v, slope);
        public static Vector<float> Apply(Vector<float> v, float slope) => ActivationMath.LeakyReLU(v, slope);
        public static float Apply(float v, float slope) => ActivationMath.LeakyReLU(v, slope);
    }

    /// <summary>
    /// Copies an <paramref name="mr"/> × <paramref name="nr"/> block between row strides <paramref name="lds"/> and
    /// <paramref name="ldd"/> with masked vector loads and stores, which touch nothing past <paramref name="nr"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CopyTile(ref float source, int lds, ref float destination, int ldd, int mr, int nr)
    {
        fixed (float* s = &source, d = &destination)
        {
            if (Avx512F.IsSupported)
            {
                for (int j = 0; j < nr; j += 16)
                {
                    Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(nr - j)).AsSingle();
                    for (int i = 0; i < mr; i++)
                        Avx512F.MaskStore(d + (nint)i * ldd + j, mask, Avx512F.MaskLoad(s + (nint)i * lds + j, mask, Vector512<float>.Zero));
                }
            }
            else if (Avx.IsSupported)
            {
                for (int j = 0; j < nr; j += 8)
                {
                    Vector256<float> mask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(nr - j)).AsSingle();
                    for (int i = 0; i < mr; i++)
                        Avx.MaskStore(d + (nint)i * ldd + j, mask, Avx.MaskLoad(s + (nint)i * lds + j, mask));
                }
            }
            else
            {
                for (int i = 0; i < mr; i++)
                    for (int j = 0; j < nr; j++) d[(nint)i * ldd + j] = s[(nint)i * lds + j];
            }
        }
    }

    /// <summary>
    /// Packs <paramref name="nc"/> weight rows × <paramref name="kc"/> inputs into panels of <paramref name="nr"/> weight
    /// rows, k-major (<c>pb[panel][k][column]</c>): the transpose, in 16 × 16 blocks so that reads and writes both stay
    /// within a few cache lines; columns past <paramref name="nc"/> in the last panel are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackWeights(ref float w, ref float pb, int stride, int nc, int kc, int nr)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            ref float panel = ref Unsafe.Add(ref pb, (nint)jr * kc);
            int valid = Math.Min(nr, nc - jr);
            // Sixteen weight rows at a time along their whole depth: sixteen streams to read, whole cache lines to write.
            for (int j0 = 0; j0 < nr; j0 += 16)
            {
                for (int k0 = 0; k0 < kc; k0 += 16)
                {
                    int kn = Math.Min(16, kc - k0);
                    ref float dst = ref Unsafe.Add(ref panel, k0 * nr + j0);
                    ref float src = ref Unsafe.Add(ref w, (nint)(jr + j0) * stride + k0);
                    if (Avx512F.IsSupported && kn == 16 && valid - j0 >= 16) Transpose16(ref src, stride, ref dst, nr);
                    else if (Avx.IsSupported && kn == 16 && valid - j0 >= 16)
                    {
                        // Without AVX-512 (the portable flavor): the block as four 8 × 8 transposes in Vector256s.
                        Transpose8(ref src, stride, ref dst, nr);
                        Transpose8(ref Unsafe.Add(ref src, 8), stride, ref Unsafe.Add(ref dst, 8 * nr), nr);
                        Transpose8(ref Unsafe.Add(ref src, (nint)8 * stride), stride, ref Unsafe.Add(ref dst, 8), nr);
                        Transpose8(ref Unsafe.Add(ref src, (nint)8 * stride + 8), stride, ref Unsafe.Add(ref dst, 8 * nr + 8), nr);
                    }
                    else if (j0 >= valid)
                    {
                        // Past the last weight row: zero columns.
                        for (int t = 0; t < kn; t++)
                            for (int q = 0; q < 16; q += 4) Vector128<float>.Zero.StoreUnsafe(ref dst, (nuint)(t * nr + q));
                    }
                    else
                    {
                        for (int j = j0; j < j0 + 16; j++)
                        {
                            ref float row = ref Unsafe.Add(ref src, (nint)(j - j0) * stride);
                            for (int t = 0; t < kn; t++) Unsafe.Add(ref dst, t * nr + j - j0) = j < valid ? Unsafe.Add(ref row, t) : 0f;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Writes the transpose of the 16 × 16 block at <paramref name="src"/> (rows <paramref name="stride"/> apart) to
    /// <paramref name="dst"/> (rows <paramref name="ldd"/> apart): interleave pairs of rows, then pairs of pairs, then
    /// 128-bit quarters twice — 64 shuffles for 256 elements.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Transpose16(ref float src, int stride, ref float dst, int ldd)
    {
        Vector512<float> r0 = Vector512.LoadUnsafe(ref src), r1 = Vector512.LoadUnsafe(ref src, (nuint)stride);
        Vector512<float> r2 = Vector512.LoadUnsafe(ref src, (nuint)(2 * stride)), r3 = Vector512.LoadUnsafe(ref src, (nuint)(3 * stride));
        Vector512<float> r4 = Vector512.LoadUnsafe(ref src, (nuint)(4 * stride)), r5 = Vector512.LoadUnsafe(ref src, (nuint)(5 * stride));
        Vector512<float> r6 = Vector512.LoadUnsafe(ref src, (nuint)(6 * stride)), r7 = Vector512.LoadUnsafe(ref src, (nuint)(7 * stride));
        Vector512<float> r8 = Vector512.LoadUnsafe(ref src, (nuint)(8 * stride)), r9 = Vector512.LoadUnsafe(ref src, (nuint)(9 * stride));
        Vector512<float> r10 = Vector512.LoadUnsafe(ref src, (nuint)(10 * stride)), r11 = Vector512.LoadUnsafe(ref src, (nuint)(11 * stride));
        Vector512<float> r12 = Vector512.LoadUnsafe(ref src, (nuint)(12 * stride)), r13 = Vector512.LoadUnsafe(ref src, (nuint)(13 * stride));
        Vector512<float> r14 = Vector512.LoadUnsafe(ref src, (nuint)(14 * stride)), r15 = Vector512.LoadUnsafe(ref src, (nuint)(15 * stride));

        // Pairs of rows interleaved: t0 = a0 b0 a1 b1 | a4 b4 a5 b5 | …, t1 = a2 b2 a3 b3 | …
        Vector512<float> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1);
        Vector512<float> t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
        Vector512<float> t4 = Avx512F.UnpackLow(r4, r5), t5 = Avx512F.UnpackHigh(r4, r5);
        Vector512<float> t6 = Avx512F.UnpackLow(r6, r7), t7 = Avx512F.UnpackHigh(r6, r7);
        Vector512<float> t8 = Avx512F.UnpackLow(r8, r9), t9 = Avx512F.UnpackHigh(r8, r9);
        Vector512<float> t10 = Avx512F.UnpackLow(r10, r11), t11 = Avx512F.UnpackHigh(r10, r11);
        Vector512<float> t12 = Avx512F.UnpackLow(r12, r13), t13 = Avx512F.UnpackHigh(r12, r13);
        Vector512<float> t14 = Avx512F.UnpackLow(r14, r15), t15 = Avx512F.UnpackHigh(r14, r15);

        // Four rows per column within each quarter: u0 = col 0, 4, 8, 12 of rows 0–3; u1 = col 1, 5, 9, 13; …
        Vector512<float> u0 = Avx512F.Shuffle(t0, t2, 0x44), u1 = Avx512F.Shuffle(t0, t2, 0xEE);
        Vector512<float> u2 = Avx512F.Shuffle(t1, t3, 0x44), u3 = Avx512F.Shuffle(t1, t3, 0xEE);
        Vector512<float> u4 = Avx512F.Shuffle(t4, t6, 0x44), u5 = Avx512F.Shuffle(t4, t6, 0xEE);
        Vector512<float> u6 = Avx512F.Shuffle(t5, t7, 0x44), u7 = Avx512F.Shuffle(t5, t7, 0xEE);
        Vector512<float> u8 = Avx512F.Shuffle(t8, t10, 0x44), u9 = Avx512F.Shuffle(t8, t10, 0xEE);
        Vector512<float> u10 = Avx512F.Shuffle(t9, t11, 0x44), u11 = Avx512F.Shuffle(t9, t11, 0xEE);
        Vector512<float> u12 = Avx512F.Shuffle(t12, t14, 0x44), u13 = Avx512F.Shuffle(t12, t14, 0xEE);
        Vector512<float> u14 = Avx512F.Shuffle(t13, t15, 0x44), u15 = Avx512F.Shuffle(t13, t15, 0xEE);

        // Quarters gathered twice: column c of all sixteen rows.
        Column(u0, u4, u8, u12, ref dst, ldd, 0);
        Column(u1, u5, u9, u13, ref dst, ldd, 1);
        Column(u2, u6, u10, u14, ref dst, ldd, 2);
        Column(u3, u7, u11, u15, ref dst, ldd, 3);

        // From the quarters of columns c, c + 4, c + 8, c + 12 (rows 0–3, 4–7, 8–11, 12–15): the four columns whole.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Column(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d, ref float dst, int ldd, int col)
        {
            Vector512<float> ab0 = Avx512F.Shuffle4x128(a, b, 0x88), ab1 = Avx512F.Shuffle4x128(a, b, 0xDD);
            Vector512<float> cd0 = Avx512F.Shuffle4x128(c, d, 0x88), cd1 = Avx512F.Shuffle4x128(c, d, 0xDD);
            Avx512F.Shuffle4x128(ab0, cd0, 0x88).StoreUnsafe(ref dst, (nuint)(col * ldd));
            Avx512F.Shuffle4x128(ab0, cd0, 0xDD).StoreUnsafe(ref dst, (nuint)((col + 8) * ldd));
            Avx512F.Shuffle4x128(ab1, cd1, 0x88).StoreUnsafe(ref dst, (nuint)((col + 4) * ldd));
            Avx512F.Shuffle4x128(ab1, cd1, 0xDD).StoreUnsafe(ref dst, (nuint)((col + 12) * ldd));
        }
    }

    /// <summary>
    /// Writes the transpose of the 8 × 8 block at <paramref name="src"/> (rows <paramref name="stride"/> apart) to
    /// <paramref name="dst"/> (rows <paramref name="ldd"/> apart) with AVX's 256-bit shuffles, as <see cref="Transpose16"/>
    /// does with AVX-512's: interleave pairs of rows, then pairs of pairs, then swap 128-bit halves — 24 shuffles for 64
    /// elements, where one value at a time took 64 loads and 64 stores. The caller checks <see cref="Avx.IsSupported"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Transpose8(ref float src, int stride, ref float dst, int ldd)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref src), r1 = Vector256.LoadUnsafe(ref src, (nuint)stride);
        Vector256<float> r2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * stride)), r3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * stride));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref src, (nuint)(4 * stride)), r5 = Vector256.LoadUnsafe(ref src, (nuint)(5 * stride));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref src, (nuint)(6 * stride)), r7 = Vector256.LoadUnsafe(ref src, (nuint)(7 * stride));

        // Pairs of rows interleaved: t0 = a0 b0 a1 b1 | a4 b4 a5 b5, t1 = a2 b2 a3 b3 | a6 b6 a7 b7.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

        // Four rows per column within each half: u0 = a0 b0 c0 d0 | a4 b4 c4 d4, u1 = columns 1 and 5, …
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        // Rows 0–3 and 4–7 of a column from the low halves (columns 0–3) or the high halves (columns 4–7).
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref dst);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref dst, (nuint)ldd);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref dst, (nuint)(2 * ldd));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref dst, (nuint)(3 * ldd));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref dst, (nuint)(4 * ldd));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref dst, (nuint)(5 * ldd));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref dst, (nuint)(6 * ldd));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref dst, (nuint)(7 * ldd));
    }

    /// <summary>
    /// One 6 × 64 tile with <see cref="Vector512{T}"/>: accumulators start at zero (<paramref name="first"/>) or at the
    /// partial sums in c, run over <paramref name="kc"/>, and are stored (plus the bias when <paramref name="last"/>).
    /// <paramref name="bias"/> holds 64 readable floats. A tile of <paramref name="mr"/> &lt; 6 rows runs a tile of that
    /// many rows (<see cref="Tile512{TRows}"/>) and stores those rows only; every output is the same chain of FMAs over k
    /// whatever the tile's rows, so the bits do not depend on them.
    /// </summary>
    internal static void Tile512(ref float a, int lda, int mr, ref float b, ref float bias, ref float t, int ldt, int kc, bool first, bool last)
    {
        switch (mr)
        {
            case 1: Tile512<Rows1>(ref a, lda, ref b, ref bias, ref t, ldt, kc, first, last); break;
            case 2: Tile512<Rows2>(ref a, lda, ref b, ref bias, ref t, ldt, kc, first, last); break;
            case 3: Tile512<Rows3>(ref a, lda, ref b, ref bias, ref t, ldt, kc, first, last); break;
            case 4: Tile512<Rows4>(ref a, lda, ref b, ref bias, ref t, ldt, kc, first, last); break;
            case 5: Tile512<Rows5>(ref a, lda, ref b, ref bias, ref t, ldt, kc, first, last); break;
            default: Tile512<Rows6>(ref a, lda, ref b, ref bias, ref t, ldt, kc, first, last); break;
        }
    }

    /// <summary>
    /// <typeparamref name="TRows"/> rows × 64 columns of <see cref="Tile512(ref float, int, int, ref float, ref float, ref float, int, int, bool, bool)"/>:
    /// 4 to 24 accumulators, rows past the count neither computed nor stored. No calls: a call would make the JIT keep the
    /// accumulators in memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile512<TRows>(ref float a, int lda, ref float b, ref float bias, ref float t, int ldt, int kc, bool first, bool last)
        where TRows : struct, IRowCount
    {
        const int NR = 64;
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c43 = default, c50 = default, c51 = default, c52 = default, c53 = default;
        ref float r0 = ref t, r1 = ref Unsafe.Add(ref t, ldt), r2 = ref Unsafe.Add(ref t, 2 * ldt);
        ref float r3 = ref Unsafe.Add(ref t, 3 * ldt), r4 = ref Unsafe.Add(ref t, 4 * ldt), r5 = ref Unsafe.Add(ref t, 5 * ldt);
        if (!first)
        {
            c00 = Vector512.LoadUnsafe(ref r0); c01 = Vector512.LoadUnsafe(ref r0, 16); c02 = Vector512.LoadUnsafe(ref r0, 32); c03 = Vector512.LoadUnsafe(ref r0, 48);
            if (TRows.Count > 1) { c10 = Vector512.LoadUnsafe(ref r1); c11 = Vector512.LoadUnsafe(ref r1, 16); c12 = Vector512.LoadUnsafe(ref r1, 32); c13 = Vector512.LoadUnsafe(ref r1, 48); }
            if (TRows.Count > 2) { c20 = Vector512.LoadUnsafe(ref r2); c21 = Vector512.LoadUnsafe(ref r2, 16); c22 = Vector512.LoadUnsafe(ref r2, 32); c23 = Vector512.LoadUnsafe(ref r2, 48); }
            if (TRows.Count > 3) { c30 = Vector512.LoadUnsafe(ref r3); c31 = Vector512.LoadUnsafe(ref r3, 16); c32 = Vector512.LoadUnsafe(ref r3, 32); c33 = Vector512.LoadUnsafe(ref r3, 48); }
            if (TRows.Count > 4) { c40 = Vector512.LoadUnsafe(ref r4); c41 = Vector512.LoadUnsafe(ref r4, 16); c42 = Vector512.LoadUnsafe(ref r4, 32); c43 = Vector512.LoadUnsafe(ref r4, 48); }
            if (TRows.Count > 5) { c50 = Vector512.LoadUnsafe(ref r5); c51 = Vector512.LoadUnsafe(ref r5, 16); c52 = Vector512.LoadUnsafe(ref r5, 32); c53 = Vector512.LoadUnsafe(ref r5, 48); }
        }
        ref float a0 = ref a, a1 = ref Unsafe.Add(ref a, lda), a2 = ref Unsafe.Add(ref a, 2 * lda);
        ref float a3 = ref Unsafe.Add(ref a, 3 * lda), a4 = ref Unsafe.Add(ref a, 4 * lda), a5 = ref Unsafe.Add(ref a, 5 * lda);
        for (int k = 0; k < kc; k++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref b), b1 = Vector512.LoadUnsafe(ref b, 16);
            Vector512<float> b2 = Vector512.LoadUnsafe(ref b, 32), b3 = Vector512.LoadUnsafe(ref b, 48);
            Vector512<float> s0 = Vector512.Create(Unsafe.Add(ref a0, k)); c00 = Vector512.FusedMultiplyAdd(s0, b0, c00); c01 = Vector512.FusedMultiplyAdd(s0, b1, c01); c02 = Vector512.FusedMultiplyAdd(s0, b2, c02); c03 = Vector512.FusedMultiplyAdd(s0, b3, c03);
            if (TRows.Count > 1)
            {
                Vector512<float> s1 = Vector512.Create(Unsafe.Add(ref a1, k)); c10 = Vector512.FusedMultiplyAdd(s1, b0, c10); c11 = Vector512.FusedMultiplyAdd(s1, b1, c11); c12 = Vector512.FusedMultiplyAdd(s1, b2, c12); c13 = Vector512.FusedMultiplyAdd(s1, b3, c13);
            }
            if (TRows.Count > 2)
            {
                Vector512<float> s2 = Vector512.Create(Unsafe.Add(ref a2, k)); c20 = Vector512.FusedMultiplyAdd(s2, b0, c20); c21 = Vector512.FusedMultiplyAdd(s2, b1, c21); c22 = Vector512.FusedMultiplyAdd(s2, b2, c22); c23 = Vector512.FusedMultiplyAdd(s2, b3, c23);
            }
            if (TRows.Count > 3)
            {
                Vector512<float> s3 = Vector512.Create(Unsafe.Add(ref a3, k)); c30 = Vector512.FusedMultiplyAdd(s3, b0, c30); c31 = Vector512.FusedMultiplyAdd(s3, b1, c31); c32 = Vector512.FusedMultiplyAdd(s3, b2, c32); c33 = Vector512.FusedMultiplyAdd(s3, b3, c33);
            }
            if (TRows.Count > 4)
            {
                Vector512<float> s4 = Vector512.Create(Unsafe.Add(ref a4, k)); c40 = Vector512.FusedMultiplyAdd(s4, b0, c40); c41 = Vector512.FusedMultiplyAdd(s4, b1, c41); c42 = Vector512.FusedMultiplyAdd(s4, b2, c42); c43 = Vector512.FusedMultiplyAdd(s4, b3, c43);
            }
            if (TRows.Count > 5)
            {
                Vector512<float> s5 = Vector512.Create(Unsafe.Add(ref a5, k)); c50 = Vector512.FusedMultiplyAdd(s5, b0, c50); c51 = Vector512.FusedMultiplyAdd(s5, b1, c51); c52 = Vector512.FusedMultiplyAdd(s5, b2, c52); c53 = Vector512.FusedMultiplyAdd(s5, b3, c53);
            }
            b = ref Unsafe.Add(ref b, NR);
        }
        if (last)
        {
            Vector512<float> d0 = Vector512.LoadUnsafe(ref bias), d1 = Vector512.LoadUnsafe(ref bias, 16);
            Vector512<float> d2 = Vector512.LoadUnsafe(ref bias, 32), d3 = Vector512.LoadUnsafe(ref bias, 48);
            c00 += d0; c01 += d1; c02 += d2; c03 += d3; c10 += d0; c11 += d1; c12 += d2; c13 += d3;
            c20 += d0; c21 += d1; c22 += d2; c23 += d3; c30 += d0; c31 += d1; c32 += d2; c33 += d3;
            c40 += d0; c41 += d1; c42 += d2; c43 += d3; c50 += d0; c51 += d1; c52 += d2; c53 += d3;
        }
        c00.StoreUnsafe(ref r0); c01.StoreUnsafe(ref r0, 16); c02.StoreUnsafe(ref r0, 32); c03.StoreUnsafe(ref r0, 48);
        if (TRows.Count > 1) { c10.StoreUnsafe(ref r1); c11.StoreUnsafe(ref r1, 16); c12.StoreUnsafe(ref r1, 32); c13.StoreUnsafe(ref r1, 48); }
        if (TRows.Count > 2) { c20.StoreUnsafe(ref r2); c21.StoreUnsafe(ref r2, 16); c22.StoreUnsafe(ref r2, 32); c23.StoreUnsafe(ref r2, 48); }
        if (TRows.Count > 3) { c30.StoreUnsafe(ref r3); c31.StoreUnsafe(ref r3, 16); c32.StoreUnsafe(ref r3, 32); c33.StoreUnsafe(ref r3, 48); }
        if (TRows.Count > 4) { c40.StoreUnsafe(ref r4); c41.StoreUnsafe(ref r4, 16); c42.StoreUnsafe(ref r4, 32); c43.StoreUnsafe(ref r4, 48); }
        if (TRows.Count > 5) { c50.StoreUnsafe(ref r5); c51.StoreUnsafe(ref r5, 16); c52.StoreUnsafe(ref r5, 32); c53.StoreUnsafe(ref r5, 48); }
    }

    /// <summary>
    /// The same tile for hardware without AVX-512: 6 × 16 with <see cref="Vector256{T}"/>, 12 accumulators; a tile of
    /// fewer rows runs a kernel of that many (<see cref="Tile256{TRows}"/>).
    /// </summary>
    internal static void Tile256(ref float a, int lda, int mr, ref float b, ref float bias, ref float t, int ldt, int kc, bool first, bool last)
    {
        switch (mr)
        {
            case 1: Tile256<Rows1>(ref a, lda, ref b, ref bias, ref t, ldt, kc, first, last); break;
            case 2: Tile256<Rows2>(ref a, lda, ref b, ref bias, ref t, ldt, kc, first, last); break;
            case 3: Tile256<Rows3>(ref a, lda, ref b, ref bias, ref t, ldt, kc, first, last); break;
            case 4: Tile256<Rows4>(ref a, lda, ref b, ref bias, ref t, ldt, kc, first, last); break;
            case 5: Tile256<Rows5>(ref a, lda, ref b, ref bias, ref t, ldt, kc, first, last); break;
            default: Tile256<Rows6>(ref a, lda, ref b, ref bias, ref t, ldt, kc, first, last); break;
        }
    }

    /// <summary><typeparamref name="TRows"/> rows × 16 columns of the <see cref="Vector256{T}"/> tile: rows past the count neither computed nor stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile256<TRows>(ref float a, int lda, ref float b, ref float bias, ref float t, int ldt, int kc, bool first, bool last)
        where TRows : struct, IRowCount
    {
        const int NR = 16;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        ref float r0 = ref t, r1 = ref Unsafe.Add(ref t, ldt), r2 = ref Unsafe.Add(ref t, 2 * ldt);
        ref float r3 = ref Unsafe.Add(ref t, 3 * ldt), r4 = ref Unsafe.Add(ref t, 4 * ldt), r5 = ref Unsafe.Add(ref t, 5 * ldt);
        if (!first)
        {
            c00 = Vector256.LoadUnsafe(ref r0); c01 = Vector256.LoadUnsafe(ref r0, 8);
            if (TRows.Count > 1) { c10 = Vector256.LoadUnsafe(ref r1); c11 = Vector256.LoadUnsafe(ref r1, 8); }
            if (TRows.Count > 2) { c20 = Vector256.LoadUnsafe(ref r2); c21 = Vector256.LoadUnsafe(ref r2, 8); }
            if (TRows.Count > 3) { c30 = Vector256.LoadUnsafe(ref r3); c31 = Vector256.LoadUnsafe(ref r3, 8); }
            if (TRows.Count > 4) { c40 = Vector256.LoadUnsafe(ref r4); c41 = Vector256.LoadUnsafe(ref r4, 8); }
            if (TRows.Count > 5) { c50 = Vector256.LoadUnsafe(ref r5); c51 = Vector256.LoadUnsafe(ref r5, 8); }
        }
        ref float a0 = ref a, a1 = ref Unsafe.Add(ref a, lda), a2 = ref Unsafe.Add(ref a, 2 * lda);
        ref float a3 = ref Unsafe.Add(ref a, 3 * lda), a4 = ref Unsafe.Add(ref a, 4 * lda), a5 = ref Unsafe.Add(ref a, 5 * lda);
        for (int k = 0; k < kc; k++)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref b), b1 = Vector256.LoadUnsafe(ref b, 8);
            Vector256<float> s0 = Vector256.Create(Unsafe.Add(ref a0, k)); c00 = Vector256.FusedMultiplyAdd(s0, b0, c00); c01 = Vector256.FusedMultiplyAdd(s0, b1, c01);
            if (TRows.Count > 1) { Vector256<float> s1 = Vector256.Create(Unsafe.Add(ref a1, k)); c10 = Vector256.FusedMultiplyAdd(s1, b0, c10); c11 = Vector256.FusedMultiplyAdd(s1, b1, c11); }
            if (TRows.Count > 2) { Vector256<float> s2 = Vector256.Create(Unsafe.Add(ref a2, k)); c20 = Vector256.FusedMultiplyAdd(s2, b0, c20); c21 = Vector256.FusedMultiplyAdd(s2, b1, c21); }
            if (TRows.Count > 3) { Vector256<float> s3 = Vector256.Create(Unsafe.Add(ref a3, k)); c30 = Vector256.FusedMultiplyAdd(s3, b0, c30); c31 = Vector256.FusedMultiplyAdd(s3, b1, c31); }
            if (TRows.Count > 4) { Vector256<float> s4 = Vector256.Create(Unsafe.Add(ref a4, k)); c40 = Vector256.FusedMultiplyAdd(s4, b0, c40); c41 = Vector256.FusedMultiplyAdd(s4, b1, c41); }
            if (TRows.Count > 5) { Vector256<float> s5 = Vector256.Create(Unsafe.Add(ref a5, k)); c50 = Vector256.FusedMultiplyAdd(s5, b0, c50); c51 = Vector256.FusedMultiplyAdd(s5, b1, c51); }
            b = ref Unsafe.Add(ref b, NR);
        }
        if (last)
        {
            Vector256<float> d0 = Vector256.LoadUnsafe(ref bias), d1 = Vector256.LoadUnsafe(ref bias, 8);
            c00 += d0; c01 += d1; c10 += d0; c11 += d1; c20 += d0; c21 += d1; c30 += d0; c31 += d1; c40 += d0; c41 += d1; c50 += d0; c51 += d1;
        }
        c00.StoreUnsafe(ref r0); c01.StoreUnsafe(ref r0, 8);
        if (TRows.Count > 1) { c10.StoreUnsafe(ref r1); c11.StoreUnsafe(ref r1, 8); }
        if (TRows.Count > 2) { c20.StoreUnsafe(ref r2); c21.StoreUnsafe(ref r2, 8); }
        if (TRows.Count > 3) { c30.StoreUnsafe(ref r3); c31.StoreUnsafe(ref r3, 8); }
        if (TRows.Count > 4) { c40.StoreUnsafe(ref r4); c41.StoreUnsafe(ref r4, 8); }
        if (TRows.Count > 5) { c50.StoreUnsafe(ref r5); c51.StoreUnsafe(ref r5, 8); }
    }
}
