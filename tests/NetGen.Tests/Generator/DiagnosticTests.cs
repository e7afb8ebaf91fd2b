using Microsoft.CodeAnalysis;
using System.Linq;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>Each mistake gives exactly its diagnostic id, located on the offending text, and no source for that class.</summary>
public class DiagnosticTests
{
    private const string Usings = "using NetGen;\nusing static NetGen.Activation;\n";

    [Theory]
    [InlineData("NG0001", "[Dense(4, 3, Tanh)] public class Net { }", "Net")]
    [InlineData("NG0002", "public class Outer { [Dense(4, 3, Tanh)] public partial class Net { } }", "Net")]
    [InlineData("NG0003", "[Dense(4, 3, Tanh)] public static partial class Net { }", "Net")]
    [InlineData("NG0003", "[Dense(4, 3, Tanh)] public partial class Net<T> { }", "Net")]
    [InlineData("NG0003", "public partial class Outer<T> { [Dense(4, 3, Tanh)] public partial class Net { } }", "Net")]
    [InlineData("NG0004", "[Softmax(10)] public partial class Net { }", "Softmax(10)")]
    [InlineData("NG0005", "[Dense(4, 3, Tanh)] [Dense(5, 2, Tanh)] public partial class Net { }", "5")]
    [InlineData("NG0005", "[Dense(4, 3, Tanh)] [Dense(inputs: 6, outputs: 2)] public partial class Net { }", "inputs: 6")]
    [InlineData("NG0006", "[Dense(4, 0, Tanh)] public partial class Net { }", "0")]
    [InlineData("NG0006", "[Dense(-4, 3, Tanh)] public partial class Net { }", "-4")]
    [InlineData("NG0006", "[Dense(4, 3, Tanh)] [Softmax(0)] public partial class Net { }", "0")]
    [InlineData("NG0007", "[Dense(4, 3, Tanh)] [Softmax(3)] [Dense(3, 2, Tanh)] public partial class Net { }", "Dense(3, 2, Tanh)")]
    [InlineData("NG0007", "[Dense(4, 3, Tanh)] [Softmax(3)] [Softmax(3)] public partial class Net { }", "Softmax(3)")]
    [InlineData("NG0008", "[Dense(4, 3, (Activation)42)] public partial class Net { }", "(Activation)42")]
    [InlineData("NG0009", "[Dense(4, 3, Tanh)] [Loss(LossFunction.CrossEntropy)] public partial class Net { }", "LossFunction.CrossEntropy")]
    [InlineData("NG0009", "[Dense(4, 3, Tanh)] [Softmax(2)] [Loss(LossFunction.BinaryCrossEntropy)] public partial class Net { }", "LossFunction.BinaryCrossEntropy")]
    [InlineData("NG0010", "[Dense(100000, 100000, Tanh)] public partial class Net { }", "Net")]
    [InlineData("NG0011", "[Dense(4, 3, LeakyReLU, NegativeSlope = 1.5f)] public partial class Net { }", "NegativeSlope = 1.5f")]
    [InlineData("NG0011", "[Dense(4, 3, LeakyReLU, NegativeSlope = -0.1f)] public partial class Net { }", "NegativeSlope = -0.1f")]
    [InlineData("NG0013", "[Dense(4, 3, Tanh)] public partial class Net { public void Forward() { } }", "Forward")]
    [InlineData("NG0013", "[Dense(4, 3, Tanh)] public partial class Net { public Net() { } }", "Net")]
    [InlineData("NG0013", "[Dense(4, 3, Tanh)] public partial class Net { public Net(Net other, bool copy) { } }", "Net")]
    [InlineData("NG0014", "[Dense(4, 3, Tanh)] [Loss((LossFunction)9)] public partial class Net { }", "(LossFunction)9")]
    [InlineData("NG0015", "[Dropout(0.5)] [Dense(4, 3, Tanh)] [Dense(3, 2)] public partial class Net { }", "Dropout(0.5)")]
    [InlineData("NG0015", "[Dense(4, 3, Tanh)] [Dense(3, 2)] [Dropout(0.5)] public partial class Net { }", "Dropout(0.5)")]
    [InlineData("NG0015", "[Dense(4, 3, Tanh)] [Dropout(0.5)] [Dropout(0.2)] [Dense(3, 2)] public partial class Net { }", "Dropout(0.2)")]
    [InlineData("NG0016", "[Dense(4, 3, Tanh)] [Dropout(1.0)] [Dense(3, 2)] public partial class Net { }", "1.0")]
    [InlineData("NG0016", "[Dense(4, 3, Tanh)] [Dropout(-0.1)] [Dense(3, 2)] public partial class Net { }", "-0.1")]
    [InlineData("NG0005", "[Dense(4, 3, Tanh)] [Dropout(0.5)] [Dense(5, 2)] public partial class Net { }", "5")]
    [InlineData("NG0023", "[Dropout(0.5)] public partial class Net { }", "Dropout(0.5)")]
    [InlineData("NG0024", "[Dense(4, 3, Tanh)] [ElementType(typeof(int))] public partial class Net { }", "typeof(int)")]
    [InlineData("NG0024", "[Dense(4, 3, Tanh)] [ElementType(typeof(System.Half))] public partial class Net { }", "typeof(System.Half)")]
    [InlineData("NG0023", "[Loss(LossFunction.CrossEntropy)] [Dropout(0.5)] public partial class Net { }", "Loss(LossFunction.CrossEntropy)")]
    [InlineData("NG0023", "[BakedWeights(\"w.safetensors\")] public partial class Net { }", "BakedWeights(\"w.safetensors\")")]
    [InlineData("NG0022", "[Dense(4, 3, Tanh)] [BakedWeights(\"\")] public partial class Net { }", "\"\"")]
    [InlineData("NG0025", "[Input(1, 8, 8)] [Conv2D(4, Kernel = 0)] [Flatten] [Softmax(2)] public partial class Net { }", "Kernel = 0")]
    [InlineData("NG0025", "[Input(1, 8, 8)] [Conv2D(4)] [Flatten] [Softmax(2)] public partial class Net { }", "Conv2D(4)")]
    [InlineData("NG0025", "[Input(1, 8, 8)] [Conv2D(4, Kernel = 3, Stride = 0)] [Flatten] [Softmax(2)] public partial class Net { }", "Stride = 0")]
    [InlineData("NG0025", "[Input(1, 8, 8)] [Conv2D(4, Kernel = 3, Padding = 3)] [Flatten] [Softmax(2)] public partial class Net { }", "Padding = 3")]
    [InlineData("NG0025", "[Input(1, 8, 8)] [Conv2D(4, Kernel = 9)] [Flatten] [Softmax(2)] public partial class Net { }", "Kernel = 9")]
    [InlineData("NG0025", "[Input(1, 8, 8)] [MaxPool2D(9)] [Flatten] [Softmax(2)] public partial class Net { }", "9")]
    [InlineData("NG0025", "[Input(6, 8, 8)] [FeatureL2Pool(4)] [Flatten] [Softmax(2)] public partial class Net { }", "4")]
    [InlineData("NG0026", "[Conv2D(4, Kernel = 3)] [Flatten] [Softmax(2)] public partial class Net { }", "Conv2D(4, Kernel = 3)")]
    [InlineData("NG0026", "[Input(1, 8, 8)] [Flatten] [Conv2D(4, Kernel = 3)] [Softmax(2)] public partial class Net { }", "Conv2D(4, Kernel = 3)")]
    [InlineData("NG0026", "[Input(1, 8, 8)] [Conv2D(4, Kernel = 3)] [Dense(5)] public partial class Net { }", "Dense(5)")]
    [InlineData("NG0026", "[Dense(4, 3, Tanh)] [Input(1, 2, 2)] [Dense(3, 2)] public partial class Net { }", "Input(1, 2, 2)")]
    [InlineData("NG0027", "[Input(1, 2048, 2048)] [Conv2D(64, Kernel = 3)] [Flatten] [Softmax(2)] public partial class Net { }", "Conv2D(64, Kernel = 3)")]
    [InlineData("NG0027", "[Input(4, 1024, 1024)] [Conv2D(1, Kernel = 17, Padding = 8)] [Flatten] [Softmax(2)] public partial class Net { }", "Conv2D(1, Kernel = 17, Padding = 8)")]
    [InlineData("NG0027", "[Input(64, 1024, 1024)] [Flatten] [Softmax(2)] public partial class Net { }", "Input(64, 1024, 1024)")]
    [InlineData("NG0005", "[Input(1, 8, 8)] [Conv2D(4, Kernel = 3)] [Flatten] [Dense(100, 5)] public partial class Net { }", "100")]
    [InlineData("NG0006", "[Input(1, 8, 8)] [Conv2D(0, Kernel = 3)] [Flatten] [Softmax(2)] public partial class Net { }", "0")]
    [InlineData("NG0015", "[Input(1, 8, 8)] [Conv2D(4, Kernel = 3)] [Dropout(0.5)] [Flatten] [Softmax(2)] public partial class Net { }", "Dropout(0.5)")]
    [InlineData("NG0004", "[Dense(5)] [Softmax(2)] public partial class Net { }", "Dense(5)")]
    public void MistakeReportsItsIdAtTheOffendingText(string id, string declaration, string locatedText)
    {
        var diagnostics = GeneratorHarness.GeneratorDiagnostics(Usings + declaration);
        var (actualId, text) = Assert.Single(diagnostics);
        Assert.Equal(id, actualId);
        Assert.Equal(locatedText, text);
    }

