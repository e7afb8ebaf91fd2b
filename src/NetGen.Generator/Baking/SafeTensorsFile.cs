using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Model;

namespace NetGen.Generator.Baking;

/// <summary>One expected tensor: its state-dict name, shape and place in the parameter buffer.</summary>
internal readonly struct ExpectedTensor
{
    public ExpectedTensor(string name, long[] shape, long offset, long count)
    {
        Name = name;
        Shape = shape;
        Offset = offset;
        Count = count;
    }

    public string Name { get; }

    public long[] Shape { get; }

    public long Offset { get; }

    public long Count { get; }
}

/// <summary>Why a file cannot be baked: the diagnostic and its message argument(s) after the network and file names.</summary>
internal sealed class BakeError
{
    public BakeError(DiagnosticDescriptor descriptor, params string[] arguments)
    {
        Descriptor = descriptor;
        Arguments = arguments;
    }

    public DiagnosticDescriptor Descriptor { get; }

    public string[] Arguments { get; }
}

/// <summary>
/// Reads a safetensors file (8-byte little-endian header length, JSON header, raw little-endian data) and checks it
/// against a network's layers with the same rules as the runtime's <c>NetGen.SafeTensors.Read</c>: every tensor present
/// with dtype F32 and the layer's shape, no extra tensors, offsets covering the data exactly, every value finite.
/// </summary>
internal static class SafeTensorsFile
{
    private const long MaxHeaderBytes = 16 << 20;

    /// <summary>The tensors of a network in PyTorch <c>nn.Sequential</c> state-dict order; mirrors <c>NetGen.SafeTensors.Tensors</c>.</summary>
    public static List<ExpectedTensor> Expected(NetworkSpec network)
    {
        EquatableArray<LayerSpec> layers = network.Layers;
        var tensors = new List<ExpectedTensor>();
        int module = 0;
        foreach (StageSpec stage in network.Stages)
        {
            // nn.Sequential numbering: a convolution, then its activation module; poolings and flatten take one index each.
            if (stage.HasParameters)
            {
                tensors.Add(new ExpectedTensor(module + ".weight", new long[] { stage.Out.Channels, stage.In.Channels, stage.KernelHeight, stage.KernelWidth },
                    stage.WeightOffset, stage.WeightCount));
                tensors.Add(new ExpectedTensor(module + ".bias", new long[] { stage.Out.Channels }, stage.BiasOffset, stage.Out.Channels));
            }
            module += stage.HasParameters && stage.Activation != ActivationKind.Identity ? 2 : 1;
        }
        foreach (LayerSpec layer in layers)
        {
            tensors.Add(new ExpectedTensor(module + ".weight", new long[] { layer.Outputs, layer.Inputs }, layer.WeightOffset, layer.WeightCount));
            tensors.Add(new ExpectedTensor(module + ".bias", new long[] { layer.Outputs }, layer.BiasOffset, layer.Outputs));
            module++;
            if (layer.Kind == LayerKind.Softmax || layer.Activation != ActivationKind.Identity) module++;
            if (layer.HasDropout) module++;
        }
        return tensors;
    }

    /// <summary>The parameters in the network's layout, or the reason the file does not fit.</summary>
    public static double[]? Read(byte[] bytes, NetworkSpec network, long parameterCount, ElementKind element, out BakeError? error)
    {
        error = null;
        try
        {
            return ReadCore(bytes, network, parameterCount, element, out error);
        }
        catch (FormatException e)
        {
            error = new BakeError(DiagnosticDescriptors.BakedWeightsFileInvalid, e.Message);
            return null;
        }
    }

