using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.CompilerServices;

/// <summary>
/// The forward pass of a 3 × 3, stride-1 convolution by Winograd's minimal filtering F(2 × 2, 3 × 3) (Lavin and Gray,
/// "Fast Algorithms for Convolutional Neural Networks", 2016): each 2 × 2 block of outputs comes from a 4 × 4 tile of the
/// padded input, <c>Y = Aᵀ [Σ_c (G g Gᵀ) ∘ (Bᵀ d B)] A</c>. The sum over input channels becomes 16 matrix products
/// (one per place ξ of the 4 × 4 transformed tile: tiles × in times in × out) with 16 multiplications per tile and
/// channel where the direct convolution takes 36 — 2.25 times fewer — on <see cref="TileProduct"/>'s register tiles.
/// </summary>
/// <remarks>
/// The transforms' coefficients are 0, ±1 and ½, exact in binary, so the result differs from the direct sum by
/// rounding only (a few units in the last place of the largest terms; the tests hold it to the direct convolution,
/// the reference and PyTorch). Layouts: V <c>[ξ][tile][in]</c>, U <c>[ξ][in][out]</c>, M <c>[ξ][tile][out]</c>, the
/// tiles in raster order. The input gradient of such a layer is itself a 3 × 3, stride-1 convolution — of δ, padded by
/// 2 − p, with the filters turned by 180° and their channels swapped (<see cref="InputGradientGeometry"/>,
/// <see cref="FlipFilters"/>) — and runs on the same <see cref="Forward"/> where that convolution qualifies. The weight
/// gradient is the adjoint of the filter transform and the products: <c>∂g = Gᵀ [Σ (Bᵀ d B) ∘ (A ∂Y Aᵀ)] G</c>, the sum
/// over the tiles of each sample one product per place ξ, the samples' sums added in order
/// (<see cref="AccumulateWeightGradient"/>), then one transform back (<see cref="WeightGradient"/>).
/// </remarks>
internal static class Winograd
{
    /// <summary>
    /// Whether <paramref name="g"/> takes this path: a 3 × 3 kernel at stride 1, an even output size (whole 2 × 2 blocks,
    /// whose 4 × 4 tiles then lie inside the padded input), and at least 8 input channels — a first convolution of one
    /// or three channels has too little to sum for the products to pay for the transforms.
    /// </summary>
    public static bool Applies(in SpatialGeometry g)
        => g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideHeight == 1 && g.StrideWidth == 1
           && g.OutHeight % 2 == 0 && g.OutWidth % 2 == 0 && g.InChannels >= 8;

    /// <summary>
    /// Whether the input gradient of <paramref name="g"/> runs by Winograd: a 3 × 3 kernel at stride 1 with padding of at
    /// most 2, whose <see cref="InputGradientGeometry"/> takes this path (at least 8 output channels of <paramref name="g"/>
    /// to sum over, an even input size).
    /// </summary>
    public static bool AppliesToInputGradient(in SpatialGeometry g)
        => g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideHeight == 1 && g.StrideWidth == 1
           && g.PaddingHeight <= 2 && g.PaddingWidth <= 2 && Applies(InputGradientGeometry(g));

    /// <summary>
    /// The convolution that gives <paramref name="g"/>'s input gradient, for a 3 × 3 kernel at stride 1 and padding p of
    /// at most 2: δ (<c>OutHeight × OutWidth × OutChannels</c>) in, padding 2 − p, <c>InChannels</c> out, of
    /// <paramref name="g"/>'s input size: <c>∂x[i, j, c] = Σ_o Σ_(u,v) δ[i + p − u, j + p − v, o] W[o, c, u, v]</c>.
    /// </summary>
    public static SpatialGeometry InputGradientGeometry(in SpatialGeometry g)
        => new(g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, 3, 3, 1, 1, 2 - g.PaddingHeight, 2 - g.PaddingWidth);

