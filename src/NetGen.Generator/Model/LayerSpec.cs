namespace NetGen.Generator.Model;

/// <summary>Mirrors <c>NetGen.LayerKind</c>.</summary>
internal enum LayerKind
{
    Dense = 0,
    Softmax = 1,
}

/// <summary>Mirrors <c>NetGen.Activation</c>.</summary>
internal enum ActivationKind
{
    Identity = 0,
    Sigmoid = 1,
    Tanh = 2,
    ReLU = 3,
    LeakyReLU = 4,
}

/// <summary>The element type of a network's parameters and activations.</summary>
internal enum ElementKind
{
    Single = 0,
    Double = 1,
}

/// <summary>Mirrors <c>NetGen.LossFunction</c>.</summary>
internal enum LossKind
{
    MeanSquaredError = 0,
    BinaryCrossEntropy = 1,
    CrossEntropy = 2,
}

/// <summary>One parameterized layer, as plain data. Offsets are in elements of the flat parameter buffer.</summary>
internal sealed record LayerSpec(LayerKind Kind, int Inputs, int Outputs, ActivationKind Activation, float NegativeSlope, long WeightOffset, float Dropout = 0f)
{
    public long WeightCount => (long)Inputs * Outputs;

    public long BiasOffset => WeightOffset + WeightCount;

    public long End => BiasOffset + Outputs;

    /// <summary>Whether training passes drop this layer's outputs.</summary>
    public bool HasDropout => Dropout > 0f;

    /// <summary>The activation the layer's epilogue applies (softmax layers have none: softmax is applied with the loss).</summary>
    public ActivationKind EpilogueActivation => Kind == LayerKind.Softmax ? ActivationKind.Identity : Activation;
}
