namespace NetGen.Generator.Model;

/// <summary>Mirrors the kinds of <c>NetGen.LayerKind</c> that work on feature maps (same values).</summary>
internal enum StageKind
{
    Conv2D = 2,
    MaxPool2D = 3,
    AvgPool2D = 4,
    L2Pool2D = 5,
    FeatureL2Pool = 6,
    Flatten = 7,
}

/// <summary>The shape of one sample's activations: channels, height, width.</summary>
internal sealed record Shape3(int Channels, int Height, int Width)
{
    public long Size => (long)Channels * Height * Width;

    public override string ToString() => Height == 1 && Width == 1 ? Channels.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Channels}×{Height}×{Width}";
}

/// <summary>
/// One layer over feature maps (a convolution, a pooling, flatten), as plain data: its shapes, window, stride, padding,
/// activation, and, for a convolution, where its weights <c>[out, in, kh, kw]</c> and bias lie in the parameter buffer.
/// </summary>
internal sealed record StageSpec(
    StageKind Kind, Shape3 In, Shape3 Out,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PaddingHeight, int PaddingWidth,
    ActivationKind Activation, float NegativeSlope, long WeightOffset)
{
    public bool HasParameters => Kind == StageKind.Conv2D;

    public long WeightCount => HasParameters ? (long)Out.Channels * In.Channels * KernelHeight * KernelWidth : 0;

    public long BiasOffset => WeightOffset + WeightCount;

    public long End => BiasOffset + (HasParameters ? Out.Channels : 0);

    /// <summary>The stage as it reads in the plan and docs, for example <c>Conv2D(32, 3×3, stride 1, padding 1, ReLU)</c>.</summary>
    public string Describe() => Kind switch
    {
        StageKind.Conv2D => $"Conv2D({Out.Channels}, {Pair(KernelHeight, KernelWidth)}, stride {Pair(StrideHeight, StrideWidth)}, " +
                            $"padding {Pair(PaddingHeight, PaddingWidth)}, {Activation})",
        StageKind.FeatureL2Pool => $"FeatureL2Pool({In.Channels / Out.Channels})",
        StageKind.Flatten => "Flatten",
        _ => $"{Kind}({Pair(KernelHeight, KernelWidth)}, stride {Pair(StrideHeight, StrideWidth)})",
    };

    private static string Pair(int height, int width) => height == width ? $"{height}" : $"{height}×{width}";
}
