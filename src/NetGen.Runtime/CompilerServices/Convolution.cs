using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// 2-D convolutions as matrix products over shifted windows (implicit im2col): each output position's window, a row of
/// <c>Depth = kh·kw·in</c> values, times the filters — read where it lies in the zero-padded channels-last sample through
/// two tables of offsets (output position, place in the window), never gathered into a copy, on
/// <see cref="TileProduct"/>'s register tiles. A 3 × 3, stride-1 layer of at least 8 input channels with an even output
/// runs forward by <see cref="Winograd"/>'s F(2 × 2, 3 × 3) instead. The weight gradient reads the same windows down
/// their columns (no transposed copy), and the input gradient multiplies δ by the filters, then adds every window back
/// where it came from (col2im). A layer that runs forward by Winograd sums its weight gradient by Winograd too
/// (<see cref="Winograd.AccumulateWeightGradient"/>), and a 3 × 3, stride-1 layer of at least 8 output channels and an
/// even input convolves δ with the filters turned by 180° by Winograd for its input gradient
/// (<see cref="Winograd.AppliesToInputGradient"/>): the convolutional network's second layer took 91.3–92.7 µs an
/// image backward with both against 151.3–151.5 with neither (<c>NetGen.Benchmarks.dll --kernels</c>, two runs
/// alternating the builds).
/// </summary>
/// <remarks>
/// Parameters stay in PyTorch's layout (<c>[out, in, kh, kw]</c>, then the bias); the kernels repack them into the window
/// order (<c>[ky][kx][in][out]</c> for the forward product, <c>[out][ky][kx][in]</c> for the direct input gradient,
/// <c>[2 − ky][2 − kx][out][in]</c> for Winograd's) — the forward
/// packing only when the weights' bits differ from those it was made from, which the scratch keeps a copy of.
/// Every weight's gradient is one chain of fused multiply-adds over the samples and positions in order (by Winograd,
/// each sample's transformed sums one chain over its tiles, added in sample order), so a batch gives the same bits
/// however it is later split between threads by whole shards.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Convolution
{
    /// <summary>
    /// Elements of scratch <see cref="Forward"/> and <see cref="Backward"/> need for <paramref name="g"/>. A scratch belongs
    /// to one geometry: it keeps that geometry's offset tables from its first use on.
    /// </summary>
    public static int ScratchLength(in SpatialGeometry g)
        => 3 * g.WeightCount + PaddedSize(g) + g.Positions * g.Depth + g.OutChannels + Winograd.Length(g)
           + 2 * g.Positions + g.Depth + g.OutChannels + Winograd.TableLength(g) + 2 + InputGradientLength(g)
           + (Winograd.Applies(g) ? 16 * g.InChannels * g.OutChannels : 0);

    /// <summary>
    /// The scratch of the input gradient by Winograd (<see cref="Winograd.AppliesToInputGradient"/>): δ padded,
    /// the flipped filters transformed, one sample's transformed tiles and products, a zero bias, and the offset tables.
    /// </summary>
    private static int InputGradientLength(in SpatialGeometry g)
    {
        if (!Winograd.AppliesToInputGradient(g)) return 0;
        SpatialGeometry t = Winograd.InputGradientGeometry(g);
        return PaddedSize(t) + Winograd.Length(t) + g.InChannels + Winograd.TableLength(t);
    }

    private static int PaddedSize(in SpatialGeometry g)
        => (g.InHeight + 2 * g.PaddingHeight) * (g.InWidth + 2 * g.PaddingWidth) * g.InChannels;

    /// <summary>
    /// The parts of a convolution's scratch: repacked weights, the gradient sums, one zero-padded sample, ∂col, the offset
    /// tables. The tables and the padded sample's zero border depend on the geometry only: they are made the first time a
    /// scratch is used (a flag at its end says so) and kept, so a call on one sample pays for repacking the weights only.
    /// </summary>
    private ref struct Parts<T> where T : unmanaged
    {
        public Span<T> Filters, Gradient, Padded, Col, BiasGradient, Transformed, TransformWork, PackedFrom;
        public Span<int> Positions, Window, DeltaRows, DeltaDepth, TransformTables;

        /// <summary>The input gradient by Winograd: δ padded, the flipped filters transformed, V and M, a zero bias, the tables (empty where it does not apply).</summary>
        public Span<T> DeltaPadded, FlippedTransformed, FlippedWork, ZeroBias;
        public Span<int> FlippedTables;

        /// <summary>Whether the input gradient runs by Winograd, on the convolution <see cref="FlippedGeometry"/>.</summary>
        public bool Flipped;
        public SpatialGeometry FlippedGeometry;

        /// <summary>One sample's sums of Winograd's weight gradient (<c>[ξ][in][out]</c>), added to those in <see cref="Transformed"/>.</summary>
        public Span<T> SampleSums;

        /// <summary><see cref="Packed"/> when <see cref="Filters"/> (and <see cref="Transformed"/>) hold the forward packing of the weights in <see cref="PackedFrom"/>.</summary>
        public ref int State;

        public Parts(in SpatialGeometry g, Span<T> scratch, bool prepared = false)
        {
            int count = g.WeightCount, positions = g.Positions, k = g.Depth, padded = PaddedSize(g);
            Filters = scratch.Slice(0, count);
            Gradient = scratch.Slice(count, count);
            Padded = scratch.Slice(2 * count, padded);
            Col = scratch.Slice(2 * count + padded, positions * k);
            int at = 2 * count + padded + positions * k;
            BiasGradient = scratch.Slice(at, g.OutChannels);
            int filters = 16 * g.InChannels * g.OutChannels, winograd = Winograd.Length(g);
            Transformed = scratch.Slice(at + g.OutChannels, winograd == 0 ? 0 : filters);
            TransformWork = scratch.Slice(at + g.OutChannels + Transformed.Length, winograd - Transformed.Length);
            PackedFrom = scratch.Slice(at + g.OutChannels + winograd, count);
            at += g.OutChannels + winograd + count;
            bool flipped = Flipped = Winograd.AppliesToInputGradient(g);
            SpatialGeometry t = FlippedGeometry = flipped ? Winograd.InputGradientGeometry(g) : default;
            int deltaPadded = flipped ? PaddedSize(t) : 0, flippedLength = flipped ? Winograd.Length(t) : 0;
            DeltaPadded = scratch.Slice(at, deltaPadded);
            FlippedTransformed = scratch.Slice(at + deltaPadded, flipped ? 16 * t.InChannels * t.OutChannels : 0);
            FlippedWork = scratch.Slice(at + deltaPadded + FlippedTransformed.Length, flippedLength - FlippedTransformed.Length);
            ZeroBias = scratch.Slice(at + deltaPadded + flippedLength, flipped ? g.InChannels : 0);
            at += deltaPadded + flippedLength + ZeroBias.Length;
            SampleSums = scratch.Slice(at, winograd == 0 ? 0 : filters);
            at += SampleSums.Length;
            // The tables live in the rest, as ints (an element is at least as wide as an int).
            Span<int> tables = MemoryMarshal.Cast<T, int>(scratch.Slice(at));
            Positions = tables.Slice(0, positions);
            Window = tables.Slice(positions, k);
            DeltaRows = tables.Slice(positions + k, positions);
            DeltaDepth = tables.Slice(2 * positions + k, g.OutChannels);
            TransformTables = tables.Slice(2 * positions + k + g.OutChannels, Winograd.TableLength(g));
            State = ref tables[2 * positions + k + g.OutChannels + TransformTables.Length + 1];
            ref int made = ref tables[2 * positions + k + g.OutChannels + TransformTables.Length];
            FlippedTables = tables.Slice(2 * positions + k + g.OutChannels + TransformTables.Length + 2, flipped ? Winograd.TableLength(t) : 0);
            if (prepared || made == Made) return; // the tables and the zero borders are there already
            made = Made;
            Padded.Clear(); // the border stays zero: each sample rewrites the inside only
            if (TransformTables.Length > 0) Winograd.MakeTables(g, TransformTables);
            if (flipped)
            {
                DeltaPadded.Clear();
                ZeroBias.Clear();
                Winograd.MakeTables(t, FlippedTables);
            }
            // A(p, k) of a sample = padded[Positions[p] + Window[k]]: where window place k of output position p lies.
            int inChannels = g.InChannels, paddedWidth = g.InWidth + 2 * g.PaddingWidth;
            for (int oy = 0, p = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++, p++)
                    Positions[p] = (oy * g.StrideHeight * paddedWidth + ox * g.StrideWidth) * inChannels;
            for (int ky = 0, w = 0; ky < g.KernelHeight; ky++)
                for (int kx = 0; kx < g.KernelWidth; kx++)
                    for (int c = 0; c < inChannels; c++, w++)
                        Window[w] = (ky * paddedWidth + kx) * inChannels + c;
            TileProduct.Strided(DeltaRows, g.OutChannels);
            TileProduct.Strided(DeltaDepth, 1);
        }
    }

    /// <summary>The value of a scratch's flag once its tables and zero border are made (a fresh scratch holds 0).</summary>
    private const int Made = 0x4E47_7462;

    /// <summary>The value of a scratch's state while its filters hold the forward packing of the weights it keeps a copy of.</summary>
    private const int Packed = 0x4E47_6670;

    /// <summary>The sample at <paramref name="x"/> as the products read it: itself without padding, else copied inside the zero border of <paramref name="padded"/>.</summary>
    private static ref T Pad<T>(in SpatialGeometry g, ref T x, Span<T> padded) where T : unmanaged
    {
        if (g.PaddingHeight == 0 && g.PaddingWidth == 0) return ref x;
        int run = g.InWidth * g.InChannels, paddedRun = (g.InWidth + 2 * g.PaddingWidth) * g.InChannels;
        for (int y = 0; y < g.InHeight; y++)
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref x, (nint)y * run), run)
                .CopyTo(padded.Slice((y + g.PaddingHeight) * paddedRun + g.PaddingWidth * g.InChannels, run));
        return ref MemoryMarshal.GetReference(padded);
    }

    /// <summary>
    /// <c>y = f(conv(x, W) + b)</c> for <paramref name="rows"/> samples: x <c>[rows, InH, InW, InC]</c>, y
    /// <c>[rows, OutH, OutW, OutC]</c> (channels-last), W and b in PyTorch's layout.
    /// </summary>
    /// <remarks>
    /// A pass that runs its rows in blocks (so that each block's maps stay in cache from layer to layer) calls with
    /// <paramref name="prepared"/> after its first block: the repacked weights in <paramref name="scratch"/> are then reused
    /// as they are (the tables and the zero border always are). Nothing else may use the scratch in between.
    /// </remarks>
    public static void Forward<T>(in SpatialGeometry g, ref T x, ref T w, ref T b, ref T y, int rows, Span<T> scratch, Activation activation, T slope,
        bool prepared = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var parts = new Parts<T>(g, scratch, prepared);
        bool winograd = Winograd.Applies(g);
        if (!prepared)
        {
            // Packed for these very weights already (an inference on one sample after another): the bits compared, not repacked.
            ReadOnlySpan<T> weights = MemoryMarshal.CreateReadOnlySpan(ref w, g.WeightCount);
            if (parts.State != Packed || !MemoryMarshal.AsBytes(weights).SequenceEqual(MemoryMarshal.AsBytes(parts.PackedFrom)))
            {
                Repack(g, ref w, parts.Filters, filterMajor: false); // [k][out]: each window value's row of filters
                if (winograd) Winograd.TransformFilters<T>(g, parts.Filters, parts.Transformed);
                weights.CopyTo(parts.PackedFrom);
                parts.State = Packed;
            }
        }
        int outChannels = g.OutChannels;
        // Winograd's output transform and the direct product's tiles store through ReLU where they can (float, output
        // channels in whole 512-bit vectors): the bits of the pass it saves, which takes those vectors through the same ReLU.
        bool fusedReLU = activation == Activation.ReLU && StoresReLU<T>(g);
        for (int r = 0; r < rows; r++)
        {
            ref T input = ref Pad(g, ref Unsafe.Add(ref x, (nint)r * g.InSize), parts.Padded);
            ref T yr = ref Unsafe.Add(ref y, (nint)r * g.OutSize);
            if (winograd)
                Winograd.Forward(g, ref input, parts.Transformed, parts.TransformWork, parts.TransformTables, ref b, ref yr, fusedReLU, grouped: rows == 1);
            else
                TileProduct.Multiply(ref input, parts.Positions, parts.Window, ref MemoryMarshal.GetReference(parts.Filters), outChannels,
                    ref yr, outChannels, outChannels, accumulate: false, ref b, fusedReLU);
            if (!fusedReLU) Products.Activate(MemoryMarshal.CreateSpan(ref yr, g.OutSize), activation, slope);
        }
    }

    /// <summary>
    /// Whether the products can store a ReLU layer's outputs through ReLU themselves with the bits of
    /// <c>Products.Activate</c>'s pass: float outputs whose channels fill 512-bit vectors, which that pass takes through the
    /// same <c>ActivationMath.ReLU</c> (the scalar ReLU, which double takes, maps NaN to 0 where the vector one keeps it).
    /// </summary>
    private static bool StoresReLU<T>(in SpatialGeometry g)
        => typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated && g.OutChannels % Vector512<T>.Count == 0;

    /// <summary>
    /// Backward over the rows of the last <see cref="Forward"/>: turns <paramref name="dy"/> (∂loss/∂y, channels-last) into
    /// ∂loss/∂z in place, writes ∂loss/∂x to <paramref name="dx"/> unless it is a null reference (the first layer), and hands
    /// the weight and bias gradients, summed over the rows, to <paramref name="update"/> at the weights' PyTorch indices.
    /// </summary>
    /// <remarks>
    /// A pass that runs its rows in blocks calls once per block, in order: <paramref name="first"/> for the first block
    /// (the sums start from zero, the weights are repacked), <paramref name="last"/> for the last (the sums go to
    /// <paramref name="update"/>). The sums go on from block to block, so the gradient has the bits of one call over all
    /// the rows. Nothing else may use the scratch in between.
    /// </remarks>
    public static void Backward<T, TUpdate>(in SpatialGeometry g, ref T x, ref T y, ref T dy, ref T w, ref T dx, int rows, Span<T> scratch,
        Activation activation, T slope, ref T targetWeights, ref T targetBias, ref T stateWeights, ref T stateBias, in TUpdate update,
        bool first = true, bool last = true)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TUpdate : struct, IParameterUpdate<T>
    {
        var parts = new Parts<T>(g, scratch, prepared: !first);
        int k = g.Depth, positions = g.Positions, outChannels = g.OutChannels;
        Span<T> gradient = parts.Gradient, biasGradient = parts.BiasGradient;
        bool input = !Unsafe.IsNullRef(ref dx), flipped = input && parts.Flipped, winograd = Winograd.Applies(g);
        SpatialGeometry t = parts.FlippedGeometry;
        if (first)
        {
            // Winograd's weight gradient sums in the forward's transformed filters (their packing is then gone).
            if (winograd)
            {
                parts.Transformed.Clear();
                parts.State = 0;
            }
            else gradient.Clear();
            biasGradient.Clear();
            if (input)
            {
                if (flipped)
                {
                    Winograd.FlipFilters(g, ref w, parts.Filters);
                    Winograd.TransformFilters<T>(t, parts.Filters, parts.FlippedTransformed);
                }
                else Repack(g, ref w, parts.Filters, filterMajor: true); // [out][k]: each filter in window order
                parts.State = 0; // the forward packing is gone
            }
        }
        Products.TimesDerivative(MemoryMarshal.CreateSpan(ref dy, rows * g.OutSize), MemoryMarshal.CreateSpan(ref y, rows * g.OutSize), activation, slope);
        for (int r = 0; r < rows; r++)
        {
            ref T delta = ref Unsafe.Add(ref dy, (nint)r * g.OutSize); // [positions, out]
            ref T sample = ref Pad(g, ref Unsafe.Add(ref x, (nint)r * g.InSize), parts.Padded);
            if (winograd)
            {
                // ∂U[ξ] += Vᵀ[ξ] · D[ξ], the sample's own sums added to those of the samples before; ∂W from ∂U after the last.
                Winograd.AccumulateWeightGradient(g, ref sample, ref delta, parts.Transformed, parts.SampleSums, parts.TransformWork, parts.TransformTables);
            }
            else
            {
                // ∂W [k][out] += windowsᵀ · δ, the windows read where they lie: the chain of every weight goes on from the samples before.
                TileProduct.Multiply(ref sample, parts.Window, parts.Positions, ref delta, outChannels,
                    ref MemoryMarshal.GetReference(gradient), outChannels, outChannels, accumulate: true, ref Unsafe.NullRef<T>());
            }
            Products.AddRows(ref delta, positions, outChannels, biasGradient);
            if (flipped)
            {
                // ∂x = δ convolved with the flipped filters, by Winograd: 2.25 times fewer multiplications, no col2im.
                Winograd.Forward(t, ref Pad(t, ref delta, parts.DeltaPadded), parts.FlippedTransformed, parts.FlippedWork, parts.FlippedTables,
                    ref MemoryMarshal.GetReference(parts.ZeroBias), ref Unsafe.Add(ref dx, (nint)r * g.InSize));
            }
            else if (input)
            {
                // ∂col = δ · W (window order), then each window's values added back where they came from.
                TileProduct.Multiply(ref delta, parts.DeltaRows, parts.DeltaDepth, ref MemoryMarshal.GetReference(parts.Filters), k,
                    ref MemoryMarshal.GetReference(parts.Col), k, k, accumulate: false, ref Unsafe.NullRef<T>());
                Col2Im(g, parts.Col, ref Unsafe.Add(ref dx, (nint)r * g.InSize));
            }
        }
        if (!last) return;
        if (winograd) Winograd.WeightGradient<T>(g, parts.Transformed, gradient);
        // Hand the sums over, at the PyTorch index of each weight.
        int inChannels = g.InChannels, kh = g.KernelHeight, kw = g.KernelWidth;
        for (int o = 0; o < outChannels; o++)
        for (int c = 0; c < inChannels; c++)
        for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++)
        {
            int at = ((o * inChannels + c) * kh + ky) * kw + kx;
            int window = (ky * kw + kx) * inChannels + c;
            update.Weight(ref Unsafe.Add(ref targetWeights, at), ref Unsafe.Add(ref stateWeights, at), gradient[window * outChannels + o]);
        }
        for (int o = 0; o < outChannels; o++)
            update.Bias(ref Unsafe.Add(ref targetBias, o), ref Unsafe.Add(ref stateBias, o), biasGradient[o]);
    }

    /// <summary>
    /// W <c>[out, in, kh, kw]</c> in window order: <c>[ky][kx][in][out]</c> (each place of a window, the weights of every
    /// filter: the forward product's right operand) or, <paramref name="filterMajor"/>, <c>[out][ky][kx][in]</c> (each
    /// filter in the order of a window row: the input gradient's).
    /// </summary>
    private static void Repack<T>(in SpatialGeometry g, ref T w, Span<T> packed, bool filterMajor)
    {
        int inChannels = g.InChannels, kh = g.KernelHeight, kw = g.KernelWidth, outChannels = g.OutChannels, k = g.Depth;
        if (filterMajor)
        {
            // Each filter's values move within its own row: source and destination stay in cache.
            for (int o = 0, at = 0; o < outChannels; o++)
            for (int c = 0; c < inChannels; c++)
            for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++, at++)
                packed[o * k + (ky * kw + kx) * inChannels + c] = Unsafe.Add(ref w, at);
            return;
        }
        // A transpose, [out][k] → [k][out], sixteen filters at a time: their rows (16 · k values) and the destination's
        // lines they fill stay in L1, where one filter at a time wrote every value to a different line (the conv network's
        // second layer spent 100 µs of a 180 µs call on one sample here).
        const int Block = 16;
        for (int o0 = 0; o0 < outChannels; o0 += Block)
        {
            int o1 = Math.Min(outChannels, o0 + Block);
            for (int c = 0, at = 0; c < inChannels; c++)
            for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++, at++)
            {
                ref T to = ref packed[((ky * kw + kx) * inChannels + c) * outChannels];
                for (int o = o0; o < o1; o++) Unsafe.Add(ref to, o) = Unsafe.Add(ref w, (nint)o * k + at);
            }
        }
    }

    /// <summary>
    /// The adjoint of reading windows (col2im): clears the sample's ∂x, then adds every window row of ∂col back where its
    /// values lie in the (unpadded) sample, in raster order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Col2Im<T>(in SpatialGeometry g, ReadOnlySpan<T> col, ref T dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inChannels = g.InChannels, inHeight = g.InHeight, inWidth = g.InWidth, kh = g.KernelHeight, kw = g.KernelWidth;
        int outHeight = g.OutHeight, outWidth = g.OutWidth, k = g.Depth;
        int strideHeight = g.StrideHeight, strideWidth = g.StrideWidth, padHeight = g.PaddingHeight, padWidth = g.PaddingWidth;
        MemoryMarshal.CreateSpan(ref dx, g.InSize).Clear();
        ref T row = ref MemoryMarshal.GetReference(col);
        for (int oy = 0; oy < outHeight; oy++)
        for (int ox = 0; ox < outWidth; ox++, row = ref Unsafe.Add(ref row, k))
        {
            for (int ky = 0; ky < kh; ky++)
            {
                int iy = oy * strideHeight - padHeight + ky;
                if ((uint)iy >= (uint)inHeight) continue;
                for (int kx = 0; kx < kw; kx++)
                {
                    int ix = ox * strideWidth - padWidth + kx;
                    if ((uint)ix >= (uint)inWidth) continue;
                    Add(ref Unsafe.Add(ref row, (ky * kw + kx) * inChannels), ref Unsafe.Add(ref dx, (nint)(iy * inWidth + ix) * inChannels), inChannels);
                }
            }
        }
    }

    /// <summary><c>target[0..count) += source[0..count)</c>, a vector at a time where it can.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Add<T>(ref T source, ref T target, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int e = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; e + Vector512<T>.Count <= count; e += Vector512<T>.Count)
                (Vector512.LoadUnsafe(ref target, (nuint)e) + Vector512.LoadUnsafe(ref source, (nuint)e)).StoreUnsafe(ref target, (nuint)e);
        }
        for (; e < count; e++) Unsafe.Add(ref target, e) += Unsafe.Add(ref source, e);
    }
}
