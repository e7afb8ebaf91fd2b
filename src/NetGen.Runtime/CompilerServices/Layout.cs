using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

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

    /// <summary><c>dst[cols, rows] = src[rows, cols]ᵀ</c>, in tiles of 8 × 8 so that both sides stay within a few cache lines.</summary>
    private static void Transpose<T>(ref T src, ref T dst, int rows, int cols)
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
}
