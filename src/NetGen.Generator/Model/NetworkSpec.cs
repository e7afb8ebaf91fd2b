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
/// <param name="Stages">The layers over feature maps before the dense layers (convolutions, poolings, flatten), or none.</param>
/// <param name="Input">The input's shape when declared with <c>[Input]</c>, else null (the first dense layer's fan-in).</param>
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
    ElementKind Element = ElementKind.Single,
    EquatableArray<StageSpec> Stages = default,
    Shape3? Input = null)
{
    /// <summary>Whether the network has no training API (its weights are baked in as static data).</summary>
    public bool InferenceOnly => Baked is { InferenceOnly: true };

    public LayerSpec Output => Layers[Layers.Count - 1];

    public int InputSize => Input is { } input ? (int)input.Size : Layers[0].Inputs;

    /// <summary>Whether the network starts with layers over feature maps.</summary>
    public bool HasStages => Stages.Count > 0;

    public int OutputSize => Output.Outputs;

    public long ParameterCount => Output.End;
}
