using System;

namespace NetGen;

/// <summary>
/// What the pooling layers share: a window of <see cref="Window"/> × <see cref="Window"/> (or
/// <see cref="WindowHeight"/> × <see cref="WindowWidth"/>) that moves by <see cref="Stride"/>, the window's own size unless
/// given, over each feature map without padding. The output has <c>⌊(in − window) / stride⌋ + 1</c> rows and columns.
/// </summary>
public abstract class Pooling2DAttribute : Attribute
{
    /// <summary>A square window of side <paramref name="window"/>.</summary>
    protected Pooling2DAttribute(int window) => Window = window;

    /// <summary>A square window's side.</summary>
    public int Window { get; }

    /// <summary>The window's rows (overrides <see cref="Window"/>).</summary>
    public int WindowHeight { get; set; }

    /// <summary>The window's columns (overrides <see cref="Window"/>).</summary>
    public int WindowWidth { get; set; }

    /// <summary>Step between windows along both axes; the window's size unless given.</summary>
    public int Stride { get; set; }

    /// <summary>Step along the rows (overrides <see cref="Stride"/>).</summary>
    public int StrideHeight { get; set; }

    /// <summary>Step along the columns (overrides <see cref="Stride"/>).</summary>
    public int StrideWidth { get; set; }
}

/// <summary>
/// Max pooling, PyTorch's <c>nn.MaxPool2d</c>: the largest value of each window of each feature map. Its gradient goes to
/// the first maximum of the window in raster order, as PyTorch's does.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2DAttribute : Pooling2DAttribute
{
    /// <summary>Max pooling over <paramref name="window"/> × <paramref name="window"/> windows.</summary>
    public MaxPool2DAttribute(int window) : base(window) { }
}

/// <summary>Average pooling, PyTorch's <c>nn.AvgPool2d</c>: the mean <c>1/K Σ h</c> of the K values of each window.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2DAttribute : Pooling2DAttribute
{
    /// <summary>Average pooling over <paramref name="window"/> × <paramref name="window"/> windows.</summary>
    public AvgPool2DAttribute(int window) : base(window) { }
}

/// <summary>
/// L2 pooling: the norm <c>√(Σ h²)</c> of each window of each feature map, as the lecture notes define it. This is
/// PyTorch's <c>nn.LPPool2d(2, window)</c>, which computes the same sum (not a mean). Where a window is all zeros the
/// output is 0 and no gradient passes.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class L2Pool2DAttribute : Pooling2DAttribute
{
    /// <summary>L2 pooling over <paramref name="window"/> × <paramref name="window"/> windows.</summary>
    public L2Pool2DAttribute(int window) : base(window) { }
}

/// <summary>
/// L2 pooling over features (the lecture notes' "L2 pooling over feature maps"): at every position, the norm
/// <c>√(Σ h²)</c> of each group of <see cref="GroupSize"/> consecutive channels, so <c>C</c> maps become
/// <c>C / GroupSize</c>. In PyTorch: <c>x.view(n, C // g, g, H, W).pow(2).sum(2).sqrt()</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FeatureL2PoolAttribute : Attribute
{
    /// <summary>Pools groups of <paramref name="groupSize"/> consecutive feature maps; it must divide the channels.</summary>
    public FeatureL2PoolAttribute(int groupSize) => GroupSize = groupSize;

    /// <summary>Consecutive channels pooled into one.</summary>
    public int GroupSize { get; }
}

/// <summary>
/// Flattens feature maps into one vector in PyTorch's order — channel, then row, then column (<c>nn.Flatten</c>) — so
/// dense layers can follow. Required between the last layer over feature maps and the first dense layer.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : Attribute
{
}
