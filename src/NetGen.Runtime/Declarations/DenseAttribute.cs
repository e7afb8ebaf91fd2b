using System;

namespace NetGen;

/// <summary>
/// Declares a fully connected layer <c>a = f(W·x + b)</c> with <c>W</c> of shape <c>[outputs, inputs]</c>.
/// Layers run in the order their attributes appear in source.
/// </summary>
/// <example>
/// <code>
/// [Dense(784, 500, Activation.Tanh)]
/// [Softmax(10)]
/// public partial class FashionNet;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
// Not obsolete: NG0100 says the generator is missing, and the generator removes it (see GeneratorCheck).
[Obsolete(GeneratorCheck.Message, DiagnosticId = GeneratorCheck.DiagnosticId, UrlFormat = GeneratorCheck.UrlFormat)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>Declares a dense layer.</summary>
    /// <param name="inputs">Width of the layer's input; must equal the previous layer's output width.</param>
    /// <param name="outputs">Number of units.</param>
    /// <param name="activation">Activation applied to every unit.</param>
    public DenseAttribute(int inputs, int outputs, Activation activation = Activation.Identity)
    {
        Inputs = inputs;
        Outputs = outputs;
        Activation = activation;
    }

    /// <summary>
    /// Declares a dense layer whose fan-in is the previous layer's size (after <c>[Input]</c>, <c>[Flatten]</c> or another
    /// layer): <c>[Dense(128, ReLU)]</c>.
    /// </summary>
    /// <param name="outputs">Number of units.</param>
    /// <param name="activation">Activation applied to every unit.</param>
    public DenseAttribute(int outputs, Activation activation = Activation.Identity)
    {
        Outputs = outputs;
        Activation = activation;
    }

    /// <summary>Width of the layer's input; 0 when it is inferred from the layer before.</summary>
    public int Inputs { get; }

    /// <summary>Number of units.</summary>
    public int Outputs { get; }

    /// <summary>Activation applied to every unit.</summary>
    public Activation Activation { get; }

    /// <summary>Slope for negative inputs of <see cref="Activation.LeakyReLU"/>; in [0, 1). Default 0.01.</summary>
    public float NegativeSlope { get; set; } = 0.01f;
}
