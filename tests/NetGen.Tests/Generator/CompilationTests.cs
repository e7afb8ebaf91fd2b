using System.Linq;
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
}
