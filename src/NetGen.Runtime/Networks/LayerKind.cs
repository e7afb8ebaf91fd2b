namespace NetGen;

/// <summary>The kind of a layer in a <see cref="NetworkArchitecture"/>.</summary>
/// <remarks>The numeric values are part of the contract with generated code; do not reorder.</remarks>
public enum LayerKind
{
    /// <summary>A fully connected layer with an elementwise activation.</summary>
    Dense = 0,
    /// <summary>A fully connected layer followed by softmax over its outputs.</summary>
    Softmax = 1,
    /// <summary>A 2-D convolution (PyTorch's <c>nn.Conv2d</c>) with an elementwise activation.</summary>
    Conv2D = 2,
    /// <summary>The maximum over each window of each feature map (<c>nn.MaxPool2d</c>).</summary>
    MaxPool2D = 3,
    /// <summary>The mean <c>1/K Σ h</c> over each window of each feature map (<c>nn.AvgPool2d</c>).</summary>
    AvgPool2D = 4,
    /// <summary>The L2 norm <c>√(Σ h²)</c> over each window of each feature map (<c>nn.LPPool2d(2, …)</c>).</summary>
    L2Pool2D = 5,
    /// <summary>The L2 norm <c>√(Σ h²)</c> over groups of consecutive feature maps at each position.</summary>
    FeatureL2Pool = 6,
    /// <summary>Feature maps to one vector in PyTorch's order: channel, then row, then column (<c>nn.Flatten</c>).</summary>
    Flatten = 7,
}
