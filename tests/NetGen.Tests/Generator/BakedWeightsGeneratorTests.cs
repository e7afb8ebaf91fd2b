using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>[BakedWeights] at compile time: the file is found among the additional files, checked, and baked; every problem is a diagnostic at the path argument.</summary>
public sealed class BakedWeightsGeneratorTests : IDisposable
{
    private const string Declaration = "using NetGen;\nusing static NetGen.Activation;\n[Dense(4, 3, Tanh)]\n[Softmax(2)]\n[BakedWeights(\"Model/w.safetensors\", InferenceOnly = true)]\npublic partial class Net { }\n";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "netgen-baked-" + Guid.NewGuid().ToString("N"));

    public BakedWeightsGeneratorTests() => Directory.CreateDirectory(Path.Combine(_folder, "Model"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private record Tensor(string Name, string DType, long[] Shape, float[] Values);

    /// <summary>The tensors Net needs, with distinct values: 0.weight [3, 4], 0.bias [3], 2.weight [2, 3], 2.bias [2].</summary>
    private static List<Tensor> NetTensors()
    {
        float v = 0;
        float[] Next(int n) => Enumerable.Range(0, n).Select(_ => v += 0.125f).Select(x => x * (x % 0.5f == 0 ? -1 : 1)).ToArray();
        return new()
        {
            new("0.weight", "F32", new long[] { 3, 4 }, Next(12)),
            new("0.bias", "F32", new long[] { 3 }, Next(3)),
            new("2.weight", "F32", new long[] { 2, 3 }, Next(6)),
            new("2.bias", "F32", new long[] { 2 }, Next(2)),
        };
    }

    /// <summary>Writes a safetensors file by hand (independent of the runtime's writer), F32 values little-endian.</summary>
    private string Write(IEnumerable<Tensor> tensors, string name = "Model/w.safetensors", Func<byte[], byte[]>? corrupt = null)
    {
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var data = new MemoryStream();
        foreach (Tensor t in tensors)
        {
            long begin = data.Length;
            foreach (float f in t.Values) data.Write(BitConverter.GetBytes(f));
            header.Append(CultureInfo.InvariantCulture, $",\"{t.Name}\":{{\"dtype\":\"{t.DType}\",\"shape\":[{string.Join(",", t.Shape)}],\"data_offsets\":[{begin},{data.Length}]}}");
        }
        header.Append('}');
        byte[] json = Encoding.UTF8.GetBytes(header.ToString());
        var file = new MemoryStream();
        file.Write(BitConverter.GetBytes((ulong)json.Length));
        file.Write(json);
        file.Write(data.ToArray());
        byte[] bytes = corrupt is null ? file.ToArray() : corrupt(file.ToArray());
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The literals of the generated BakedParameters initializer, in order.</summary>
    private static string[] BakedLiterals(string generated, string type)
    {
        string body = generated.Substring(generated.IndexOf($"BakedParameters => new {type}[ParameterCount]", StringComparison.Ordinal));
        body = body.Substring(body.IndexOf('{') + 1, body.IndexOf("};", StringComparison.Ordinal) - body.IndexOf('{') - 1);
        return body.Split('\n').Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal))
            .SelectMany(l => l.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
    }

    private static AdditionalText[] Files(params string[] paths) => paths.Select(p => (AdditionalText)new GeneratorHarness.FileOnDisk(p)).ToArray();

    private static (string Id, string Text) SingleDiagnostic(AdditionalText[] files, string declaration = Declaration)
        => Assert.Single(GeneratorHarness.GeneratorDiagnostics(new[] { declaration }, files));

    [Fact]
    public void ValidFileIsBakedExactlyAndCompilesWithoutWarnings()
    {
        List<Tensor> tensors = NetTensors();
        AdditionalText[] files = Files(Write(tensors));
        var (result, output) = GeneratorHarness.Run(new[] { Declaration }, files);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.DoesNotContain(GeneratorHarness.AfterSuppressor(output), d => d.Severity >= DiagnosticSeverity.Warning);
        string source = Assert.Single(result.GeneratedSources).SourceText.ToString();
        Assert.Contains("partial class Net : global::NetGen.IInferenceNetwork", source);
        Assert.DoesNotContain("ComputeGradients", source);
        Assert.DoesNotContain("_gradients", source);
        // Every value appears as a literal that parses back to the same float, in the parameter layout.
        float[] literals = BakedLiterals(source, "float").Select(l => float.Parse(l.TrimEnd('f'), CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(tensors.SelectMany(t => t.Values).ToArray(), literals);
    }

    [Fact]
    public void GoldenFileOfABakedNetwork()
    {
        var (result, _) = GeneratorHarness.Run(new[] { Declaration }, Files(Write(NetTensors())));
        Assert.Empty(result.Diagnostics);
        GoldenFileTests.AssertMatchesGolden("BakedNet", Assert.Single(result.GeneratedSources).SourceText.ToString());
    }

    [Fact]
    public void FileNotAmongTheAdditionalFilesIsReportedAtThePath()
    {
        string other = Write(NetTensors(), "Model/other.safetensors");
        var (id, text) = SingleDiagnostic(Files(other));
        Assert.Equal("NG0017", id);
        Assert.Equal("\"Model/w.safetensors\"", text);
        var diagnostic = Assert.Single(GeneratorHarness.Run(new[] { Declaration }, Files(other)).Result.Diagnostics);
        Assert.Contains("other.safetensors", diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void MatchesByTrailingPathAtAFolderBoundaryOnly()
    {
        Write(NetTensors(), "Model/xw.safetensors");
        string decoy = Path.Combine(_folder, "Model/xw.safetensors");
        Assert.Equal("NG0017", SingleDiagnostic(Files(decoy), Declaration.Replace("Model/w.safetensors", "w.safetensors")).Id);
        Assert.Empty(GeneratorHarness.GeneratorDiagnostics(new[] { Declaration.Replace("Model/w.safetensors", "./w.safetensors") }, Files(Write(NetTensors()))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void EmptyPathIsReported(string path)
    {
        var (id, text) = SingleDiagnostic(Files(), Declaration.Replace("Model/w.safetensors", path));
        Assert.Equal("NG0022", id);
        Assert.Equal("\"" + path + "\"", text);
    }

    public static TheoryData<string, string, string> Broken() => new()
    {
        { "truncated", "NG0018", "data region holds" },
        { "padded", "NG0018", "data region holds" },
        { "short", "NG0018", "shorter than the 8-byte header length" },
        { "absurd header length", "NG0018", "header length" },
        { "bad json", "NG0018", "malformed" },
        { "not utf-8", "NG0018", "UTF-8" },
        { "wrong shape", "NG0019", "tensor '0.weight' has shape [3, 5] in the file, but the network needs [3, 4]" },
        { "wrong dtype", "NG0019", "tensor '2.weight' has dtype F16; expected F32" },
        { "missing tensor", "NG0019", "tensor '2.bias' is missing" },
        { "extra tensor", "NG0019", "unexpected tensor '4.weight'" },
        { "overlap", "NG0018", "overlaps" },
        { "nan", "NG0020", "holds NaN at element 5 of tensor '0.weight'" },
        { "infinity", "NG0020", "holds +Infinity at element 1 of tensor '2.bias'" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void BrokenFilesAreReportedAtThePathWithTheReason(string breakage, string expectedId, string expectedMessage)
    {
        List<Tensor> t = NetTensors();
        Func<byte[], byte[]>? corrupt = null;
        switch (breakage)
        {
            case "truncated": corrupt = b => b[..^4]; break;
            case "padded": corrupt = b => b.Concat(new byte[4]).ToArray(); break;
            case "short": corrupt = b => b[..5]; break;
            case "absurd header length": corrupt = b => { BitConverter.GetBytes(ulong.MaxValue / 3).CopyTo(b, 0); return b; }; break;
            case "bad json": corrupt = b => { b[8] = (byte)'['; return b; }; break;
            case "not utf-8": corrupt = b => { b[12] = 0xFF; return b; }; break;
            case "wrong shape": t[0] = t[0] with { Shape = new long[] { 3, 5 }, Values = new float[15] }; break;
            case "wrong dtype": t[2] = t[2] with { DType = "F16" }; break;
            case "missing tensor": t.RemoveAt(3); break;
            case "extra tensor": t.Add(new Tensor("4.weight", "F32", new long[] { 1 }, new float[1])); break;
            case "overlap": corrupt = b => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(b).Replace("\"data_offsets\":[48,60]", "\"data_offsets\":[44,56]")); break;
            case "nan": t[0].Values[5] = float.NaN; break;
            case "infinity": t[3].Values[1] = float.PositiveInfinity; break;
        }
        AdditionalText[] files = Files(Write(t, corrupt: corrupt));
        var (result, _) = GeneratorHarness.Run(new[] { Declaration }, files);
        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal(expectedId, d.Id);
        Assert.Contains(expectedMessage, d.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal("\"Model/w.safetensors\"", Declaration.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
    }

    [Fact]
    public void UnreadableFileIsReportedNotThrown()
    {
        var (id, _) = SingleDiagnostic(Files(Path.Combine(_folder, "Model", "w.safetensors")));
        Assert.Equal("NG0018", id); // listed as an additional file but absent on disk
    }

    [Fact]
    public void NetworkTooLargeToBakeIsReportedBeforeAnyFileIsRead()
    {
        var (id, text) = SingleDiagnostic(Files(), "using NetGen;\n[Dense(4096, 1100)]\n[BakedWeights(\"big.safetensors\")]\npublic partial class Net { }\n");
        Assert.Equal("NG0021", id);
        Assert.Equal("\"big.safetensors\"", text);
    }

    [Fact]
    public void ABrokenBakedNetworkDoesNotStopTheOthers()
    {
        List<Tensor> t = NetTensors();
        t[0].Values[0] = float.NaN;
        string source = Declaration + "[Dense(4, 3, Tanh)]\n[Softmax(2)]\n[BakedWeights(\"good.safetensors\")]\npublic partial class Good { }\n";
        var (result, _) = GeneratorHarness.Run(new[] { source }, Files(Write(t), Write(NetTensors(), "good.safetensors")));
        Assert.Equal("NG0020", Assert.Single(result.Diagnostics).Id);
        Assert.Equal("Good.g.cs", Assert.Single(result.GeneratedSources).HintName);
    }

    [Fact]
    public void DoubleNetworksBakeF64ExactlyAndRefuseF32()
    {
        string source = Declaration.Replace("public partial class Net", "[ElementType(typeof(double))]\npublic partial class Net");
        List<Tensor> tensors = NetTensors();
        // F32 values for a double network: refused, naming the dtype it needs.
        var (id, _) = SingleDiagnostic(Files(Write(tensors)), source);
        Assert.Equal("NG0019", id);

        // F64: written by hand with values no float can hold; baked to the last bit.
        double[] values = Enumerable.Range(1, 23).Select(i => Math.PI * i / 7 * (i % 3 == 0 ? -1 : 1)).ToArray();
        var header = new StringBuilder("{");
        var data = new MemoryStream();
        int k = 0;
        foreach (Tensor t in tensors)
        {
            long begin = data.Length;
            for (int i = 0; i < t.Values.Length; i++) data.Write(BitConverter.GetBytes(values[k++]));
            header.Append(CultureInfo.InvariantCulture, $"{(header.Length > 1 ? "," : "")}\"{t.Name}\":{{\"dtype\":\"F64\",\"shape\":[{string.Join(",", t.Shape)}],\"data_offsets\":[{begin},{data.Length}]}}");
        }
        byte[] json = Encoding.UTF8.GetBytes(header.Append('}').ToString());
        string path = Path.Combine(_folder, "Model", "w.safetensors");
        File.WriteAllBytes(path, BitConverter.GetBytes((ulong)json.Length).Concat(json).Concat(data.ToArray()).ToArray());
        var (result, output) = GeneratorHarness.Run(new[] { source }, Files(path));
        Assert.Empty(result.Diagnostics);
        Assert.DoesNotContain(GeneratorHarness.AfterSuppressor(output), d => d.Severity >= DiagnosticSeverity.Warning);
        string generated = Assert.Single(result.GeneratedSources).SourceText.ToString();
        Assert.Contains("partial class Net : global::NetGen.IInferenceNetwork<double>", generated);
        double[] literals = BakedLiterals(generated, "double").Select(l => double.Parse(l.TrimEnd('d'), CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(values, literals);
    }

    [Fact]
    public void TrainableBakedNetworkKeepsTheTrainingApi()
    {
        string source = Declaration.Replace(", InferenceOnly = true", "");
        var (result, output) = GeneratorHarness.Run(new[] { source }, Files(Write(NetTensors())));
        Assert.Empty(result.Diagnostics);
        Assert.DoesNotContain(GeneratorHarness.AfterSuppressor(output), d => d.Severity >= DiagnosticSeverity.Warning);
        string generated = Assert.Single(result.GeneratedSources).SourceText.ToString();
        Assert.Contains("partial class Net : global::NetGen.INetwork", generated);
        Assert.Contains("BakedParameters.CopyTo(_parameters.Span);", generated);
        Assert.Contains("public float ComputeGradients(", generated);
    }
}
