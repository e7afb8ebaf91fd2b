using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>
/// Every member the generator adds to a user's class, read from the generated code itself, is a name the generator
/// reports NG0013 for when the user declares it too: the list it checks cannot drift from what it emits.
/// </summary>
public class GeneratedMemberNameTests
{
    private const string Usings = "using NetGen;\nusing static NetGen.Activation;\n";

    /// <summary>Declarations that together reach every optional member: dropout, a label loss, double, inference-only, baked.</summary>
    public static TheoryData<string, string> Declarations() => new()
    {
        { "softmax with dropout", "[Dense(20, 12, ReLU)] [Dropout(0.25)] [Softmax(3)]" },
        { "sigmoid output, label loss", "[Dense(20, 12, Tanh)] [Dense(12, 3, Sigmoid)]" },
        { "double", "[Dense(20, 12, Tanh)] [Dropout(0.25)] [Softmax(3)] [ElementType(typeof(double))]" },
        { "inference-only", "[Dense(37, 19, Tanh)] [Dropout(0.2)] [Dense(19, 7, ReLU)] [Softmax(5)] [BakedWeights(\"odd.safetensors\", InferenceOnly = true)]" },
        { "baked, trainable", "[Dense(37, 19, Tanh)] [Dropout(0.2)] [Dense(19, 7, ReLU)] [Softmax(5)] [BakedWeights(\"odd.safetensors\")]" },
    };

    private static readonly AdditionalText[] BakedFile =
    {
        new GeneratorHarness.FileOnDisk(Path.Combine(GeneratorHarness.SourceDirectory(), "..", "Baked", "odd.safetensors")),
    };

    /// <summary>The names of the members that the generated partial declarations of Net declare (constructors excepted).</summary>
    private static string[] GeneratedMemberNames(string attributes)
    {
        var (result, output) = GeneratorHarness.Run(new[] { Usings + attributes + " public partial class Net { }" }, BakedFile);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        SyntaxTree generated = Assert.Single(result.GeneratedSources).SyntaxTree;
        ClassDeclarationSyntax net = generated.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>()
            .Single(c => c.Identifier.Text == "Net");
        var names = new SortedSet<string>(System.StringComparer.Ordinal);
        foreach (MemberDeclarationSyntax member in net.Members)
        {
            switch (member)
            {
                case ConstructorDeclarationSyntax:
                    break; // the class's own name: a user constructor is checked by DiagnosticTests
                case MethodDeclarationSyntax { ExplicitInterfaceSpecifier: null } m: names.Add(m.Identifier.Text); break;
                case PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: null } p: names.Add(p.Identifier.Text); break;
                case MethodDeclarationSyntax or PropertyDeclarationSyntax or IndexerDeclarationSyntax:
                    break; // explicit interface implementations have no name a user member could collide with
                case BaseFieldDeclarationSyntax f:
                    foreach (VariableDeclaratorSyntax v in f.Declaration.Variables) names.Add(v.Identifier.Text);
                    break;
                case BaseTypeDeclarationSyntax t: names.Add(t.Identifier.Text); break;
                default: Assert.Fail($"A generated member of a kind this test does not know: {member.Kind()}"); break;
            }
        }
        return names.ToArray();
    }

    [Theory]
    [MemberData(nameof(Declarations))]
    public void EveryGeneratedMemberNameIsReportedWhenTheUserDeclaresIt(string description, string attributes)
    {
        string[] names = GeneratedMemberNames(attributes);
        Assert.Contains("Forward", names);
        foreach (string name in names)
        {
            string source = Usings + attributes + $" public partial class Net {{ private static int {name}; }}";
            var diagnostics = GeneratorHarness.GeneratorDiagnostics(new[] { source }, BakedFile);
            Assert.True(diagnostics.Length == 1 && diagnostics[0] == ("NG0013", name),
                $"{description}: a user member named {name} should give NG0013 at its name, but the generator reported " +
                $"[{string.Join(", ", diagnostics.Select(d => $"{d.Id} at '{d.Text}'"))}]");
        }
    }

    [Fact]
    public void TheDeclarationsReachEveryOptionalMember()
    {
        var all = Declarations().SelectMany(row => GeneratedMemberNames((string)row[1])).ToHashSet();
        foreach (string name in new[] { "TrainStep", "CreateReplica", "LabelLoss", "SeedDropout", "BakedParameters", "Share", "ShareRows" })
        {
            Assert.Contains(name, all);
        }
    }
}
