using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>One tensor of a network in safetensors form: its name in PyTorch's <c>nn.Sequential</c> state dict, shape and place in <see cref="INetwork{T}.Parameters"/>.</summary>
/// <param name="Name">For example <c>0.weight</c>.</param>
/// <param name="Shape">[out, in] for a dense weight, [out, in, kh, kw] for a convolution's, [out] for a bias.</param>
/// <param name="Offset">Offset in the parameter buffer.</param>
/// <param name="Count">Number of elements.</param>
public readonly record struct TensorInfo(string Name, int[] Shape, int Offset, int Count);

/// <summary>
/// Saves and loads network parameters in the safetensors format: an 8-byte little-endian header length, a JSON header
/// mapping tensor names to <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> (plus <c>__metadata__</c>), then raw
/// little-endian data. Tensor names follow the state dict of the equivalent <c>nn.Sequential</c> (a Linear, then its
/// activation module, then a Dropout module if any: <c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, …), so PyTorch
/// can <c>load_state_dict</c> them; the metadata records the architecture and that model as Python.
/// Loading validates the whole file before it touches the network: on any failure the parameters are unchanged.
/// </summary>
public static class SafeTensors
{
    /// <summary>The largest JSON header accepted (16 MiB); a network's header is a few hundred bytes per layer.</summary>
    public const int MaxHeaderBytes = 16 << 20;

    /// <summary>The tensors of an architecture in state-dict order.</summary>
    public static IReadOnlyList<TensorInfo> Tensors(NetworkArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var tensors = new List<TensorInfo>();
        int module = 0;
        foreach (LayerDescription layer in architecture.Layers)
        {
            if (layer.WeightCount > 0)
            {
                int[] shape = layer.Kind == LayerKind.Conv2D
                    ? new[] { layer.OutputShape.Channels, layer.InputShape.Channels, layer.Window.Height, layer.Window.Width }
                    : new[] { layer.Outputs, layer.Inputs };
                tensors.Add(new TensorInfo($"{module}.weight", shape, layer.WeightOffset, layer.WeightCount));
                tensors.Add(new TensorInfo($"{module}.bias", new[] { layer.BiasCount }, layer.BiasOffset, layer.BiasCount));
            }
            module += Modules(layer);
        }
        return tensors;
    }

    /// <summary>How many <c>nn.Sequential</c> modules a layer is: itself, its activation module, its dropout module.</summary>
    private static int Modules(LayerDescription layer)
        => 1 + (layer.Kind == LayerKind.Softmax || (layer.Kind is LayerKind.Dense or LayerKind.Conv2D && layer.Activation != Activation.Identity) ? 1 : 0)
             + (layer.DropoutProbability > 0 ? 1 : 0);

    private static string Pair(Size2D size) => size.Height == size.Width ? $"{size.Height}" : $"({size.Height}, {size.Width})";

    /// <summary>The equivalent PyTorch model as Python source, for example <c>nn.Sequential(nn.Linear(784, 500), nn.Tanh(), nn.Linear(500, 10), nn.Softmax(dim=-1))</c>.</summary>
    public static string PyTorchModel(NetworkArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var modules = new List<string>();
        foreach (LayerDescription layer in architecture.Layers)
        {
            modules.Add(layer.Kind switch
            {
                LayerKind.Dense or LayerKind.Softmax => $"nn.Linear({layer.Inputs}, {layer.Outputs})",
                LayerKind.Conv2D => $"nn.Conv2d({layer.InputShape.Channels}, {layer.OutputShape.Channels}, {Pair(layer.Window)}, stride={Pair(layer.Stride)}, padding={Pair(layer.Padding)})",
                LayerKind.MaxPool2D => $"nn.MaxPool2d({Pair(layer.Window)}, stride={Pair(layer.Stride)})",
                LayerKind.AvgPool2D => $"nn.AvgPool2d({Pair(layer.Window)}, stride={Pair(layer.Stride)})",
                LayerKind.L2Pool2D => $"nn.LPPool2d(2, {Pair(layer.Window)}, stride={Pair(layer.Stride)})",
                LayerKind.FeatureL2Pool => $"FeatureL2Pool({layer.GroupSize})",
                _ => "nn.Flatten()",
            });
            if (layer.Kind == LayerKind.Softmax) modules.Add("nn.Softmax(dim=-1)");
            else if (layer.Kind is LayerKind.Dense or LayerKind.Conv2D && layer.Activation != Activation.Identity)
                modules.Add(layer.Activation switch
                {
                    Activation.Sigmoid => "nn.Sigmoid()",
                    Activation.Tanh => "nn.Tanh()",
                    Activation.ReLU => "nn.ReLU()",
                    _ => string.Create(CultureInfo.InvariantCulture, $"nn.LeakyReLU({layer.NegativeSlope:R})"),
                });
            if (layer.DropoutProbability > 0) modules.Add(string.Create(CultureInfo.InvariantCulture, $"nn.Dropout({layer.DropoutProbability:R})"));
        }
        return "nn.Sequential(" + string.Join(", ", modules) + ")";
    }

