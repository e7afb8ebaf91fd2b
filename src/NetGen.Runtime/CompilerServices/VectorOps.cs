using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>Flat elementwise loops over parameter-sized spans, in the widest vectors the hardware has, for float or double.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class VectorOps
{
    /// <summary>
    /// Asks for a share of the cache lines of <paramref name="rows"/> rows of <paramref name="elements"/> values from
    /// <paramref name="origin"/> + <paramref name="at"/>, <paramref name="stride"/> values apart, ahead of their use:
    /// numbering the block's lines row by row, lines <paramref name="part"/>, <paramref name="part"/> +
    /// <paramref name="parts"/>, … A hint, which never faults. The addresses are formed as pointers from
    /// <paramref name="origin"/>, never as references, so a block past the end of a buffer never makes a reference outside
    /// an object.
    /// </summary>
    /// <remarks>
    /// A weight-gradient kernel asks for the next block's lines one share per row of the batch while it sums the current
    /// block over the batch (part = the row, parts = the rows), so its requests are spread over the sum: with the 24 lines
    /// of a 6 × 4-vector block of a wide layer's weights asked for all at once, before the sum, a standalone copy of that
    /// kernel ran 6–15 % slower (docs/performance.md has the figures). The kernels ask for no rows past their range of
    /// units (<paramref name="rows"/> ≤ 0 for a range's last block), so that one thread of a step cut across threads never
    /// pulls the next thread's weights into its cache. No share (<paramref name="parts"/> ≤ 0) asks for nothing.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Prefetch<T>(ref T origin, nuint at, int rows, int stride, int elements, int part, int parts)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || parts <= 0) return;
        int size = Unsafe.SizeOf<T>();
        int perRow = (elements * size + 63) / 64;
        byte* first = (byte*)Unsafe.AsPointer(ref origin) + at * (nuint)size;
        for (int line = part; line < rows * perRow; line += parts)
        {
            int r = line / perRow;
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(first + (nint)r * stride * size + (line - r * perRow) * 64);
        }
    }

    /// <summary>
    /// Asks for the cache line at <paramref name="first"/> and the lines at the same place in the next three rows,
    /// <paramref name="stride"/> values apart, into L2 (<c>prefetcht1</c>). A hint, which never faults; the address is
    /// formed as a pointer, never as a reference, so it may point anywhere.
    /// </summary>
    /// <remarks>
    /// A <c>Vector512</c> forward kernel's blocks of four rows of the batch × four weight rows ask, at each step along
    /// the inputs, for the next block's weight rows, so a layer whose weights stream from L3 finds them in L2 when its
    /// panel's first block of rows starts on them: a probe of the wide network's first layer (3,072 × 1,024, alternating
    /// in one process) ran 1.15–1.37× as fast at 8 rows and 1.10–1.15× at 16 to 24, the seed network's 784 × 500 as
    /// fast; into L1 (<c>prefetcht0</c>) the requests evicted the block's own lines and lost up to 18 %
    /// (docs/performance.md has the networks' figures).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void PrefetchRows<T>(ref T first, int stride)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        byte* line = (byte*)Unsafe.AsPointer(ref first);
        nint step = (nint)stride * Unsafe.SizeOf<T>();
        System.Runtime.Intrinsics.X86.Sse.Prefetch1(line);
        System.Runtime.Intrinsics.X86.Sse.Prefetch1(line + step);
        System.Runtime.Intrinsics.X86.Sse.Prefetch1(line + 2 * step);
        System.Runtime.Intrinsics.X86.Sse.Prefetch1(line + 3 * step);
    }

    /// <summary>
    /// Copies columns [<paramref name="column"/>, <paramref name="column"/> + <paramref name="width"/>) of rows
    /// [0, <paramref name="rows"/>) of the row-major <paramref name="x"/> (rows <paramref name="stride"/> apart) into a
    /// buffer of the calling thread, rows <paramref name="width"/> apart from a cache line's start, and returns its first
    /// element. A weight-gradient kernel reads its column panel of the inputs once per block of weight rows: from a
    /// <c>float[]</c>, whose elements start 16 bytes into a line, every 64-byte load would straddle two lines, and rows of
    /// a wide layer 12 KB apart fall into the same few sets of L1. The portable input-delta kernel reads its panel of the
    /// weights' columns the same way. The buffer is reused by the next call on the thread.
    /// </summary>
    public static ref T Panel<T>(ref T x, int stride, int rows, int column, int width) where T : unmanaged
    {
        int length = rows * width;
        AlignedBuffer<T>? buffer = PanelBuffer<T>.Value;
        if (buffer is null || buffer.Length < length) PanelBuffer<T>.Value = buffer = new AlignedBuffer<T>(Math.Max(length, 64 * width));
        ref T panel = ref buffer.Reference;
        ref byte source = ref Unsafe.As<T, byte>(ref Unsafe.Add(ref x, column));
        ref byte target = ref Unsafe.As<T, byte>(ref panel);
        int bytes = width * Unsafe.SizeOf<T>(), sourceStride = stride * Unsafe.SizeOf<T>();
        if (bytes == 256 && Vector512.IsHardwareAccelerated)
        {
            for (int r = 0; r < rows; r++)
            {
                ref byte from = ref Unsafe.Add(ref source, (nint)r * sourceStride);
                ref byte to = ref Unsafe.Add(ref target, (nint)r * 256);
                Vector512.LoadUnsafe(ref from).StoreUnsafe(ref to);
                Vector512.LoadUnsafe(ref from, 64).StoreUnsafe(ref to, 64);
                Vector512.LoadUnsafe(ref from, 128).StoreUnsafe(ref to, 128);
                Vector512.LoadUnsafe(ref from, 192).StoreUnsafe(ref to, 192);
            }
        }
        else
        {
            for (int r = 0; r < rows; r++)
                Unsafe.CopyBlockUnaligned(ref Unsafe.Add(ref target, (nint)r * bytes), ref Unsafe.Add(ref source, (nint)r * sourceStride), (uint)bytes);
        }
        return ref panel;
    }

    /// <summary>One <see cref="Panel{T}"/> buffer per thread and element type.</summary>
    private static class PanelBuffer<T> where T : unmanaged
    {
        [ThreadStatic] public static AlignedBuffer<T>? Value;
    }

    /// <summary><c>y = a·y + b·x</c>, each element <c>fma(a, y, b·x)</c>.</summary>
    /// <remarks>
    /// The last whole vector is computed from the original values before the loop and stored after it, overlapping the
    /// loop's last vector instead of a scalar tail: overlapped elements get the same value twice. A small network's
    /// parameter ranges (a bias of 32, a weight matrix of 4 × 33) are mostly tail otherwise.
    /// </remarks>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void ScaleAdd<T>(Span<T> y, T a, ReadOnlySpan<T> x, T b) where T : struct, IFloatingPointIeee754<T>
    {
        if (x.Length != y.Length) ThrowLengths(y.Length, x.Length, nameof(x));
        ref T yr = ref MemoryMarshal.GetReference(y);
        ref T xr = ref MemoryMarshal.GetReference(x);
        int n = y.Length;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            Vector512<T> va = Vector512.Create(a), vb = Vector512.Create(b);
            nuint last = (nuint)(n - Vector512<T>.Count);
            Vector512<T> tail = VectorMath.Fma(va, Vector512.LoadUnsafe(ref yr, last), vb * Vector512.LoadUnsafe(ref xr, last));
            for (nuint i = 0; i < last; i += (nuint)Vector512<T>.Count)
                VectorMath.Fma(va, Vector512.LoadUnsafe(ref yr, i), vb * Vector512.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
            tail.StoreUnsafe(ref yr, last);
        }
        else if (Vector.IsHardwareAccelerated && n >= Vector<T>.Count)
        {
            Vector<T> va = new(a), vb = new(b);
            nuint last = (nuint)(n - Vector<T>.Count);
            Vector<T> tail = VectorMath.Fma(va, Vector.LoadUnsafe(ref yr, last), vb * Vector.LoadUnsafe(ref xr, last));
            for (nuint i = 0; i < last; i += (nuint)Vector<T>.Count)
                VectorMath.Fma(va, Vector.LoadUnsafe(ref yr, i), vb * Vector.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
            tail.StoreUnsafe(ref yr, last);
        }
        else
        {
            for (int i = 0; i < n; i++) Unsafe.Add(ref yr, i) = T.FusedMultiplyAdd(a, Unsafe.Add(ref yr, i), b * Unsafe.Add(ref xr, i));
        }
    }

    /// <summary>The length mismatch of two spans, thrown out of line so that the vector loops' methods stay small.</summary>
    private static void ThrowLengths(int expected, int actual, string paramName)
        => throw new ArgumentException($"Expected {expected} values, got {actual}.", paramName);

    /// <summary><c>y = a·x</c>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Scale<T>(Span<T> y, T a, ReadOnlySpan<T> x) where T : struct, IFloatingPointIeee754<T>
    {
        if (x.Length != y.Length) throw new ArgumentException($"Expected {y.Length} values, got {x.Length}.", nameof(x));
        ref T yr = ref MemoryMarshal.GetReference(y);
        ref T xr = ref MemoryMarshal.GetReference(x);
        int i = 0, n = y.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<T> va = Vector512.Create(a);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count) (va * Vector512.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        else if (Vector.IsHardwareAccelerated)
        {
            Vector<T> va = new(a);
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count) (va * Vector.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = a * Unsafe.Add(ref xr, i);
    }

    /// <summary>
    /// <c>y = y − b·sign(y)</c>, the L1 (lasso) shrinkage step, never crossing zero: <c>y − b</c> above <c>b</c>,
    /// <c>y + b</c> below <c>−b</c>, zero between (and for NaN). Vectors select among the same three values as the scalar
    /// tail, so every element gets the same bits wherever the vector loop ends. With the scalar loop alone, whose branches
    /// the weights' signs make unpredictable, the seed network's <c>Sgd.Step</c> with L1 took 2,166–2,212 µs (40–44
    /// without L1); with the vectors, 64–65 µs (37–40), three alternating pairs.
    /// </summary>
    public static void Shrink<T>(Span<T> y, T b) where T : struct, IFloatingPointIeee754<T>
    {
        ref T yr = ref MemoryMarshal.GetReference(y);
        int i = 0, n = y.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<T> vb = Vector512.Create(b), nb = -vb;
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                Shrink(Vector512.LoadUnsafe(ref yr, (nuint)i), vb, nb).StoreUnsafe(ref yr, (nuint)i);
        }
        if (Vector.IsHardwareAccelerated)
        {
            Vector<T> vb = new(b), nb = -vb;
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
                Shrink(Vector.LoadUnsafe(ref yr, (nuint)i), vb, nb).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = Shrink(Unsafe.Add(ref yr, i), b);
    }

    /// <summary>One vector of <see cref="Shrink{T}(Span{T}, T)"/>: <paramref name="b"/> and <paramref name="negativeB"/> hold b and −b in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<T> Shrink<T>(Vector512<T> v, Vector512<T> b, Vector512<T> negativeB) where T : struct, IFloatingPointIeee754<T>
    {
        Vector512<T> below = Vector512.ConditionalSelect(Vector512.LessThan(v, negativeB), v + b, Vector512<T>.Zero);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(v, b), v - b, below);
    }

    /// <inheritdoc cref="Shrink{T}(Vector512{T}, Vector512{T}, Vector512{T})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<T> Shrink<T>(Vector<T> v, Vector<T> b, Vector<T> negativeB) where T : struct, IFloatingPointIeee754<T>
    {
        Vector<T> below = Vector.ConditionalSelect(Vector.LessThan(v, negativeB), v + b, Vector<T>.Zero);
        return Vector.ConditionalSelect(Vector.GreaterThan(v, b), v - b, below);
    }

    /// <summary>One value of <see cref="Shrink{T}(Span{T}, T)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Shrink<T>(T v, T b) where T : struct, IFloatingPointIeee754<T> => v > b ? v - b : v < -b ? v + b : T.Zero;

    /// <summary>The index of the first NaN or infinity, or −1 when every value is finite (a vector scan first, then the place).</summary>
    public static int IndexOfNonFinite<T>(ReadOnlySpan<T> values) where T : struct, IFloatingPointIeee754<T>
    {
        if (AllFinite(values)) return -1;
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i])) return i;
        }
        return -1;
    }

    /// <summary>Whether every value is finite (no NaN, no infinity).</summary>
    public static bool AllFinite<T>(ReadOnlySpan<T> values) where T : struct, IFloatingPointIeee754<T>
    {
        ref T r = ref MemoryMarshal.GetReference(values);
        int i = 0, n = values.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<T> infinity = Vector512.Create(T.PositiveInfinity);
            Vector512<T> bad = Vector512<T>.Zero;
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                Vector512<T> v = Vector512.Abs(Vector512.LoadUnsafe(ref r, (nuint)i));
                // NaN fails every comparison, so !(|v| < ∞) catches NaN and ±∞.
                bad |= ~Vector512.LessThan(v, infinity);
            }
            if (bad != Vector512<T>.Zero) return false;
        }
        else if (Vector.IsHardwareAccelerated)
        {
            var infinity = new Vector<T>(T.PositiveInfinity);
            Vector<T> bad = Vector<T>.Zero;
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
                bad |= ~Vector.LessThan(Vector.Abs(Vector.LoadUnsafe(ref r, (nuint)i)), infinity);
            if (bad != Vector<T>.Zero) return false;
        }
        for (; i < n; i++)
        {
            if (!T.IsFinite(Unsafe.Add(ref r, i))) return false;
        }
        return true;
    }

    /// <summary>
    /// Copies <paramref name="source"/> to the start of <paramref name="destination"/> and returns whether every value is
    /// finite: one pass over the values, where a copy then <see cref="AllFinite{T}"/> would read them twice (the rows of a
    /// batch a training team's threads copy out of the data set, <c>MinibatchSampler.CopyRow</c>).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    internal static bool CopyFinite<T>(ReadOnlySpan<T> source, Span<T> destination) where T : struct, IFloatingPointIeee754<T>
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"Expected room for {source.Length} values, got {destination.Length}.", nameof(destination));
        if (!Vector512.IsHardwareAccelerated)
        {
            source.CopyTo(destination); // a copy, then the check in the widest vectors there are
            return AllFinite(source);
        }
        ref T s = ref MemoryMarshal.GetReference(source);
        ref T d = ref MemoryMarshal.GetReference(destination);
        int i = 0, n = source.Length;
        Vector512<T> infinity = Vector512.Create(T.PositiveInfinity);
        Vector512<T> bad = Vector512<T>.Zero;
        for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
        {
            Vector512<T> v = Vector512.LoadUnsafe(ref s, (nuint)i);
            bad |= ~Vector512.LessThan(Vector512.Abs(v), infinity); // NaN fails every comparison
            v.StoreUnsafe(ref d, (nuint)i);
        }
        bool finite = bad == Vector512<T>.Zero;
        for (; i < n; i++)
        {
            T v = Unsafe.Add(ref s, i);
            finite &= T.IsFinite(v);
            Unsafe.Add(ref d, i) = v;
        }
        return finite;
    }

    /// <summary>
    /// The L2 norm of a span, accumulated in double: the squares summed in float vectors over blocks of 256
    /// <see cref="Vector{T}"/>s, each block's sum added in double in order, then the values past the last whole
    /// vector one by one. <see cref="NormBlockSums{T}"/> and <see cref="NormFromBlocks{T}"/> split the same sum across threads.
    /// </summary>
    public static double Norm<T>(ReadOnlySpan<T> values) where T : struct, IFloatingPointIeee754<T>
    {
        double sum = 0;
        int blocks = NormBlocks<T>(values.Length);
        for (int block = 0; block < blocks; block++) sum += NormBlockSum(values, block);
        return Math.Sqrt(NormTail(values, blocks, sum));
    }

    /// <summary>The number of blocks <see cref="Norm{T}"/> sums <paramref name="length"/> values in (none without vector hardware).</summary>
    internal static int NormBlocks<T>(int length) where T : struct
        => Vector.IsHardwareAccelerated ? (length / Vector<T>.Count + 255) / 256 : 0;

    /// <summary>Blocks [<paramref name="first"/>, <paramref name="end"/>) of <see cref="Norm{T}"/>'s vector sum, block b's sum of squares into <paramref name="sums"/>[b].</summary>
    internal static void NormBlockSums<T>(ReadOnlySpan<T> values, int first, int end, Span<double> sums) where T : struct, IFloatingPointIeee754<T>
    {
        for (int block = first; block < end; block++) sums[block] = NormBlockSum(values, block);
    }

    /// <summary><see cref="Norm{T}"/> from its block sums (<see cref="NormBlockSums{T}"/>, every block).</summary>
    internal static double NormFromBlocks<T>(ReadOnlySpan<T> values, ReadOnlySpan<double> sums) where T : struct, IFloatingPointIeee754<T>
    {
        double sum = 0;
        foreach (double blockSum in sums) sum += blockSum;
        return Math.Sqrt(NormTail(values, sums.Length, sum));
    }

    private static double NormBlockSum<T>(ReadOnlySpan<T> values, int block) where T : struct, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<Vector<T>> vectors = MemoryMarshal.Cast<T, Vector<T>>(values);
        Vector<T> acc = Vector<T>.Zero;
        int stop = Math.Min(vectors.Length, (block + 1) * 256);
        for (int v = block * 256; v < stop; v++) acc += vectors[v] * vectors[v];
        return double.CreateTruncating(Vector.Sum(acc));
    }

    /// <summary><paramref name="sum"/> plus the squares past the last whole vector (every value when there are no blocks).</summary>
    private static double NormTail<T>(ReadOnlySpan<T> values, int blocks, double sum) where T : struct, IFloatingPointIeee754<T>
    {
        for (int i = blocks == 0 ? 0 : values.Length / Vector<T>.Count * Vector<T>.Count; i < values.Length; i++)
        {
            double v = double.CreateTruncating(values[i]);
            sum += v * v;
        }
        return sum;
    }
}
