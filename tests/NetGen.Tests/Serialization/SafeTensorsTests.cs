using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Serialization;

public class SafeTensorsTests
{
    private static byte[] Saved(INetwork net)
    {
        var stream = new MemoryStream();
        SafeTensors.Save(net, stream);
        return stream.ToArray();
    }

    /// <summary>Rebuilds a file with an edited header (the data part kept).</summary>
    private static byte[] WithHeader(byte[] file, Func<string, string> edit, int? dataBytes = null)
    {
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        string header = Encoding.UTF8.GetString(file, 8, n);
        byte[] newHeader = Encoding.UTF8.GetBytes(edit(header));
        byte[] data = file.AsSpan(8 + n).ToArray();
        if (dataBytes is int d) Array.Resize(ref data, d);
        var result = new byte[8 + newHeader.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)newHeader.Length);
        newHeader.CopyTo(result, 8);
        data.CopyTo(result, 8 + newHeader.Length);
        return result;
    }

    private static InvalidDataFileException LoadFails(INetwork net, byte[] file)
    {
        float[] before = net.Parameters.ToArray();
        var e = Assert.Throws<InvalidDataFileException>(() => SafeTensors.Load(net, new MemoryStream(file), "test.safetensors"));
        Assert.Equal(before, net.Parameters.ToArray()); // nothing touched
        return e;
    }

    [Fact]
    public void RoundTripsThroughFilesAndStreams()
    {
        var a = new OddSoftmaxNet(1);
        var b = new OddSoftmaxNet(2);
        string path = Path.Combine(Path.GetTempPath(), $"netgen-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Save(a, path);
            SafeTensors.Load(b, path);
            Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
            var meta = SafeTensors.ReadMetadata(path);
            Assert.Equal("37 → Dense(19, Tanh) → Dense(7, Sigmoid) → Softmax(5) | CrossEntropy", meta["netgen.architecture"]);
            Assert.Equal("nn.Sequential(nn.Linear(37, 19), nn.Tanh(), nn.Linear(19, 7), nn.Sigmoid(), nn.Linear(7, 5), nn.Softmax(dim=-1))", meta["netgen.pytorch"]);
        }
        finally
        {
            File.Delete(path);
        }
        var c = new OddSoftmaxNet(3);
        SafeTensors.Load(c, new MemoryStream(Saved(a)));
        Assert.Equal(a.Parameters.ToArray(), c.Parameters.ToArray());
    }

    [Fact]
    public void TensorNamesFollowTheSequentialStateDict()
    {
        Assert.Equal(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }, SafeTensors.Tensors(SeedNet.Architecture).Select(t => t.Name));
        // Identity adds no module; dropout adds one.
        Assert.Equal(new[] { "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias" }, SafeTensors.Tensors(OddRegressionNet.Architecture).Select(t => t.Name));
        Assert.Equal(new[] { "0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias" }, SafeTensors.Tensors(DropNet.Architecture).Select(t => t.Name));
        Assert.Equal(new[] { "0.weight", "0.bias" }, SafeTensors.Tensors(LinearNet.Architecture).Select(t => t.Name));
        Assert.Equal(new[] { 500, 784 }, SafeTensors.Tensors(SeedNet.Architecture)[0].Shape);
    }

    [Fact]
    public void HeaderIsPaddedAndDataAligned()
    {
        byte[] file = Saved(new SeedNet());
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0UL, n % 8);
        Assert.Equal(8 + (long)n + 4L * SeedNet.ParameterCount, file.Length);
    }

    [Fact]
    public void ArchitectureMismatchNamesTheTensorAndBothShapes()
    {
        byte[] other = Saved(new BlockedNet());
        var e = LoadFails(new OddSoftmaxNet(), other);
        Assert.Contains("'0.weight' has shape [86, 150] in the file, but the network needs [19, 37]", e.Message);
    }

    [Fact]
    public void WrongDtypeIsRefused()
    {
        byte[] file = WithHeader(Saved(new LinearNet()), h => h.Replace("\"F32\"", "\"F16\""));
        Assert.Contains("dtype F16; expected F32", LoadFails(new LinearNet(), file).Message);
    }

    [Fact]
    public void MissingAndUnexpectedTensorsAreRefused()
    {
        Assert.Contains("'0.bias' is missing", LoadFails(new LinearNet(), WithHeader(Saved(new LinearNet()), h => h.Replace("\"0.bias\"", "\"9.bias\""))).Message);
        byte[] extra = WithHeader(Saved(new LinearNet()), h => h.TrimEnd()[..^1] + ",\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[32,32]}}");
        Assert.Contains("unexpected tensor 'x'", LoadFails(new LinearNet(), extra).Message);
    }

    [Fact]
    public void OverlapsHolesAndOutOfRangeOffsetsAreRefused()
    {
        // LinearNet: 0.weight [2, 3] at [0, 24), 0.bias [2] at [24, 32).
        byte[] overlap = WithHeader(Saved(new LinearNet()), h => h.Replace("[24,32]", "[20,28]"));
        Assert.Contains("overlaps", LoadFails(new LinearNet(), overlap).Message);
        byte[] hole = WithHeader(Saved(new LinearNet()), h => h.Replace("[24,32]", "[28,36]"), dataBytes: 36);
        Assert.Contains("hole", LoadFails(new LinearNet(), hole).Message);
        byte[] size = WithHeader(Saved(new LinearNet()), h => h.Replace("[24,32]", "[24,30]"));
        Assert.Contains("spans 6 bytes", LoadFails(new LinearNet(), size).Message);
        byte[] negative = WithHeader(Saved(new LinearNet()), h => h.Replace("[24,32]", "[32,24]"));
        Assert.Contains("0 ≤ begin ≤ end", LoadFails(new LinearNet(), negative).Message);
    }

    [Fact]
    public void TruncatedAndPaddedFilesAreRefused()
    {
        byte[] file = Saved(new LinearNet());
        Assert.Contains("data region holds 28 bytes, but the tensors need 32", LoadFails(new LinearNet(), file[..^4]).Message);
        Assert.Contains("data region holds 36 bytes", LoadFails(new LinearNet(), file.Concat(new byte[4]).ToArray()).Message);
        Assert.Contains("truncated", LoadFails(new LinearNet(), file[..20]).Message);
        Assert.Contains("shorter than the 8-byte", LoadFails(new LinearNet(), file[..5]).Message);
    }

    [Fact]
    public void AbsurdHeaderLengthIsRefusedBeforeAllocating()
    {
        var file = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(file, ulong.MaxValue / 2);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = LoadFails(new LinearNet(), file);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("header length", e.Message);
    }

    [Fact]
    public void MalformedJsonIsRefused()
    {
        byte[] file = WithHeader(Saved(new LinearNet()), h => h.Replace("\"shape\":", "\"shape\"=").Trim());
        Assert.Contains("not valid JSON", LoadFails(new LinearNet(), file).Message);
        byte[] array = WithHeader(Saved(new LinearNet()), _ => "[1,2,3]");
        Assert.Contains("expected an object", LoadFails(new LinearNet(), array).Message);
    }

    [Theory]
    [InlineData("0.weight")] // a tensor name
    [InlineData("F32")] // a dtype
    [InlineData("format")] // a metadata key
    public void InvalidUtf8InTheHeaderIsAnInvalidFileWithItsName(string where)
    {
        var net = new OddSoftmaxNet(1);
        byte[] file = Saved(net);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        int at = Encoding.UTF8.GetString(file, 8, n).IndexOf(where, StringComparison.Ordinal);
        file[8 + at] = 0xFF;
        var e = LoadFails(net, file);
        Assert.Contains("test.safetensors", e.Message);
        Assert.Contains("not valid UTF-8 (byte 0xFF at header offset " + at + ")", e.Message);
        string path = Path.Combine(Path.GetTempPath(), $"netgen-{Guid.NewGuid():N}.safetensors");
        try
        {
            File.WriteAllBytes(path, file);
            var metadata = Assert.Throws<InvalidDataFileException>(() => SafeTensors.ReadMetadata(path));
            Assert.Equal(path, metadata.FilePath);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AnEscapedLoneSurrogateInTheHeaderIsAnInvalidFile()
    {
        // Valid UTF-8 that escapes what is not text: the JSON reader throws InvalidOperationException when it is read.
        var net = new OddSoftmaxNet(1);
        var e = LoadFails(net, WithHeader(Saved(net), h => h.Replace("\"0.bias\"", "\"0.bias\\ud800\"")));
        Assert.Contains("not valid text", e.Message);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void NonFiniteValuesAreRefusedWithTheTensorAndTheElement(float bad, string shown)
    {
        var net = new OddSoftmaxNet(1);
        byte[] file = Saved(net);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        // 2.weight is [7, 19] and follows 0.weight [19, 37] and 0.bias [19]: element [3, 5] of it.
        int index = 19 * 37 + 19 + 3 * 19 + 5;
        BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(8 + n + 4 * index), bad);
        var e = LoadFails(net, file);
        Assert.Contains($"tensor '2.weight' holds {shown} at [3, 5] (element 62)", e.Message);
    }

    [Fact]
    public void AFolderGivenForAFileIsSaidToBeAFolder()
    {
        var net = new OddSoftmaxNet(1);
        string folder = Directory.CreateTempSubdirectory("netgen-folder-").FullName;
        try
        {
            var load = Assert.Throws<IOException>(() => SafeTensors.Load(net, folder));
            Assert.IsNotType<FileNotFoundException>(load);
            Assert.Contains("is a folder", load.Message);
            Assert.Contains("is a folder", Assert.Throws<IOException>(() => SafeTensors.Save(net, folder)).Message);
            Assert.Contains("is a folder", Assert.Throws<IOException>(() => CsvLoader.Load(folder)).Message);
            Assert.Contains("does not exist", Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.Save(net, Path.Combine(folder, "no", "x.safetensors"))).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void SaveReplacesAFileWholeAndRemovesTemporariesThatKilledSavesLeft()
    {
        string folder = Directory.CreateTempSubdirectory("netgen-save-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.safetensors");
            // What killed saves leave: a temporary of this target (new and old naming), and one of another file.
            File.WriteAllText(path + ".0123456789ab.tmp", "partial");
            File.WriteAllText(path + ".tmp", "partial");
            File.WriteAllText(Path.Combine(folder, "other.safetensors.0123456789ab.tmp"), "not ours");
            var a = new OddSoftmaxNet(1);
            SafeTensors.Save(a, path);
            Assert.Equal(new[] { "model.safetensors", "other.safetensors.0123456789ab.tmp" },
                Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            var b = new OddSoftmaxNet(2);
            SafeTensors.Save(b, path);
            var c = new OddSoftmaxNet(3);
            SafeTensors.Load(c, path);
            Assert.Equal(b.Parameters.ToArray(), c.Parameters.ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void NonSeekableStreamsWork()
    {
        var a = new OddSoftmaxNet(5);
        var b = new OddSoftmaxNet(6);
        SafeTensors.Load(b, new ForwardOnlyStream(Saved(a)));
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
        byte[] truncated = Saved(a)[..^10];
        var e = Assert.Throws<InvalidDataFileException>(() => SafeTensors.Load(b, new ForwardOnlyStream(truncated)));
        Assert.Contains("truncated", e.Message);
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
    }

    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}