    private static double[]? ReadCore(byte[] bytes, NetworkSpec network, long parameterCount, ElementKind element, out BakeError? error)
    {
        error = null;
        bool wide = element == ElementKind.Double;
        string dtypeWanted = wide ? "F64" : "F32";
        int size = wide ? 8 : 4;
        BakeError Invalid(string message) => new(DiagnosticDescriptors.BakedWeightsFileInvalid, message);
        BakeError Misfit(string message) => new(DiagnosticDescriptors.BakedWeightsDoNotFit, message);

        if (bytes.Length < 8)
        {
            error = Invalid("it is " + bytes.Length + " bytes long, shorter than the 8-byte header length");
            return null;
        }
        ulong headerLength = BitConverter.ToUInt64(bytes, 0);
        if (!BitConverter.IsLittleEndian) headerLength = ReverseBytes(headerLength);
        if (headerLength < 2 || headerLength > MaxHeaderBytes)
        {
            error = Invalid("the header length is " + headerLength + " bytes; expected 2 to " + MaxHeaderBytes);
            return null;
        }
        if (8 + (long)headerLength > bytes.Length)
        {
            error = Invalid("it is truncated: the header claims " + headerLength + " bytes but only " + (bytes.Length - 8) + " follow the length");
            return null;
        }

        string headerText;
        try
        {
            headerText = new UTF8Encoding(false, true).GetString(bytes, 8, (int)headerLength);
        }
        catch (ArgumentException)
        {
            error = Invalid("the header is not valid UTF-8");
            return null;
        }
        if (JsonReader.Parse(headerText) is not Dictionary<string, object?> header)
        {
            error = Invalid("the header is not a JSON object");
            return null;
        }

        var found = new Dictionary<string, (string DType, long[] Shape, long Begin, long End)>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> entry in header)
        {
            if (entry.Key == "__metadata__") continue;
            if (entry.Value is not Dictionary<string, object?> tensor
                || !tensor.TryGetValue("dtype", out object? dtype) || dtype is not string dtypeText
                || !tensor.TryGetValue("shape", out object? shape) || shape is not List<object?> dims
                || !tensor.TryGetValue("data_offsets", out object? offsets) || offsets is not List<object?> { Count: 2 } range)
            {
                error = Invalid("tensor '" + entry.Key + "' needs a string dtype, a shape array and two data_offsets");
                return null;
            }
            if (dims.Any(d => d is not long n || n < 0))
            {
                error = Invalid("tensor '" + entry.Key + "' has a shape entry that is not a non-negative integer");
                return null;
            }
            if (range[0] is not long begin || range[1] is not long end || begin < 0 || end < begin)
            {
                error = Invalid("tensor '" + entry.Key + "' has data_offsets that are not 0 ≤ begin ≤ end");
                return null;
            }
            found[entry.Key] = (dtypeText, dims.Select(d => (long)d!).ToArray(), begin, end);
        }

        List<ExpectedTensor> expected = Expected(network);
        string names = string.Join(", ", expected.Select(e => e.Name));
        foreach (ExpectedTensor e in expected)
        {
            if (!found.TryGetValue(e.Name, out var f))
            {
                error = Misfit("tensor '" + e.Name + "' is missing (the network needs " + names + ")");
                return null;
            }
            if (f.DType != dtypeWanted)
            {
                error = Misfit("tensor '" + e.Name + "' has dtype " + f.DType + "; expected " + dtypeWanted + (wide ? " for a double network" : ""));
                return null;
            }
            if (!f.Shape.SequenceEqual(e.Shape))
            {
                error = Misfit("tensor '" + e.Name + "' has shape " + Shape(f.Shape) + " in the file, but the network needs " + Shape(e.Shape));
                return null;
            }
            if (f.End - f.Begin != size * e.Count)
            {
                error = Invalid("tensor '" + e.Name + "' spans " + (f.End - f.Begin) + " bytes, but " + Shape(e.Shape) + " of " + dtypeWanted + " needs " + size * e.Count);
                return null;
            }
        }
        foreach (string extra in found.Keys.Where(k => expected.All(e => e.Name != k)).OrderBy(k => k, StringComparer.Ordinal))
        {
            error = Misfit("unexpected tensor '" + extra + "'; the network has " + names);
            return null;
        }

        long cursor = 0;
        foreach (var pair in found.OrderBy(p => p.Value.Begin))
        {
            if (pair.Value.Begin != cursor)
            {
                error = Invalid(pair.Value.Begin < cursor
                    ? "tensor '" + pair.Key + "' overlaps the tensor before it"
                    : "the data has a hole before tensor '" + pair.Key + "'");
                return null;
            }
            cursor = pair.Value.End;
        }
        long dataStart = 8 + (long)headerLength;
        long dataLength = bytes.Length - dataStart;
        if (dataLength != size * parameterCount)
        {
            error = Invalid("the data region holds " + dataLength + " bytes, but the tensors need " + size * parameterCount);
            return null;
        }

        var values = new double[parameterCount];
        foreach (ExpectedTensor e in expected)
        {
            long begin = dataStart + found[e.Name].Begin;
            for (long i = 0; i < e.Count; i++)
            {
                int at = (int)(begin + size * i);
                double value = wide ? Int64BitsToDouble(LittleEndian64(bytes, at)) : Int32BitsToSingle((int)LittleEndian32(bytes, at));
                if (double.IsNaN(value) || double.IsInfinity(value))
                {
                    error = new BakeError(DiagnosticDescriptors.BakedWeightsNotFinite,
                        double.IsNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity", i.ToString(CultureInfo.InvariantCulture), e.Name);
                    return null;
                }
                values[e.Offset + i] = value;
            }
        }
        return values;
    }

    private static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static unsafe float Int32BitsToSingle(int bits) => *(float*)&bits;

    private static unsafe double Int64BitsToDouble(long bits) => *(double*)&bits;

    private static uint LittleEndian32(byte[] b, int at) => (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24);

    private static long LittleEndian64(byte[] b, int at) => (long)LittleEndian32(b, at) | (long)LittleEndian32(b, at + 4) << 32;

    private static ulong ReverseBytes(ulong v)
    {
        ulong r = 0;
        for (int i = 0; i < 8; i++) r = (r << 8) | ((v >> (8 * i)) & 0xFF);
        return r;
    }
}