    /// <summary>
    /// Writes the network's parameters to a file, all or nothing: the bytes go to a temporary file beside it, flushed to
    /// the disk, which then replaces <paramref name="path"/>. A process killed during the save leaves the previous file
    /// (or none, if there was none), never a truncated one; temporary files left by killed saves are removed by the next.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="IOException">The path is a folder, or writing failed; an existing file at the path is untouched.</exception>
    public static void Save(INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        DataFiles.WriteAtomically(path, file => Save(network, file));
    }

    /// <summary>Writes the network's parameters to a stream.</summary>
    public static void Save(INetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        Write(stream, network.Architecture, network.Parameters);
    }

    /// <summary>Writes parameters laid out as <paramref name="architecture"/> describes.</summary>
    public static void Write(Stream stream, NetworkArchitecture architecture, ReadOnlySpan<float> parameters)
    {
        NetworkGuard.Length(parameters.Length, architecture.ParameterCount, nameof(parameters));
        IReadOnlyList<TensorInfo> tensors = Tensors(architecture);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            json.WriteString("format", "pt");
            json.WriteString("netgen.architecture", architecture.ToString());
            json.WriteString("netgen.pytorch", PyTorchModel(architecture));
            json.WriteString("netgen.loss", architecture.Loss.ToString());
            TensorShape input = architecture.InputShape;
            json.WriteString("netgen.input", FormattableString.Invariant($"{input.Channels},{input.Height},{input.Width}"));
            json.WriteEndObject();
            long offset = 0;
            foreach (TensorInfo t in tensors)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + 4L * t.Count);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += 4L * t.Count;
            }
            json.WriteEndObject();
        }
        byte[] header = buffer.WrittenSpan.ToArray();
        int padded = (header.Length + 7) & ~7; // keep the data 8-byte aligned, padding with spaces as the format allows
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(header);
        for (int i = header.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (TensorInfo t in tensors) WriteFloats(stream, parameters.Slice(t.Offset, t.Count));
        stream.Flush();
    }

    /// <summary>Loads parameters from a file into the network, after validating everything.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The path is a folder.</exception>
    /// <exception cref="InvalidDataFileException">
    /// The file is malformed, holds a NaN or infinite value, or does not match the network's architecture; the network is unchanged.
    /// </exception>
    public static void Load(INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        using FileStream file = DataFiles.OpenRead(path, "Safetensors file");
        Load(network, file, path);
    }

    /// <summary>Loads parameters from a stream into the network, after validating everything.</summary>
    /// <exception cref="InvalidDataFileException">The data is malformed or does not match the network's architecture; the network is unchanged.</exception>
    public static void Load(INetwork network, Stream stream, string name = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(network);
        float[] values = Read(stream, network.Architecture, name);
        values.CopyTo(network.Parameters);
    }

    /// <summary>Reads and validates parameters for <paramref name="architecture"/>; returns them in the parameter layout.</summary>
    /// <exception cref="InvalidDataFileException">The data is malformed, holds a NaN or infinite value, or does not match.</exception>
    public static float[] Read(Stream stream, NetworkArchitecture architecture, string name = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(architecture);
        long? total = stream.CanSeek ? stream.Length - stream.Position : null;
        byte[] header = ReadHeader(stream, name, total);
        ulong headerLength = (ulong)header.Length;

        IReadOnlyList<TensorInfo> expected = Tensors(architecture);
        var found = ParseHeader(header, name);
        long dataLength = 4L * architecture.ParameterCount;

        foreach (TensorInfo e in expected)
        {
            if (!found.TryGetValue(e.Name, out var f))
                throw new InvalidDataFileException(name, $"tensor '{e.Name}' is missing (the network {architecture} needs {string.Join(", ", expected.Select(x => x.Name))}).");
            if (f.DType != "F32")
                throw new InvalidDataFileException(name, $"tensor '{e.Name}' has dtype {f.DType}; expected F32.");
            if (!f.Shape.SequenceEqual(e.Shape.Select(d => (long)d)))
                throw new InvalidDataFileException(name, $"tensor '{e.Name}' has shape [{string.Join(", ", f.Shape)}] in the file, but the network needs [{string.Join(", ", e.Shape)}].");
            if (f.End - f.Begin != 4L * e.Count)
                throw new InvalidDataFileException(name, $"tensor '{e.Name}' spans {f.End - f.Begin} bytes, but [{string.Join(", ", e.Shape)}] of F32 needs {4L * e.Count}.");
        }
        foreach (string extra in found.Keys.Where(k => expected.All(e => e.Name != k)))
            throw new InvalidDataFileException(name, $"unexpected tensor '{extra}'; the network {architecture} has {string.Join(", ", expected.Select(x => x.Name))}.");

        // The data region must be covered exactly, without overlaps or holes.
        long cursor = 0;
        foreach (var (tensorName, f) in found.OrderBy(p => p.Value.Begin))
        {
            if (f.Begin != cursor)
                throw new InvalidDataFileException(name, f.Begin < cursor
                    ? $"tensor '{tensorName}' at bytes [{f.Begin}, {f.End}) overlaps the tensor before it."
                    : $"the data has a hole before tensor '{tensorName}' (bytes [{cursor}, {f.Begin}) belong to no tensor).");
            cursor = f.End;
        }
        if (total is long all && all - 8 - (long)headerLength != dataLength)
            throw new InvalidDataFileException(name, $"the data region holds {all - 8 - (long)headerLength} bytes, but the tensors need {dataLength}.");

        var data = new byte[dataLength];
        int read = ReadFully(stream, data);
        if (read < data.Length)
            throw new InvalidDataFileException(name, $"truncated: the tensors need {dataLength} bytes of data, found {read}.");

        var values = new float[architecture.ParameterCount];
        foreach (TensorInfo e in expected)
        {
            var f = found[e.Name];
            ReadOnlySpan<byte> bytes = data.AsSpan((int)f.Begin, (int)(f.End - f.Begin));
            Span<float> target = values.AsSpan(e.Offset, e.Count);
            if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(bytes).CopyTo(target);
            else for (int i = 0; i < target.Length; i++) target[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(4 * i));
            // A NaN or an infinity would poison every output and every later step: refuse it, as the generator does
            // for baked weights (NG0020).
            int bad = VectorOps.IndexOfNonFinite<float>(target);
            if (bad >= 0)
            {
                string at = e.Shape.Length == 2 ? $"[{bad / e.Shape[1]}, {bad % e.Shape[1]}]" : $"[{bad}]";
                throw new InvalidDataFileException(name, $"tensor '{e.Name}' holds {target[bad].ToString(CultureInfo.InvariantCulture)} at {at} " +
                    $"(element {bad}); parameters must be finite.");
            }
        }
        return values;
    }

    /// <summary>Reads the 8-byte length and the JSON header it announces, checked against the bytes that exist and as UTF-8.</summary>
    private static byte[] ReadHeader(Stream stream, string name, long? total)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        if (ReadFully(stream, lengthBytes) < 8)
            throw new InvalidDataFileException(name, "shorter than the 8-byte header length.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength < 2 || headerLength > MaxHeaderBytes)
            throw new InvalidDataFileException(name, $"the header length is {headerLength} bytes; expected 2 to {MaxHeaderBytes}.");
        if (total is long t && 8 + (long)headerLength > t)
            throw new InvalidDataFileException(name, $"truncated: the header claims {headerLength} bytes but only {t - 8} follow the length.");
        var header = new byte[headerLength];
        if (ReadFully(stream, header) < header.Length)
            throw new InvalidDataFileException(name, $"truncated: the header claims {headerLength} bytes but the data ends before that.");
        // Names and dtypes become strings: refuse invalid UTF-8 here, with its place, rather than let the JSON reader
        // throw an InvalidOperationException on first access.
        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            System.Text.Unicode.Utf8.ToUtf16(header, new char[header.Length], out int valid, out _, replaceInvalidSequences: false);
            throw new InvalidDataFileException(name, $"the header is not valid UTF-8 (byte 0x{header[Math.Min(valid, header.Length - 1)]:X2} at header offset {valid}).");
        }
        return header;
    }

    /// <summary>The <c>__metadata__</c> of a safetensors file (empty when absent).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The path is a folder.</exception>
    /// <exception cref="InvalidDataFileException">The header is truncated, not UTF-8 or not JSON.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using FileStream file = DataFiles.OpenRead(path, "Safetensors file");
        byte[] header = ReadHeader(file, path, file.Length);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(header);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("__metadata__", out JsonElement meta) && meta.ValueKind == JsonValueKind.Object)
                foreach (JsonProperty p in meta.EnumerateObject()) result[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        }
        catch (JsonException e)
        {
            throw new InvalidDataFileException(path, "the header is not valid JSON: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataFileException(path, "the header holds a string that is not valid text: " + e.Message, e);
        }
        return result;
    }

    private readonly record struct Entry(string DType, long[] Shape, long Begin, long End);

    private static Dictionary<string, Entry> ParseHeader(byte[] header, string name)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataFileException(name, $"the header is a JSON {doc.RootElement.ValueKind}, expected an object.");
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__") continue;
                JsonElement v = p.Value;
                if (v.ValueKind != JsonValueKind.Object
                    || !v.TryGetProperty("dtype", out JsonElement dtype) || dtype.ValueKind != JsonValueKind.String
                    || !v.TryGetProperty("shape", out JsonElement shape) || shape.ValueKind != JsonValueKind.Array
                    || !v.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
                    throw new InvalidDataFileException(name, $"tensor '{p.Name}' needs a string dtype, a shape array and two data_offsets.");
                long[] dims = shape.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out long x) && x >= 0 ? x : -1).ToArray();
                if (dims.Any(d => d < 0)) throw new InvalidDataFileException(name, $"tensor '{p.Name}' has a shape entry that is not a non-negative integer.");
                if (offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
                    || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
                    throw new InvalidDataFileException(name, $"tensor '{p.Name}' has data_offsets that are not 0 ≤ begin ≤ end.");
                if (!entries.TryAdd(p.Name, new Entry(dtype.GetString()!, dims, begin, end)))
                    throw new InvalidDataFileException(name, $"tensor '{p.Name}' appears twice.");
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataFileException(name, "the header is not valid JSON: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            // Valid UTF-8 can still escape what is not text (a lone surrogate, "\ud800"): found when a name is read.
            throw new InvalidDataFileException(name, "the header holds a string that is not valid text: " + e.Message, e);
        }
        return entries;
    }

    private static void WriteFloats(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> four = stackalloc byte[4];
        foreach (float v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(four, v);
            stream.Write(four);
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read.</summary>
    private static int ReadFully(Stream stream, Span<byte> buffer) => stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
}
