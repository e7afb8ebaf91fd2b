using System;

namespace NetGen;

/// <summary>
/// Declares a 2-D convolution, PyTorch's <c>nn.Conv2d</c>: <see cref="OutChannels"/> learned filters of
/// <c>in × kh × kw</c> weights slide over the input's feature maps with a stride, over zero padding, and an activation
/// follows (the lecture notes' <c>h_j = max(0, Σ_k h_k * w_kj)</c> is <c>Activation = ReLU</c>). Input channels are inferred
/// from the layer before; the output has <c>⌊(in + 2·padding − kernel) / stride⌋ + 1</c> rows and columns. Weights are
/// stored as PyTorch stores them, <c>[out, in, kh, kw]</c>, then the bias <c>[out]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : Attribute
{
    /// <summary>Declares a convolution with <paramref name="outChannels"/> filters; set <see cref="Kernel"/> (required), and optionally <see cref="Stride"/>, <see cref="Padding"/> and <see cref="Activation"/>.</summary>
    public Conv2DAttribute(int outChannels) => OutChannels = outChannels;

    /// <summary>Filters, the output's channels.</summary>
    public int OutChannels { get; }

    /// <summary>A square kernel's side; <see cref="KernelHeight"/> and <see cref="KernelWidth"/> set a rectangular one.</summary>
    public int Kernel { get; set; }

    /// <summary>The kernel's rows (overrides <see cref="Kernel"/>).</summary>
    public int KernelHeight { get; set; }

    /// <summary>The kernel's columns (overrides <see cref="Kernel"/>).</summary>
    public int KernelWidth { get; set; }

    /// <summary>Step between windows along both axes; 1 unless given.</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Step along the rows (overrides <see cref="Stride"/>).</summary>
    public int StrideHeight { get; set; }

    /// <summary>Step along the columns (overrides <see cref="Stride"/>).</summary>
    public int StrideWidth { get; set; }

    /// <summary>Zeros added on every side; 0 unless given, and smaller than the kernel.</summary>
    public int Padding { get; set; }

    /// <summary>Zero rows above and below (overrides <see cref="Padding"/>).</summary>
    public int PaddingHeight { get; set; }

    /// <summary>Zero columns left and right (overrides <see cref="Padding"/>).</summary>
    public int PaddingWidth { get; set; }

    /// <summary>Activation applied to every output; <see cref="Activation.Identity"/> unless given.</summary>
    public Activation Activation { get; set; }

    /// <summary>Slope for negative inputs of <see cref="Activation.LeakyReLU"/>; in [0, 1). Default 0.01.</summary>
    public float NegativeSlope { get; set; } = 0.01f;
}
