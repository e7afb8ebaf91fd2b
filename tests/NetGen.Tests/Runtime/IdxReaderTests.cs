using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Xunit;

namespace NetGen.Tests.Runtime;

public class IdxReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netgen-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Idx(byte type, int[] dims, int dataLength)
    {
        var bytes = new byte[4 + 4 * dims.Length + dataLength];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        for (int i = 0; i < dataLength; i++) bytes[4 + 4 * dims.Length + i] = (byte)(i * 7);
        return bytes;
    }

    private string Write(string name, byte[] bytes, bool gzip = false)
    {
        string path = Path.Combine(_dir, name);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return path;
        }
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(bytes);
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsAValidFile(bool gzip)
    {
        string path = Write("ok.idx", Idx(0x08, new[] { 3, 2, 2 }, 12), gzip);
        IdxTensor t = IdxReader.Read(path);
        Assert.Equal(new[] { 3, 2, 2 }, t.Dimensions);
        Assert.Equal(3, t.Count);
        Assert.Equal(4, t.ItemSize);
        Assert.Equal(7 * 5, t.Data[5]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedDataIsReportedWithPathAndSizes(bool gzip)
    {
        byte[] full = Idx(0x08, new[] { 10, 28, 28 }, 7840);
        string path = Write("short.idx", full[..^100], gzip);
        var e = Assert.Throws<InvalidDataFileException>(() => IdxReader.Read(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("10 × 28 × 28", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void TrailingBytesAreReported()
    {
        byte[] bytes = Idx(0x08, new[] { 4 }, 5);
        string path = Write("long.idx", bytes);
        var e = Assert.Throws<InvalidDataFileException>(() => IdxReader.Read(path));
        Assert.Contains("longer than its header says", e.Message);
    }

    [Fact]
    public void BadMagicIsReported()
    {
        byte[] bytes = Idx(0x08, new[] { 4 }, 4);
        bytes[0] = 0x50;
        var e = Assert.Throws<InvalidDataFileException>(() => IdxReader.Read(Write("magic.idx", bytes)));
        Assert.Contains("not an IDX file", e.Message);
    }

    [Fact]
    public void UnsupportedElementTypeIsReported()
    {
        var e = Assert.Throws<InvalidDataFileException>(() => IdxReader.Read(Write("float.idx", Idx(0x0D, new[] { 4 }, 16))));
        Assert.Contains("0x0D", e.Message);
        Assert.Contains("0x08", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void BadRankIsReported(int rank)
    {
        byte[] bytes = Idx(0x08, new int[Math.Max(rank, 0)], 0);
        if (rank == 0) bytes = new byte[] { 0, 0, 8, 0 };
        var e = Assert.Throws<InvalidDataFileException>(() => IdxReader.Read(Write("rank.idx", bytes)));
        Assert.Contains($"declares {rank} dimensions", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AbsurdSizesAreRefusedBeforeAllocating(bool gzip)
    {
        // A 16-byte file claiming 60 000 × 60 000 × 60 000 bytes: refused from the header alone.
        string path = Write("huge.idx", Idx(0x08, new[] { 60000, 60000, 60000 }, 0), gzip);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataFileException>(() => IdxReader.Read(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the reader allocated for an absurd header");
        Assert.Contains("more than", e.Message);
    }

    [Fact]
    public void GzipLengthIsCheckedBeforeAllocating()
    {
        // Header says 1e8 bytes, the gzip trailer says far fewer: refused without allocating 100 MB.
        byte[] header = Idx(0x08, new[] { 100_000_000 }, 0);
        string path = Write("lie.idx.gz", header, gzip: true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataFileException>(() => IdxReader.Read(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void AGzipFileCutInHalfIsReportedAsTruncatedWithTheDeclaredSize()
    {
        string path = Write("half.idx.gz", Idx(0x08, new[] { 100, 28, 28 }, 78_400), gzip: true);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataFileException>(() => IdxReader.Read(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("truncated", e.Message);
        // No size read from the cut file's last bytes (the gzip trailer that is not there).
        Assert.DoesNotMatch(@"\d{9,}", e.Message);
    }

    [Fact]
    public void AMultiMemberGzipFileReadsLikeItsConcatenation()
    {
        // What `cat a.gz b.gz` writes, and zcat reads: two gzip members, the IDX bytes split between them.
        byte[] idx = Idx(0x08, new[] { 5, 3, 3 }, 45);
        string first = Write("a.gz", idx[..20], gzip: true), second = Write("b.gz", idx[20..], gzip: true);
        string path = Path.Combine(_dir, "both.idx.gz");
        File.WriteAllBytes(path, File.ReadAllBytes(first).Concat(File.ReadAllBytes(second)).ToArray());
        IdxTensor t = IdxReader.Read(path);
        Assert.Equal(new[] { 5, 3, 3 }, t.Dimensions);
        Assert.Equal(idx[^45..], t.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ADeclaredSizeAboveTheCallersLimitIsRefusedBeforeAllocating(bool gzip)
    {
        string path = Write("big.idx", Idx(0x08, new[] { 1, 64, 64 }, 4096), gzip);
        var e = Assert.Throws<InvalidDataFileException>(() => IdxReader.Read(path, maxElements: 4000));
        Assert.Contains("1 × 64 × 64", e.Message);
        Assert.Contains("limit of 4000", e.Message);
        Assert.Contains("maxElements", e.Message);
        Assert.Equal(4096, IdxReader.Read(path, maxElements: 4096).Data.Length);
        var images = Assert.Throws<InvalidDataFileException>(() => Dataset.FromIdx(path, path, maxElements: 100));
        Assert.Contains("limit of 100", images.Message);
    }

    [Fact]
    public void TheDefaultLimitRefusesAGigabyteDeclaredInAMegabyte()
    {
        // 1 × 32768 × 32768 = 1 GiB declared: above the default limit, refused from the header.
        string path = Write("gig.idx.gz", Idx(0x08, new[] { 1, 32768, 32768 }, 1 << 20), gzip: true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataFileException>(() => IdxReader.Read(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the reader allocated for the declared size");
        Assert.Contains($"limit of {IdxReader.DefaultMaxElements}", e.Message);
    }

    [Fact]
    public void AFolderGivenForAFileIsSaidToBeAFolder()
    {
        var e = Assert.Throws<IOException>(() => IdxReader.Read(_dir));
        Assert.IsNotType<FileNotFoundException>(e);
        Assert.Contains("is a folder", e.Message);
    }

    [Fact]
    public void CorruptGzipIsReported()
    {
        string path = Write("bad.gz", Idx(0x08, new[] { 1000 }, 1000), gzip: true);
        byte[] bytes = File.ReadAllBytes(path);
        for (int i = 20; i < bytes.Length - 8; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataFileException>(() => IdxReader.Read(path));
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void MissingFileSaysWhich()
    {
        string path = Path.Combine(_dir, "absent.idx");
        var e = Assert.Throws<FileNotFoundException>(() => IdxReader.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void ImagesAndLabelsMustAgree()
    {
        string images = Write("i.idx", Idx(0x08, new[] { 3, 2 }, 6));
        string labels = Write("l.idx", Idx(0x08, new[] { 2 }, 2));
        var e = Assert.Throws<InvalidDataFileException>(() => Dataset.FromIdx(images, labels));
        Assert.Contains("2 labels", e.Message);
        Assert.Contains("3 images", e.Message);
    }

    [Fact]
    public void MissingFashionMnistNamesTheFileAndWhatTheFolderMustHold()
    {
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(_dir));
        Assert.Contains(Path.Combine(_dir, "train-images-idx3-ubyte.gz") + " is missing", e.Message);
        Assert.Contains("t10k-labels-idx1-ubyte.gz", e.Message);
    }
}
