using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>
/// The generator runs on every keystroke: an edit that does not touch a network's declaration must leave every step
/// cached and re-emit nothing, and an edit to one network's layers must re-emit that network only.
/// </summary>
public class IncrementalCachingTests
{
    private const string Networks = """
        using NetGen;
        using static NetGen.Activation;
        namespace Demo;
        [Dense(10, 7, Tanh)]
        [Softmax(3)]
        public partial class First
        {
            public int Helper() => 1;
        }
        [Dense(4, 5, ReLU)]
        [Dense(5, 2)]
        public partial class Second;
        """;

    private const string Other = "namespace Demo; public static class Unrelated { public static int Value() => 1; }";

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun(params string[] sources)
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(sources);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        return (driver, compilation);
    }

    private static GeneratorRunResult Rerun(GeneratorDriver driver, CSharpCompilation compilation, int treeIndex, string newText)
    {
        SyntaxTree old = compilation.SyntaxTrees.ElementAt(treeIndex);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(newText, GeneratorHarness.ParseOptions, old.FilePath));
        return driver.RunGenerators(edited).GetRunResult().Results.Single();
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult result, string step)
        => result.TrackedSteps.TryGetValue(step, out var steps)
            ? steps.SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray()
            : Array.Empty<IncrementalStepRunReason>();

    private static IncrementalStepRunReason[] SourceOutputReasons(GeneratorRunResult result)
        => result.TrackedOutputSteps.SelectMany(p => p.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static void AssertNothingRecomputed(GeneratorRunResult result)
    {
        foreach (string step in new[] { NetGenGenerator.TrackingNames.ParseDense, NetGenGenerator.TrackingNames.Bind, NetGenGenerator.TrackingNames.Model, NetGenGenerator.TrackingNames.Plan })
        {
            IncrementalStepRunReason[] reasons = Reasons(result, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }
        Assert.All(SourceOutputReasons(result), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void AnEditInAnotherFileRecomputesNothing()
    {
        var (driver, compilation) = FirstRun(Networks, Other);
        GeneratorRunResult result = Rerun(driver, compilation, 1, Other.Replace("=> 1", "=> 2"));
        AssertNothingRecomputed(result);
        Assert.Equal(2, result.GeneratedSources.Length);
    }

    [Fact]
    public void AnEditInsideTheNetworkClassRecomputesNothingDownstream()
    {
        var (driver, compilation) = FirstRun(Networks, Other);
        GeneratorRunResult result = Rerun(driver, compilation, 0, Networks.Replace("public int Helper() => 1;", "public int Helper() => 1 + 2 * 3;\n    private int _state;"));
        AssertNothingRecomputed(result);
    }

    [Fact]
    public void AnEditToOneNetworksLayersReEmitsThatNetworkOnly()
    {
        var (driver, compilation) = FirstRun(Networks, Other);
        GeneratorRunResult result = Rerun(driver, compilation, 0, Networks.Replace("[Dense(5, 2)]", "[Dense(5, 3)]"));
        IncrementalStepRunReason[] model = Reasons(result, NetGenGenerator.TrackingNames.Model);
        Assert.Equal(1, model.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, model.Count(r => r is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached));
        IncrementalStepRunReason[] plan = Reasons(result, NetGenGenerator.TrackingNames.Plan);
        Assert.Equal(1, plan.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, plan.Count(r => r is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached));
        IncrementalStepRunReason[] emitted = SourceOutputReasons(result);
        Assert.Equal(1, emitted.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Contains("OutputSize = 3", result.GeneratedSources.Single(s => s.HintName == "Demo.Second.g.cs").SourceText.ToString());
    }

    [Fact]
    public void ModelsBetweenStepsHoldNoSymbolsSyntaxOrLocations()
    {
        Type[] forbidden = { typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Location), typeof(Compilation), typeof(SemanticModel), typeof(AttributeData) };
        Assembly generator = typeof(NetGenGenerator).Assembly;
        var seen = new HashSet<Type>();
        var pending = new Queue<Type>(new[] { "ParseResult", "NetworkSpec", "LayerSpec", "DiagnosticInfo", "BakedWeights", "BakedWeightsRequest", "AdditionalFileContent" }
            .Select(n => generator.GetType("NetGen.Generator.Model." + n, throwOnError: true)!)
            .Concat(new[] { "NetworkPlan", "LayerPlan", "KernelPlan" }.Select(n => generator.GetType("NetGen.Generator.Planning." + n, throwOnError: true)!)));
        while (pending.Count > 0)
        {
            Type type = pending.Dequeue();
            if (!seen.Add(type) || type.IsPrimitive || type.IsEnum || type == typeof(string)) continue;
            Assert.False(forbidden.Any(f => f.IsAssignableFrom(type)), $"{type} is held by a pipeline model");
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                pending.Enqueue(field.FieldType);
                foreach (Type argument in field.FieldType.GetGenericArguments()) pending.Enqueue(argument);
            }
        }
        Assert.Contains(seen, t => t.Name == "LocationInfo"); // locations travel as plain data
    }
}
