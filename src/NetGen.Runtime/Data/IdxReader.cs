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
/// Reads IDX files, raw or gzip-compressed. The header (magic number, element type, dimensions) is checked
/// against the file before anything is allocated: a raw file's length must match exactly, a gzip file's
/// recorded uncompressed size must match, and no more than <see cref="MaxElements"/> values are ever allocated.
/// </summary>
public static class IdxReader
{
    /// <summary>The largest tensor accepted, in elements (1 GiB of bytes).</summary>
    public const long MaxElements = 1L << 30;

    private const byte UnsignedByte = 0x08;

    /// <summary>Reads an unsigned-byte IDX file (<c>.gz</c> files are decompressed).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataFileException">The file is corrupt, truncated, too large or of another element type.</exception>
    public static IdxTensor Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        using FileStream file = File.OpenRead(path);
        bool gzip = IsGzip(file);
        long? payload = gzip ? GzipUncompressedSize(file, path) : file.Length;
        file.Position = 0;
        try
        {
            using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            return Read(stream, path, payload);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataFileException(path, "the gzip stream is corrupt: " + e.Message, e);
        }
    }

    /// <summary>Reads an unsigned-byte IDX tensor from a stream of uncompressed IDX bytes.</summary>
    /// <param name="stream">The IDX bytes.</param>
    /// <param name="name">Used in error messages.</param>
    /// <param name="totalLength">The stream's total length when known; checked against the header before allocating.</param>
    public static IdxTensor Read(Stream stream, string name, long? totalLength = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
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
            if (elements > MaxElements)
                throw new InvalidDataFileException(name, $"the header declares more than {MaxElements} values ({string.Join(" × ", dims[..(i + 1)])} …), more than this reader accepts.");
        }

        long expected = 4 + 4L * rank + elements;
        if (totalLength is long actual && actual != expected)
        {
            string what = actual < expected ? "truncated" : "longer than its header says";
            throw new InvalidDataFileException(name, $"{what}: the header ({string.Join(" × ", dims)}) implies {expected} bytes, but the data holds {actual}.");
        }

        var data = new byte[elements];
        int read = ReadFully(stream, data);
        if (read < data.Length)
            throw new InvalidDataFileException(name, $"truncated: expected {elements} data bytes after the header ({string.Join(" × ", dims)}), found {read}.");
        if (stream.ReadByte() >= 0)
            throw new InvalidDataFileException(name, $"the data is longer than its header ({string.Join(" × ", dims)}) says.");
        return new IdxTensor(dims, data);
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer.Slice(total));
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> id = stackalloc byte[2];
        file.Position = 0;
        return ReadFully(file, id) == 2 && id[0] == 0x1F && id[1] == 0x8B;
    }

    /// <summary>The ISIZE trailer: the uncompressed length modulo 2³², known before decompressing.</summary>
    private static long? GzipUncompressedSize(FileStream file, string path)
    {
        if (file.Length < 18) throw new InvalidDataFileException(path, $"truncated gzip file: {file.Length} bytes is shorter than a gzip header and trailer.");
        Span<byte> trailer = stackalloc byte[4];
        file.Position = file.Length - 4;
        ReadFully(file, trailer);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        // ISIZE is modulo 2³²; it pins down the length only when the file could not be larger.
        return size;
    }
}
