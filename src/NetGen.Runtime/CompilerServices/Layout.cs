using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace NetGen.CompilerServices;

/// <summary>Moves samples between PyTorch's channels-first order (<c>[C, H, W]</c>) and the channels-last order kernels work in.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Layout
{
    /// <summary><c>[rows, C, H·W]</c> → <c>[rows, H·W, C]</c>.</summary>
    public static void ToChannelsLast<T>(ref T source, ref T target, int rows, int channels, int positions)
    {
        for (int r = 0; r < rows; r++)
        {
            nint at = (nint)r * channels * positions;
            Transpose(ref Unsafe.Add(ref source, at), ref Unsafe.Add(ref target, at), channels, positions);
        }
    }

    /// <summary><c>[rows, H·W, C]</c> → <c>[rows, C, H·W]</c>: what <c>Flatten</c> makes of channels-last maps.</summary>
    public static void ToChannelsFirst<T>(ref T source, ref T target, int rows, int channels, int positions)
    {
        for (int r = 0; r < rows; r++)
        {
            nint at = (nint)r * channels * positions;
            Transpose(ref Unsafe.Add(ref source, at), ref Unsafe.Add(ref target, at), positions, channels);
        }
    }

    /// <summary>
    /// <c>dst[cols, rows] = src[rows, cols]ᵀ</c>: floats with AVX-512 in blocks of 16 × 16 by register shuffles
    /// (<see cref="Gemm.Transpose16"/>), the rest in tiles of 8 × 8 so that both sides stay within a few cache lines —
    /// whole float tiles by register shuffles too (<see cref="Gemm.Transpose8"/>, AVX).
    /// </summary>
    private static void Transpose<T>(ref T src, ref T dst, int rows, int cols)
    {
        const int Tile = 8;
        int whole = 0; // rows [0, whole) and columns [0, wholeColumns) went by 16 × 16 blocks
        if (typeof(T) == typeof(float) && Avx512F.IsSupported && rows >= 16 && cols >= 16)
        {
            ref float s = ref Unsafe.As<T, float>(ref src), d = ref Unsafe.As<T, float>(ref dst);
            whole = rows - rows % 16;
            int wholeColumns = cols - cols % 16;
            for (int i0 = 0; i0 < whole; i0 += 16)
            for (int j0 = 0; j0 < wholeColumns; j0 += 16)
                Gemm.Transpose16(ref Unsafe.Add(ref s, (nint)i0 * cols + j0), cols, ref Unsafe.Add(ref d, (nint)j0 * rows + i0), rows);
            // The columns past the last whole block, for the rows the blocks took.
            for (int i = 0; i < whole; i++)
            for (int j = wholeColumns; j < cols; j++)
                Unsafe.Add(ref dst, (nint)j * rows + i) = Unsafe.Add(ref src, (nint)i * cols + j);
        }
        bool shuffles = typeof(T) == typeof(float) && Avx.IsSupported;
        for (int i0 = whole; i0 < rows; i0 += Tile)
        for (int j0 = 0; j0 < cols; j0 += Tile)
        {
            int i1 = Math.Min(rows, i0 + Tile), j1 = Math.Min(cols, j0 + Tile);
            if (shuffles && i1 - i0 == Tile && j1 - j0 == Tile)
            {
                Gemm.Transpose8(ref Unsafe.As<T, float>(ref Unsafe.Add(ref src, (nint)i0 * cols + j0)), cols,
                    ref Unsafe.As<T, float>(ref Unsafe.Add(ref dst, (nint)j0 * rows + i0)), rows);
                continue;
            }
            for (int i = i0; i < i1; i++)
            for (int j = j0; j < j1; j++)
                Unsafe.Add(ref dst, (nint)j * rows + i) = Unsafe.Add(ref src, (nint)i * cols + j);
        }
    }
}
