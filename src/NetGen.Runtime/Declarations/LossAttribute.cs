using System;

namespace NetGen;

/// <summary>
/// Overrides a network's default loss. Without it: a softmax output trains with cross-entropy,
/// a single sigmoid output with binary cross-entropy, anything else with mean squared error.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LossAttribute : Attribute
{
    /// <summary>Declares the loss.</summary>
    public LossAttribute(LossFunction function) => Function = function;

    /// <summary>The declared loss.</summary>
    public LossFunction Function { get; }
}
