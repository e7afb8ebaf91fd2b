using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// 2-D convolutions as matrix products over shifted windows (im2col): each output position's window, gathered into a
/// row of <c>Depth = kh·kw·in</c> values, times the filters. With channels-last feature maps a window row is
/// <c>kh</c> contiguous runs of <c>kw·in</c> values, so gathering costs a few copies per position, and the products run
/// on <see cref="Gemm"/>'s packed microkernel (float, vector hardware) — the reduction is deep enough for it from the
/// second convolution on (288 for 32 channels and a 3 × 3 kernel), with <see cref="TileProduct"/>'s register tiles. The
/// weight gradient reads the same windows down their columns (no transposed copy), and the input gradient multiplies δ
/// by the filters, then adds every window back where it came from (col2im).
/// </summary>
/// <remarks>
/// Parameters stay in PyTorch's layout (<c>[out, in, kh, kw]</c>, then the bias); the kernels repack them per call into
/// the window order (<c>[ky][kx][in][out]</c> for the forward product, <c>[out][ky][kx][in]</c> for the input gradient).
/// Every weight's gradient is one chain of fused multiply-adds over the samples and positions in order, so a batch
/// gives the same bits however it is later split between threads by whole shards.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Convolution
{
    /// <summary>Elements of scratch <see cref="Forward"/> and <see cref="Backward"/> need for <paramref name="g"/>.</summary>
    public static int ScratchLength(in SpatialGeometry g) => 3 * g.WeightCount + g.Positions * g.Depth + g.OutChannels;

    /// <summary>
    /// <c>y = f(conv(x, W) + b)</c> for <paramref name="rows"/> samples: x <c>[rows, InH, InW, InC]</c>, y
    /// <c>[rows, OutH, OutW, OutC]</c> (channels-last), W and b in PyTorch's layout.
    /// </summary>
    public static void Forward<T>(in SpatialGeometry g, ref T x, ref T w, ref T b, ref T y, int rows, Span<T> scratch, Activation activation, T slope)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.Depth, positions = g.Positions, outChannels = g.OutChannels, count = g.WeightCount;
        Span<T> filters = scratch.Slice(count, count), col = scratch.Slice(3 * count, positions * k);
        PackWindowMajor(g, ref w, filters); // [k][out]: each window value's row of filters
        for (int r = 0; r < rows; r++)
        {
            Im2Col(g, ref Unsafe.Add(ref x, (nint)r * g.InSize), col);
            ref T yr = ref Unsafe.Add(ref y, (nint)r * g.OutSize);
            TileProduct.Multiply(ref MemoryMarshal.GetReference(col), k, 1, ref MemoryMarshal.GetReference(filters), outChannels,
                ref yr, outChannels, positions, outChannels, k, accumulate: false, ref b);
            Products.Activate(MemoryMarshal.CreateSpan(ref yr, g.OutSize), activation, slope);
        }
    }

    /// <summary>
    /// Backward over the rows of the last <see cref="Forward"/>: turns <paramref name="dy"/> (∂loss/∂y, channels-last) into
    /// ∂loss/∂z in place, writes ∂loss/∂x to <paramref name="dx"/> unless it is a null reference (the first layer), and hands
    /// the weight and bias gradients, summed over the rows, to <paramref name="update"/> at the weights' PyTorch indices.
    /// </summary>
    public static void Backward<T, TUpdate>(in SpatialGeometry g, ref T x, ref T y, ref T dy, ref T w, ref T dx, int rows, Span<T> scratch,
        Activation activation, T slope, ref T targetWeights, ref T targetBias, ref T stateWeights, ref T stateBias, in TUpdate update)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TUpdate : struct, IParameterUpdate<T>
    {
        int k = g.Depth, positions = g.Positions, outChannels = g.OutChannels, count = g.WeightCount;
        Span<T> filters = scratch.Slice(0, count), gradient = scratch.Slice(2 * count, count);
        Span<T> col = scratch.Slice(3 * count, positions * k), biasGradient = scratch.Slice(3 * count + positions * k, outChannels);
        gradient.Clear();
        biasGradient.Clear();
        bool input = !Unsafe.IsNullRef(ref dx);
        if (input) PackFilterMajor(g, ref w, filters); // [out][k]: each filter in window order
        Products.TimesDerivative(MemoryMarshal.CreateSpan(ref dy, rows * g.OutSize), MemoryMarshal.CreateSpan(ref y, rows * g.OutSize), activation, slope);
        for (int r = 0; r < rows; r++)
        {
            ref T delta = ref Unsafe.Add(ref dy, (nint)r * g.OutSize); // [positions, out]
            Im2Col(g, ref Unsafe.Add(ref x, (nint)r * g.InSize), col);
            // ∂W [k][out] += colᵀ · δ: the windows read down their columns, the chain of every weight going on from the samples before.
            TileProduct.Multiply(ref MemoryMarshal.GetReference(col), 1, k, ref delta, outChannels,
                ref MemoryMarshal.GetReference(gradient), outChannels, k, outChannels, positions, accumulate: true, ref Unsafe.NullRef<T>());
            Products.AddRows(ref delta, positions, outChannels, biasGradient);
            if (input)
            {
                // ∂col = δ · W (window order), then each window's values added back where they came from.
                TileProduct.Multiply(ref delta, outChannels, 1, ref MemoryMarshal.GetReference(filters), k,
                    ref MemoryMarshal.GetReference(col), k, positions, k, outChannels, accumulate: false, ref Unsafe.NullRef<T>());
                Col2Im(g, col, ref Unsafe.Add(ref dx, (nint)r * g.InSize));
            }
        }
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

    /// <summary>W <c>[out, in, kh, kw]</c> to <c>[ky][kx][in][out]</c>: for each value of a window, the weights of every filter.</summary>
    private static void PackWindowMajor<T>(in SpatialGeometry g, ref T w, Span<T> packed)
    {
        int inChannels = g.InChannels, kh = g.KernelHeight, kw = g.KernelWidth, outChannels = g.OutChannels;
        for (int o = 0; o < outChannels; o++)
        for (int c = 0; c < inChannels; c++)
        for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++)
            packed[((ky * kw + kx) * inChannels + c) * outChannels + o] = Unsafe.Add(ref w, ((o * inChannels + c) * kh + ky) * kw + kx);
    }

    /// <summary>W <c>[out, in, kh, kw]</c> to <c>[out][ky][kx][in]</c>: each filter in the order of a window row.</summary>
    private static void PackFilterMajor<T>(in SpatialGeometry g, ref T w, Span<T> packed)
    {
        int inChannels = g.InChannels, kh = g.KernelHeight, kw = g.KernelWidth, k = g.Depth;
        for (int o = 0; o < g.OutChannels; o++)
        for (int c = 0; c < inChannels; c++)
        for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++)
            packed[o * k + (ky * kw + kx) * inChannels + c] = Unsafe.Add(ref w, ((o * inChannels + c) * kh + ky) * kw + kx);
    }

    /// <summary><c>dst[cols, rows] = src[rows, cols]ᵀ</c>, in tiles of 8 × 8 so that both sides stay within a few cache lines.</summary>
    internal static void Transpose<T>(ref T src, ref T dst, int rows, int cols)
    {
        const int Tile = 8;
        for (int i0 = 0; i0 < rows; i0 += Tile)
        for (int j0 = 0; j0 < cols; j0 += Tile)
        {
            int i1 = Math.Min(rows, i0 + Tile), j1 = Math.Min(cols, j0 + Tile);
            for (int i = i0; i < i1; i++)
            for (int j = j0; j < j1; j++)
                Unsafe.Add(ref dst, (nint)j * rows + i) = Unsafe.Add(ref src, (nint)i * cols + j);
        }
    }

    /// <summary>Gathers every output position's window of a channels-last sample into a row of <c>Depth</c> values (zeros where the window hangs over the padding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Im2Col<T>(in SpatialGeometry g, ref T x, Span<T> col) where T : unmanaged
    {
        int inChannels = g.InChannels, inHeight = g.InHeight, inWidth = g.InWidth, kh = g.KernelHeight, kw = g.KernelWidth;
        int outHeight = g.OutHeight, outWidth = g.OutWidth, k = g.Depth, run = kw * inChannels;
        int strideHeight = g.StrideHeight, strideWidth = g.StrideWidth, padHeight = g.PaddingHeight, padWidth = g.PaddingWidth;
        ref T row = ref MemoryMarshal.GetReference(col);
        for (int oy = 0; oy < outHeight; oy++)
        for (int ox = 0; ox < outWidth; ox++, row = ref Unsafe.Add(ref row, k))
        {
            int x0 = ox * strideWidth - padWidth;
            bool inside = x0 >= 0 && x0 + kw <= inWidth;
            ref T target = ref row;
            for (int ky = 0; ky < kh; ky++, target = ref Unsafe.Add(ref target, run))
            {
                int iy = oy * strideHeight - padHeight + ky;
                if ((uint)iy >= (uint)inHeight)
                {
                    Clear(ref target, run);
                    continue;
                }
                ref T source = ref Unsafe.Add(ref x, (nint)(iy * inWidth) * inChannels);
                if (inside)
                {
                    Copy(ref Unsafe.Add(ref source, x0 * inChannels), ref target, run);
                    continue;
                }
                for (int kx = 0; kx < kw; kx++)
                {
                    int ix = x0 + kx;
                    if ((uint)ix >= (uint)inWidth) Clear(ref Unsafe.Add(ref target, kx * inChannels), inChannels);
                    else Copy(ref Unsafe.Add(ref source, ix * inChannels), ref Unsafe.Add(ref target, kx * inChannels), inChannels);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy<T>(ref T source, ref T target, int count) where T : unmanaged
    {
        if (count <= 4)
        {
            for (int e = 0; e < count; e++) Unsafe.Add(ref target, e) = Unsafe.Add(ref source, e);
            return;
        }
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<T, byte>(ref target), ref Unsafe.As<T, byte>(ref source), (uint)(count * Unsafe.SizeOf<T>()));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Clear<T>(ref T target, int count) where T : unmanaged
    {
        for (int e = 0; e < count; e++) Unsafe.Add(ref target, e) = default;
    }

    /// <summary>The adjoint of <see cref="Im2Col{T}"/>: clears the sample's ∂x, then adds every window row back where it was gathered from, in raster order.</summary>
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
    private static void Add<T>(ref T source, ref T target, int count) where T : unmanaged, IFloatingPointIeee754<T>
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