    /// <summary>
    /// The filters of <see cref="InputGradientGeometry"/> in window order (<c>[u][v][o][c]</c>, as <see cref="TransformFilters"/>
    /// takes them) from <paramref name="g"/>'s in PyTorch's layout: <c>W[o, c, 2 − u, 2 − v]</c>.
    /// </summary>
    public static void FlipFilters<T>(in SpatialGeometry g, ref T w, Span<T> packed) where T : unmanaged
    {
        int inChannels = g.InChannels, outChannels = g.OutChannels;
        for (int o = 0, at = 0; o < outChannels; o++)
        for (int c = 0; c < inChannels; c++)
        for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++, at++)
            packed[((((2 - ky) * 3 + (2 - kx)) * outChannels + o) * inChannels) + c] = Unsafe.Add(ref w, at);
    }

    /// <summary>2 × 2 output blocks of one sample.</summary>
    public static int Tiles(in SpatialGeometry g) => g.OutHeight / 2 * (g.OutWidth / 2);

    /// <summary>Elements of U, V and M: the transformed filters and one sample's transformed tiles and products.</summary>
    public static int Length(in SpatialGeometry g)
        => Applies(g) ? 16 * (g.InChannels * g.OutChannels + Tiles(g) * (g.InChannels + g.OutChannels)) : 0;

    /// <summary>Offsets the products read through: V's tile rows (<c>t · in</c>) and its channels (<c>0 … in − 1</c>).</summary>
    public static int TableLength(in SpatialGeometry g) => Applies(g) ? Tiles(g) + g.InChannels : 0;

    /// <summary>Fills the offset tables (<see cref="TableLength"/> ints).</summary>
    public static void MakeTables(in SpatialGeometry g, Span<int> tables)
    {
        TileProduct.Strided(tables.Slice(0, Tiles(g)), g.InChannels);
        TileProduct.Strided(tables.Slice(Tiles(g), g.InChannels), 1);
    }

    /// <summary>
    /// U = G g Gᵀ for every filter, from the filters in window order (<paramref name="packed"/>: <c>[ky][kx][in][out]</c>,
    /// as <see cref="Convolution"/> repacks them for its forward product), vectorized along the output channels.
    /// </summary>
    public static void TransformFilters<T>(in SpatialGeometry g, ReadOnlySpan<T> packed, Span<T> scratch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inChannels = g.InChannels, outChannels = g.OutChannels, plane = inChannels * outChannels;
        ref T f = ref MemoryMarshal.GetReference(packed);
        ref T u = ref MemoryMarshal.GetReference(scratch);
        int lanes = Vector<T>.Count, vectorEnd = Vector.IsHardwareAccelerated ? outChannels - outChannels % lanes : 0;
        Span<Vector<T>> t = stackalloc Vector<T>[12];
        Span<T> gg = stackalloc T[9], ts = stackalloc T[12];
        Vector<T> half = new(T.CreateTruncating(0.5));
        T halfScalar = T.CreateTruncating(0.5);
        for (int c = 0; c < inChannels; c++)
        {
            int o = 0;
            for (; o < vectorEnd; o += lanes)
            {
                // g[i, j] is row (3i + j)·in + c of the packed filters.
                Vector<T> g00 = Load(ref f, (0 * inChannels + c) * outChannels + o), g01 = Load(ref f, (1 * inChannels + c) * outChannels + o);
                Vector<T> g02 = Load(ref f, (2 * inChannels + c) * outChannels + o), g10 = Load(ref f, (3 * inChannels + c) * outChannels + o);
                Vector<T> g11 = Load(ref f, (4 * inChannels + c) * outChannels + o), g12 = Load(ref f, (5 * inChannels + c) * outChannels + o);
                Vector<T> g20 = Load(ref f, (6 * inChannels + c) * outChannels + o), g21 = Load(ref f, (7 * inChannels + c) * outChannels + o);
                Vector<T> g22 = Load(ref f, (8 * inChannels + c) * outChannels + o);
                // Rows of G g: g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2 — then the same along each row.
                t[0] = g00; t[1] = g01; t[2] = g02;
                t[3] = (g00 + g10 + g20) * half; t[4] = (g01 + g11 + g21) * half; t[5] = (g02 + g12 + g22) * half;
                t[6] = (g00 - g10 + g20) * half; t[7] = (g01 - g11 + g21) * half; t[8] = (g02 - g12 + g22) * half;
                t[9] = g20; t[10] = g21; t[11] = g22;
                for (int i = 0; i < 4; i++)
                {
                    Vector<T> a = t[3 * i], b = t[3 * i + 1], d = t[3 * i + 2];
                    int at = c * outChannels + o;
                    Store(a, ref u, (4 * i + 0) * plane + at);
                    Store((a + b + d) * half, ref u, (4 * i + 1) * plane + at);
                    Store((a - b + d) * half, ref u, (4 * i + 2) * plane + at);
                    Store(d, ref u, (4 * i + 3) * plane + at);
                }
            }
            for (; o < outChannels; o++)
            {
                for (int w = 0; w < 9; w++) gg[w] = Unsafe.Add(ref f, (w * inChannels + c) * outChannels + o);
                for (int j = 0; j < 3; j++)
                {
                    ts[j] = gg[j];
                    ts[3 + j] = (gg[j] + gg[3 + j] + gg[6 + j]) * halfScalar;
                    ts[6 + j] = (gg[j] - gg[3 + j] + gg[6 + j]) * halfScalar;
                    ts[9 + j] = gg[6 + j];
                }
                for (int i = 0; i < 4; i++)
                {
                    T a = ts[3 * i], b = ts[3 * i + 1], d = ts[3 * i + 2];
                    int at = c * outChannels + o;
                    Unsafe.Add(ref u, (4 * i + 0) * plane + at) = a;
                    Unsafe.Add(ref u, (4 * i + 1) * plane + at) = (a + b + d) * halfScalar;
                    Unsafe.Add(ref u, (4 * i + 2) * plane + at) = (a - b + d) * halfScalar;
                    Unsafe.Add(ref u, (4 * i + 3) * plane + at) = d;
                }
            }
        }
    }

    /// <summary>
    /// One sample: <c>y = conv(padded, W) + b</c>, channels-last, from the transformed filters <paramref name="u"/>;
    /// <paramref name="work"/> holds V and M (<see cref="Length"/> less U), <paramref name="tables"/> the offsets of <see cref="MakeTables"/>.
    /// With <paramref name="relu"/> (only where the output channels fill 512-bit vectors) the outputs are stored through
    /// ReLU, as <c>ActivationMath.ReLU</c> would make them in a pass of its own; <paramref name="grouped"/> (a call on one
    /// image) takes the tiles <see cref="GroupTiles"/> at a time, with the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(in SpatialGeometry g, ref T padded, ReadOnlySpan<T> u, Span<T> work, ReadOnlySpan<int> tables, ref T b, ref T y,
        bool relu = false, bool grouped = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inChannels = g.InChannels, outChannels = g.OutChannels, tiles = Tiles(g);
        if (relu && !Wide<T>(outChannels))
            throw new ArgumentException("ReLU is stored by the 512-bit output transform only, on whole vectors of channels.", nameof(relu));
        int paddedWidth = g.InWidth + 2 * g.PaddingWidth, tilesAcross = g.OutWidth / 2;
        ref T ur = ref MemoryMarshal.GetReference(u);
        int uPlane = inChannels * outChannels;
        // One image at a time takes its tiles in groups, so that V and M stay small: its layers that follow (a dense layer's
        // weights, on the convolutional network) then keep more of the cache; a batch keeps all the tiles per product (fewer
        // calls). The groups change no bit: each product element is the same chain.
        int group = grouped ? GroupTiles : tiles;
        for (int t0 = 0; t0 < tiles; t0 += group)
        {
            int count = Math.Min(group, tiles - t0);
            int vPlane = count * inChannels, mPlane = count * outChannels;
            ref T vr = ref MemoryMarshal.GetReference(work);
            ref T mr = ref Unsafe.Add(ref vr, 16 * vPlane);
            for (int i = 0; i < count; i++)
            {
                int t = t0 + i, row = 2 * (t / tilesAcross), column = 2 * (t % tilesAcross);
                ref T corner = ref Unsafe.Add(ref padded, (nint)(row * paddedWidth + column) * inChannels);
                if (Wide<T>(inChannels)) InputTile512(ref corner, paddedWidth * inChannels, inChannels, ref Unsafe.Add(ref vr, i * inChannels), vPlane);
                else InputTile(ref corner, paddedWidth * inChannels, inChannels, ref Unsafe.Add(ref vr, i * inChannels), vPlane);
            }
            ReadOnlySpan<int> rows = tables.Slice(0, count), depth = tables.Slice(tiles, inChannels);
            for (int xi = 0; xi < 16; xi++)
                TileProduct.Multiply(ref Unsafe.Add(ref vr, xi * vPlane), rows, depth, ref Unsafe.Add(ref ur, xi * uPlane), outChannels,
                    ref Unsafe.Add(ref mr, xi * mPlane), outChannels, outChannels, accumulate: false, ref Unsafe.NullRef<T>());
            for (int i = 0; i < count; i++)
            {
                int t = t0 + i, row = 2 * (t / tilesAcross), column = 2 * (t % tilesAcross);
                ref T corner = ref Unsafe.Add(ref y, (nint)(row * g.OutWidth + column) * outChannels);
                if (Wide<T>(outChannels)) OutputTile512(ref Unsafe.Add(ref mr, i * outChannels), mPlane, ref b, outChannels, ref corner, g.OutWidth * outChannels, relu);
                else OutputTile(ref Unsafe.Add(ref mr, i * outChannels), mPlane, ref b, outChannels, ref corner, g.OutWidth * outChannels);
            }
        }
    }

    /// <summary>
    /// One sample's part of the weight gradient: <c>∂U[ξ] += Vᵀ[ξ] · D[ξ]</c>, with V = Bᵀ d B the transformed tiles of
    /// <paramref name="padded"/> (as <see cref="Forward"/> makes them) and D = A ∂Y Aᵀ those of δ (<paramref name="delta"/>,
    /// ∂loss/∂z, channels-last); <paramref name="sums"/> holds ∂U <c>[ξ][in][out]</c> (cleared by the caller before the
    /// first sample), <paramref name="work"/> and <paramref name="tables"/> as for <see cref="Forward"/>. The sample's
    /// products are summed in <paramref name="sample"/> (one chain of fused multiply-adds over its tiles), then added to
    /// <paramref name="sums"/> in sample order: one chain over every tile of a batch kept less of the small sums of a test
    /// network's batch of 300 than the direct product does; the samples' sums apart keep as much.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateWeightGradient<T>(in SpatialGeometry g, ref T padded, ref T delta, Span<T> sums, Span<T> sample, Span<T> work,
        ReadOnlySpan<int> tables)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inChannels = g.InChannels, outChannels = g.OutChannels, tiles = Tiles(g);
        int paddedWidth = g.InWidth + 2 * g.PaddingWidth, tilesAcross = g.OutWidth / 2;
        int vPlane = tiles * inChannels, dPlane = tiles * outChannels, uPlane = inChannels * outChannels;
        ref T vr = ref MemoryMarshal.GetReference(work);
        ref T dr = ref Unsafe.Add(ref vr, 16 * vPlane);
        for (int t = 0; t < tiles; t++)
        {
            int row = 2 * (t / tilesAcross), column = 2 * (t % tilesAcross);
            ref T corner = ref Unsafe.Add(ref padded, (nint)(row * paddedWidth + column) * inChannels);
            if (Wide<T>(inChannels)) InputTile512(ref corner, paddedWidth * inChannels, inChannels, ref Unsafe.Add(ref vr, t * inChannels), vPlane);
            else InputTile(ref corner, paddedWidth * inChannels, inChannels, ref Unsafe.Add(ref vr, t * inChannels), vPlane);
            DeltaTile(ref Unsafe.Add(ref delta, (nint)(row * g.OutWidth + column) * outChannels), g.OutWidth * outChannels, outChannels,
                ref Unsafe.Add(ref dr, t * outChannels), dPlane);
        }
        // Vᵀ[ξ]: row c at offset c, depth t at t · in — the tables of Forward read the other way round.
        ReadOnlySpan<int> rows = tables.Slice(tiles, inChannels), depth = tables.Slice(0, tiles);
        ref T sr = ref MemoryMarshal.GetReference(sample);
        for (int xi = 0; xi < 16; xi++)
            TileProduct.Multiply(ref Unsafe.Add(ref vr, xi * vPlane), rows, depth, ref Unsafe.Add(ref dr, xi * dPlane), outChannels,
                ref Unsafe.Add(ref sr, xi * uPlane), outChannels, outChannels, accumulate: false, ref Unsafe.NullRef<T>());
        Convolution.Add(ref sr, ref MemoryMarshal.GetReference(sums), 16 * uPlane);
    }

    /// <summary>
    /// D = A ∂Y Aᵀ for one 2 × 2 block of δ of every channel (rows <paramref name="stride"/> apart, channels contiguous)
    /// into 16 planes: with (p, q) a row of A ∂Y — (y₀₀, y₀₁), (y₀₀ + y₁₀, y₀₁ + y₁₁), (y₀₀ − y₁₀, y₀₁ − y₁₁), (−y₁₀, −y₁₁) —
    /// the row of D is p, p + q, p − q, −q.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DeltaTile<T>(ref T y, int stride, int channels, ref T d, int plane) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector<T>.Count, o = 0, vectorEnd = Vector.IsHardwareAccelerated ? channels - channels % lanes : 0;
        for (; o < vectorEnd; o += lanes)
        {
            Vector<T> y00 = Load(ref y, o), y01 = Load(ref y, channels + o), y10 = Load(ref y, stride + o), y11 = Load(ref y, stride + channels + o);
            ref T at = ref Unsafe.Add(ref d, o);
            DeltaRow(y00, y01, ref at, plane, 0);
            DeltaRow(y00 + y10, y01 + y11, ref at, plane, 1);
            DeltaRow(y00 - y10, y01 - y11, ref at, plane, 2);
            DeltaRow(-y10, -y11, ref at, plane, 3);
        }
        for (; o < channels; o++)
        {
            T y00 = Unsafe.Add(ref y, o), y01 = Unsafe.Add(ref y, channels + o), y10 = Unsafe.Add(ref y, stride + o), y11 = Unsafe.Add(ref y, stride + channels + o);
            ref T at = ref Unsafe.Add(ref d, o);
            DeltaRow(y00, y01, ref at, plane, 0);
            DeltaRow(y00 + y10, y01 + y11, ref at, plane, 1);
            DeltaRow(y00 - y10, y01 - y11, ref at, plane, 2);
            DeltaRow(-y10, -y11, ref at, plane, 3);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DeltaRow<T>(T p, T q, ref T d, int plane, int i) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T at = ref Unsafe.Add(ref d, 4 * i * plane);
        at = p;
        Unsafe.Add(ref at, plane) = p + q;
        Unsafe.Add(ref at, 2 * plane) = p - q;
        Unsafe.Add(ref at, 3 * plane) = -q;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DeltaRow<T>(Vector<T> p, Vector<T> q, ref T d, int plane, int i) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T at = ref Unsafe.Add(ref d, 4 * i * plane);
        Store(p, ref at, 0);
        Store(p + q, ref at, plane);
        Store(p - q, ref at, 2 * plane);
        Store(-q, ref at, 3 * plane);
    }

    /// <summary>
    /// ∂g = Gᵀ ∂U G for every filter, from the sums of <see cref="AccumulateWeightGradient"/> (<c>[ξ][in][out]</c>) into
    /// <paramref name="gradient"/> in window order (<c>[ky][kx][in][out]</c>, as the direct weight gradient sums it): with
    /// the rows of Gᵀ ∂U — u₀ + ½u₁ + ½u₂, ½u₁ − ½u₂, ½u₁ + ½u₂ + u₃ — and the same along each row.
    /// </summary>
    public static void WeightGradient<T>(in SpatialGeometry g, ReadOnlySpan<T> sums, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inChannels = g.InChannels, outChannels = g.OutChannels, plane = inChannels * outChannels;
        ref T u = ref MemoryMarshal.GetReference(sums);
        ref T w = ref MemoryMarshal.GetReference(gradient);
        T half = T.CreateTruncating(0.5);
        Span<T> q = stackalloc T[12];
        // Plane by plane of [in][out]: the same place of every filter at once, in order.
        for (int at = 0; at < plane; at++)
        {
            for (int j = 0; j < 4; j++)
            {
                T u0 = Unsafe.Add(ref u, (0 + j) * plane + at), u1 = Unsafe.Add(ref u, (4 + j) * plane + at);
                T u2 = Unsafe.Add(ref u, (8 + j) * plane + at), u3 = Unsafe.Add(ref u, (12 + j) * plane + at);
                T mean = half * (u1 + u2);
                q[j] = u0 + mean;
                q[4 + j] = half * (u1 - u2);
                q[8 + j] = mean + u3;
            }
            for (int ky = 0; ky < 3; ky++)
            {
                T a0 = q[4 * ky], a1 = q[4 * ky + 1], a2 = q[4 * ky + 2], a3 = q[4 * ky + 3];
                T mean = half * (a1 + a2);
                Unsafe.Add(ref w, (ky * 3 + 0) * plane + at) = a0 + mean;
                Unsafe.Add(ref w, (ky * 3 + 1) * plane + at) = half * (a1 - a2);
                Unsafe.Add(ref w, (ky * 3 + 2) * plane + at) = mean + a3;
            }
        }
    }

    /// <summary>Tiles a grouped <see cref="Forward"/> transforms, multiplies and transforms back at a time: four whole 6-row register tiles.</summary>
    private const int GroupTiles = 24;

    /// <summary>Whether <paramref name="channels"/> fill whole 512-bit vectors on hardware that has them: the transforms then run on those (lane by lane the same arithmetic, so the same bits).</summary>
    private static bool Wide<T>(int channels) => Vector512.IsHardwareAccelerated && channels % Vector512<T>.Count == 0;

    private static Vector<T> Load<T>(ref T at, int offset) => Vector.LoadUnsafe(ref at, (nuint)offset);

    private static Vector512<T> Load512<T>(ref T at, int offset) => Vector512.LoadUnsafe(ref at, (nuint)offset);

    private static void Store512<T>(Vector512<T> value, ref T at, int offset) => value.StoreUnsafe(ref at, (nuint)offset);

    /// <summary><see cref="InputTile"/> on 512-bit vectors, for channels that fill them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTile512<T>(ref T d, int stride, int channels, ref T v, int plane) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int c = 0; c < channels; c += Vector512<T>.Count)
        {
            ref T p0 = ref Unsafe.Add(ref d, c), p1 = ref Unsafe.Add(ref p0, stride), p2 = ref Unsafe.Add(ref p1, stride), p3 = ref Unsafe.Add(ref p2, stride);
            Vector512<T> a0 = Load512(ref p0, 0), a1 = Load512(ref p0, channels), a2 = Load512(ref p0, 2 * channels), a3 = Load512(ref p0, 3 * channels);
            Vector512<T> b0 = Load512(ref p1, 0), b1 = Load512(ref p1, channels), b2 = Load512(ref p1, 2 * channels), b3 = Load512(ref p1, 3 * channels);
            Vector512<T> e0 = Load512(ref p2, 0), e1 = Load512(ref p2, channels), e2 = Load512(ref p2, 2 * channels), e3 = Load512(ref p2, 3 * channels);
            Vector512<T> f0 = Load512(ref p3, 0), f1 = Load512(ref p3, channels), f2 = Load512(ref p3, 2 * channels), f3 = Load512(ref p3, 3 * channels);
            ref T vc = ref Unsafe.Add(ref v, c);
            InputRow512(a0 - e0, a1 - e1, a2 - e2, a3 - e3, ref vc, plane, 0);
            InputRow512(b0 + e0, b1 + e1, b2 + e2, b3 + e3, ref vc, plane, 1);
            InputRow512(e0 - b0, e1 - b1, e2 - b2, e3 - b3, ref vc, plane, 2);
            InputRow512(b0 - f0, b1 - f1, b2 - f2, b3 - f3, ref vc, plane, 3);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputRow512<T>(Vector512<T> t0, Vector512<T> t1, Vector512<T> t2, Vector512<T> t3, ref T v, int plane, int i)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T at = ref Unsafe.Add(ref v, 4 * i * plane);
        Store512(t0 - t2, ref at, 0);
        Store512(t1 + t2, ref at, plane);
        Store512(t2 - t1, ref at, 2 * plane);
        Store512(t1 - t3, ref at, 3 * plane);
    }

    /// <summary><see cref="OutputTile"/> on 512-bit vectors, for channels that fill them; with <paramref name="relu"/>, through ReLU.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputTile512<T>(ref T m, int plane, ref T b, int channels, ref T y, int stride, bool relu) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < channels; o += Vector512<T>.Count)
        {
            Vector512<T> r00 = Load512(ref m, 0 * plane + o) + Load512(ref m, 4 * plane + o) + Load512(ref m, 8 * plane + o);
            Vector512<T> r01 = Load512(ref m, 1 * plane + o) + Load512(ref m, 5 * plane + o) + Load512(ref m, 9 * plane + o);
            Vector512<T> r02 = Load512(ref m, 2 * plane + o) + Load512(ref m, 6 * plane + o) + Load512(ref m, 10 * plane + o);
            Vector512<T> r03 = Load512(ref m, 3 * plane + o) + Load512(ref m, 7 * plane + o) + Load512(ref m, 11 * plane + o);
            Vector512<T> r10 = Load512(ref m, 4 * plane + o) - Load512(ref m, 8 * plane + o) - Load512(ref m, 12 * plane + o);
            Vector512<T> r11 = Load512(ref m, 5 * plane + o) - Load512(ref m, 9 * plane + o) - Load512(ref m, 13 * plane + o);
            Vector512<T> r12 = Load512(ref m, 6 * plane + o) - Load512(ref m, 10 * plane + o) - Load512(ref m, 14 * plane + o);
            Vector512<T> r13 = Load512(ref m, 7 * plane + o) - Load512(ref m, 11 * plane + o) - Load512(ref m, 15 * plane + o);
            Vector512<T> bias = Load512(ref b, o);
            Vector512<T> y00 = r00 + r01 + r02 + bias, y01 = r01 - r02 - r03 + bias, y10 = r10 + r11 + r12 + bias, y11 = r11 - r12 - r13 + bias;
            if (relu)
            {
                y00 = ActivationMath.ReLU(y00); y01 = ActivationMath.ReLU(y01); y10 = ActivationMath.ReLU(y10); y11 = ActivationMath.ReLU(y11);
            }
            Store512(y00, ref y, o);
            Store512(y01, ref y, channels + o);
            Store512(y10, ref y, stride + o);
            Store512(y11, ref y, stride + channels + o);
        }
    }

    private static void Store<T>(Vector<T> value, ref T at, int offset) => value.StoreUnsafe(ref at, (nuint)offset);

    private static T At<T>(ref T m, int plane, int i) => Unsafe.Add(ref m, i * plane);

    /// <summary>One 4 × 4 tile of every channel (rows <paramref name="stride"/> apart, channels contiguous) into V's 16 planes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTile<T>(ref T d, int stride, int channels, ref T v, int plane) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector<T>.Count, c = 0, vectorEnd = Vector.IsHardwareAccelerated ? channels - channels % lanes : 0;
        for (; c < vectorEnd; c += lanes)
        {
            // Columns of Bᵀ d (rows d0 − d2, d1 + d2, d2 − d1, d1 − d3), then each of its rows times B: sixteen registers.
            ref T p0 = ref Unsafe.Add(ref d, c), p1 = ref Unsafe.Add(ref p0, stride), p2 = ref Unsafe.Add(ref p1, stride), p3 = ref Unsafe.Add(ref p2, stride);
            Vector<T> a0 = Load(ref p0, 0), a1 = Load(ref p0, channels), a2 = Load(ref p0, 2 * channels), a3 = Load(ref p0, 3 * channels);
            Vector<T> b0 = Load(ref p1, 0), b1 = Load(ref p1, channels), b2 = Load(ref p1, 2 * channels), b3 = Load(ref p1, 3 * channels);
            Vector<T> e0 = Load(ref p2, 0), e1 = Load(ref p2, channels), e2 = Load(ref p2, 2 * channels), e3 = Load(ref p2, 3 * channels);
            Vector<T> f0 = Load(ref p3, 0), f1 = Load(ref p3, channels), f2 = Load(ref p3, 2 * channels), f3 = Load(ref p3, 3 * channels);
            ref T vc = ref Unsafe.Add(ref v, c);
            InputRow(a0 - e0, a1 - e1, a2 - e2, a3 - e3, ref vc, plane, 0);
            InputRow(b0 + e0, b1 + e1, b2 + e2, b3 + e3, ref vc, plane, 1);
            InputRow(e0 - b0, e1 - b1, e2 - b2, e3 - b3, ref vc, plane, 2);
            InputRow(b0 - f0, b1 - f1, b2 - f2, b3 - f3, ref vc, plane, 3);
        }
        for (; c < channels; c++)
        {
            ref T p0 = ref Unsafe.Add(ref d, c), p1 = ref Unsafe.Add(ref p0, stride), p2 = ref Unsafe.Add(ref p1, stride), p3 = ref Unsafe.Add(ref p2, stride);
            ref T vc = ref Unsafe.Add(ref v, c);
            for (int j = 0; j < 4; j++)
            {
                T d0 = Unsafe.Add(ref p0, j * channels), d1 = Unsafe.Add(ref p1, j * channels);
                T d2 = Unsafe.Add(ref p2, j * channels), d3 = Unsafe.Add(ref p3, j * channels);
                // Column j of Bᵀ d, kept in the planes of row i = 0..3 and place j, then combined along the rows below.
                Unsafe.Add(ref vc, j * plane) = d0 - d2;
                Unsafe.Add(ref vc, (4 + j) * plane) = d1 + d2;
                Unsafe.Add(ref vc, (8 + j) * plane) = d2 - d1;
                Unsafe.Add(ref vc, (12 + j) * plane) = d1 - d3;
            }
            for (int i = 0; i < 4; i++)
            {
                ref T row = ref Unsafe.Add(ref vc, 4 * i * plane);
                T a0 = row, a1 = Unsafe.Add(ref row, plane), a2 = Unsafe.Add(ref row, 2 * plane), a3 = Unsafe.Add(ref row, 3 * plane);
                row = a0 - a2;
                Unsafe.Add(ref row, plane) = a1 + a2;
                Unsafe.Add(ref row, 2 * plane) = a2 - a1;
                Unsafe.Add(ref row, 3 * plane) = a1 - a3;
            }
        }
    }

    /// <summary>Row <paramref name="i"/> of Bᵀ d times B — t0 − t2, t1 + t2, t2 − t1, t1 − t3 — into planes 4i … 4i + 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputRow<T>(Vector<T> t0, Vector<T> t1, Vector<T> t2, Vector<T> t3, ref T v, int plane, int i)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T at = ref Unsafe.Add(ref v, 4 * i * plane);
        Store(t0 - t2, ref at, 0);
        Store(t1 + t2, ref at, plane);
        Store(t2 - t1, ref at, 2 * plane);
        Store(t1 - t3, ref at, 3 * plane);
    }

    /// <summary>One tile's 2 × 2 outputs of every channel from M's 16 planes, plus the bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputTile<T>(ref T m, int plane, ref T b, int channels, ref T y, int stride) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector<T>.Count, o = 0, vectorEnd = Vector.IsHardwareAccelerated ? channels - channels % lanes : 0;
        for (; o < vectorEnd; o += lanes)
        {
            // Rows of Aᵀ M: m0 + m1 + m2 and m1 − m2 − m3 (m_i the i-th row of four planes).
            Vector<T> r00 = Load(ref m, 0 * plane + o) + Load(ref m, 4 * plane + o) + Load(ref m, 8 * plane + o);
            Vector<T> r01 = Load(ref m, 1 * plane + o) + Load(ref m, 5 * plane + o) + Load(ref m, 9 * plane + o);
            Vector<T> r02 = Load(ref m, 2 * plane + o) + Load(ref m, 6 * plane + o) + Load(ref m, 10 * plane + o);
            Vector<T> r03 = Load(ref m, 3 * plane + o) + Load(ref m, 7 * plane + o) + Load(ref m, 11 * plane + o);
            Vector<T> r10 = Load(ref m, 4 * plane + o) - Load(ref m, 8 * plane + o) - Load(ref m, 12 * plane + o);
            Vector<T> r11 = Load(ref m, 5 * plane + o) - Load(ref m, 9 * plane + o) - Load(ref m, 13 * plane + o);
            Vector<T> r12 = Load(ref m, 6 * plane + o) - Load(ref m, 10 * plane + o) - Load(ref m, 14 * plane + o);
            Vector<T> r13 = Load(ref m, 7 * plane + o) - Load(ref m, 11 * plane + o) - Load(ref m, 15 * plane + o);
            Vector<T> bias = Load(ref b, o);
            Store(r00 + r01 + r02 + bias, ref y, o);
            Store(r01 - r02 - r03 + bias, ref y, channels + o);
            Store(r10 + r11 + r12 + bias, ref y, stride + o);
            Store(r11 - r12 - r13 + bias, ref y, stride + channels + o);
        }
        for (; o < channels; o++)
        {
            ref T mo = ref Unsafe.Add(ref m, o);
            T r00 = At(ref mo, plane, 0) + At(ref mo, plane, 4) + At(ref mo, plane, 8);
            T r01 = At(ref mo, plane, 1) + At(ref mo, plane, 5) + At(ref mo, plane, 9);
            T r02 = At(ref mo, plane, 2) + At(ref mo, plane, 6) + At(ref mo, plane, 10);
            T r03 = At(ref mo, plane, 3) + At(ref mo, plane, 7) + At(ref mo, plane, 11);
            T r10 = At(ref mo, plane, 4) - At(ref mo, plane, 8) - At(ref mo, plane, 12);
            T r11 = At(ref mo, plane, 5) - At(ref mo, plane, 9) - At(ref mo, plane, 13);
            T r12 = At(ref mo, plane, 6) - At(ref mo, plane, 10) - At(ref mo, plane, 14);
            T r13 = At(ref mo, plane, 7) - At(ref mo, plane, 11) - At(ref mo, plane, 15);
            T bias = Unsafe.Add(ref b, o);
            Unsafe.Add(ref y, o) = r00 + r01 + r02 + bias;
            Unsafe.Add(ref y, channels + o) = r01 - r02 - r03 + bias;
            Unsafe.Add(ref y, stride + o) = r10 + r11 + r12 + bias;
            Unsafe.Add(ref y, stride + channels + o) = r11 - r12 - r13 + bias;
        }
    }
}
