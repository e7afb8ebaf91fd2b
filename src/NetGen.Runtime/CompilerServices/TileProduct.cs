using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// The matrix product the layers over feature maps run on: <c>C[m, n] = C₀ + Σ_k A(i, k)·B[k, n] (+ bias[n])</c>, where
/// A is read with any strides (<c>A(i, k) = a[i·lda + k·ak]</c>: rows of windows, or their transpose, without copying)
/// and B is row-major with its n columns contiguous. Tiles of 6 rows × 4 vectors (24 accumulators in AVX-512's 32
/// registers) broadcast A and stream B, as <see cref="Gemm"/>'s do, without packing: B is already k-major here.
/// </summary>
/// <remarks>
/// Every element is one chain of fused multiply-adds over k in order, starting from zero or from C (to go on summing
/// over another sample), the bias added last: the tile an element lands in, and the vector or scalar path, never change
/// its bits. Columns that do not fill a whole vector (n not a multiple of the lanes) take the scalar path.
/// </remarks>
internal static class TileProduct
{
    private const int Rows = 6;

    /// <summary>Most depth of a block over k: 128 rows of a 64-column panel of B are 32 KB of floats, in L1 while every row tile passes.</summary>
    private const int DepthBlock = 128;

    public static void Multiply<T>(ref T a, int lda, int ak, ref T b, int ldb, ref T c, int ldc, int m, int n, int k, bool accumulate, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector512<T>.Count;
        int j = 0;
        if (Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated)
        {
            // Blocks over k of equal depth (288 → 3 × 96): each goes on from the sums the block before stored, so the chain
            // of every element is the same as in one pass; the bias joins after the last.
            int blocks = (k + DepthBlock - 1) / DepthBlock, depth = blocks == 0 ? 0 : (k + blocks - 1) / blocks;
            for (; j + 4 * lanes <= n; j += 4 * lanes)
            {
                for (int k0 = 0; k0 < k; k0 += depth)
                {
                    int kc = Math.Min(depth, k - k0);
                    bool resume = accumulate || k0 > 0;
                    ref T ak0 = ref Unsafe.Add(ref a, (nint)k0 * ak);
                    ref T bk0 = ref Unsafe.Add(ref b, (nint)k0 * ldb);
                    ref T blockBias = ref k0 + kc == k ? ref bias : ref Unsafe.NullRef<T>();
                    int i = 0;
                    for (; i + Rows <= m; i += Rows) Tile6x4(ref ak0, lda, ak, ref bk0, ldb, ref c, ldc, i, j, kc, resume, ref blockBias);
                    for (; i < m; i++) for (int v = 0; v < 4; v++) Tile1x1(ref ak0, lda, ak, ref bk0, ldb, ref c, ldc, i, j + v * lanes, kc, resume, ref blockBias);
                }
                if (k == 0) Fill(ref c, ldc, m, j, 4 * lanes, accumulate, ref bias);
            }
            for (; j + 2 * lanes <= n; j += 2 * lanes)
            {
                int i = 0;
                for (; i + Rows <= m; i += Rows) Tile6x2(ref a, lda, ak, ref b, ldb, ref c, ldc, i, j, k, accumulate, ref bias);
                for (; i < m; i++) for (int v = 0; v < 2; v++) Tile1x1(ref a, lda, ak, ref b, ldb, ref c, ldc, i, j + v * lanes, k, accumulate, ref bias);
            }
            for (; j + lanes <= n; j += lanes)
            {
                int i = 0;
                for (; i + Rows <= m; i += Rows) Tile6x1(ref a, lda, ak, ref b, ldb, ref c, ldc, i, j, k, accumulate, ref bias);
                for (; i < m; i++) Tile1x1(ref a, lda, ak, ref b, ldb, ref c, ldc, i, j, k, accumulate, ref bias);
            }
        }
        bool biased = !Unsafe.IsNullRef(ref bias);
        for (; j < n; j++)
        {
            for (int i = 0; i < m; i++)
            {
                ref T target = ref Unsafe.Add(ref c, (nint)i * ldc + j);
                T sum = accumulate ? target : T.Zero;
                for (int kk = 0; kk < k; kk++)
                    sum = T.FusedMultiplyAdd(Unsafe.Add(ref a, (nint)i * lda + (nint)kk * ak), Unsafe.Add(ref b, (nint)kk * ldb + j), sum);
                target = biased ? sum + Unsafe.Add(ref bias, j) : sum;
            }
        }
    }

