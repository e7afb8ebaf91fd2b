using System;
using System.IO;
using System.Text;
using NetGen;

namespace NetGen.Benchmarks;

/// <summary>
/// Writes a NetGen network as an ONNX model (opset 13): one <c>Gemm</c> per dense layer with <c>transB = 1</c>, so the
/// weights keep NetGen's (and PyTorch's) <c>[out, in]</c> layout, a <c>Conv</c> per convolution (<c>[out, in, kh, kw]</c>),
/// <c>MaxPool</c>, <c>AveragePool</c>, <c>LpPool</c> and <c>Flatten</c>, each activation, and <c>Softmax</c> on a softmax output.
/// The protobuf is written by hand (a few fields of onnx.proto), so the benchmarks need no ONNX tooling to build the peer's
/// model from NetGen's own weights.
/// </summary>
internal static class OnnxExport
{
    public static byte[] Model(IInferenceNetwork<float> net, ReadOnlySpan<float> parameters)
    {
        var graph = new Proto();
        string current = "x";
        int index = 0;
        foreach (LayerDescription layer in net.Architecture.Layers)
        {
            string w = $"{index}.weight", b = $"{index}.bias", z = $"z{index}";
            if (layer.IsSpatial && layer.Kind != LayerKind.Conv2D)
            {
                // Pooling and flatten: one node without parameters (ONNX's LpPool with p = 2 is the L2 pooling: a sum, not a mean).
                (string pool, Proto[] attributes) = layer.Kind switch
                {
                    LayerKind.MaxPool2D => ("MaxPool", Window(layer)),
                    LayerKind.AvgPool2D => ("AveragePool", Window(layer)),
                    LayerKind.L2Pool2D => ("LpPool", [.. Window(layer), new Proto().String(1, "p").Int(3, 2).Int(20, 2)]),
                    LayerKind.Flatten => ("Flatten", [new Proto().String(1, "axis").Int(3, 1).Int(20, 2)]),
                    _ => throw new NotSupportedException($"ONNX has no operator for {layer.Kind}."),
                };
                graph.Message(1, Node(pool, new[] { current }, z, attributes));
                current = z;
                index++;
                continue;
            }
            if (layer.Kind == LayerKind.Conv2D)
            {
                graph.Message(5, Tensor(w, new long[] { layer.OutputShape.Channels, layer.InputShape.Channels, layer.Window.Height, layer.Window.Width },
                    parameters.Slice(layer.WeightOffset, layer.WeightCount)));
                graph.Message(5, Tensor(b, new long[] { layer.BiasCount }, parameters.Slice(layer.BiasOffset, layer.BiasCount)));
                graph.Message(1, Node("Conv", new[] { current, w, b }, z, [.. Window(layer),
                    Ints("pads", layer.Padding.Height, layer.Padding.Width, layer.Padding.Height, layer.Padding.Width)]));
            }
            else
            {
                graph.Message(5, Tensor(w, new long[] { layer.Outputs, layer.Inputs }, parameters.Slice(layer.WeightOffset, layer.WeightCount)));
                graph.Message(5, Tensor(b, new long[] { layer.Outputs }, parameters.Slice(layer.BiasOffset, layer.BiasCount)));
                graph.Message(1, Node("Gemm", new[] { current, w, b }, z, new Proto().String(1, "transB").Int(3, 1).Int(20, 2)));
            }
            current = z;
            string? op = layer.Kind == LayerKind.Softmax ? "Softmax" : layer.Activation switch
            {
                Activation.Identity => null,
                Activation.Tanh => "Tanh",
                Activation.Sigmoid => "Sigmoid",
                Activation.ReLU => "Relu",
                Activation.LeakyReLU => "LeakyRelu",
                _ => throw new NotSupportedException(layer.Activation.ToString()),
            };
            if (op is not null)
            {
                Proto? attribute = op switch
                {
                    "Softmax" => new Proto().String(1, "axis").Int(3, 1).Int(20, 2),
                    "LeakyRelu" => new Proto().String(1, "alpha").Float(2, layer.NegativeSlope).Int(20, 1),
                    _ => null,
                };
                graph.Message(1, Node(op, new[] { current }, "a" + index, attribute));
                current = "a" + index;
            }
            index++;
        }
        // The graph's output is the last node's output, named y.
        graph = graph.Rename(current, "y");
        graph.String(2, "netgen");
        TensorShape input = net.Architecture.InputShape;
        graph.Message(11, net.Architecture.IsSpatial ? ValueInfo("x", input.Channels, input.Height, input.Width) : ValueInfo("x", net.InputSize));
        graph.Message(12, ValueInfo("y", net.OutputSize));

        return new Proto()
            .Int(1, 8) // ir_version 8
            .String(2, "NetGen.Benchmarks")
            .Message(7, graph)
            .Message(8, new Proto().String(1, "").Int(2, 13)) // opset_import: the default domain, opset 13
            .ToArray();
    }

