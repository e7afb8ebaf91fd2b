using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// The matrix product the layers over feature maps run on: <c>C[i, j] = C₀ + Σ_k A(i, k)·B[k, j] (+ bias[j])</c>, where A is
/// read through two tables of offsets, <c>A(i, k) = a[rows[i] + depth[k]]</c>, and B is row-major with its columns
/// contiguous. With the tables a convolution multiplies its windows where they lie in the (zero-padded) input — row i an
/// output position, k a place in the window — and the weight gradient reads the same windows the other way round,
/// without gathering them first (implicit im2col). Tiles of 6 rows × 4 vectors (24 accumulators in AVX-512's 32
/// registers) broadcast A and stream B, in blocks of at most 128 rows of B, which then stay in L1; without AVX-512,
/// tiles of 6 rows × 2 <see cref="Vector{T}"/> (12 accumulators in AVX2's 16 registers).
/// </summary>
/// <remarks>
/// Every element is one chain of fused multiply-adds over k in order, starting from zero or from C (to go on summing
/// over another sample), the bias added last: neither the tile an element lands in, nor the blocking, nor the vector or
/// scalar path changes its bits. Columns that do not fill a whole vector (n not a multiple of the lanes) take the scalar
/// path; without vector hardware everything does.
/// </remarks>
internal static class TileProduct
{
    private const int Rows = 6;

    /// <summary>Most depth of a block over k: 128 rows of a 64-column panel of B are 32 KB of floats, in L1 while every row tile passes.</summary>
    private const int DepthBlock = 128;

    public static void Multiply<T>(ref T a, ReadOnlySpan<int> rows, ReadOnlySpan<int> depth, ref T b, int ldb, ref T c, int ldc, int n,
        bool accumulate, ref T bias, bool relu = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // relu (the caller's promise: AVX-512 and n a whole number of vectors, so no column takes the paths below that
        // cannot apply it): the last depth block stores its sums through ReLU.
        if (relu && (!Vector512.IsHardwareAccelerated || n % Vector512<T>.Count != 0))
            throw new ArgumentException("ReLU is stored by the 512-bit tiles only, on whole vectors of columns.", nameof(relu));
        int m = rows.Length, k = depth.Length, lanes = Vector512<T>.Count, j = 0;
        if (!Vector512.IsHardwareAccelerated && Vector.IsHardwareAccelerated)
            j = MultiplyPortable(ref a, rows, depth, ref b, ldb, ref c, ldc, n, accumulate, ref bias);
        else if (Vector512.IsHardwareAccelerated)
        {
            // Blocks over k of equal depth (288 → 3 × 96): each goes on from the sums the block before stored, so the chain
            // of every element is the one of a single pass; the bias joins after the last.
            int blocks = Math.Max(1, (k + DepthBlock - 1) / DepthBlock), step = Math.Max(1, (k + blocks - 1) / blocks);
            // k ≥ 1 always here: a convolution's window and a sample's positions are never empty.
            for (; j + lanes <= n;)
            {
                int width = n - j >= 4 * lanes ? 4 : n - j >= 2 * lanes ? 2 : 1;
                for (int k0 = 0; k0 < k; k0 += step)
                {
                    int kc = Math.Min(step, k - k0);
                    bool resume = accumulate || k0 > 0;
                    ReadOnlySpan<int> block = depth.Slice(k0, kc);
                    ref T bk = ref Unsafe.Add(ref b, (nint)k0 * ldb + j);
                    ref T blockBias = ref k0 + kc == k ? ref bias : ref Unsafe.NullRef<T>();
                    ref T blockBiasJ = ref Unsafe.IsNullRef(ref blockBias) ? ref blockBias : ref Unsafe.Add(ref blockBias, j);
                    bool blockReLU = relu && k0 + kc == k;
                    int i = 0;
                    for (; i + Rows <= m; i += Rows)
                    {
                        ref T ci = ref Unsafe.Add(ref c, (nint)i * ldc + j);
                        if (width == 4) Tile6x4(ref a, rows.Slice(i, Rows), block, ref bk, ldb, ref ci, ldc, resume, ref blockBiasJ, blockReLU);
                        else if (width == 2) Tile6x2(ref a, rows.Slice(i, Rows), block, ref bk, ldb, ref ci, ldc, resume, ref blockBiasJ, blockReLU);
                        else Tile6x1(ref a, rows.Slice(i, Rows), block, ref bk, ldb, ref ci, ldc, resume, ref blockBiasJ, blockReLU);
                    }
                    for (; i < m; i++)
                    {
                        // The row's chains side by side: one chain at a time waits on each FMA's latency (the 49th row of
                        // each Winograd product took a tenth of the conv network's forward pass that way).
                        if (width == 4)
                        {
                            Tile1x4(ref Unsafe.Add(ref a, rows[i]), block, ref bk, ldb, ref Unsafe.Add(ref c, (nint)i * ldc + j), resume, ref blockBiasJ, blockReLU);
                            continue;
                        }
                        if (width == 2)
                        {
                            Tile1x2(ref Unsafe.Add(ref a, rows[i]), block, ref bk, ldb, ref Unsafe.Add(ref c, (nint)i * ldc + j), resume, ref blockBiasJ, blockReLU);
                            continue;
                        }
                        Tile1x1(ref Unsafe.Add(ref a, rows[i]), block, ref bk, ldb, ref Unsafe.Add(ref c, (nint)i * ldc + j), resume, ref blockBiasJ, blockReLU);
                    }
                }
                j += width * lanes;
            }
        }
        bool biased = !Unsafe.IsNullRef(ref bias);
        for (; j < n; j++)
        {
            for (int i = 0; i < m; i++)
            {
                ref T target = ref Unsafe.Add(ref c, (nint)i * ldc + j);
                ref T ai = ref Unsafe.Add(ref a, rows[i]);
                T sum = accumulate ? target : T.Zero;
                for (int kk = 0; kk < k; kk++) sum = T.FusedMultiplyAdd(Unsafe.Add(ref ai, depth[kk]), Unsafe.Add(ref b, (nint)kk * ldb + j), sum);
                target = biased ? sum + Unsafe.Add(ref bias, j) : sum;
            }
        }
    }

