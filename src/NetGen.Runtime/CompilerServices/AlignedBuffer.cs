using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.CompilerServices;

/// <summary>
/// A fixed-length buffer whose first element sits on a 64-byte boundary: a cache line, and one <c>Vector512</c>. .NET
/// arrays start only 8-byte aligned, so every 64-byte load or store into them straddles two cache lines; a flat
/// parameter update runs about 1.8 times faster aligned on this project's machine. The storage is a pinned array (it
/// never moves, so the alignment holds for the buffer's life); networks keep their parameters and gradients in one.
/// </summary>
/// <typeparam name="T">An unmanaged element type (float or double in NetGen).</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class AlignedBuffer<T> where T : unmanaged
{
    /// <summary>The alignment of the first element, in bytes.</summary>
    public const int Alignment = 64;

    private readonly T[] _storage;
    private readonly int _offset;

    /// <summary>Allocates a zeroed buffer of <paramref name="length"/> elements.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative, or too large for an array once padded for alignment.</exception>
    public unsafe AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int size = Unsafe.SizeOf<T>();
        if (length > Array.MaxLength - Alignment / size)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"At most {Array.MaxLength - Alignment / size} elements fit in one aligned buffer.");
        _storage = GC.AllocateArray<T>(length + Alignment / size, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_storage));
        _offset = (int)((Alignment - (address & (Alignment - 1))) & (Alignment - 1)) / size;
        Length = length;
    }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>The elements.</summary>
    public Span<T> Span => MemoryMarshal.CreateSpan(ref Reference, Length);

    /// <summary>A reference to the first element, for kernels that index with <see cref="Unsafe.Add{T}(ref T, int)"/>.</summary>
    public ref T Reference => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_storage), _offset);
}
