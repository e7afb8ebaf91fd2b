using System;

namespace NetGen;

/// <summary>
/// Bakes a network's parameters into the assembly at build time from a safetensors file (the format
/// <see cref="SafeTensors.Save(INetwork, string)"/> writes, with PyTorch <c>nn.Sequential</c> state-dict names and F32 tensors).
/// The file must be an <c>AdditionalFiles</c> item of the project:
/// <code>&lt;AdditionalFiles Include="Model/brain.safetensors" /&gt;</code>
/// The generator emits the values as static data (no file I/O, no allocation at run time) and checks them at compile
/// time: a missing file, a malformed one, a missing or extra tensor, a wrong shape or dtype, or a non-finite value is
/// a compile-time error at this attribute.
/// </summary>
/// <remarks>
/// A trainable network (the default) starts from the baked values in its parameterless constructor and can be trained
/// further; its <c>(int seed)</c> constructor still draws Xavier weights. With <see cref="InferenceOnly"/> the network has
/// no parameter or gradient buffers at all: it implements <see cref="IInferenceNetwork"/>, reads its weights straight from
/// the assembly's data, and offers <c>Forward</c>, <c>ForwardBatch</c> and <c>Predict</c> only.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class BakedWeightsAttribute : Attribute
{
    /// <summary>Bakes the weights of the safetensors file <paramref name="path"/>, matched against the project's
    /// <c>AdditionalFiles</c> by file name or by a trailing relative path such as <c>Model/brain.safetensors</c>.</summary>
    public BakedWeightsAttribute(string path) => Path = path;

    /// <summary>The file, as given.</summary>
    public string Path { get; }

    /// <summary>Whether the network is inference-only: no gradient buffer, no training API, weights read from static data.</summary>
    public bool InferenceOnly { get; set; }
}