    /// <summary>
    /// The vector part of <see cref="Multiply"/> without AVX-512, on <see cref="Vector{T}"/> (256 bits on AVX2) in tiles of
    /// 6 rows × 2 vectors — 12 accumulators, so that with the two weight vectors and the broadcast they fit AVX2's 16
    /// registers (the 512-bit tiles would be emulated there, a lane at a time) — the same depth blocks and chains.
    /// Returns the first column it left to the scalar path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int MultiplyPortable<T>(ref T a, ReadOnlySpan<int> rows, ReadOnlySpan<int> depth, ref T b, int ldb, ref T c, int ldc, int n,
        bool accumulate, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = rows.Length, k = depth.Length, lanes = Vector<T>.Count, j = 0;
        int blocks = Math.Max(1, (k + DepthBlock - 1) / DepthBlock), step = Math.Max(1, (k + blocks - 1) / blocks);
        for (; j + lanes <= n;)
        {
            bool two = n - j >= 2 * lanes;
            for (int k0 = 0; k0 < k; k0 += step)
            {
                int kc = Math.Min(step, k - k0);
                bool resume = accumulate || k0 > 0;
                ReadOnlySpan<int> block = depth.Slice(k0, kc);
                ref T bk = ref Unsafe.Add(ref b, (nint)k0 * ldb + j);
                ref T blockBias = ref k0 + kc == k && !Unsafe.IsNullRef(ref bias) ? ref Unsafe.Add(ref bias, j) : ref Unsafe.NullRef<T>();
                for (int i = 0; i < m; i += Rows)
                {
                    int mr = Math.Min(Rows, m - i);
                    ref T ci = ref Unsafe.Add(ref c, (nint)i * ldc + j);
                    if (two) PortableTile2(ref a, rows.Slice(i, mr), block, ref bk, ldb, ref ci, ldc, resume, ref blockBias);
                    else PortableTile1(ref a, rows.Slice(i, mr), block, ref bk, ldb, ref ci, ldc, resume, ref blockBias);
                }
            }
            j += two ? 2 * lanes : lanes;
        }
        return j;
    }

    /// <summary>Up to 6 rows (<c>rows.Length</c>; the missing ones repeat the last and are never stored) × 2 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PortableTile2<T>(ref T a, ReadOnlySpan<int> rows, ReadOnlySpan<int> depth, ref T b, int ldb, ref T c, int ldc, bool accumulate, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector<T>.Count, mr = rows.Length;
        ref T a0 = ref Unsafe.Add(ref a, rows[0]), a1 = ref Unsafe.Add(ref a, rows[Math.Min(1, mr - 1)]), a2 = ref Unsafe.Add(ref a, rows[Math.Min(2, mr - 1)]);
        ref T a3 = ref Unsafe.Add(ref a, rows[Math.Min(3, mr - 1)]), a4 = ref Unsafe.Add(ref a, rows[Math.Min(4, mr - 1)]), a5 = ref Unsafe.Add(ref a, rows[mr - 1]);
        Vector<T> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default;
        Vector<T> s30 = default, s31 = default, s40 = default, s41 = default, s50 = default, s51 = default;
        if (accumulate)
        {
            // Rows past mr start from the last row's sums: computed, never stored.
            ref T r = ref c;
            s00 = Vector.LoadUnsafe(ref r); s01 = Vector.LoadUnsafe(ref r, (nuint)lanes);
            r = ref Unsafe.Add(ref c, Math.Min(1, mr - 1) * ldc); s10 = Vector.LoadUnsafe(ref r); s11 = Vector.LoadUnsafe(ref r, (nuint)lanes);
            r = ref Unsafe.Add(ref c, Math.Min(2, mr - 1) * ldc); s20 = Vector.LoadUnsafe(ref r); s21 = Vector.LoadUnsafe(ref r, (nuint)lanes);
            r = ref Unsafe.Add(ref c, Math.Min(3, mr - 1) * ldc); s30 = Vector.LoadUnsafe(ref r); s31 = Vector.LoadUnsafe(ref r, (nuint)lanes);
            r = ref Unsafe.Add(ref c, Math.Min(4, mr - 1) * ldc); s40 = Vector.LoadUnsafe(ref r); s41 = Vector.LoadUnsafe(ref r, (nuint)lanes);
            r = ref Unsafe.Add(ref c, (mr - 1) * ldc); s50 = Vector.LoadUnsafe(ref r); s51 = Vector.LoadUnsafe(ref r, (nuint)lanes);
        }
        ref int d = ref MemoryMarshal.GetReference(depth);
        ref T bk = ref b;
        for (int kk = 0; kk < depth.Length; kk++)
        {
            nint off = Unsafe.Add(ref d, kk);
            Vector<T> w0 = Vector.LoadUnsafe(ref bk), w1 = Vector.LoadUnsafe(ref bk, (nuint)lanes);
            Vector<T> x = new(Unsafe.Add(ref a0, off));
            s00 = VectorMath.Fma(x, w0, s00); s01 = VectorMath.Fma(x, w1, s01);
            x = new(Unsafe.Add(ref a1, off)); s10 = VectorMath.Fma(x, w0, s10); s11 = VectorMath.Fma(x, w1, s11);
            x = new(Unsafe.Add(ref a2, off)); s20 = VectorMath.Fma(x, w0, s20); s21 = VectorMath.Fma(x, w1, s21);
            x = new(Unsafe.Add(ref a3, off)); s30 = VectorMath.Fma(x, w0, s30); s31 = VectorMath.Fma(x, w1, s31);
            x = new(Unsafe.Add(ref a4, off)); s40 = VectorMath.Fma(x, w0, s40); s41 = VectorMath.Fma(x, w1, s41);
            x = new(Unsafe.Add(ref a5, off)); s50 = VectorMath.Fma(x, w0, s50); s51 = VectorMath.Fma(x, w1, s51);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        bool biased = !Unsafe.IsNullRef(ref bias);
        Vector<T> d0 = biased ? Vector.LoadUnsafe(ref bias) : default, d1 = biased ? Vector.LoadUnsafe(ref bias, (nuint)lanes) : default;
        StorePortable(ref c, lanes, s00, s01, d0, d1, biased);
        if (mr > 1) StorePortable(ref Unsafe.Add(ref c, ldc), lanes, s10, s11, d0, d1, biased);
        if (mr > 2) StorePortable(ref Unsafe.Add(ref c, 2 * ldc), lanes, s20, s21, d0, d1, biased);
        if (mr > 3) StorePortable(ref Unsafe.Add(ref c, 3 * ldc), lanes, s30, s31, d0, d1, biased);
        if (mr > 4) StorePortable(ref Unsafe.Add(ref c, 4 * ldc), lanes, s40, s41, d0, d1, biased);
        if (mr > 5) StorePortable(ref Unsafe.Add(ref c, 5 * ldc), lanes, s50, s51, d0, d1, biased);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePortable<T>(ref T r, int lanes, Vector<T> v0, Vector<T> v1, Vector<T> d0, Vector<T> d1, bool biased)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (biased)
        {
            v0 += d0; v1 += d1;
        }
        v0.StoreUnsafe(ref r); v1.StoreUnsafe(ref r, (nuint)lanes);
    }

    /// <summary>Up to 6 rows × 1 vector, as <see cref="PortableTile2"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PortableTile1<T>(ref T a, ReadOnlySpan<int> rows, ReadOnlySpan<int> depth, ref T b, int ldb, ref T c, int ldc, bool accumulate, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int mr = rows.Length, r1 = Math.Min(1, mr - 1), r2 = Math.Min(2, mr - 1), r3 = Math.Min(3, mr - 1), r4 = Math.Min(4, mr - 1), r5 = mr - 1;
        ref T a0 = ref Unsafe.Add(ref a, rows[0]), a1 = ref Unsafe.Add(ref a, rows[r1]), a2 = ref Unsafe.Add(ref a, rows[r2]);
        ref T a3 = ref Unsafe.Add(ref a, rows[r3]), a4 = ref Unsafe.Add(ref a, rows[r4]), a5 = ref Unsafe.Add(ref a, rows[r5]);
        Vector<T> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default;
        if (accumulate)
        {
            // Rows past mr start from the last row's sums: computed, never stored.
            s0 = Vector.LoadUnsafe(ref c); s1 = Vector.LoadUnsafe(ref Unsafe.Add(ref c, r1 * ldc)); s2 = Vector.LoadUnsafe(ref Unsafe.Add(ref c, r2 * ldc));
            s3 = Vector.LoadUnsafe(ref Unsafe.Add(ref c, r3 * ldc)); s4 = Vector.LoadUnsafe(ref Unsafe.Add(ref c, r4 * ldc)); s5 = Vector.LoadUnsafe(ref Unsafe.Add(ref c, r5 * ldc));
        }
        ref int d = ref MemoryMarshal.GetReference(depth);
        ref T bk = ref b;
        for (int kk = 0; kk < depth.Length; kk++)
        {
            nint off = Unsafe.Add(ref d, kk);
            Vector<T> w = Vector.LoadUnsafe(ref bk);
            s0 = VectorMath.Fma(new Vector<T>(Unsafe.Add(ref a0, off)), w, s0); s1 = VectorMath.Fma(new Vector<T>(Unsafe.Add(ref a1, off)), w, s1);
            s2 = VectorMath.Fma(new Vector<T>(Unsafe.Add(ref a2, off)), w, s2); s3 = VectorMath.Fma(new Vector<T>(Unsafe.Add(ref a3, off)), w, s3);
            s4 = VectorMath.Fma(new Vector<T>(Unsafe.Add(ref a4, off)), w, s4); s5 = VectorMath.Fma(new Vector<T>(Unsafe.Add(ref a5, off)), w, s5);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        bool biased = !Unsafe.IsNullRef(ref bias);
        Vector<T> bv = biased ? Vector.LoadUnsafe(ref bias) : default;
        (biased ? s0 + bv : s0).StoreUnsafe(ref c);
        if (mr > 1) (biased ? s1 + bv : s1).StoreUnsafe(ref Unsafe.Add(ref c, ldc));
        if (mr > 2) (biased ? s2 + bv : s2).StoreUnsafe(ref Unsafe.Add(ref c, 2 * ldc));
        if (mr > 3) (biased ? s3 + bv : s3).StoreUnsafe(ref Unsafe.Add(ref c, 3 * ldc));
        if (mr > 4) (biased ? s4 + bv : s4).StoreUnsafe(ref Unsafe.Add(ref c, 4 * ldc));
        if (mr > 5) (biased ? s5 + bv : s5).StoreUnsafe(ref Unsafe.Add(ref c, 5 * ldc));
    }

    /// <summary>Offsets <c>0, stride, 2·stride, …</c>: a plain row-major matrix's rows (stride its row length) or columns (stride 1).</summary>
    public static void Strided(Span<int> offsets, int stride)
    {
        for (int i = 0; i < offsets.Length; i++) offsets[i] = i * stride;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x4<T>(ref T a, ReadOnlySpan<int> rows, ReadOnlySpan<int> depth, ref T b, int ldb, ref T c, int ldc, bool accumulate, ref T bias, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector512<T>.Count;
        ref T a0 = ref Unsafe.Add(ref a, rows[0]), a1 = ref Unsafe.Add(ref a, rows[1]), a2 = ref Unsafe.Add(ref a, rows[2]);
        ref T a3 = ref Unsafe.Add(ref a, rows[3]), a4 = ref Unsafe.Add(ref a, rows[4]), a5 = ref Unsafe.Add(ref a, rows[5]);
        Vector512<T> c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        if (accumulate)
        {
            ref T r = ref c;
            c00 = Vector512.LoadUnsafe(ref r); c01 = Vector512.LoadUnsafe(ref r, (nuint)lanes); c02 = Vector512.LoadUnsafe(ref r, (nuint)(2 * lanes)); c03 = Vector512.LoadUnsafe(ref r, (nuint)(3 * lanes));
            r = ref Unsafe.Add(ref r, ldc);
            c10 = Vector512.LoadUnsafe(ref r); c11 = Vector512.LoadUnsafe(ref r, (nuint)lanes); c12 = Vector512.LoadUnsafe(ref r, (nuint)(2 * lanes)); c13 = Vector512.LoadUnsafe(ref r, (nuint)(3 * lanes));
            r = ref Unsafe.Add(ref r, ldc);
            c20 = Vector512.LoadUnsafe(ref r); c21 = Vector512.LoadUnsafe(ref r, (nuint)lanes); c22 = Vector512.LoadUnsafe(ref r, (nuint)(2 * lanes)); c23 = Vector512.LoadUnsafe(ref r, (nuint)(3 * lanes));
            r = ref Unsafe.Add(ref r, ldc);
            c30 = Vector512.LoadUnsafe(ref r); c31 = Vector512.LoadUnsafe(ref r, (nuint)lanes); c32 = Vector512.LoadUnsafe(ref r, (nuint)(2 * lanes)); c33 = Vector512.LoadUnsafe(ref r, (nuint)(3 * lanes));
            r = ref Unsafe.Add(ref r, ldc);
            c40 = Vector512.LoadUnsafe(ref r); c41 = Vector512.LoadUnsafe(ref r, (nuint)lanes); c42 = Vector512.LoadUnsafe(ref r, (nuint)(2 * lanes)); c43 = Vector512.LoadUnsafe(ref r, (nuint)(3 * lanes));
            r = ref Unsafe.Add(ref r, ldc);
            c50 = Vector512.LoadUnsafe(ref r); c51 = Vector512.LoadUnsafe(ref r, (nuint)lanes); c52 = Vector512.LoadUnsafe(ref r, (nuint)(2 * lanes)); c53 = Vector512.LoadUnsafe(ref r, (nuint)(3 * lanes));
        }
        else
        {
            c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = default;
            c30 = c31 = c32 = c33 = c40 = c41 = c42 = c43 = c50 = c51 = c52 = c53 = default;
        }
        ref int d = ref MemoryMarshal.GetReference(depth);
        ref T bk = ref b;
        for (int kk = 0; kk < depth.Length; kk++)
        {
            nint off = Unsafe.Add(ref d, kk);
            Vector512<T> b0 = Vector512.LoadUnsafe(ref bk), b1 = Vector512.LoadUnsafe(ref bk, (nuint)lanes);
            Vector512<T> b2 = Vector512.LoadUnsafe(ref bk, (nuint)(2 * lanes)), b3 = Vector512.LoadUnsafe(ref bk, (nuint)(3 * lanes));
            Vector512<T> x = Vector512.Create(Unsafe.Add(ref a0, off));
            c00 = VectorMath.Fma(x, b0, c00); c01 = VectorMath.Fma(x, b1, c01); c02 = VectorMath.Fma(x, b2, c02); c03 = VectorMath.Fma(x, b3, c03);
            x = Vector512.Create(Unsafe.Add(ref a1, off));
            c10 = VectorMath.Fma(x, b0, c10); c11 = VectorMath.Fma(x, b1, c11); c12 = VectorMath.Fma(x, b2, c12); c13 = VectorMath.Fma(x, b3, c13);
            x = Vector512.Create(Unsafe.Add(ref a2, off));
            c20 = VectorMath.Fma(x, b0, c20); c21 = VectorMath.Fma(x, b1, c21); c22 = VectorMath.Fma(x, b2, c22); c23 = VectorMath.Fma(x, b3, c23);
            x = Vector512.Create(Unsafe.Add(ref a3, off));
            c30 = VectorMath.Fma(x, b0, c30); c31 = VectorMath.Fma(x, b1, c31); c32 = VectorMath.Fma(x, b2, c32); c33 = VectorMath.Fma(x, b3, c33);
            x = Vector512.Create(Unsafe.Add(ref a4, off));
            c40 = VectorMath.Fma(x, b0, c40); c41 = VectorMath.Fma(x, b1, c41); c42 = VectorMath.Fma(x, b2, c42); c43 = VectorMath.Fma(x, b3, c43);
            x = Vector512.Create(Unsafe.Add(ref a5, off));
            c50 = VectorMath.Fma(x, b0, c50); c51 = VectorMath.Fma(x, b1, c51); c52 = VectorMath.Fma(x, b2, c52); c53 = VectorMath.Fma(x, b3, c53);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        bool biased = !Unsafe.IsNullRef(ref bias);
        Vector512<T> d0 = default, d1 = default, d2 = default, d3 = default;
        if (biased)
        {
            d0 = Vector512.LoadUnsafe(ref bias); d1 = Vector512.LoadUnsafe(ref bias, (nuint)lanes);
            d2 = Vector512.LoadUnsafe(ref bias, (nuint)(2 * lanes)); d3 = Vector512.LoadUnsafe(ref bias, (nuint)(3 * lanes));
        }
        Store4(ref c, lanes, c00, c01, c02, c03, d0, d1, d2, d3, biased, relu);
        Store4(ref Unsafe.Add(ref c, ldc), lanes, c10, c11, c12, c13, d0, d1, d2, d3, biased, relu);
        Store4(ref Unsafe.Add(ref c, 2 * ldc), lanes, c20, c21, c22, c23, d0, d1, d2, d3, biased, relu);
        Store4(ref Unsafe.Add(ref c, 3 * ldc), lanes, c30, c31, c32, c33, d0, d1, d2, d3, biased, relu);
        Store4(ref Unsafe.Add(ref c, 4 * ldc), lanes, c40, c41, c42, c43, d0, d1, d2, d3, biased, relu);
        Store4(ref Unsafe.Add(ref c, 5 * ldc), lanes, c50, c51, c52, c53, d0, d1, d2, d3, biased, relu);
    }

    /// <summary>A finished sum as it is stored: through ReLU (<c>ActivationMath.ReLU</c>, the pass's own) when <paramref name="relu"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Finish<T>(Vector512<T> sum, bool relu) where T : unmanaged, IFloatingPointIeee754<T>
        => relu ? ActivationMath.ReLU(sum) : sum;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4<T>(ref T r, int lanes, Vector512<T> v0, Vector512<T> v1, Vector512<T> v2, Vector512<T> v3,
        Vector512<T> d0, Vector512<T> d1, Vector512<T> d2, Vector512<T> d3, bool biased, bool relu) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (biased)
        {
            v0 += d0; v1 += d1; v2 += d2; v3 += d3;
        }
        Finish(v0, relu).StoreUnsafe(ref r); Finish(v1, relu).StoreUnsafe(ref r, (nuint)lanes);
        Finish(v2, relu).StoreUnsafe(ref r, (nuint)(2 * lanes)); Finish(v3, relu).StoreUnsafe(ref r, (nuint)(3 * lanes));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x2<T>(ref T a, ReadOnlySpan<int> rows, ReadOnlySpan<int> depth, ref T b, int ldb, ref T c, int ldc, bool accumulate, ref T bias, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector512<T>.Count;
        ref T a0 = ref Unsafe.Add(ref a, rows[0]), a1 = ref Unsafe.Add(ref a, rows[1]), a2 = ref Unsafe.Add(ref a, rows[2]);
        ref T a3 = ref Unsafe.Add(ref a, rows[3]), a4 = ref Unsafe.Add(ref a, rows[4]), a5 = ref Unsafe.Add(ref a, rows[5]);
        Vector512<T> s00, s01, s10, s11, s20, s21, s30, s31, s40, s41, s50, s51;
        if (accumulate)
        {
            s00 = Vector512.LoadUnsafe(ref c); s01 = Vector512.LoadUnsafe(ref c, (nuint)lanes);
            s10 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, ldc)); s11 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, ldc), (nuint)lanes);
            s20 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, 2 * ldc)); s21 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, 2 * ldc), (nuint)lanes);
            s30 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, 3 * ldc)); s31 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, 3 * ldc), (nuint)lanes);
            s40 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, 4 * ldc)); s41 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, 4 * ldc), (nuint)lanes);
            s50 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, 5 * ldc)); s51 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, 5 * ldc), (nuint)lanes);
        }
        else
        {
            s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = s40 = s41 = s50 = s51 = default;
        }
        ref int d = ref MemoryMarshal.GetReference(depth);
        ref T bk = ref b;
        for (int kk = 0; kk < depth.Length; kk++)
        {
            nint off = Unsafe.Add(ref d, kk);
            Vector512<T> w0 = Vector512.LoadUnsafe(ref bk), w1 = Vector512.LoadUnsafe(ref bk, (nuint)lanes);
            Vector512<T> x = Vector512.Create(Unsafe.Add(ref a0, off));
            s00 = VectorMath.Fma(x, w0, s00); s01 = VectorMath.Fma(x, w1, s01);
            x = Vector512.Create(Unsafe.Add(ref a1, off));
            s10 = VectorMath.Fma(x, w0, s10); s11 = VectorMath.Fma(x, w1, s11);
            x = Vector512.Create(Unsafe.Add(ref a2, off));
            s20 = VectorMath.Fma(x, w0, s20); s21 = VectorMath.Fma(x, w1, s21);
            x = Vector512.Create(Unsafe.Add(ref a3, off));
            s30 = VectorMath.Fma(x, w0, s30); s31 = VectorMath.Fma(x, w1, s31);
            x = Vector512.Create(Unsafe.Add(ref a4, off));
            s40 = VectorMath.Fma(x, w0, s40); s41 = VectorMath.Fma(x, w1, s41);
            x = Vector512.Create(Unsafe.Add(ref a5, off));
            s50 = VectorMath.Fma(x, w0, s50); s51 = VectorMath.Fma(x, w1, s51);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        bool biased = !Unsafe.IsNullRef(ref bias);
        Vector512<T> d0 = biased ? Vector512.LoadUnsafe(ref bias) : default;
        Vector512<T> d1 = biased ? Vector512.LoadUnsafe(ref bias, (nuint)lanes) : default;
        Store2(ref c, lanes, s00, s01, d0, d1, biased, relu);
        Store2(ref Unsafe.Add(ref c, ldc), lanes, s10, s11, d0, d1, biased, relu);
        Store2(ref Unsafe.Add(ref c, 2 * ldc), lanes, s20, s21, d0, d1, biased, relu);
        Store2(ref Unsafe.Add(ref c, 3 * ldc), lanes, s30, s31, d0, d1, biased, relu);
        Store2(ref Unsafe.Add(ref c, 4 * ldc), lanes, s40, s41, d0, d1, biased, relu);
        Store2(ref Unsafe.Add(ref c, 5 * ldc), lanes, s50, s51, d0, d1, biased, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2<T>(ref T r, int lanes, Vector512<T> v0, Vector512<T> v1, Vector512<T> d0, Vector512<T> d1, bool biased, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (biased)
        {
            v0 += d0; v1 += d1;
        }
        Finish(v0, relu).StoreUnsafe(ref r); Finish(v1, relu).StoreUnsafe(ref r, (nuint)lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x1<T>(ref T a, ReadOnlySpan<int> rows, ReadOnlySpan<int> depth, ref T b, int ldb, ref T c, int ldc, bool accumulate, ref T bias, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T a0 = ref Unsafe.Add(ref a, rows[0]), a1 = ref Unsafe.Add(ref a, rows[1]), a2 = ref Unsafe.Add(ref a, rows[2]);
        ref T a3 = ref Unsafe.Add(ref a, rows[3]), a4 = ref Unsafe.Add(ref a, rows[4]), a5 = ref Unsafe.Add(ref a, rows[5]);
        Vector512<T> s0, s1, s2, s3, s4, s5;
        if (accumulate)
        {
            s0 = Vector512.LoadUnsafe(ref c); s1 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, ldc)); s2 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, 2 * ldc));
            s3 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, 3 * ldc)); s4 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, 4 * ldc)); s5 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c, 5 * ldc));
        }
        else
        {
            s0 = s1 = s2 = s3 = s4 = s5 = default;
        }
        ref int d = ref MemoryMarshal.GetReference(depth);
        ref T bk = ref b;
        for (int kk = 0; kk < depth.Length; kk++)
        {
            nint off = Unsafe.Add(ref d, kk);
            Vector512<T> w = Vector512.LoadUnsafe(ref bk);
            s0 = VectorMath.Fma(Vector512.Create(Unsafe.Add(ref a0, off)), w, s0);
            s1 = VectorMath.Fma(Vector512.Create(Unsafe.Add(ref a1, off)), w, s1);
            s2 = VectorMath.Fma(Vector512.Create(Unsafe.Add(ref a2, off)), w, s2);
            s3 = VectorMath.Fma(Vector512.Create(Unsafe.Add(ref a3, off)), w, s3);
            s4 = VectorMath.Fma(Vector512.Create(Unsafe.Add(ref a4, off)), w, s4);
            s5 = VectorMath.Fma(Vector512.Create(Unsafe.Add(ref a5, off)), w, s5);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        bool biased = !Unsafe.IsNullRef(ref bias);
        Vector512<T> bv = biased ? Vector512.LoadUnsafe(ref bias) : default;
        Finish(biased ? s0 + bv : s0, relu).StoreUnsafe(ref c);
        Finish(biased ? s1 + bv : s1, relu).StoreUnsafe(ref Unsafe.Add(ref c, ldc));
        Finish(biased ? s2 + bv : s2, relu).StoreUnsafe(ref Unsafe.Add(ref c, 2 * ldc));
        Finish(biased ? s3 + bv : s3, relu).StoreUnsafe(ref Unsafe.Add(ref c, 3 * ldc));
        Finish(biased ? s4 + bv : s4, relu).StoreUnsafe(ref Unsafe.Add(ref c, 4 * ldc));
        Finish(biased ? s5 + bv : s5, relu).StoreUnsafe(ref Unsafe.Add(ref c, 5 * ldc));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile1x4<T>(ref T ai, ReadOnlySpan<int> depth, ref T b, int ldb, ref T target, bool accumulate, ref T bias, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector512<T>.Count;
        Vector512<T> s0 = default, s1 = default, s2 = default, s3 = default;
        if (accumulate)
        {
            s0 = Vector512.LoadUnsafe(ref target); s1 = Vector512.LoadUnsafe(ref target, (nuint)lanes);
            s2 = Vector512.LoadUnsafe(ref target, (nuint)(2 * lanes)); s3 = Vector512.LoadUnsafe(ref target, (nuint)(3 * lanes));
        }
        ref T bk = ref b;
        for (int kk = 0; kk < depth.Length; kk++)
        {
            Vector512<T> x = Vector512.Create(Unsafe.Add(ref ai, depth[kk]));
            s0 = VectorMath.Fma(x, Vector512.LoadUnsafe(ref bk), s0); s1 = VectorMath.Fma(x, Vector512.LoadUnsafe(ref bk, (nuint)lanes), s1);
            s2 = VectorMath.Fma(x, Vector512.LoadUnsafe(ref bk, (nuint)(2 * lanes)), s2);
            s3 = VectorMath.Fma(x, Vector512.LoadUnsafe(ref bk, (nuint)(3 * lanes)), s3);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        if (!Unsafe.IsNullRef(ref bias))
        {
            s0 += Vector512.LoadUnsafe(ref bias); s1 += Vector512.LoadUnsafe(ref bias, (nuint)lanes);
            s2 += Vector512.LoadUnsafe(ref bias, (nuint)(2 * lanes)); s3 += Vector512.LoadUnsafe(ref bias, (nuint)(3 * lanes));
        }
        Finish(s0, relu).StoreUnsafe(ref target); Finish(s1, relu).StoreUnsafe(ref target, (nuint)lanes);
        Finish(s2, relu).StoreUnsafe(ref target, (nuint)(2 * lanes)); Finish(s3, relu).StoreUnsafe(ref target, (nuint)(3 * lanes));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile1x2<T>(ref T ai, ReadOnlySpan<int> depth, ref T b, int ldb, ref T target, bool accumulate, ref T bias, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector512<T>.Count;
        Vector512<T> s0 = default, s1 = default;
        if (accumulate)
        {
            s0 = Vector512.LoadUnsafe(ref target); s1 = Vector512.LoadUnsafe(ref target, (nuint)lanes);
        }
        ref T bk = ref b;
        for (int kk = 0; kk < depth.Length; kk++)
        {
            Vector512<T> x = Vector512.Create(Unsafe.Add(ref ai, depth[kk]));
            s0 = VectorMath.Fma(x, Vector512.LoadUnsafe(ref bk), s0); s1 = VectorMath.Fma(x, Vector512.LoadUnsafe(ref bk, (nuint)lanes), s1);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        if (!Unsafe.IsNullRef(ref bias))
        {
            s0 += Vector512.LoadUnsafe(ref bias); s1 += Vector512.LoadUnsafe(ref bias, (nuint)lanes);
        }
        Finish(s0, relu).StoreUnsafe(ref target); Finish(s1, relu).StoreUnsafe(ref target, (nuint)lanes);
    }

    private static void Tile1x1<T>(ref T ai, ReadOnlySpan<int> depth, ref T b, int ldb, ref T target, bool accumulate, ref T bias, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector512<T> s = accumulate ? Vector512.LoadUnsafe(ref target) : default;
        ref T bk = ref b;
        for (int kk = 0; kk < depth.Length; kk++)
        {
            s = VectorMath.Fma(Vector512.Create(Unsafe.Add(ref ai, depth[kk])), Vector512.LoadUnsafe(ref bk), s);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        if (!Unsafe.IsNullRef(ref bias)) s += Vector512.LoadUnsafe(ref bias);
        Finish(s, relu).StoreUnsafe(ref target);
    }
}
