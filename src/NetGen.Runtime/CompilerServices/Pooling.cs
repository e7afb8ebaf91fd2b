using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// Pooling over channels-last feature maps (<c>[H, W, C]</c> per sample): the maximum, the mean <c>1/K Σ h</c> and the L2
/// norm <c>√(Σ h²)</c> over each window of each map, and the L2 norm over groups of consecutive maps at each position.
/// Windows have no padding; an output position takes the window at <c>(oy·stride, ox·stride)</c>.
/// </summary>
/// <remarks>
/// Backward kernels clear ∂x and add each output's share to it in raster order, so overlapping windows sum their shares
/// in a fixed order. Max pooling routes an output's gradient to the first maximum of its window in raster order, as
/// PyTorch does; an L2 output of 0 passes no gradient (its window is all zeros).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Pooling
{
    /// <summary>The maximum over each window.</summary>
    public static void MaxForward<T>(in SpatialGeometry g, ref T x, ref T y, int rows) where T : unmanaged, IFloatingPointIeee754<T>
        => Forward<T, Max<T>>(g, ref x, ref y, rows);

    /// <summary>The mean over each window.</summary>
    public static void AverageForward<T>(in SpatialGeometry g, ref T x, ref T y, int rows) where T : unmanaged, IFloatingPointIeee754<T>
        => Forward<T, Mean<T>>(g, ref x, ref y, rows);

    /// <summary>The L2 norm over each window.</summary>
    public static void L2Forward<T>(in SpatialGeometry g, ref T x, ref T y, int rows) where T : unmanaged, IFloatingPointIeee754<T>
        => Forward<T, L2<T>>(g, ref x, ref y, rows);

    /// <summary>∂x of max pooling: each output's gradient to the first maximum of its window.</summary>
    public static void MaxBackward<T>(in SpatialGeometry g, ref T x, ref T y, ref T dy, ref T dx, int rows) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = g.InChannels, kh = g.KernelHeight, kw = g.KernelWidth, lanes = Vector<T>.Count;
        int vectorChannels = Vector.IsHardwareAccelerated ? channels - channels % lanes : 0;
        int wideLanes = Vector512<T>.Count, strideY = g.StrideHeight, strideX = g.StrideWidth, inWidth = g.InWidth;
        bool wide = Vector512.IsHardwareAccelerated && channels % wideLanes == 0; // the same choices, on 512-bit vectors
        for (int r = 0; r < rows; r++)
        {
            ref T xs = ref Unsafe.Add(ref x, (nint)r * g.InSize);
            ref T ys = ref Unsafe.Add(ref y, (nint)r * g.OutSize);
            ref T dys = ref Unsafe.Add(ref dy, (nint)r * g.OutSize);
            ref T dxs = ref Unsafe.Add(ref dx, (nint)r * g.InSize);
            MemoryMarshal.CreateSpan(ref dxs, g.InSize).Clear();
            int o = 0;
            for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++, o += channels)
            {
                // The first input equal to the window's maximum, in raster order, takes the gradient.
                if (wide)
                {
                    for (int c = 0; c < channels; c += wideLanes)
                    {
                        Vector512<T> best = Vector512.LoadUnsafe(ref ys, (nuint)(o + c)), gradient = Vector512.LoadUnsafe(ref dys, (nuint)(o + c));
                        Vector512<T> taken = Vector512<T>.Zero;
                        for (int ky = 0; ky < kh; ky++)
                        {
                            nuint line = (nuint)(((oy * strideY + ky) * inWidth + ox * strideX) * channels + c);
                            for (int kx = 0; kx < kw; kx++, line += (nuint)channels)
                            {
                                Vector512<T> hit = Vector512.AndNot(Vector512.Equals(Vector512.LoadUnsafe(ref xs, line), best), taken);
                                (Vector512.LoadUnsafe(ref dxs, line) + (gradient & hit)).StoreUnsafe(ref dxs, line);
                                taken |= hit;
                            }
                        }
                    }
                    continue;
                }
                for (int c = 0; c < vectorChannels; c += lanes)
                {
                    Vector<T> best = Vector.LoadUnsafe(ref ys, (nuint)(o + c)), gradient = Vector.LoadUnsafe(ref dys, (nuint)(o + c));
                    Vector<T> taken = Vector<T>.Zero;
                    for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++)
                    {
                        int at = ((oy * g.StrideHeight + ky) * g.InWidth + ox * g.StrideWidth + kx) * channels + c;
                        Vector<T> hit = Vector.AndNot(Vector.Equals(Vector.LoadUnsafe(ref xs, (nuint)at), best), taken);
                        (Vector.LoadUnsafe(ref dxs, (nuint)at) + (gradient & hit)).StoreUnsafe(ref dxs, (nuint)at);
                        taken |= hit;
                    }
                }
                for (int c = vectorChannels; c < channels; c++)
                {
                    T best = Unsafe.Add(ref ys, o + c);
                    bool taken = false;
                    for (int ky = 0; ky < kh && !taken; ky++)
                    for (int kx = 0; kx < kw && !taken; kx++)
                    {
                        int at = ((oy * g.StrideHeight + ky) * g.InWidth + ox * g.StrideWidth + kx) * channels + c;
                        if (Unsafe.Add(ref xs, at) == best)
                        {
                            Unsafe.Add(ref dxs, at) += Unsafe.Add(ref dys, o + c);
                            taken = true;
                        }
                    }
                }
            }
        }
    }

    /// <summary>∂x of mean pooling: each output's gradient divided by the window's size, to every input of its window.</summary>
    public static void AverageBackward<T>(in SpatialGeometry g, ref T x, ref T y, ref T dy, ref T dx, int rows) where T : unmanaged, IFloatingPointIeee754<T>
        => Backward<T, Mean<T>>(g, ref x, ref y, ref dy, ref dx, rows);

    /// <summary>∂x of L2 pooling: <c>∂x = ∂y · x / y</c> for every input of the window (0 where y is 0).</summary>
    public static void L2Backward<T>(in SpatialGeometry g, ref T x, ref T y, ref T dy, ref T dx, int rows) where T : unmanaged, IFloatingPointIeee754<T>
        => Backward<T, L2<T>>(g, ref x, ref y, ref dy, ref dx, rows);

    /// <summary>The L2 norm of each group of <c>InChannels / OutChannels</c> consecutive maps, at every position.</summary>
    public static void FeatureL2Forward<T>(in SpatialGeometry g, ref T x, ref T y, int rows) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int group = g.InChannels / g.OutChannels, n = rows * g.InHeight * g.InWidth * g.OutChannels;
        for (int o = 0; o < n; o++)
        {
            ref T first = ref Unsafe.Add(ref x, (nint)o * group);
            T sum = T.Zero;
            for (int j = 0; j < group; j++) sum = T.FusedMultiplyAdd(Unsafe.Add(ref first, j), Unsafe.Add(ref first, j), sum);
            Unsafe.Add(ref y, o) = T.Sqrt(sum);
        }
    }

    /// <summary>∂x of feature L2 pooling: <c>∂x = ∂y · x / y</c> within each group (0 where y is 0).</summary>
    public static void FeatureL2Backward<T>(in SpatialGeometry g, ref T x, ref T y, ref T dy, ref T dx, int rows) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int group = g.InChannels / g.OutChannels, n = rows * g.InHeight * g.InWidth * g.OutChannels;
        for (int o = 0; o < n; o++)
        {
            T norm = Unsafe.Add(ref y, o), share = norm == T.Zero ? T.Zero : Unsafe.Add(ref dy, o) / norm;
            for (int j = 0; j < group; j++)
                Unsafe.Add(ref dx, (nint)o * group + j) = share * Unsafe.Add(ref x, (nint)o * group + j);
        }
    }

    /// <summary>What a pooling does with the values of one window, and the share of an output's gradient each input gets.</summary>
    private interface IWindowOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        static abstract T Start { get; }
        static abstract T Add(T accumulator, T value);
        static abstract T Finish(T accumulator, int count);
        static abstract Vector<T> Add(Vector<T> accumulator, Vector<T> value);
        static abstract Vector<T> Finish(Vector<T> accumulator, int count);
        static abstract Vector<T> Share(Vector<T> dy, Vector<T> x, Vector<T> y, int count);
        static abstract Vector512<T> Add(Vector512<T> accumulator, Vector512<T> value);
        static abstract Vector512<T> Finish(Vector512<T> accumulator, int count);
        /// <summary>∂y/∂x for one input <paramref name="x"/> of a window whose output is <paramref name="y"/>, times <paramref name="dy"/>.</summary>
        static abstract T Share(T dy, T x, T y, int count);
    }

    private readonly struct Max<T> : IWindowOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static T Start => T.NegativeInfinity;
        public static T Add(T accumulator, T value) => value > accumulator ? value : accumulator;
        public static T Finish(T accumulator, int count) => accumulator;
        public static T Share(T dy, T x, T y, int count) => throw new NotSupportedException(); // MaxBackward routes instead
        public static Vector<T> Add(Vector<T> accumulator, Vector<T> value) => Vector.ConditionalSelect(Vector.GreaterThan(value, accumulator), value, accumulator);
        public static Vector<T> Finish(Vector<T> accumulator, int count) => accumulator;
        public static Vector<T> Share(Vector<T> dy, Vector<T> x, Vector<T> y, int count) => throw new NotSupportedException();
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Add(Vector512<T> accumulator, Vector512<T> value)
            => Vector512.ConditionalSelect(Vector512.GreaterThan(value, accumulator), value, accumulator);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Finish(Vector512<T> accumulator, int count) => accumulator;
    }

    private readonly struct Mean<T> : IWindowOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static T Start => T.Zero;
        public static T Add(T accumulator, T value) => accumulator + value;
        public static T Finish(T accumulator, int count) => accumulator / T.CreateTruncating(count);
        public static T Share(T dy, T x, T y, int count) => dy / T.CreateTruncating(count);
        public static Vector<T> Add(Vector<T> accumulator, Vector<T> value) => accumulator + value;
        public static Vector<T> Finish(Vector<T> accumulator, int count) => accumulator / new Vector<T>(T.CreateTruncating(count));
        public static Vector<T> Share(Vector<T> dy, Vector<T> x, Vector<T> y, int count) => dy / new Vector<T>(T.CreateTruncating(count));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Add(Vector512<T> accumulator, Vector512<T> value) => accumulator + value;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Finish(Vector512<T> accumulator, int count) => accumulator / Vector512.Create(T.CreateTruncating(count));
    }

    private readonly struct L2<T> : IWindowOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static T Start => T.Zero;
        public static T Add(T accumulator, T value) => T.FusedMultiplyAdd(value, value, accumulator);
        public static T Finish(T accumulator, int count) => T.Sqrt(accumulator);
        public static T Share(T dy, T x, T y, int count) => y == T.Zero ? T.Zero : dy * x / y;
        public static Vector<T> Add(Vector<T> accumulator, Vector<T> value) => VectorMath.Fma(value, value, accumulator);
        public static Vector<T> Finish(Vector<T> accumulator, int count) => Vector.SquareRoot(accumulator);
        public static Vector<T> Share(Vector<T> dy, Vector<T> x, Vector<T> y, int count)
            => Vector.ConditionalSelect(Vector.Equals(y, Vector<T>.Zero), Vector<T>.Zero, dy * x / y);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Add(Vector512<T> accumulator, Vector512<T> value) => VectorMath.Fma(value, value, accumulator);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Finish(Vector512<T> accumulator, int count) => Vector512.Sqrt(accumulator);
    }

    private static void Forward<T, TOp>(in SpatialGeometry g, ref T x, ref T y, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : IWindowOperator<T>
    {
        int channels = g.InChannels, kh = g.KernelHeight, kw = g.KernelWidth, count = kh * kw, lanes = Vector<T>.Count;
        int vectorChannels = Vector.IsHardwareAccelerated ? channels - channels % lanes : 0;
        // The geometry in locals: its sizes are properties (a division each), read once here, not per output.
        int outHeight = g.OutHeight, outWidth = g.OutWidth, row = g.InWidth * channels, inSize = g.InSize, outSize = g.OutSize;
        int stepY = g.StrideHeight * row, stepX = g.StrideWidth * channels;
        // The common 2 × 2 window on 512-bit vectors, unrolled, where every map's channels fill them: the lanes are
        // independent, so the bits are those of the general loop below.
        int wideLanes = Vector512<T>.Count;
        bool wide = Vector512.IsHardwareAccelerated && channels % wideLanes == 0 && kh == 2 && kw == 2;
        for (int r = 0; r < rows; r++)
        {
            ref T xs = ref Unsafe.Add(ref x, (nint)r * inSize);
            ref T ys = ref Unsafe.Add(ref y, (nint)r * outSize);
            int o = 0;
            if (wide)
            {
                // AVX-512: whole 512-bit vectors of channels, the window without loops.
                for (int oy = 0; oy < outHeight; oy++)
                for (int ox = 0; ox < outWidth; ox++, o += channels)
                {
                    ref T output = ref Unsafe.Add(ref ys, o);
                    ref T corner = ref Unsafe.Add(ref xs, oy * stepY + ox * stepX);
                    for (int c = 0; c < channels; c += wideLanes)
                    {
                        ref T start = ref Unsafe.Add(ref corner, c);
                        Vector512<T> value = TOp.Add(Vector512.Create(TOp.Start), Vector512.LoadUnsafe(ref start));
                        value = TOp.Add(value, Vector512.LoadUnsafe(ref start, (nuint)channels));
                        value = TOp.Add(value, Vector512.LoadUnsafe(ref start, (nuint)row));
                        value = TOp.Add(value, Vector512.LoadUnsafe(ref start, (nuint)(row + channels)));
                        TOp.Finish(value, count).StoreUnsafe(ref output, (nuint)c);
                    }
                }
                continue;
            }
            for (int oy = 0; oy < outHeight; oy++)
            for (int ox = 0; ox < outWidth; ox++, o += channels)
            {
                ref T output = ref Unsafe.Add(ref ys, o);
                ref T corner = ref Unsafe.Add(ref xs, oy * stepY + ox * stepX);
                for (int c = 0; c < vectorChannels; c += lanes)
                {
                    ref T start = ref Unsafe.Add(ref corner, c);
                    Vector<T> value = new(TOp.Start);
                    for (int ky = 0; ky < kh; ky++)
                    {
                        ref T line = ref Unsafe.Add(ref start, ky * row);
                        for (int kx = 0; kx < kw; kx++)
                            value = TOp.Add(value, Vector.LoadUnsafe(ref line, (nuint)(kx * channels)));
                    }
                    TOp.Finish(value, count).StoreUnsafe(ref output, (nuint)c);
                }
                for (int c = vectorChannels; c < channels; c++)
                {
                    T value = TOp.Start;
                    for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++)
                        value = TOp.Add(value, Unsafe.Add(ref corner, ky * row + kx * channels + c));
                    Unsafe.Add(ref output, c) = TOp.Finish(value, count);
                }
            }
        }
    }

    private static void Backward<T, TOp>(in SpatialGeometry g, ref T x, ref T y, ref T dy, ref T dx, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : IWindowOperator<T>
    {
        int channels = g.InChannels, kh = g.KernelHeight, kw = g.KernelWidth, count = kh * kw, lanes = Vector<T>.Count;
        int vectorChannels = Vector.IsHardwareAccelerated ? channels - channels % lanes : 0;
        for (int r = 0; r < rows; r++)
        {
            ref T xs = ref Unsafe.Add(ref x, (nint)r * g.InSize);
            ref T ys = ref Unsafe.Add(ref y, (nint)r * g.OutSize);
            ref T dys = ref Unsafe.Add(ref dy, (nint)r * g.OutSize);
            ref T dxs = ref Unsafe.Add(ref dx, (nint)r * g.InSize);
            MemoryMarshal.CreateSpan(ref dxs, g.InSize).Clear();
            int o = 0;
            for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++, o += channels)
            for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
            {
                int at = ((oy * g.StrideHeight + ky) * g.InWidth + ox * g.StrideWidth + kx) * channels;
                for (int c = 0; c < vectorChannels; c += lanes)
                {
                    Vector<T> share = TOp.Share(Vector.LoadUnsafe(ref dys, (nuint)(o + c)), Vector.LoadUnsafe(ref xs, (nuint)(at + c)),
                        Vector.LoadUnsafe(ref ys, (nuint)(o + c)), count);
                    (Vector.LoadUnsafe(ref dxs, (nuint)(at + c)) + share).StoreUnsafe(ref dxs, (nuint)(at + c));
                }
                for (int c = vectorChannels; c < channels; c++)
                    Unsafe.Add(ref dxs, at + c) += TOp.Share(Unsafe.Add(ref dys, o + c), Unsafe.Add(ref xs, at + c), Unsafe.Add(ref ys, o + c), count);
            }
        }
    }
}
