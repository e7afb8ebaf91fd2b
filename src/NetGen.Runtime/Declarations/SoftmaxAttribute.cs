using System;

namespace NetGen;

/// <summary>
/// Declares the softmax output layer: a dense transform from the previous layer's width to
/// <see cref="Classes"/> units followed by softmax, so the network outputs class probabilities.
/// It must be the last layer. Its default loss is cross-entropy (negative log-likelihood).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
// Not obsolete: NG0100 says the generator is missing, and the generator removes it (see GeneratorCheck).
[Obsolete(GeneratorCheck.Message, DiagnosticId = GeneratorCheck.DiagnosticId, UrlFormat = GeneratorCheck.UrlFormat)]
public sealed class SoftmaxAttribute : Attribute
{
    /// <summary>Declares a softmax output over <paramref name="classes"/> classes.</summary>
    public SoftmaxAttribute(int classes) => Classes = classes;

    /// <summary>Number of classes (output units).</summary>
    public int Classes { get; }
}
