using System;
using System.IO;
using System.Text;
using NetGen;

namespace NetGen.Benchmarks;

/// <summary>
/// Writes a NetGen dense network as an ONNX model (opset 13): one <c>Gemm</c> per layer with <c>transB = 1</c>, so the
/// weights keep NetGen's (and PyTorch's) <c>[out, in]</c> layout, its activation, and <c>Softmax</c> on a softmax output.
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
            graph.Message(5, Tensor(w, new long[] { layer.Outputs, layer.Inputs }, parameters.Slice(layer.WeightOffset, layer.WeightCount)));
            graph.Message(5, Tensor(b, new long[] { layer.Outputs }, parameters.Slice(layer.BiasOffset, layer.BiasCount)));
            graph.Message(1, Node("Gemm", new[] { current, w, b }, z, new Proto().String(1, "transB").Int(3, 1).Int(20, 2)));
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
        graph.Message(11, ValueInfo("x", net.InputSize));
        graph.Message(12, ValueInfo("y", net.OutputSize));

        return new Proto()
            .Int(1, 8) // ir_version 8
            .String(2, "NetGen.Benchmarks")
            .Message(7, graph)
            .Message(8, new Proto().String(1, "").Int(2, 13)) // opset_import: the default domain, opset 13
            .ToArray();
    }

    private static Proto Node(string op, string[] inputs, string output, Proto? attribute)
    {
        var node = new Proto();
        foreach (string input in inputs) node.String(1, input);
        node.String(2, output).String(3, op + "_" + output).String(4, op);
        if (attribute is not null) node.Message(5, attribute);
        return node;
    }

    private static Proto Tensor(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var tensor = new Proto();
        foreach (long d in dims) tensor.Int(1, d);
        tensor.Int(2, 1).String(8, name); // data_type FLOAT
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(raw.AsSpan(4 * i), values[i]); // little-endian, as ONNX's raw_data
        return tensor.Bytes(9, raw);
    }

    /// <summary>A float matrix [N, width] with a symbolic batch dimension.</summary>
    private static Proto ValueInfo(string name, int width)
    {
        var shape = new Proto().Message(1, new Proto().String(2, "N")).Message(1, new Proto().Int(1, width));
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
