namespace NetGen;

/// <summary>The kind of a layer in a <see cref="NetworkArchitecture"/>.</summary>
public enum LayerKind
{
    /// <summary>A fully connected layer with an elementwise activation.</summary>
    Dense = 0,
    /// <summary>A fully connected layer followed by softmax over its outputs.</summary>
    Softmax = 1,
}