    private static Proto Node(string op, string[] inputs, string output, Proto? attribute)
        => Node(op, inputs, output, attribute is null ? Array.Empty<Proto>() : new[] { attribute });

    private static Proto Node(string op, string[] inputs, string output, Proto[] attributes)
    {
        var node = new Proto();
        foreach (string input in inputs) node.String(1, input);
        node.String(2, output).String(3, op + "_" + output).String(4, op);
        foreach (Proto attribute in attributes) node.Message(5, attribute);
        return node;
    }

    /// <summary>An INTS attribute (type 7), its values as repeated field 8.</summary>
    private static Proto Ints(string name, params long[] values)
    {
        var attribute = new Proto().String(1, name);
        foreach (long v in values) attribute.Int(8, v);
        return attribute.Int(20, 7);
    }

    /// <summary>kernel_shape and strides of a convolution or pooling.</summary>
    private static Proto[] Window(LayerDescription layer)
        => [Ints("kernel_shape", layer.Window.Height, layer.Window.Width), Ints("strides", layer.Stride.Height, layer.Stride.Width)];

    private static Proto Tensor(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var tensor = new Proto();
        foreach (long d in dims) tensor.Int(1, d);
        tensor.Int(2, 1).String(8, name); // data_type FLOAT
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(raw.AsSpan(4 * i), values[i]); // little-endian, as ONNX's raw_data
        return tensor.Bytes(9, raw);
    }

    /// <summary>A float tensor [N, dims...] with a symbolic batch dimension.</summary>
    private static Proto ValueInfo(string name, params int[] dims)
    {
        var shape = new Proto().Message(1, new Proto().String(2, "N"));
        foreach (int d in dims) shape.Message(1, new Proto().Int(1, d));
        var tensorType = new Proto().Int(1, 1).Message(2, shape);
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensorType));
    }

    /// <summary>A protobuf message being written: varints, length-delimited strings, bytes and sub-messages, 32-bit floats.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _bytes = new();
        private readonly System.Collections.Generic.List<(int Field, object Value)> _fields = new();

        public Proto Int(int field, long value) { _fields.Add((field, value)); return this; }
        public Proto Float(int field, float value) { _fields.Add((field, value)); return this; }
        public Proto String(int field, string value) { _fields.Add((field, value)); return this; }
        public Proto Bytes(int field, byte[] value) { _fields.Add((field, value)); return this; }
        public Proto Message(int field, Proto value) { _fields.Add((field, value)); return this; }

        /// <summary>A copy in which every string field equal to <paramref name="from"/>, in this message or its sub-messages, reads <paramref name="to"/>.</summary>
        public Proto Rename(string from, string to)
        {
            var copy = new Proto();
            foreach (var (field, value) in _fields)
                copy._fields.Add((field, value switch { string s when s == from => to, Proto p => p.Rename(from, to), _ => value }));
            return copy;
        }

        public byte[] ToArray()
        {
            _bytes.SetLength(0);
            foreach (var (field, value) in _fields)
            {
                switch (value)
                {
                    case long v: Varint((ulong)field << 3); Varint((ulong)v); break;
                    case float f: Varint(((ulong)field << 3) | 5); _bytes.Write(BitConverter.GetBytes(f)); break;
                    case string s: Delimited(field, Encoding.UTF8.GetBytes(s)); break;
                    case byte[] b: Delimited(field, b); break;
                    case Proto p: Delimited(field, p.ToArray()); break;
                }
            }
            return _bytes.ToArray();
        }

        private void Delimited(int field, byte[] payload)
        {
            Varint(((ulong)field << 3) | 2);
            Varint((ulong)payload.Length);
            _bytes.Write(payload);
        }

        private void Varint(ulong v)
        {
            for (; v >= 0x80; v >>= 7) _bytes.WriteByte((byte)(v | 0x80));
            _bytes.WriteByte((byte)v);
        }
    }
}
