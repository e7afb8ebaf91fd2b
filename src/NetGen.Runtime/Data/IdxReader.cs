using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace NetGen;

/// <summary>An IDX tensor of unsigned bytes (the MNIST and Fashion-MNIST format).</summary>
public sealed class IdxTensor
{
    internal IdxTensor(int[] dimensions, byte[] data)
    {
        Dimensions = dimensions;
        Data = data;
    }

    /// <summary>The dimensions, outermost first (for images: count, rows, columns).</summary>
    public int[] Dimensions { get; }

    /// <summary>The values, row-major.</summary>
    public byte[] Data { get; }

    /// <summary>Number of items along the first dimension.</summary>
    public int Count => Dimensions[0];

    /// <summary>Values per item (the product of the other dimensions).</summary>
    public int ItemSize => Data.Length / Math.Max(1, Count);
}

/// <summary>
/// Reads IDX files, raw or gzip-compressed (one gzip member or several, as <c>cat a.gz b.gz</c> writes). The header
/// (magic number, element type, dimensions) is checked before anything is allocated: against the caller's limit on
/// the number of values, against a raw file's exact length, and against what a gzip file of its size can hold at
/// deflate's largest expansion (1032 to 1).
/// </summary>
public static class IdxReader
{
    /// <summary>
    /// The default limit on a tensor's values: 2²⁸ (256 Mi) bytes, five times Fashion-MNIST's training images, which
    /// become 1 GiB as floats in a <see cref="Dataset"/>. Larger files need a larger <c>maxElements</c>.
    /// </summary>
    public const long DefaultMaxElements = 1L << 28;

    /// <summary>The largest limit a caller may set: 2³¹ − 1 bytes, the most one array holds.</summary>
    public const long MaxElements = int.MaxValue;

    /// <summary>Deflate's largest expansion: 1032 bytes out for every byte in.</summary>
    private const long DeflateExpansion = 1032;

    private const byte UnsignedByte = 0x08;

    /// <summary>Reads an unsigned-byte IDX file (<c>.gz</c> files are decompressed).</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxElements">The most values accepted (see <see cref="DefaultMaxElements"/>); checked before allocating.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The path is a folder.</exception>
    /// <exception cref="InvalidDataFileException">The file is corrupt, truncated, larger than the limit or of another element type.</exception>
    public static IdxTensor Read(string path, long maxElements = DefaultMaxElements)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckLimit(maxElements);
        using FileStream file = DataFiles.OpenRead(path, "IDX file");
        bool gzip = IsGzip(file);
        if (gzip && file.Length < 18)
            throw new InvalidDataFileException(path, $"truncated gzip file: {file.Length} bytes is shorter than a gzip header and trailer.");
        file.Position = 0;
        try
        {
            // A gzip file's recorded size (ISIZE) is its last member's, modulo 2³², and garbage in a cut file: it decides
            // nothing. The header is checked against what the compressed bytes could hold; the data is then read to
            // its declared end, and a stream that ends early is reported as truncated.
            using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            return Read(stream, path, gzip ? null : file.Length, maxElements, gzip ? file.Length : null);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataFileException(path, "the gzip data is corrupt or truncated: " + e.Message, e);
        }
    }

    /// <summary>Reads an unsigned-byte IDX tensor from a stream of uncompressed IDX bytes.</summary>
    /// <param name="stream">The IDX bytes.</param>
    /// <param name="name">Used in error messages.</param>
    /// <param name="totalLength">The stream's total length when known; checked against the header before allocating.</param>
    /// <param name="maxElements">The most values accepted (see <see cref="DefaultMaxElements"/>); checked before allocating.</param>
    /// <exception cref="InvalidDataFileException">The data is corrupt, truncated, larger than the limit or of another element type.</exception>
    public static IdxTensor Read(Stream stream, string name, long? totalLength = null, long maxElements = DefaultMaxElements)
        => Read(stream, name, totalLength, maxElements, compressedLength: null);

    private static void CheckLimit(long maxElements)
    {
        if (maxElements is < 1 or > MaxElements)
            throw new ArgumentOutOfRangeException(nameof(maxElements), maxElements, $"Expected a limit from 1 to {MaxElements} values.");
    }

    private static IdxTensor Read(Stream stream, string name, long? totalLength, long maxElements, long? compressedLength)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckLimit(maxElements);
        Span<byte> magic = stackalloc byte[4];
        if (ReadFully(stream, magic) < 4)
            throw new InvalidDataFileException(name, "the file is shorter than the 4-byte IDX magic number.");
        if (magic[0] != 0 || magic[1] != 0)
            throw new InvalidDataFileException(name, $"not an IDX file: the magic number must start with two zero bytes, found 0x{magic[0]:X2} 0x{magic[1]:X2}.");
        if (magic[2] != UnsignedByte)
            throw new InvalidDataFileException(name, $"element type 0x{magic[2]:X2} is not supported; expected 0x08 (unsigned byte).");
        int rank = magic[3];
        if (rank is < 1 or > 4)
            throw new InvalidDataFileException(name, $"the header declares {rank} dimensions; expected 1 to 4.");

        Span<byte> header = stackalloc byte[4 * rank];
        if (ReadFully(stream, header) < header.Length)
            throw new InvalidDataFileException(name, $"truncated header: {rank} dimensions need {4 * rank} bytes after the magic number.");
        var dims = new int[rank];
        long elements = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(header.Slice(4 * i));
            if (d == 0 || d > int.MaxValue)
                throw new InvalidDataFileException(name, $"dimension {i} is {d}; expected 1 to {int.MaxValue}.");
            dims[i] = (int)d;
            elements *= d;
            if (elements > maxElements)
                throw new InvalidDataFileException(name, $"the header declares {string.Join(" × ", dims[..(i + 1)])}{(i + 1 < rank ? " × …" : "")} values, " +
                    $"more than the limit of {maxElements} (raise it with the maxElements argument if the file is meant to be this large).");
        }
        long expected = 4 + 4L * rank + elements;
        if (compressedLength is long packed && expected > packed * DeflateExpansion)
            throw new InvalidDataFileException(name, $"the header declares {string.Join(" × ", dims)} values ({expected} bytes), more than a gzip " +
                $"file of {packed} bytes can hold; the file is corrupt or truncated.");

        if (totalLength is long actual && actual != expected)
        {
            string what = actual < expected ? "truncated" : "longer than its header says";
            throw new InvalidDataFileException(name, $"{what}: the header ({string.Join(" × ", dims)}) implies {expected} bytes, but the data holds {actual}.");
        }

        var data = new byte[elements];
        int read = ReadFully(stream, data);
        if (read < data.Length)
            throw new InvalidDataFileException(name, $"truncated: the header ({string.Join(" × ", dims)}) declares {elements} data bytes, " +
                $"but the {(compressedLength is null ? "file" : "decompressed data")} ends after {read}.");
        if (stream.ReadByte() >= 0)
            throw new InvalidDataFileException(name, $"the data is longer than its header ({string.Join(" × ", dims)}) says.");
        return new IdxTensor(dims, data);
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read.</summary>
    private static int ReadFully(Stream stream, Span<byte> buffer) => stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);

    private static bool IsGzip(FileStream file)
    {
        Span<byte> id = stackalloc byte[2];
        file.Position = 0;
        return ReadFully(file, id) == 2 && id[0] == 0x1F && id[1] == 0x8B;
    }
}
