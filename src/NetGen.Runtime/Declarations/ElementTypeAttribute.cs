using System;

namespace NetGen;

/// <summary>
/// Declares the network's element type: <c>[ElementType(typeof(double))]</c> makes every parameter, gradient, input,
/// output and scratch value a <c>double</c>, and the network implements <see cref="INetwork{T}"/> of <c>double</c> (the
/// generated API is the same, in <c>double</c>). Without the attribute, or with <c>typeof(float)</c>, the network is in
/// <c>float</c> and implements <see cref="INetwork"/>. Double networks suit gradient checking and numerically delicate
/// problems; every optimizer steps them, while the trainer, evaluation and safetensors I/O work on float networks.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ElementTypeAttribute : Attribute
{
    /// <summary>Declares the element type, <c>typeof(float)</c> or <c>typeof(double)</c>.</summary>
    public ElementTypeAttribute(Type type) => Type = type;

    /// <summary>The element type as given.</summary>
    public Type Type { get; }
}