    /// <summary>An empty sum (k = 0): C keeps its value or becomes zero, plus the bias.</summary>
    private static void Fill<T>(ref T c, int ldc, int m, int j, int width, bool accumulate, ref T bias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        for (int jj = j; jj < j + width; jj++)
        {
            ref T target = ref Unsafe.Add(ref c, (nint)i * ldc + jj);
            T sum = accumulate ? target : T.Zero;
            target = Unsafe.IsNullRef(ref bias) ? sum : sum + Unsafe.Add(ref bias, jj);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x2<T>(ref T a, int lda, int ak, ref T b, int ldb, ref T c, int ldc, int i, int j, int k, bool accumulate, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector512<T>.Count;
        ref T c0 = ref Unsafe.Add(ref c, (nint)i * ldc + j);
        Vector512<T> s00, s01, s10, s11, s20, s21, s30, s31, s40, s41, s50, s51;
        if (accumulate)
        {
            s00 = Vector512.LoadUnsafe(ref c0); s01 = Vector512.LoadUnsafe(ref c0, (nuint)lanes);
            s10 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, ldc)); s11 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, ldc), (nuint)lanes);
            s20 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, 2 * ldc)); s21 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, 2 * ldc), (nuint)lanes);
            s30 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, 3 * ldc)); s31 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, 3 * ldc), (nuint)lanes);
            s40 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, 4 * ldc)); s41 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, 4 * ldc), (nuint)lanes);
            s50 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, 5 * ldc)); s51 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, 5 * ldc), (nuint)lanes);
        }
        else
        {
            s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = s40 = s41 = s50 = s51 = default;
        }
        ref T a0 = ref Unsafe.Add(ref a, (nint)i * lda);
        ref T bk = ref Unsafe.Add(ref b, j);
        for (int kk = 0; kk < k; kk++)
        {
            Vector512<T> w0 = Vector512.LoadUnsafe(ref bk), w1 = Vector512.LoadUnsafe(ref bk, (nuint)lanes);
            Vector512<T> x = Vector512.Create(a0);
            s00 = VectorMath.Fma(x, w0, s00); s01 = VectorMath.Fma(x, w1, s01);
            x = Vector512.Create(Unsafe.Add(ref a0, lda));
            s10 = VectorMath.Fma(x, w0, s10); s11 = VectorMath.Fma(x, w1, s11);
            x = Vector512.Create(Unsafe.Add(ref a0, 2 * lda));
            s20 = VectorMath.Fma(x, w0, s20); s21 = VectorMath.Fma(x, w1, s21);
            x = Vector512.Create(Unsafe.Add(ref a0, 3 * lda));
            s30 = VectorMath.Fma(x, w0, s30); s31 = VectorMath.Fma(x, w1, s31);
            x = Vector512.Create(Unsafe.Add(ref a0, 4 * lda));
            s40 = VectorMath.Fma(x, w0, s40); s41 = VectorMath.Fma(x, w1, s41);
            x = Vector512.Create(Unsafe.Add(ref a0, 5 * lda));
            s50 = VectorMath.Fma(x, w0, s50); s51 = VectorMath.Fma(x, w1, s51);
            a0 = ref Unsafe.Add(ref a0, ak);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        bool biased = !Unsafe.IsNullRef(ref bias);
        Vector512<T> d0 = biased ? Vector512.LoadUnsafe(ref Unsafe.Add(ref bias, j)) : default;
        Vector512<T> d1 = biased ? Vector512.LoadUnsafe(ref Unsafe.Add(ref bias, j), (nuint)lanes) : default;
        Store2(ref c0, lanes, s00, s01, d0, d1, biased);
        Store2(ref Unsafe.Add(ref c0, ldc), lanes, s10, s11, d0, d1, biased);
        Store2(ref Unsafe.Add(ref c0, 2 * ldc), lanes, s20, s21, d0, d1, biased);
        Store2(ref Unsafe.Add(ref c0, 3 * ldc), lanes, s30, s31, d0, d1, biased);
        Store2(ref Unsafe.Add(ref c0, 4 * ldc), lanes, s40, s41, d0, d1, biased);
        Store2(ref Unsafe.Add(ref c0, 5 * ldc), lanes, s50, s51, d0, d1, biased);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2<T>(ref T r, int lanes, Vector512<T> v0, Vector512<T> v1, Vector512<T> d0, Vector512<T> d1, bool biased)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (biased)
        {
            v0 += d0; v1 += d1;
        }
        v0.StoreUnsafe(ref r); v1.StoreUnsafe(ref r, (nuint)lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x4<T>(ref T a, int lda, int ak, ref T b, int ldb, ref T c, int ldc, int i, int j, int k, bool accumulate, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector512<T>.Count;
        ref T c0 = ref Unsafe.Add(ref c, (nint)i * ldc + j);
        Vector512<T> c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        if (accumulate)
        {
            ref T r = ref c0;
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
        ref T a0 = ref Unsafe.Add(ref a, (nint)i * lda);
        ref T bk = ref Unsafe.Add(ref b, j);
        nint step = ak;
        for (int kk = 0; kk < k; kk++)
        {
            Vector512<T> b0 = Vector512.LoadUnsafe(ref bk), b1 = Vector512.LoadUnsafe(ref bk, (nuint)lanes);
            Vector512<T> b2 = Vector512.LoadUnsafe(ref bk, (nuint)(2 * lanes)), b3 = Vector512.LoadUnsafe(ref bk, (nuint)(3 * lanes));
            Vector512<T> x = Vector512.Create(a0);
            c00 = VectorMath.Fma(x, b0, c00); c01 = VectorMath.Fma(x, b1, c01); c02 = VectorMath.Fma(x, b2, c02); c03 = VectorMath.Fma(x, b3, c03);
            x = Vector512.Create(Unsafe.Add(ref a0, lda));
            c10 = VectorMath.Fma(x, b0, c10); c11 = VectorMath.Fma(x, b1, c11); c12 = VectorMath.Fma(x, b2, c12); c13 = VectorMath.Fma(x, b3, c13);
            x = Vector512.Create(Unsafe.Add(ref a0, 2 * lda));
            c20 = VectorMath.Fma(x, b0, c20); c21 = VectorMath.Fma(x, b1, c21); c22 = VectorMath.Fma(x, b2, c22); c23 = VectorMath.Fma(x, b3, c23);
            x = Vector512.Create(Unsafe.Add(ref a0, 3 * lda));
            c30 = VectorMath.Fma(x, b0, c30); c31 = VectorMath.Fma(x, b1, c31); c32 = VectorMath.Fma(x, b2, c32); c33 = VectorMath.Fma(x, b3, c33);
            x = Vector512.Create(Unsafe.Add(ref a0, 4 * lda));
            c40 = VectorMath.Fma(x, b0, c40); c41 = VectorMath.Fma(x, b1, c41); c42 = VectorMath.Fma(x, b2, c42); c43 = VectorMath.Fma(x, b3, c43);
            x = Vector512.Create(Unsafe.Add(ref a0, 5 * lda));
            c50 = VectorMath.Fma(x, b0, c50); c51 = VectorMath.Fma(x, b1, c51); c52 = VectorMath.Fma(x, b2, c52); c53 = VectorMath.Fma(x, b3, c53);
            a0 = ref Unsafe.Add(ref a0, step);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        Vector512<T> d0 = default, d1 = default, d2 = default, d3 = default;
        bool biased = !Unsafe.IsNullRef(ref bias);
        if (biased)
        {
            ref T bj = ref Unsafe.Add(ref bias, j);
            d0 = Vector512.LoadUnsafe(ref bj); d1 = Vector512.LoadUnsafe(ref bj, (nuint)lanes);
            d2 = Vector512.LoadUnsafe(ref bj, (nuint)(2 * lanes)); d3 = Vector512.LoadUnsafe(ref bj, (nuint)(3 * lanes));
        }
        Store4(ref c0, lanes, c00, c01, c02, c03, d0, d1, d2, d3, biased);
        Store4(ref Unsafe.Add(ref c0, ldc), lanes, c10, c11, c12, c13, d0, d1, d2, d3, biased);
        Store4(ref Unsafe.Add(ref c0, 2 * ldc), lanes, c20, c21, c22, c23, d0, d1, d2, d3, biased);
        Store4(ref Unsafe.Add(ref c0, 3 * ldc), lanes, c30, c31, c32, c33, d0, d1, d2, d3, biased);
        Store4(ref Unsafe.Add(ref c0, 4 * ldc), lanes, c40, c41, c42, c43, d0, d1, d2, d3, biased);
        Store4(ref Unsafe.Add(ref c0, 5 * ldc), lanes, c50, c51, c52, c53, d0, d1, d2, d3, biased);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4<T>(ref T r, int lanes, Vector512<T> v0, Vector512<T> v1, Vector512<T> v2, Vector512<T> v3,
        Vector512<T> d0, Vector512<T> d1, Vector512<T> d2, Vector512<T> d3, bool biased) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (biased)
        {
            v0 += d0; v1 += d1; v2 += d2; v3 += d3;
        }
        v0.StoreUnsafe(ref r); v1.StoreUnsafe(ref r, (nuint)lanes); v2.StoreUnsafe(ref r, (nuint)(2 * lanes)); v3.StoreUnsafe(ref r, (nuint)(3 * lanes));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x1<T>(ref T a, int lda, int ak, ref T b, int ldb, ref T c, int ldc, int i, int j, int k, bool accumulate, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T c0 = ref Unsafe.Add(ref c, (nint)i * ldc + j);
        Vector512<T> s0, s1, s2, s3, s4, s5;
        if (accumulate)
        {
            s0 = Vector512.LoadUnsafe(ref c0); s1 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, ldc)); s2 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, 2 * ldc));
            s3 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, 3 * ldc)); s4 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, 4 * ldc)); s5 = Vector512.LoadUnsafe(ref Unsafe.Add(ref c0, 5 * ldc));
        }
        else
        {
            s0 = s1 = s2 = s3 = s4 = s5 = default;
        }
        ref T a0 = ref Unsafe.Add(ref a, (nint)i * lda);
        ref T bk = ref Unsafe.Add(ref b, j);
        for (int kk = 0; kk < k; kk++)
        {
            Vector512<T> w = Vector512.LoadUnsafe(ref bk);
            s0 = VectorMath.Fma(Vector512.Create(a0), w, s0);
            s1 = VectorMath.Fma(Vector512.Create(Unsafe.Add(ref a0, lda)), w, s1);
            s2 = VectorMath.Fma(Vector512.Create(Unsafe.Add(ref a0, 2 * lda)), w, s2);
            s3 = VectorMath.Fma(Vector512.Create(Unsafe.Add(ref a0, 3 * lda)), w, s3);
            s4 = VectorMath.Fma(Vector512.Create(Unsafe.Add(ref a0, 4 * lda)), w, s4);
            s5 = VectorMath.Fma(Vector512.Create(Unsafe.Add(ref a0, 5 * lda)), w, s5);
            a0 = ref Unsafe.Add(ref a0, ak);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        Vector512<T> d = Unsafe.IsNullRef(ref bias) ? default : Vector512.LoadUnsafe(ref Unsafe.Add(ref bias, j));
        bool biased = !Unsafe.IsNullRef(ref bias);
        (biased ? s0 + d : s0).StoreUnsafe(ref c0);
        (biased ? s1 + d : s1).StoreUnsafe(ref Unsafe.Add(ref c0, ldc));
        (biased ? s2 + d : s2).StoreUnsafe(ref Unsafe.Add(ref c0, 2 * ldc));
        (biased ? s3 + d : s3).StoreUnsafe(ref Unsafe.Add(ref c0, 3 * ldc));
        (biased ? s4 + d : s4).StoreUnsafe(ref Unsafe.Add(ref c0, 4 * ldc));
        (biased ? s5 + d : s5).StoreUnsafe(ref Unsafe.Add(ref c0, 5 * ldc));
    }

    private static void Tile1x1<T>(ref T a, int lda, int ak, ref T b, int ldb, ref T c, int ldc, int i, int j, int k, bool accumulate, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T target = ref Unsafe.Add(ref c, (nint)i * ldc + j);
        Vector512<T> s = accumulate ? Vector512.LoadUnsafe(ref target) : default;
        ref T a0 = ref Unsafe.Add(ref a, (nint)i * lda);
        ref T bk = ref Unsafe.Add(ref b, j);
        for (int kk = 0; kk < k; kk++)
        {
            s = VectorMath.Fma(Vector512.Create(a0), Vector512.LoadUnsafe(ref bk), s);
            a0 = ref Unsafe.Add(ref a0, ak);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        if (!Unsafe.IsNullRef(ref bias)) s += Vector512.LoadUnsafe(ref Unsafe.Add(ref bias, j));
        s.StoreUnsafe(ref target);
    }
}
