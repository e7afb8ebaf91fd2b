using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NetGen.Tests.Networks;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests.Serialization;

/// <summary>
/// What a damaged disk, a bad download or an adversary feeds the loaders: 10,000 randomly mutated files of each kind
/// (bytes flipped, deleted, inserted or repeated, the file cut short, header numbers replaced by extreme values). Only
/// <see cref="InvalidDataFileException"/> may escape, with the file's name in its message, and a network handed to a
/// failing safetensors load keeps its parameters.
/// </summary>
public class LoaderFuzzTests(ITestOutputHelper output)
{
    private const int Files = 10_000;

    private static readonly byte[][] Extremes =
    {
        new byte[] { 0, 0, 0, 0 }, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, new byte[] { 0x7F, 0xFF, 0xFF, 0xFF },
        new byte[] { 0x80, 0, 0, 0 }, new byte[] { 0, 0, 0x80, 0 }, new byte[] { 0xFF }, new byte[] { 0xC3 }, new byte[] { 0 },
    };

    private static readonly string[] Tokens =
    {
        "\"", "{", "}", "[", "]", ",", ":", "-1", "1e400", "NaN", "null", "true", "\"F64\"", "\"F32\"", "18446744073709551615",
        "9223372036854775807", "\"data_offsets\"", "\"shape\"", "\"dtype\"", "\"__metadata__\"", "\\u0000", "\\ud800",
    };

    private static byte[] Mutate(byte[] original, Random rng, bool text)
    {
        var bytes = new List<byte>(original);
        int mutations = 1 + rng.Next(4);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            int at = rng.Next(bytes.Count);
            switch (rng.Next(text ? 7 : 6))
            {
                case 0: bytes[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: bytes[at] = (byte)rng.Next(256); break;
                case 2: bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + rng.Next(16))); break;
                case 3: bytes.InsertRange(at, Extremes[rng.Next(Extremes.Length)]); break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break; // cut short
                case 5:
                    int length = Math.Min(bytes.Count - at, 1 + rng.Next(64));
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                default: bytes.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[rng.Next(Tokens.Length)])); break;
            }
        }
        return bytes.ToArray();
    }

    private static void Expect(Action load, string name, string what, int i, byte[] file)
    {
        try
        {
            load();
        }
        catch (InvalidDataFileException e)
        {
            Assert.True(e.Message.Contains(name, StringComparison.Ordinal), $"{what} #{i}: the message does not name the file: {e.Message}");
        }
        catch (Exception e)
        {
            Assert.Fail($"{what} #{i}: {e.GetType().Name} escaped ({e.Message}); file: {Convert.ToBase64String(file.Take(512).ToArray())}");
        }
    }

    [Fact]
    public void MutatedSafetensorsFilesGiveOnlyInvalidDataFileExceptionsAndLeaveTheNetworkUnchanged()
    {
        var source = new OddSoftmaxNet(1);
        var stream = new MemoryStream();
        SafeTensors.Save(source, stream);
        byte[] valid = stream.ToArray();
        var rng = new Random(17);
        var net = new OddSoftmaxNet(2);
        float[] before = net.Parameters.ToArray();
        int loaded = 0;
        for (int i = 0; i < Files; i++)
        {
            byte[] file = Mutate(valid, rng, text: true);
            bool seekable = i % 2 == 0;
            Expect(() =>
            {
                SafeTensors.Load(net, seekable ? new MemoryStream(file) : new ForwardOnly(file), "fuzz.safetensors");
                loaded++;
                before = net.Parameters.ToArray(); // a mutation that left a valid file (a changed value) loads
            }, "fuzz.safetensors", "safetensors", i, file);
            Assert.True(before.AsSpan().SequenceEqual(net.Parameters), $"safetensors #{i}: a failed load changed the network");
        }
        output.WriteLine($"{Files} mutated safetensors files: {loaded} still loaded, {Files - loaded} refused");
        Assert.InRange(loaded, 0, Files / 2);
    }

    [Fact]
    public void MutatedIdxFilesGiveOnlyInvalidDataFileExceptions()
    {
        var valid = new byte[4 + 12 + 5 * 7 * 3];
        valid[2] = 0x08;
        valid[3] = 3;
        BinaryPrimitives.WriteInt32BigEndian(valid.AsSpan(4), 5);
        BinaryPrimitives.WriteInt32BigEndian(valid.AsSpan(8), 7);
        BinaryPrimitives.WriteInt32BigEndian(valid.AsSpan(12), 3);
        var rng = new Random(18);
        int read = 0;
        for (int i = 0; i < Files; i++)
        {
            // Mostly the header: mutations land in the first 16 bytes four times in five.
            byte[] file = rng.Next(5) == 0 ? Mutate(valid, rng, text: false) : Mutate(valid[..16], rng, text: false).Concat(valid[16..]).ToArray();
            long? length = i % 3 == 0 ? null : file.Length;
            Expect(() =>
            {
                IdxReader.Read(new MemoryStream(file), "fuzz.idx", length, maxElements: 1 << 16);
                read++;
            }, "fuzz.idx", "IDX", i, file);
        }
        output.WriteLine($"{Files} mutated IDX files: {read} still read, {Files - read} refused");
    }

    [Fact]
    public void MutatedCsvFilesGiveOnlyInvalidDataFileExceptions()
    {
        byte[] valid = Encoding.UTF8.GetBytes("a,b,c,label\n1,2.5,-3e2,0\n4,5,6,2\n0.1,0.2,0.3,1\n");
        var rng = new Random(19);
        int read = 0;
        for (int i = 0; i < Files; i++)
        {
            byte[] file = Mutate(valid, rng, text: true);
            var options = new CsvOptions { LabelColumn = i % 2 == 0 ? "label" : null, HasHeader = i % 5 != 0, ClassCount = i % 3 == 0 ? 3 : null, MaxLineLength = 64 };
            if (options.LabelColumn is not null && !options.HasHeader) options = options with { LabelColumn = null };
            Expect(() =>
            {
                CsvLoader.Load(new StringReader(Encoding.UTF8.GetString(file)), "fuzz.csv", options);
                read++;
            }, "fuzz.csv", "CSV", i, file);
        }
        output.WriteLine($"{Files} mutated CSV files: {read} still read, {Files - read} refused");
    }

    /// <summary>A stream that cannot seek, as a network download is.</summary>
    private sealed class ForwardOnly(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    }
}