    /// <summary>Shape mistakes name both shapes: what the layer gets and what it would make of it (or needs).</summary>
    [Theory]
    [InlineData("[Input(1, 8, 8)] [Conv2D(4, Kernel = 9)] [Flatten] [Softmax(2)] public partial class Net { }", "9×9 window, larger than its input 1×8×8")]
    [InlineData("[Input(1, 8, 8)] [Conv2D(4, Kernel = 3, Padding = 3)] [Flatten] [Softmax(2)] public partial class Net { }", "pads 3×3 around a 3×3 kernel")]
    [InlineData("[Input(6, 8, 8)] [FeatureL2Pool(4)] [Flatten] [Softmax(2)] public partial class Net { }", "divide the 6 channels of its input 6×8×8")]
    [InlineData("[Input(1, 8, 8)] [Conv2D(4, Kernel = 3)] [Dense(5)] public partial class Net { }", "follows feature maps of 4×6×6")]
    [InlineData("[Input(1, 8, 8)] [Conv2D(4, Kernel = 3)] [Flatten] [Dense(100, 5)] public partial class Net { }", "produces 144 outputs")]
    [InlineData("[Input(1, 8, 8)] [Flatten] [Conv2D(4, Kernel = 3)] [Softmax(2)] public partial class Net { }", "flat vector of 64 values")]
    public void ShapeMistakesNameBothShapes(string declaration, string expected)
    {
        var (result, _) = GeneratorHarness.Run(Usings + declaration);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Contains(expected, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void LayersOnSeveralPartialDeclarationsAreReported()
    {
        var diagnostics = GeneratorHarness.GeneratorDiagnostics(
            Usings + "[Dense(4, 3, Tanh)] public partial class Net { }",
            Usings + "[Dense(3, 2, Tanh)] public partial class Net { }");
        var (id, text) = Assert.Single(diagnostics);
        Assert.Equal("NG0012", id);
        Assert.Equal("Net", text);
    }

    /// <summary>
    /// <c>Freeze()</c>'s copy is made by a private constructor (the network, bool), which a trainable float network's own
    /// constructor of that shape would collide with (NG0013 above); a double network has no <c>Freeze()</c> and may
    /// declare one.
    /// </summary>
    [Fact]
    public void OnlyNetworksWithFreezeReserveItsConstructor()
    {
        var (result, output) = GeneratorHarness.Run(Usings + """
            [Dense(4, 3, Tanh)] [ElementType(typeof(double))] public partial class Net { public Net(Net other, bool copy) : this(1) { } }
            """);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
    }

    [Fact]
    public void AnErrorStopsOnlyThatNetwork()
    {
        var (result, output) = GeneratorHarness.Run(Usings + """
            [Dense(4, 3, Tanh)] [Dense(5, 2)] public partial class Broken { }
            [Dense(4, 3, Tanh)] [Softmax(2)] public partial class Fine { }
            """);
        Assert.Equal("NG0005", Assert.Single(result.Diagnostics).Id);
        Assert.Equal("Fine.g.cs", Assert.Single(result.GeneratedSources).HintName);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
    }

    [Fact]
    public void MessagesNameTheLayerAndTheValues()
    {
        var (result, _) = GeneratorHarness.Run(Usings + "[Dense(4, 3, Tanh)] [Dense(5, 2, Tanh)] public partial class Net { }");
        string message = Assert.Single(result.Diagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("Layer 1 ([Dense(5, 2, Tanh)]) expects 5 inputs, but layer 0 ([Dense(4, 3, Tanh)]) produces 3 outputs", message);
    }

    [Theory]
    [InlineData("public partial class Net { static int Width = 3; }", "[Dense(4, Width, Tanh)]", "CS0182")]
    [InlineData("public partial class Net { const int Width = 3; static float P = 0.5f; }", "[Dense(4, Width, Tanh)] [Dropout(P)] [Dense(3, 2)]", "CS0182")]
    [InlineData("public partial class Net { }", "[Dense(4, 3, Tanh)] [BakedWeights(System.Environment.NewLine)]", "CS0182")]
    public void NonConstantArgumentsAreLeftToTheCompiler(string type, string attributes, string compilerId)
    {
        var (result, output) = GeneratorHarness.Run(Usings + attributes + " " + type);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Contains(output.GetDiagnostics(), d => d.Id == compilerId);
    }

    [Fact]
    public void AttributeWithCompileErrorsGivesNoGeneratorDiagnosticAndNoCrash()
    {
        // The compiler reports the bad argument itself; the generator must stay quiet and not throw.
        var (result, output) = GeneratorHarness.Run(Usings + "[Dense(4, \"three\", Tanh)] public partial class Net { }");
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.GeneratedSources);
        Assert.Contains(output.GetDiagnostics(), d => d.Id == "CS1503");
    }
}
