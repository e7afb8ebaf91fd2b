using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Model;

namespace NetGen.Generator;

/// <summary>
/// Turns a partial class annotated with <c>[Dense]</c>/<c>[Softmax]</c> layers into a specialized network:
/// constant sizes, register-blocked SIMD kernels per layer, forward and backward passes.
/// </summary>
/// <remarks>
/// Pipeline: <c>ForAttributeWithMetadataName</c> on the layer attributes → <see cref="Parser"/> builds a
/// value-equatable <see cref="ParseResult"/> (no symbols, syntax or locations inside, so unrelated edits hit the
/// cache) → <see cref="Baker"/> resolves <c>[BakedWeights]</c> against the .safetensors additional files →
/// <see cref="Planning.Planner"/> decides, as equatable data, every kernel, flavor, weight update and thread cut →
/// <see cref="Emitter"/> renders the plan. Diagnostics and sources are reported from separate outputs, so a changed
/// diagnostic location does not re-emit source and vice versa. docs/design.md describes the stages.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed partial class NetGenGenerator : IIncrementalGenerator
{
    internal const string DenseAttributeName = "NetGen.DenseAttribute";
    internal const string SoftmaxAttributeName = "NetGen.SoftmaxAttribute";
    internal const string LossAttributeName = "NetGen.LossAttribute";
    internal const string DropoutAttributeName = "NetGen.DropoutAttribute";
    internal const string BakedWeightsAttributeName = "NetGen.BakedWeightsAttribute";
    internal const string ElementTypeAttributeName = "NetGen.ElementTypeAttribute";
    internal const string InputAttributeName = "NetGen.InputAttribute";
    internal const string Conv2DAttributeName = "NetGen.Conv2DAttribute";
    internal const string MaxPool2DAttributeName = "NetGen.MaxPool2DAttribute";
    internal const string AvgPool2DAttributeName = "NetGen.AvgPool2DAttribute";
    internal const string L2Pool2DAttributeName = "NetGen.L2Pool2DAttribute";
    internal const string FeatureL2PoolAttributeName = "NetGen.FeatureL2PoolAttribute";
    internal const string FlattenAttributeName = "NetGen.FlattenAttribute";

    /// <summary>Names of the pipeline steps, for tests that run with <c>trackIncrementalGeneratorSteps</c>.</summary>
    public static class TrackingNames
    {
        /// <summary>The parse of classes found through [Dense].</summary>
        public const string ParseDense = nameof(ParseDense);

        /// <summary>The parse of classes with [Softmax] but no [Dense].</summary>
        public const string ParseSoftmaxOnly = nameof(ParseSoftmaxOnly);

        /// <summary>The check of classes with [Dropout], [Loss] or [BakedWeights] but no layers.</summary>
        public const string ParseWithoutLayers = nameof(ParseWithoutLayers);

        /// <summary>The bytes of the project's .safetensors additional files.</summary>
        public const string BakedFiles = nameof(BakedFiles);

        /// <summary>A parse result with its [BakedWeights] resolved.</summary>
        public const string Bind = nameof(Bind);

        /// <summary>The network model, once its diagnostics are split off.</summary>
        public const string Model = nameof(Model);

        /// <summary>The plan decided from the model (kernels, flavors, updates, thread cuts) that the emitter renders.</summary>
        public const string Plan = nameof(Plan);
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // A network is found through its [Dense] layers; a class with only [Softmax] is found through that
        // attribute and reported (it has no input width). Each symbol yields one result, from the declaration
        // that carries its first layer attribute.
        IncrementalValuesProvider<ParseResult> fromDense = context.SyntaxProvider.ForAttributeWithMetadataName(
            DenseAttributeName,
            static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
            static (ctx, ct) => Parser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.ParseDense)
            .Where(static r => r is not null)!;

        IncrementalValuesProvider<ParseResult> fromSoftmaxOnly = context.SyntaxProvider.ForAttributeWithMetadataName(
            SoftmaxAttributeName,
            static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
            static (ctx, ct) => Parser.HasAttribute(ctx.TargetSymbol, DenseAttributeName) ? null : Parser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.ParseSoftmaxOnly)
            .Where(static r => r is not null)!;

        // A class with [Dropout], [Loss] or [BakedWeights] but no layer attribute at all is reported once, from the
        // first of those attributes in source order.
        var withoutLayers = new[] { DropoutAttributeName, LossAttributeName, BakedWeightsAttributeName }
            .Select(name => context.SyntaxProvider.ForAttributeWithMetadataName(
                name,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                (ctx, ct) => Parser.ParseWithoutLayers(ctx, name, ct))
                .WithTrackingName(TrackingNames.ParseWithoutLayers)
                .Where(static r => r is not null))
            .ToArray();
        foreach (var results in withoutLayers)
        {
            context.RegisterSourceOutput(results.SelectMany(static (r, _) => r!.Diagnostics), static (spc, diagnostic) =>
                spc.ReportDiagnostic(diagnostic.ToDiagnostic()));
        }

        // Safetensors files named by [BakedWeights] arrive as AdditionalFiles; their bytes are read once per change.
        IncrementalValueProvider<ImmutableArray<AdditionalFileContent>> bakedFiles = context.AdditionalTextsProvider
            .Where(static f => f.Path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            .Select(static (f, ct) => Baker.ReadFile(f.Path, ct))
            .WithTrackingName(TrackingNames.BakedFiles)
            .Collect();

        foreach (IncrementalValuesProvider<ParseResult> parsed in new[] { fromDense, fromSoftmaxOnly })
        {
            IncrementalValuesProvider<ParseResult> results = parsed.Combine(bakedFiles)
                .Select(static (pair, ct) => Baker.Bind(pair.Left, pair.Right, ct))
                .WithTrackingName(TrackingNames.Bind);

            context.RegisterSourceOutput(results.SelectMany(static (r, _) => r.Diagnostics), static (spc, diagnostic) =>
                spc.ReportDiagnostic(diagnostic.ToDiagnostic()));

            IncrementalValuesProvider<Planning.NetworkPlan> plans = results.Select(static (r, _) => r.Network).WithTrackingName(TrackingNames.Model)
                .Where(static n => n is not null)
                .Select(static (network, _) => Planning.Planner.Plan(network!)).WithTrackingName(TrackingNames.Plan);

            context.RegisterSourceOutput(plans, static (spc, plan) => spc.AddSource(plan.Network.HintName, Emitter.Emit(plan)));
        }
    }
}
