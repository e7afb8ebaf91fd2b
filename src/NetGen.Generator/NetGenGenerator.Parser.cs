using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetGenGenerator
{
    /// <summary>Turns a network declaration into a <see cref="NetworkSpec"/> or diagnostics. Never throws on malformed input.</summary>
    internal static class Parser
    {
        private static readonly string Version = typeof(NetGenGenerator).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

        public static bool HasAttribute(ISymbol symbol, string metadataName)
            => symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == metadataName);

        public static ParseResult? Parse(GeneratorAttributeSyntaxContext context, CancellationToken ct)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
                return null;

            // Layer attributes in source order (file, then position) so the order is deterministic.
            var layerAttributes = type.GetAttributes()
                .Where(a => a.ApplicationSyntaxReference is not null && IsLayerAttribute(a))
                .OrderBy(a => a.ApplicationSyntaxReference!.SyntaxTree.FilePath, StringComparer.Ordinal)
                .ThenBy(a => a.ApplicationSyntaxReference!.Span.Start)
                .ToList();
            if (layerAttributes.Count == 0) return null;

            // One result per symbol: only the declaration carrying the first layer attribute reports.
            var declarations = layerAttributes
                .Select(a => a.ApplicationSyntaxReference!.GetSyntax(ct).Parent?.Parent)
                .Where(n => n is not null)
                .Distinct()
                .ToList();
            if (declarations.Count == 0 || declarations[0] != declaration) return null;

            var diagnostics = new List<DiagnosticInfo>();
            string name = type.Name;
            Location identifier = declaration.Identifier.GetLocation();

            void Report(DiagnosticDescriptor descriptor, Location? location, params object[] args)
                => diagnostics.Add(new DiagnosticInfo(descriptor.Id, LocationInfo.From(location),
                    args.Select(a => Convert.ToString(a, CultureInfo.InvariantCulture) ?? "").ToEquatableArray()));

            if (declarations.Count > 1 && declarations[1] is TypeDeclarationSyntax second)
                Report(DiagnosticDescriptors.LayersInSeveralDeclarations, second.Identifier.GetLocation(), name);

            CheckType(type, declaration, identifier, Report);

            ParsedLayers? parsed = ParseLayers(type, layerAttributes, ct, Report);
            if (parsed is null || diagnostics.Count > 0)
                return new ParseResult(null, diagnostics.ToEquatableArray());
            List<LayerSpec> layers = parsed.Dense;

            LossKind loss = ParseLoss(type, layers[layers.Count - 1], identifier, ct, Report);

            long parameterCount = layers[layers.Count - 1].End;
            if (parameterCount > DiagnosticDescriptors.MaxParameterCount)
                Report(DiagnosticDescriptors.NetworkTooLarge, identifier, name, parameterCount, DiagnosticDescriptors.MaxParameterCount);

            if (diagnostics.Count > 0)
                return new ParseResult(null, diagnostics.ToEquatableArray());

            var containing = new List<string>();
            for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
                containing.Insert(0, "partial " + TypeKeyword(outer) + " " + outer.Name);

            string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
            string hint = string.Join(".", new[] { ns }.Concat(containing.Select(c => c.Substring(c.LastIndexOf(' ') + 1))).Concat(new[] { name })
                .Where(s => !string.IsNullOrEmpty(s))) + ".g.cs";

            BakedWeightsRequest? baked = ParseBakedWeights(type, ct, Report);
            ElementKind element = ParseElementType(type, ct, Report);
            if (diagnostics.Count > 0)
                return new ParseResult(null, diagnostics.ToEquatableArray());

            var spec = new NetworkSpec(ns, containing.ToEquatableArray(), TypeKeyword(type), name,
                layers.ToEquatableArray(), loss, hint, Version, Element: element,
                Stages: parsed.Stages.ToEquatableArray(), Input: parsed.Stages.Count > 0 ? parsed.Input : null);

            // The members the generated type will add, from the plan the emitter follows (with the baking mode known
            // already, the values not yet), so a user member of the same name is reported here (NG0013).
            var planned = Planning.Planner.Plan(baked is null ? spec
                : spec with { Baked = new BakedWeights(baked.Path, baked.InferenceOnly, EquatableArray<double>.Empty) });
            foreach (string member in planned.MemberNames)
            {
                ISymbol? clash = type.GetMembers(member).FirstOrDefault(m => !m.IsImplicitlyDeclared);
                if (clash is not null)
                    Report(DiagnosticDescriptors.MemberCollision, clash.Locations.FirstOrDefault() ?? identifier, name, member);
            }
            // Freeze's copy has a private constructor of its own: (the network, bool).
            if (Planning.Planner.Freezes(spec))
            {
                foreach (IMethodSymbol ctor in type.InstanceConstructors)
                {
                    if (!ctor.IsImplicitlyDeclared && ctor.Parameters.Length == 2
                        && SymbolEqualityComparer.Default.Equals(ctor.Parameters[0].Type, type)
                        && ctor.Parameters[1].Type.SpecialType == SpecialType.System_Boolean)
                        Report(DiagnosticDescriptors.MemberCollision, ctor.Locations.FirstOrDefault() ?? identifier, name, name + "(" + name + ", bool)");
                }
            }
            if (diagnostics.Count > 0)
                return new ParseResult(null, diagnostics.ToEquatableArray());
            return new ParseResult(spec, EquatableArray<DiagnosticInfo>.Empty, baked);
        }

        /// <summary>
        /// For a class found through a non-layer NetGen attribute: NG0023 when it declares no [Dense] or [Softmax] at all,
        /// reported by the first such attribute in source order only; null otherwise (the layer pipelines handle it).
        /// </summary>
        public static ParseResult? ParseWithoutLayers(GeneratorAttributeSyntaxContext context, string attributeName, CancellationToken ct)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type) return null;
            if (HasAttribute(type, DenseAttributeName) || HasAttribute(type, SoftmaxAttributeName)) return null;
            AttributeData? first = type.GetAttributes()
                .Where(a => a.ApplicationSyntaxReference is not null
                    && a.AttributeClass?.ToDisplayString() is DropoutAttributeName or LossAttributeName or BakedWeightsAttributeName)
                .OrderBy(a => a.ApplicationSyntaxReference!.SyntaxTree.FilePath, StringComparer.Ordinal)
                .ThenBy(a => a.ApplicationSyntaxReference!.Span.Start)
                .FirstOrDefault();
            if (first is null || first.AttributeClass!.ToDisplayString() != attributeName) return null;
            var syntax = first.ApplicationSyntaxReference!.GetSyntax(ct) as AttributeSyntax;
            if (syntax?.Parent?.Parent != context.TargetNode) return null;
            var diagnostic = new DiagnosticInfo(DiagnosticDescriptors.NoLayers.Id, LocationInfo.From(syntax.GetLocation()),
                new[] { type.Name, "[" + syntax + "]" }.ToEquatableArray());
            return new ParseResult(null, new[] { diagnostic }.ToEquatableArray());
        }

        private static bool IsLayerAttribute(AttributeData attribute)
        {
            string? name = attribute.AttributeClass?.ToDisplayString();
            return name is DenseAttributeName or SoftmaxAttributeName or DropoutAttributeName or InputAttributeName
                || StageKindOf(name) is not null;
        }

        private static string TypeKeyword(INamedTypeSymbol type) => type switch
        {
            { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
            { IsRecord: true } => "record",
            { TypeKind: TypeKind.Struct } => "struct",
            { TypeKind: TypeKind.Interface } => "interface",
            _ => "class",
        };

        private static bool IsPartial(INamedTypeSymbol type, CancellationToken ct)
            => type.DeclaringSyntaxReferences.All(r => r.GetSyntax(ct) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));

        private static void CheckType(INamedTypeSymbol type, TypeDeclarationSyntax declaration, Location identifier,
            Action<DiagnosticDescriptor, Location?, object[]> report)
        {
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                report(DiagnosticDescriptors.NotPartial, identifier, new object[] { type.Name });
            if (type.IsStatic)
                report(DiagnosticDescriptors.UnsupportedType, identifier, new object[] { type.Name, "static" });
            else if (type.TypeParameters.Length > 0)
                report(DiagnosticDescriptors.UnsupportedType, identifier, new object[] { type.Name, "generic" });
            else if (type.TypeKind != TypeKind.Class)
                report(DiagnosticDescriptors.UnsupportedType, identifier, new object[] { type.Name, "a " + type.TypeKind.ToString().ToLowerInvariant() });

            for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                if (outer.TypeParameters.Length > 0)
                    report(DiagnosticDescriptors.UnsupportedType, identifier, new object[] { type.Name, "nested in the generic type '" + outer.Name + "'" });
                else if (!IsPartial(outer, default))
                    report(DiagnosticDescriptors.ContainingTypeNotPartial, identifier, new object[] { type.Name, outer.Name });
            }

            foreach (IMethodSymbol ctor in type.InstanceConstructors)
            {
                if (ctor.IsImplicitlyDeclared) continue;
                bool clashes = ctor.Parameters.Length == 0
                    || (ctor.Parameters.Length == 1 && ctor.Parameters[0].Type.SpecialType == SpecialType.System_Int32);
                if (clashes)
                    report(DiagnosticDescriptors.MemberCollision, ctor.Locations.FirstOrDefault() ?? identifier,
                        new object[] { type.Name, ctor.Parameters.Length == 0 ? type.Name + "()" : type.Name + "(int)" });
            }
        }

        /// <summary>The layers as read: dense layers, the layers over feature maps before them, and the declared input shape.</summary>
        private sealed class ParsedLayers
        {
            public List<LayerSpec> Dense { get; } = new();
            public List<StageSpec> Stages { get; } = new();
            public Shape3? Input { get; set; }
        }

        private static StageKind? StageKindOf(string? name) => name switch
        {
            Conv2DAttributeName => StageKind.Conv2D,
            MaxPool2DAttributeName => StageKind.MaxPool2D,
            AvgPool2DAttributeName => StageKind.AvgPool2D,
            L2Pool2DAttributeName => StageKind.L2Pool2D,
            FeatureL2PoolAttributeName => StageKind.FeatureL2Pool,
            FlattenAttributeName => StageKind.Flatten,
            _ => null,
        };

        /// <summary>
        /// Reads the layers in order, inferring every shape from the one before (the declared input, or the first dense
        /// layer's fan-in); null when an attribute has compile errors of its own (the compiler reports those) or a
        /// diagnostic was reported.
        /// </summary>
        private static ParsedLayers? ParseLayers(INamedTypeSymbol type, List<AttributeData> attributes, CancellationToken ct,
            Action<DiagnosticDescriptor, Location?, object[]> report)
        {
            var parsed = new ParsedLayers();
            List<LayerSpec> layers = parsed.Dense;
            int softmaxIndex = -1;
            long offset = 0;
            bool ok = true, pendingDropout = false;
            int previousLayerAttribute = -1;
            Shape3? shape = null; // what the next layer receives, once known
            bool flat = true;     // whether that is a vector (dense layers may follow) rather than feature maps
            for (int i = 0; i < attributes.Count; i++)
            {
                AttributeData attribute = attributes[i];
                var syntax = attribute.ApplicationSyntaxReference!.GetSyntax(ct) as AttributeSyntax;
                Location attributeLocation = syntax?.GetLocation() ?? Location.None;
                if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error || a.Value is null))
                    return null;

                string attributeName = attribute.AttributeClass!.ToDisplayString();
                bool isSoftmax = attributeName == SoftmaxAttributeName;
                bool isDropout = attributeName == DropoutAttributeName;
                StageKind? stageKind = StageKindOf(attributeName);
                string display = syntax is null ? "[" + attribute.AttributeClass!.Name.Replace("Attribute", "") + "]" : "[" + syntax.ToString() + "]";

                if (attributeName == InputAttributeName)
                {
                    var args = attribute.ConstructorArguments;
                    var input = args.Length == 3
                        ? new Shape3((int)args[0].Value!, (int)args[1].Value!, (int)args[2].Value!)
                        : new Shape3((int)args[0].Value!, 1, 1);
                    if (i > 0)
                    {
                        report(DiagnosticDescriptors.MisplacedLayer, attributeLocation, new object[] { i, display, "declares the input shape after other layers; [Input] must come first" });
                        ok = false;
                    }
                    else if (input.Channels < 1 || input.Height < 1 || input.Width < 1)
                    {
                        report(DiagnosticDescriptors.NonPositiveWidth, attributeLocation, new object[] { i, display, "the input shape", input });
                        ok = false;
                    }
                    else if (input.Size > DiagnosticDescriptors.MaxActivationsPerSample)
                    {
                        report(DiagnosticDescriptors.ActivationsTooLarge, attributeLocation, new object[] { i, display, input, input.Size, DiagnosticDescriptors.MaxActivationsPerSample });
                        return null;
                    }
                    else
                    {
                        parsed.Input = shape = input;
                        flat = input.Height == 1 && input.Width == 1;
                        previousLayerAttribute = i;
                    }
                    continue;
                }

                if (isDropout)
                {
                    double p = Convert.ToDouble(attribute.ConstructorArguments[0].Value, CultureInfo.InvariantCulture);
                    string? misplaced = layers.Count == 0 && parsed.Stages.Count == 0 && ok ? "comes before the first layer"
                        : i == attributes.Count - 1 ? "comes after the last layer"
                        : pendingDropout ? "follows another dropout"
                        : previousLayerAttribute >= 0 && StageKindOf(attributes[previousLayerAttribute].AttributeClass?.ToDisplayString()) is not null
                            ? "follows a layer over feature maps; dropout follows dense layers"
                        : null;
                    if (misplaced is not null && softmaxIndex < 0)
                    {
                        report(DiagnosticDescriptors.MisplacedDropout, attributeLocation, new object[] { i, display, misplaced });
                        ok = false;
                    }
                    if (!(p >= 0 && p < 1))
                    {
                        report(DiagnosticDescriptors.InvalidDropoutProbability, ArgumentLocation(syntax, 0), new object[] { i, display, p.ToString("R", CultureInfo.InvariantCulture) });
                        ok = false;
                    }
                    else if (misplaced is null && layers.Count > 0 && softmaxIndex < 0)
                    {
                        layers[layers.Count - 1] = layers[layers.Count - 1] with { Dropout = (float)p };
                    }
                    pendingDropout = true;
                    if (softmaxIndex < 0) continue;
                }
                else
                {
                    pendingDropout = false;
                }

                if (softmaxIndex >= 0)
                {
                    report(DiagnosticDescriptors.LayerAfterSoftmax, attributeLocation, new object[] { i, display, softmaxIndex });
                    ok = false;
                    continue;
                }

                if (stageKind is StageKind kind)
                {
                    if (shape is null || flat)
                    {
                        string why = shape is null
                            ? "needs feature maps, but no input shape is declared; add [Input(channels, height, width)] first"
                            : $"needs feature maps, but its input is the flat vector of {shape.Size} values from layer {previousLayerAttribute} ({Display(attributes[previousLayerAttribute], ct)})";
                        report(DiagnosticDescriptors.MisplacedLayer, attributeLocation, new object[] { i, display, why });
                        return null;
                    }
                    StageSpec? stage = ParseStage(kind, attribute, syntax, shape, i, display, offset, report);
                    if (stage is null) return null;
                    // A convolution's input gradient holds every window of a sample at once: positions × depth values.
                    long windows = stage.HasParameters
                        ? (long)stage.Out.Height * stage.Out.Width * stage.KernelHeight * stage.KernelWidth * stage.In.Channels : 0;
                    if (windows > int.MaxValue / 2)
                    {
                        report(DiagnosticDescriptors.ActivationsTooLarge, attributeLocation, new object[] { i, display,
                            $"its windows ({stage.Out.Height}×{stage.Out.Width} positions × {stage.KernelHeight}×{stage.KernelWidth}×{stage.In.Channels})",
                            windows, int.MaxValue / 2 });
                        return null;
                    }
                    if (stage.Out.Size > DiagnosticDescriptors.MaxActivationsPerSample)
                    {
                        report(DiagnosticDescriptors.ActivationsTooLarge, attributeLocation, new object[] { i, display, stage.Out, stage.Out.Size, DiagnosticDescriptors.MaxActivationsPerSample });
                        return null;
                    }
                    parsed.Stages.Add(stage);
                    offset = stage.End;
                    shape = stage.Out;
                    flat = kind == StageKind.Flatten;
                    previousLayerAttribute = i;
                    continue;
                }

                if (shape is not null && !flat)
                {
                    report(DiagnosticDescriptors.MisplacedLayer, attributeLocation, new object[] { i, display,
                        $"follows feature maps of {shape} from layer {previousLayerAttribute} ({Display(attributes[previousLayerAttribute], ct)}); add [Flatten] before it" });
                    return null;
                }

                int inputs, outputs, activation = 0;
                float slope = 0.01f;
                if (isSoftmax)
                {
                    outputs = (int)attribute.ConstructorArguments[0].Value!;
                    if (shape is null)
                    {
                        report(DiagnosticDescriptors.NoInputLayer, attributeLocation, new object[] { type.Name });
                        return null;
                    }
                    inputs = (int)shape.Size;
                    softmaxIndex = i;
                    if (outputs <= 0)
                    {
                        report(DiagnosticDescriptors.NonPositiveWidth, ArgumentLocation(syntax, 0), new object[] { i, display, "classes", outputs });
                        ok = false;
                    }
                }
                else
                {
                    var args = attribute.ConstructorArguments;
                    bool inferred = attribute.AttributeConstructor.Parameters.Length > 0 && attribute.AttributeConstructor.Parameters[0].Name == "outputs";
                    int outputArgument = inferred ? 0 : 1;
                    if (inferred && shape is null)
                    {
                        report(DiagnosticDescriptors.NoInputLayer, attributeLocation, new object[] { type.Name });
                        return null;
                    }
                    inputs = inferred ? (int)shape!.Size : (int)args[0].Value!;
                    outputs = (int)args[outputArgument].Value!;
                    activation = args.Length > outputArgument + 1 ? Convert.ToInt32(args[outputArgument + 1].Value, CultureInfo.InvariantCulture) : 0;
                    foreach (var named in attribute.NamedArguments)
                    {
                        if (named.Key == "NegativeSlope" && named.Value.Value is float s) slope = s;
                    }

                    if (inputs <= 0)
                    {
                        report(DiagnosticDescriptors.NonPositiveWidth, ArgumentLocation(syntax, 0), new object[] { i, display, "inputs", inputs });
                        ok = false;
                    }
                    if (outputs <= 0)
                    {
                        report(DiagnosticDescriptors.NonPositiveWidth, ArgumentLocation(syntax, outputArgument), new object[] { i, display, "outputs", outputs });
                        ok = false;
                    }
                    if (activation < 0 || activation > (int)ActivationKind.LeakyReLU)
                    {
                        report(DiagnosticDescriptors.UndefinedActivation, ArgumentLocation(syntax, outputArgument + 1), new object[] { i, display, activation });
                        ok = false;
                    }
                    if (activation == (int)ActivationKind.LeakyReLU && !(slope >= 0f && slope < 1f))
                    {
                        report(DiagnosticDescriptors.InvalidNegativeSlope, NamedArgumentLocation(syntax, "NegativeSlope") ?? attributeLocation,
                            new object[] { i, display, slope.ToString("R", CultureInfo.InvariantCulture) });
                        ok = false;
                    }
                    if (!inferred && shape is not null && inputs != shape.Size && inputs > 0)
                    {
                        report(DiagnosticDescriptors.WidthMismatch, ArgumentLocation(syntax, 0),
                            new object[] { i, display, inputs, previousLayerAttribute, Display(attributes[previousLayerAttribute], ct), shape.Size });
                        ok = false;
                    }
                }

                if (inputs > 0 && outputs > 0)
                {
                    var layer = new LayerSpec(isSoftmax ? LayerKind.Softmax : LayerKind.Dense, inputs, outputs,
                        (ActivationKind)Math.Max(0, Math.Min(activation, 4)), activation == (int)ActivationKind.LeakyReLU ? slope : 0.01f, offset);
                    layers.Add(layer);
                    offset = layer.End;
                    previousLayerAttribute = i;
                    shape = new Shape3(outputs, 1, 1);
                    flat = true;
                }
                else
                {
                    ok = false;
                }
            }
            if (ok && layers.Count == 0 && parsed.Stages.Count > 0)
            {
                report(DiagnosticDescriptors.MisplacedLayer, attributes[attributes.Count - 1].ApplicationSyntaxReference?.GetSyntax(ct).GetLocation(),
                    new object[] { attributes.Count - 1, Display(attributes[attributes.Count - 1], ct), "ends the network; a network ends with [Flatten] and a [Dense] or [Softmax] layer" });
                return null;
            }
            return ok && layers.Count > 0 ? parsed : null;
        }

        /// <summary>An int named argument of an attribute, or <paramref name="fallback"/> when it is not given (or given as 0 where 0 means "unset").</summary>
        private static int Named(AttributeData attribute, string name, int fallback)
        {
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == name && named.Value.Value is int value) return value;
            }
            return fallback;
        }

        /// <summary>A convolution, pooling or flatten over maps of <paramref name="input"/>; null after reporting what is wrong.</summary>
        private static StageSpec? ParseStage(StageKind kind, AttributeData attribute, AttributeSyntax? syntax, Shape3 input, int index, string display, long offset,
            Action<DiagnosticDescriptor, Location?, object[]> report)
        {
            Location? at = syntax?.GetLocation();
            bool Fail(Location? location, string why)
            {
                report(DiagnosticDescriptors.InvalidGeometry, location ?? at, new object[] { index, display, why });
                return false;
            }

            if (kind == StageKind.Flatten)
                return new StageSpec(kind, input, new Shape3((int)input.Size, 1, 1), 1, 1, 1, 1, 0, 0, ActivationKind.Identity, 0.01f, offset);

            if (kind == StageKind.FeatureL2Pool)
            {
                int group = (int)attribute.ConstructorArguments[0].Value!;
                if (group < 1 || input.Channels % group != 0)
                    return Fail(ArgumentLocation(syntax, 0), $"pools groups of {group} feature maps, which must be at least 1 and divide the {input.Channels} channels of its input {input}")
                        ? null : null;
                return new StageSpec(kind, input, input with { Channels = input.Channels / group }, 1, 1, 1, 1, 0, 0, ActivationKind.Identity, 0.01f, offset);
            }

            int outChannels = input.Channels, kh, kw, sh, sw, ph = 0, pw = 0, activation = 0;
            float slope = 0.01f;
            Location? kernelAt, strideAt, paddingAt = null;
            if (kind == StageKind.Conv2D)
            {
                outChannels = (int)attribute.ConstructorArguments[0].Value!;
                int kernel = Named(attribute, "Kernel", 0), stride = Named(attribute, "Stride", 1), padding = Named(attribute, "Padding", 0);
                kh = Named(attribute, "KernelHeight", 0) is int h and not 0 ? h : kernel;
                kw = Named(attribute, "KernelWidth", 0) is int w and not 0 ? w : kernel;
                sh = Named(attribute, "StrideHeight", 0) is int a and not 0 ? a : stride;
                sw = Named(attribute, "StrideWidth", 0) is int b and not 0 ? b : stride;
                ph = Named(attribute, "PaddingHeight", 0) is int c and not 0 ? c : padding;
                pw = Named(attribute, "PaddingWidth", 0) is int d and not 0 ? d : padding;
                activation = attribute.NamedArguments.FirstOrDefault(n => n.Key == "Activation").Value.Value is object v ? Convert.ToInt32(v, CultureInfo.InvariantCulture) : 0;
                if (attribute.NamedArguments.FirstOrDefault(n => n.Key == "NegativeSlope").Value.Value is float s) slope = s;
                kernelAt = NamedArgumentLocation(syntax, "Kernel") ?? NamedArgumentLocation(syntax, "KernelHeight") ?? NamedArgumentLocation(syntax, "KernelWidth");
                strideAt = NamedArgumentLocation(syntax, "Stride") ?? NamedArgumentLocation(syntax, "StrideHeight") ?? NamedArgumentLocation(syntax, "StrideWidth");
                paddingAt = NamedArgumentLocation(syntax, "Padding") ?? NamedArgumentLocation(syntax, "PaddingHeight") ?? NamedArgumentLocation(syntax, "PaddingWidth");
                if (outChannels < 1)
                {
                    report(DiagnosticDescriptors.NonPositiveWidth, ArgumentLocation(syntax, 0), new object[] { index, display, "output channels", outChannels });
                    return null;
                }
                if (activation < 0 || activation > (int)ActivationKind.LeakyReLU)
                {
                    report(DiagnosticDescriptors.UndefinedActivation, NamedArgumentLocation(syntax, "Activation") ?? at, new object[] { index, display, activation });
                    return null;
                }
                if (activation == (int)ActivationKind.LeakyReLU && !(slope >= 0f && slope < 1f))
                {
                    report(DiagnosticDescriptors.InvalidNegativeSlope, NamedArgumentLocation(syntax, "NegativeSlope") ?? at,
                        new object[] { index, display, slope.ToString("R", CultureInfo.InvariantCulture) });
                    return null;
                }
                if (kh < 1 || kw < 1)
                    return Fail(kernelAt, kh == 0 && kw == 0 ? "has no kernel size; set Kernel (or KernelHeight and KernelWidth) to at least 1" : $"has a {kh}×{kw} kernel; kernels must be at least 1") ? null : null;
            }
            else
            {
                int window = (int)attribute.ConstructorArguments[0].Value!;
                kh = Named(attribute, "WindowHeight", 0) is int h and not 0 ? h : window;
                kw = Named(attribute, "WindowWidth", 0) is int w and not 0 ? w : window;
                int stride = Named(attribute, "Stride", 0);
                sh = Named(attribute, "StrideHeight", 0) is int a and not 0 ? a : stride != 0 ? stride : kh;
                sw = Named(attribute, "StrideWidth", 0) is int b and not 0 ? b : stride != 0 ? stride : kw;
                kernelAt = ArgumentLocation(syntax, 0);
                strideAt = NamedArgumentLocation(syntax, "Stride") ?? NamedArgumentLocation(syntax, "StrideHeight") ?? NamedArgumentLocation(syntax, "StrideWidth");
                if (kh < 1 || kw < 1) return Fail(kernelAt, $"has a {kh}×{kw} window; windows must be at least 1") ? null : null;
            }
            if (sh < 1 || sw < 1) return Fail(strideAt, $"has a stride of {sh}×{sw}; strides must be at least 1") ? null : null;
            if (ph < 0 || pw < 0) return Fail(paddingAt, $"has padding {ph}×{pw}; padding must be at least 0") ? null : null;
            if (ph >= kh || pw >= kw) return Fail(paddingAt, $"pads {ph}×{pw} around a {kh}×{kw} kernel; padding must be smaller than the kernel") ? null : null;
            long paddedHeight = input.Height + 2L * ph, paddedWidth = input.Width + 2L * pw;
            if (paddedHeight < kh || paddedWidth < kw)
                return Fail(kernelAt, $"has a {kh}×{kw} window, larger than its input {input}" + (ph + pw > 0 ? $" padded by {ph}×{pw}" : "") + "; its output would have no rows or columns") ? null : null;
            var output = new Shape3(outChannels, (int)((paddedHeight - kh) / sh + 1), (int)((paddedWidth - kw) / sw + 1));
            return new StageSpec(kind, input, output, kh, kw, sh, sw, ph, pw, (ActivationKind)activation, slope, offset);
        }

        private static LossKind ParseLoss(INamedTypeSymbol type, LayerSpec output, Location identifier, CancellationToken ct,
            Action<DiagnosticDescriptor, Location?, object[]> report)
        {
            bool singleSigmoid = output.Kind == LayerKind.Dense && output.Activation == ActivationKind.Sigmoid && output.Outputs == 1;
            AttributeData? attribute = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == LossAttributeName);
            if (attribute is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is null)
            {
                if (output.Kind == LayerKind.Softmax) return LossKind.CrossEntropy;
                return singleSigmoid ? LossKind.BinaryCrossEntropy : LossKind.MeanSquaredError;
            }

            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(ct) as AttributeSyntax;
            Location location = ArgumentLocation(syntax, 0) ?? identifier;
            int value = Convert.ToInt32(attribute.ConstructorArguments[0].Value, CultureInfo.InvariantCulture);
            if (value < 0 || value > (int)LossKind.CrossEntropy)
            {
                report(DiagnosticDescriptors.InvalidLossValue, location, new object[] { type.Name, value });
                return LossKind.MeanSquaredError;
            }

            var loss = (LossKind)value;
            string outputText = output.Kind == LayerKind.Softmax
                ? $"Softmax({output.Outputs})"
                : $"Dense({output.Inputs}, {output.Outputs}, {output.Activation})";
            switch (loss)
            {
                case LossKind.CrossEntropy when output.Kind == LayerKind.Softmax:
                    return loss;
                case LossKind.CrossEntropy when singleSigmoid:
                    return LossKind.BinaryCrossEntropy; // identical for one sigmoid output
                case LossKind.CrossEntropy:
                    report(DiagnosticDescriptors.LossDoesNotFitOutput, location, new object[] { "CrossEntropy", outputText, "cross-entropy needs a softmax output or a single sigmoid output" });
                    return loss;
                case LossKind.BinaryCrossEntropy when output.Kind == LayerKind.Dense && output.Activation == ActivationKind.Sigmoid:
                    return loss;
                case LossKind.BinaryCrossEntropy:
                    report(DiagnosticDescriptors.LossDoesNotFitOutput, location, new object[] { "BinaryCrossEntropy", outputText, "binary cross-entropy needs sigmoid outputs in (0, 1)" });
                    return loss;
                default:
                    return loss;
            }
        }

        /// <summary>The element type from [ElementType(typeof(...))]: float when absent; NG0024 for anything but float or double.</summary>
        private static ElementKind ParseElementType(INamedTypeSymbol type, CancellationToken ct, Action<DiagnosticDescriptor, Location?, object[]> report)
        {
            AttributeData? attribute = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ElementTypeAttributeName);
            if (attribute is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind == TypedConstantKind.Error)
                return ElementKind.Single;
            switch ((attribute.ConstructorArguments[0].Value as ITypeSymbol)?.SpecialType)
            {
                case SpecialType.System_Single: return ElementKind.Single;
                case SpecialType.System_Double: return ElementKind.Double;
            }
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(ct) as AttributeSyntax;
            report(DiagnosticDescriptors.UnsupportedElementType, ArgumentLocation(syntax, 0),
                new object[] { type.Name, (attribute.ConstructorArguments[0].Value as ITypeSymbol)?.ToDisplayString() ?? "null" });
            return ElementKind.Single;
        }

        /// <summary>The [BakedWeights] request, if any; the file itself is resolved later, against the additional files.</summary>
        private static BakedWeightsRequest? ParseBakedWeights(INamedTypeSymbol type, CancellationToken ct,
            Action<DiagnosticDescriptor, Location?, object[]> report)
        {
            AttributeData? attribute = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == BakedWeightsAttributeName);
            if (attribute is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind == TypedConstantKind.Error)
                return null;
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(ct) as AttributeSyntax;
            Location? location = ArgumentLocation(syntax, 0);
            string? path = attribute.ConstructorArguments[0].Value as string;
            if (string.IsNullOrWhiteSpace(path) || path!.IndexOf('\0') >= 0)
            {
                report(DiagnosticDescriptors.InvalidBakedWeightsPath, location, new object[] { type.Name, path ?? "null" });
                return null;
            }
            bool inferenceOnly = attribute.NamedArguments.Any(a => a.Key == "InferenceOnly" && a.Value.Value is true);
            return new BakedWeightsRequest(path, inferenceOnly, LocationInfo.From(location));
        }

        private static string Display(AttributeData attribute, CancellationToken ct)
            => attribute.ApplicationSyntaxReference?.GetSyntax(ct) is AttributeSyntax s ? "[" + s + "]" : "[" + attribute.AttributeClass?.Name + "]";

        /// <summary>The location of the n-th positional argument, or the attribute when it is absent.</summary>
        private static Location? ArgumentLocation(AttributeSyntax? syntax, int index)
        {
            if (syntax is null) return null;
            var positional = syntax.ArgumentList?.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
            if (positional is not null && index < positional.Count) return positional[index].GetLocation();
            var byName = syntax.ArgumentList?.Arguments.FirstOrDefault(a => a.NameColon is not null && index == ParameterIndex(a.NameColon.Name.Identifier.ValueText));
            return byName?.GetLocation() ?? syntax.GetLocation();
        }

        private static int ParameterIndex(string name) => name switch
        {
            "inputs" or "classes" or "function" or "probability" or "path" => 0,
            "outputs" => 1,
            "activation" => 2,
            _ => -1,
        };

        private static Location? NamedArgumentLocation(AttributeSyntax? syntax, string name)
            => syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)?.GetLocation();
    }
}
