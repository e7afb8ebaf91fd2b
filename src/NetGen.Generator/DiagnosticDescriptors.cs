using System;
using Microsoft.CodeAnalysis;

namespace NetGen.Generator;

/// <summary>Every diagnostic NetGen reports. Ids are stable; keep AnalyzerReleases.Unshipped.md in step.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "NetGen";

    /// <summary>Largest parameter count a network may declare: 2^28 floats, 1 GiB of parameters and another of gradients.</summary>
    public const long MaxParameterCount = 1L << 28;

    public static readonly DiagnosticDescriptor NotPartial = Create(
        "NG0001", "Network type must be partial",
        "The network class '{0}' must be declared 'partial' so that NetGen can add the generated members",
        "Add the 'partial' modifier to the class declaration.");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Create(
        "NG0002", "Containing type must be partial",
        "The network class '{0}' is nested in '{1}', which must also be declared 'partial'",
        "Add the 'partial' modifier to every enclosing type.");

    public static readonly DiagnosticDescriptor UnsupportedType = Create(
        "NG0003", "Unsupported network type",
        "The network class '{0}' is {1}; NetGen networks must be non-generic, non-static classes outside generic types",
        "Declare the network as a non-generic, non-static partial class.");

    public static readonly DiagnosticDescriptor NoInputLayer = Create(
        "NG0004", "Network has no input layer",
        "The network class '{0}' declares no [Dense] layer, so its input width is unknown; the first layer must be [Dense(inputs, outputs, activation)]",
        "Start the network with a [Dense] layer that states the input width.");

    public static readonly DiagnosticDescriptor WidthMismatch = Create(
        "NG0005", "Layer widths do not chain",
        "Layer {0} ({1}) expects {2} inputs, but layer {3} ({4}) produces {5} outputs",
        "Each layer's input width must equal the previous layer's output width.");

    public static readonly DiagnosticDescriptor NonPositiveWidth = Create(
        "NG0006", "Layer width must be positive",
        "Layer {0} ({1}) declares {2} = {3}; widths must be at least 1",
        "Give every layer a positive input and output width.");

    public static readonly DiagnosticDescriptor LayerAfterSoftmax = Create(
        "NG0007", "Softmax must be the last layer",
        "Layer {0} ({1}) comes after the softmax output layer {2}; softmax must be the last layer and appear once",
        "Move the [Softmax] attribute to the end, or remove the extra one.");

    public static readonly DiagnosticDescriptor UndefinedActivation = Create(
        "NG0008", "Undefined activation",
        "Layer {0} ({1}) uses activation value {2}, which is not a member of NetGen.Activation",
        "Use Identity, Sigmoid, Tanh, ReLU or LeakyReLU.");

    public static readonly DiagnosticDescriptor LossDoesNotFitOutput = Create(
        "NG0009", "Loss does not fit the output layer",
        "The loss {0} does not fit the output layer {1}: {2}",
        "Cross-entropy needs a softmax output (or one sigmoid output); binary cross-entropy needs sigmoid outputs.");

    public static readonly DiagnosticDescriptor NetworkTooLarge = Create(
        "NG0010", "Network too large",
        "The network class '{0}' has {1} parameters, more than the {2} NetGen allows (2^28, 1 GiB of float parameters)",
        "Reduce the layer widths.");

    public static readonly DiagnosticDescriptor InvalidNegativeSlope = Create(
        "NG0011", "Invalid leaky ReLU slope",
        "Layer {0} ({1}) has NegativeSlope = {2}; it must be a finite number in [0, 1)",
        "Use a slope such as 0.01.");

    public static readonly DiagnosticDescriptor LayersInSeveralDeclarations = Create(
        "NG0012", "Layers declared on several partial declarations",
        "The network class '{0}' declares layer attributes on more than one partial declaration, so their order is undefined",
        "Put all [Dense] and [Softmax] attributes on one declaration.");

    public static readonly DiagnosticDescriptor MemberCollision = Create(
        "NG0013", "Member collides with a generated member",
        "The network class '{0}' declares a member named '{1}', which NetGen generates",
        "Rename or remove the member.");

    public static readonly DiagnosticDescriptor InvalidLossValue = Create(
        "NG0014", "Undefined loss",
        "The [Loss] attribute on '{0}' uses value {1}, which is not a member of NetGen.LossFunction",
        "Use MeanSquaredError, BinaryCrossEntropy or CrossEntropy.");

    public static readonly DiagnosticDescriptor MisplacedDropout = Create(
        "NG0015", "Dropout must sit between two layers",
        "Dropout {0} ({1}) {2}; dropout applies to the output of one hidden layer and must be followed by another layer",
        "Place [Dropout(p)] between two [Dense]/[Softmax] attributes, at most once per gap.");

    public static readonly DiagnosticDescriptor InvalidDropoutProbability = Create(
        "NG0016", "Invalid dropout probability",
        "Dropout {0} ({1}) has probability {2}; it must be a number in [0, 1)",
        "Use a probability such as 0.2 or 0.5.");

    /// <summary>Largest network whose weights may be baked into source: 2^22 parameters (16 MiB of F32, about 50 MB of literals).</summary>
    public const long MaxBakedParameterCount = 1L << 22;

    public static readonly DiagnosticDescriptor BakedWeightsFileNotFound = Create(
        "NG0017", "Baked weights file not found",
        "The network class '{0}' bakes weights from '{1}', but no AdditionalFiles item of the project has that name{2}",
        "Add the file to the project as <AdditionalFiles Include=\"path/to/file.safetensors\" />, and name it in [BakedWeights] by file name or trailing relative path.");

    public static readonly DiagnosticDescriptor BakedWeightsFileInvalid = Create(
        "NG0018", "Baked weights file is not valid safetensors",
        "The weights file '{1}' for '{0}' cannot be read as safetensors: {2}",
        "Write the file with NetGen.SafeTensors.Save or PyTorch's safetensors.torch.save_file.");

    public static readonly DiagnosticDescriptor BakedWeightsDoNotFit = Create(
        "NG0019", "Baked weights do not fit the network",
        "The weights file '{1}' does not fit '{0}': {2}",
        "The file must hold exactly the network's tensors (0.weight, 0.bias, …, as NetGen.SafeTensors.Tensors lists them) as F32 with the network's shapes.");

    public static readonly DiagnosticDescriptor BakedWeightsNotFinite = Create(
        "NG0020", "Baked weights are not finite",
        "The weights file '{1}' for '{0}' holds {2} at element {3} of tensor '{4}'; baked weights must be finite",
        "Retrain or repair the model: a NaN or infinite weight makes every output NaN.");

    public static readonly DiagnosticDescriptor BakedNetworkTooLarge = Create(
        "NG0021", "Network too large to bake",
        "The network class '{0}' has {1} parameters; weights can be baked into source for at most {2}",
        "Load large networks at run time with NetGen.SafeTensors.Load instead.");

    public static readonly DiagnosticDescriptor InvalidBakedWeightsPath = Create(
        "NG0022", "Invalid baked weights path",
        "The [BakedWeights] attribute on '{0}' needs a non-empty path to a .safetensors file; found '{1}'",
        "Name the file, for example [BakedWeights(\"Model/brain.safetensors\")].");

    public static readonly DiagnosticDescriptor NoLayers = Create(
        "NG0023", "Network declares no layers",
        "The class '{0}' has {1} but declares no layers; a network needs at least one [Dense(inputs, outputs, activation)]",
        "Declare the layers with [Dense] (and [Softmax] last), or remove the attribute.");

    public static readonly DiagnosticDescriptor UnsupportedElementType = Create(
        "NG0024", "Unsupported element type",
        "The network class '{0}' declares element type '{1}'; NetGen networks are generated in float or double",
        "Use [ElementType(typeof(float))] (the default) or [ElementType(typeof(double))].");

    public static readonly DiagnosticDescriptor InvalidGeometry = Create(
        "NG0025", "Invalid kernel, window, stride or padding",
        "Layer {0} ({1}) {2}",
        "Kernels, windows and strides must be at least 1, padding at least 0 and smaller than the kernel, and a window must fit in its (padded) input.");

    public static readonly DiagnosticDescriptor MisplacedLayer = Create(
        "NG0026", "Layer does not fit its input",
        "Layer {0} ({1}) {2}",
        "Declare [Input(channels, height, width)] first, layers over feature maps next, then [Flatten], then dense layers.");

    public static readonly DiagnosticDescriptor ActivationsTooLarge = Create(
        "NG0027", "Activations too large",
        "Layer {0} ({1}) makes {2} = {3} values per sample; at most {4} fit in a network's buffers",
        "Use a smaller input, fewer channels, a larger stride or pooling earlier.");

    /// <summary>Most values one sample's activations may take in one layer, so that a chunk of <c>MaxRows</c> samples fits in one array.</summary>
    public const long MaxActivationsPerSample = int.MaxValue / NetGen.CompilerServices.SharedConstants.MaxRows;

    private static readonly DiagnosticDescriptor[] All =
    {
        NotPartial, ContainingTypeNotPartial, UnsupportedType, NoInputLayer, WidthMismatch, NonPositiveWidth,
        LayerAfterSoftmax, UndefinedActivation, LossDoesNotFitOutput, NetworkTooLarge, InvalidNegativeSlope,
        LayersInSeveralDeclarations, MemberCollision, InvalidLossValue, MisplacedDropout, InvalidDropoutProbability,
        BakedWeightsFileNotFound, BakedWeightsFileInvalid, BakedWeightsDoNotFit, BakedWeightsNotFinite, BakedNetworkTooLarge,
        InvalidBakedWeightsPath, NoLayers, UnsupportedElementType, InvalidGeometry, MisplacedLayer, ActivationsTooLarge,
    };

    /// <summary>Every descriptor, for tests that check ids, help links and the docs against each other.</summary>
    public static System.Collections.Generic.IReadOnlyList<DiagnosticDescriptor> Descriptors => All;

    public static DiagnosticDescriptor ById(string id)
    {
        foreach (DiagnosticDescriptor descriptor in All)
        {
            if (descriptor.Id == id) return descriptor;
        }
        throw new ArgumentException("Unknown diagnostic id " + id, nameof(id));
    }

    private static DiagnosticDescriptor Create(string id, string title, string message, string help)
        => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            description: help, helpLinkUri: HelpLink(id));

    /// <summary>The diagnostic's entry in docs/diagnostics.md (anchors are the ids in lower case).</summary>
    public static string HelpLink(string id)
        => NetGen.CompilerServices.SharedConstants.DiagnosticHelpBase + id.ToLowerInvariant();
}
