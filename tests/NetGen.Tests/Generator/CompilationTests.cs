using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>The emitted code compiles without a single warning with nullable enabled and the latest language version.</summary>
public class CompilationTests
{
    [Theory]
    [InlineData("global namespace", "using NetGen;\n[Dense(10, 7, Activation.Tanh)]\n[Softmax(3)]\npublic partial class Net;\n")]
    [InlineData("file-scoped namespace", "using NetGen;\nnamespace A.B;\n[Dense(10, 7, Activation.ReLU)]\n[Dense(7, 1, Activation.Sigmoid)]\npublic partial class Net { }\n")]
    [InlineData("block namespace, nested", "namespace A { public partial class Outer { public partial record Inner { [NetGen.Dense(3, 2)] internal partial class Net { } } } }\n")]
    [InlineData("several in one file", "using NetGen;\n[Dense(33, 17, Activation.LeakyReLU)]\n[Softmax(5)]\npartial class One;\n[Dense(2, 2, Activation.Sigmoid)]\n[Loss(LossFunction.MeanSquaredError)]\npartial class Two;\n[Dense(1, 1)]\npartial class Three;\n")]
    [InlineData("double, every loss", "using NetGen;\n[Dense(10, 7, Activation.Sigmoid)]\n[Dropout(0.1)]\n[Softmax(3)]\n[ElementType(typeof(double))]\npartial class A;\n[Dense(5, 1, Activation.Sigmoid)]\n[ElementType(typeof(double))]\npartial class B;\n[Dense(5, 4, Activation.ReLU)]\n[Dense(4, 2)]\n[ElementType(typeof(double))]\npartial class C;\n")]
    public void CompilesWithoutWarnings(string what, string source)
    {
        var diagnostics = GeneratorHarness.CompileErrorsAndWarnings(source);
        Assert.True(diagnostics.Length == 0, what + ":\n" + string.Join("\n", diagnostics.Select(d => d.ToString())));
    }

    /// <summary>
    /// Built as a project with GenerateDocumentationFile is (documentation diagnostics on, the XML file written), the
    /// generated docs are well formed, their crefs and paramrefs resolve, and every public or protected member has one.
    /// </summary>
    [Theory]
    [InlineData("[Dense(784, 500, Activation.Tanh)] [Softmax(10)] public partial class Net;")]
    [InlineData("[Dense(20, 12, Activation.ReLU)] [Dropout(0.25)] [Dense(12, 3, Activation.Sigmoid)] [Loss(LossFunction.BinaryCrossEntropy)] public partial class Net;")]
    [InlineData("[Dense(20, 12, Activation.Tanh)] [Dropout(0.25)] [Softmax(3)] [ElementType(typeof(double))] public partial class Net;")]
    [InlineData("[Dense(16, 32, Activation.ReLU)] [Dense(32, 4)] public partial class Net;")]
    [InlineData("[Input(3, 9, 9)] [Conv2D(4, Kernel = 3, Padding = 1, Activation = Activation.ReLU)] [MaxPool2D(2)] [FeatureL2Pool(2)] [Flatten] " +
                "[Dense(8, Activation.Tanh)] [Dropout(0.5)] [Softmax(3)] public partial class Net;")]
    [InlineData("[Input(2, 8, 8)] [AvgPool2D(2)] [L2Pool2D(2, Stride = 1)] [Flatten] [Dense(3)] public partial class Net;")]
    public void DocumentationCommentsAreValid(string declaration)
    {
        // The check is on: a user's undocumented public class is reported.
        Assert.Equal(new[] { "CS1591" }, DocumentationProblems("using NetGen;\n" + declaration + "\npublic class Undocumented { }\n").Select(d => d.Id));
        Diagnostic[] problems = DocumentationProblems("using NetGen;\n" + declaration + "\n");
        Assert.True(problems.Length == 0, string.Join("\n", problems.Select(d => d.ToString())));
    }

    private static Diagnostic[] DocumentationProblems(string source)
    {
        CSharpParseOptions options = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        CSharpCompilation compilation = GeneratorHarness.Compilation(source);
        compilation = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), CSharpSyntaxTree.ParseText(source, options, "Source0.cs"));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new NetGen.Generator.NetGenGenerator().AsSourceGenerator() }, parseOptions: options);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        EmitResult emitted = output.Emit(new MemoryStream(), xmlDocumentationStream: new MemoryStream());
        // NG0100 is removed by the generator's suppressor in a build (MissingGeneratorTests); emitting does not run it.
        return emitted.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id != "NG0100").ToArray();
    }
}
