using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>
/// What an editor feeds the generator while someone types: 10,000 randomly mutated declarations (numbers replaced by
/// absurd values, characters and brackets deleted, tokens inserted, text cut off half-way, lines duplicated or swapped).
/// The generator must never throw (the compiler would turn that into warning CS8785), and the same input must always
/// give byte-identical sources and the same diagnostics.
/// </summary>
public class GeneratorFuzzTests
{
    private const int Declarations = 10_000;
    private const int PerCompilation = 25;

    private static readonly string[] Seeds =
    {
        "[Dense(784, 500, Tanh)]\n[Softmax(10)]\npublic partial class FashionNet;\n",
        "[Dense(37, 19, LeakyReLU, NegativeSlope = 0.05f)]\n[Dropout(0.25)]\n[Dense(19, 7, Sigmoid)]\n[Loss(LossFunction.BinaryCrossEntropy)]\npartial class OddNet { public int X => 1; }\n",
        "public static partial class Brains\n{\n    [Dense(16, 32, ReLU)]\n    [Dense(32, 4)]\n    internal sealed partial class ControlNet { }\n}\n",
        "[Dense(inputs: 3, outputs: 2, activation: Identity)]\n[Softmax(classes: 2)]\n[BakedWeights(\"w.safetensors\", InferenceOnly = true)]\npublic partial record Net;\n",
        "[Dense(2, 8, Tanh)]\n[Dense(8, 1, Sigmoid)]\npublic partial class Xor { public Xor(string s) { } }\n",
        "[Input(1, 28, 28)]\n[Conv2D(32, Kernel = 3, Padding = 1, Activation = ReLU)]\n[MaxPool2D(2)]\n[Conv2D(64, Kernel = 3, Stride = 3)]\n" +
            "[AvgPool2D(2, Stride = 1)]\n[Flatten]\n[Dense(128, ReLU)]\n[Dropout(0.3)]\n[Softmax(10)]\npublic partial class Cnn;\n",
        "[Input(3, 9, 8)]\n[Conv2D(6, KernelHeight = 3, KernelWidth = 2, PaddingWidth = 1)]\n[L2Pool2D(2, StrideHeight = 1)]\n" +
            "[FeatureL2Pool(3)]\n[Flatten]\n[Dense(4)]\n[ElementType(typeof(double))]\npartial class L2Net;\n",
    };

    private static readonly string[] Insertions =
    {
        ",", "(", ")", "[", "]", "{", "}", ";", "Dense(", "[Dense(1, 1)]", "[Softmax(", "\"x\"", "typeof(int)", "(Activation)42", "null",
        "1.5", "-7", "2147483647", "static ", "<T>", "partial ", "[Dropout(2)]", "[Loss((LossFunction)9)]", "NegativeSlope = ",
        "class ", "/*", "//", "\n", "@", "#if X\n", "default", "nameof(X)", "1e40f", "int.MaxValue", "[BakedWeights(\"\")]",
        "[Flatten]", "[Input(1, 2, 3)]", "[Conv2D(0)]", "Kernel = ", "Stride = 0", "Padding = 9", "[MaxPool2D(40)]", "[FeatureL2Pool(5)]",
        "[Input(65536, 65536, 65536)]", "[Dense(7)]", "KernelWidth = -1", "[AvgPool2D(1)]",
    };

    private static string Mutate(string text, Random rng)
    {
        int mutations = 1 + rng.Next(4);
        for (int m = 0; m < mutations && text.Length > 0; m++)
        {
            int at = rng.Next(text.Length);
            switch (rng.Next(7))
            {
                case 0: // replace a number by an absurd one
                    var numbers = Enumerable.Range(0, text.Length).Where(i => char.IsDigit(text[i]) && (i == 0 || !char.IsDigit(text[i - 1]))).ToList();
                    if (numbers.Count == 0) break;
                    int start = numbers[rng.Next(numbers.Count)], end = start;
                    while (end < text.Length && char.IsDigit(text[end])) end++;
                    string[] values = { "0", "-1", "1", "100000", "2147483647", "65536", "3", "17" };
                    text = text[..start] + values[rng.Next(values.Length)] + text[end..];
                    break;
                case 1: // delete a character
                    text = text.Remove(at, 1);
                    break;
                case 2: // delete a bracket
                    var brackets = Enumerable.Range(0, text.Length).Where(i => "()[]{};,".Contains(text[i])).ToList();
                    if (brackets.Count > 0) text = text.Remove(brackets[rng.Next(brackets.Count)], 1);
                    break;
                case 3: // insert a token
                    text = text.Insert(at, Insertions[rng.Next(Insertions.Length)]);
                    break;
                case 4: // half-typed: cut off
                    text = text[..at];
                    break;
                case 5: // duplicate or swap lines
                    var lines = text.Split('\n').ToList();
                    int a = rng.Next(lines.Count), b = rng.Next(lines.Count);
                    if (rng.Next(2) == 0) lines.Insert(b, lines[a]);
                    else (lines[a], lines[b]) = (lines[b], lines[a]);
                    text = string.Join('\n', lines);
                    break;
                default: // random type name
                    text = text.Replace("Net", new[] { "Net2", "int", "X<T>", "", "class" }[rng.Next(5)]);
                    break;
            }
        }
        return text;
    }

    private static (string Sources, string Diagnostics, Exception? Exception, bool Cs8785) Run(string[] files)
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(files);
        // The compiler reports a generator's exception as CS8785 among the driver's diagnostics; the generated code
        // itself is compiled elsewhere (CompilationTests), not here, to keep 10,000 declarations affordable.
        GeneratorDriver driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out _, out var driverDiagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        var sources = new StringBuilder();
        foreach (var s in result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal)) sources.Append(s.HintName).Append('\n').Append(s.SourceText).Append('\n');
        string diagnostics = string.Join("\n", result.Diagnostics.Select(d => d.ToString()).OrderBy(d => d, StringComparer.Ordinal));
        return (sources.ToString(), diagnostics, result.Exception, driverDiagnostics.Any(d => d.Id == "CS8785"));
    }

    [Fact]
    public void MutatedDeclarationsNeverCrashTheGeneratorAndGiveDeterministicOutput()
    {
        var rng = new Random(20261123);
        int generated = 0, reported = 0;
        for (int batch = 0; batch < Declarations / PerCompilation; batch++)
        {
            string[] files = Enumerable.Range(0, PerCompilation).Select(i =>
                $"using NetGen;\nusing static NetGen.Activation;\nnamespace Fuzz{batch}_{i};\n" + Mutate(Seeds[rng.Next(Seeds.Length)], rng)).ToArray();
            var first = Run(files);
            if (first.Exception is not null || first.Cs8785)
            {
                string culprit = files.FirstOrDefault(f => Run(new[] { f }) is var one && (one.Exception is not null || one.Cs8785)) ?? string.Join("\n---\n", files);
                Assert.Fail($"The generator threw on:\n{culprit}\n{first.Exception}");
            }
            var second = Run(files);
            Assert.Equal(first.Sources, second.Sources);
            Assert.Equal(first.Diagnostics, second.Diagnostics);
            generated += first.Sources.Split(".g.cs\n").Length - 1;
            reported += first.Diagnostics.Length == 0 ? 0 : first.Diagnostics.Split('\n').Length;
        }
        // The mutations must exercise both paths: networks that still generate and mistakes that are reported.
        Assert.InRange(generated, Declarations / 20, Declarations);
        Assert.InRange(reported, Declarations / 20, int.MaxValue);
    }
}
