namespace NetGen.Generator.Model;

/// <summary>Everything the emitter needs to write one network, as plain, value-equatable data.</summary>
/// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">Declarations of enclosing types, outermost first (for example <c>partial class Outer</c>).</param>
/// <param name="TypeKeyword">"class" or "record".</param>
/// <param name="TypeName">The network type's name.</param>
/// <param name="Layers">The layers in forward order, with their parameter offsets.</param>
/// <param name="Loss">The training loss (declared or defaulted).</param>
/// <param name="HintName">The generated file's name.</param>
/// <param name="GeneratorVersion">Written into <c>[GeneratedCode]</c>.</param>
/// <param name="Baked">Parameters baked in from a safetensors file, or null.</param>
/// <param name="Element">float (the default) or double.</param>
internal sealed record NetworkSpec(
    string? Namespace,
    EquatableArray<string> ContainingTypes,
    string TypeKeyword,
    string TypeName,
    EquatableArray<LayerSpec> Layers,
    LossKind Loss,
    string HintName,
    string GeneratorVersion,
    BakedWeights? Baked = null,
    ElementKind Element = ElementKind.Single)
{
    /// <summary>Whether the network has no training API (its weights are baked in as static data).</summary>
    public bool InferenceOnly => Baked is { InferenceOnly: true };

    public LayerSpec Output => Layers[Layers.Count - 1];

    public int InputSize => Layers[0].Inputs;

    public int OutputSize => Output.Outputs;

    public long ParameterCount => Output.End;
}
