using NetGen;
using static NetGen.Activation;

namespace NetGen.Tests.Networks;

// Convolutional test networks: odd sizes, strides 1, 2 and 3, padding 0 and 1, channel counts that are not multiples
// of the vector width, every pooling kind.

/// <summary>Two convolutions (padding 1, then stride 2) with max pooling between; 1×9×9 input.</summary>
[Input(1, 9, 9)]
[Conv2D(5, Kernel = 3, Padding = 1, Activation = ReLU)]
[MaxPool2D(2)]
[Conv2D(7, Kernel = 2, Stride = 2, Activation = Tanh)]
[Flatten]
[Dense(6, Sigmoid)]
[Softmax(3)]
public partial class MaxPoolCnn;

/// <summary>Three input channels (transposed to channels-last), stride 3 (the notes'), average pooling with overlap.</summary>
[Input(3, 11, 10)]
[Conv2D(4, Kernel = 3, Stride = 3, Padding = 1, Activation = LeakyReLU, NegativeSlope = 0.1f)]
[AvgPool2D(2, Stride = 1)]
[Flatten]
[Softmax(4)]
public partial class AvgPoolCnn;

/// <summary>L2 pooling over windows and over groups of feature maps, a rectangular kernel, a regression output.</summary>
[Input(2, 7, 8)]
[Conv2D(6, KernelHeight = 3, KernelWidth = 2, Activation = Tanh)]
[L2Pool2D(2, StrideHeight = 1, StrideWidth = 2)]
[FeatureL2Pool(3)]
[Flatten]
[Dense(5, Identity)]
public partial class L2PoolCnn;

/// <summary>MaxPoolCnn's layers in double.</summary>
[Input(1, 9, 9)]
[Conv2D(5, Kernel = 3, Padding = 1, Activation = ReLU)]
[MaxPool2D(2)]
[Conv2D(7, Kernel = 2, Stride = 2, Activation = Tanh)]
[Flatten]
[Dense(6, Sigmoid)]
[Softmax(3)]
[ElementType(typeof(double))]
public partial class MaxPoolCnnDouble;

/// <summary>L2PoolCnn's layers in double.</summary>
[Input(2, 7, 8)]
[Conv2D(6, KernelHeight = 3, KernelWidth = 2, Activation = Tanh)]
[L2Pool2D(2, StrideHeight = 1, StrideWidth = 2)]
[FeatureL2Pool(3)]
[Flatten]
[Dense(5, Identity)]
[ElementType(typeof(double))]
public partial class L2PoolCnnDouble;

/// <summary>AvgPoolCnn's layers in double.</summary>
[Input(3, 11, 10)]
[Conv2D(4, Kernel = 3, Stride = 3, Padding = 1, Activation = LeakyReLU, NegativeSlope = 0.1f)]
[AvgPool2D(2, Stride = 1)]
[Flatten]
[Softmax(4)]
[ElementType(typeof(double))]
public partial class AvgPoolCnnDouble;

/// <summary>The network: 1×28×28 → 32 and 64 filters with max pooling → 128 → 10, with dropout.</summary>
[Input(1, 28, 28)]
[Conv2D(32, Kernel = 3, Padding = 1, Activation = ReLU)]
[MaxPool2D(2)]
[Conv2D(64, Kernel = 3, Padding = 1, Activation = ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dense(128, ReLU)]
[Dropout(0.3)]
[Softmax(10)]
public partial class FashionCnnNet;

/// <summary>Pooling and flatten without any convolution: nothing before the dense layers learns, so no delta flows there.</summary>
[Input(2, 6, 7)]
[MaxPool2D(2, Stride = 1)]
[Flatten]
[Dense(9, Tanh)]
[Softmax(3)]
public partial class PoolOnlyCnn;

/// <summary>
/// Two 3 × 3 convolutions at stride 1: the second (8 input channels, an even 4 × 4 output, 9 filters — not a whole
/// vector) runs forward by Winograd's F(2 × 2, 3 × 3), the first (3 channels) by the direct product. Maps of 4 × 4 keep
/// the weight gradients' float sums at batch 300 inside the agreement tests' bound: on 6 × 6 maps they exceeded it by up
/// to 1.35× with the direct product as much as with Winograd's (a sum of 10,800 terms per weight); with average pooling
/// instead of max, one bias gradient 150 times smaller than the largest went past the bound at batch 13, by 1.32× with the
/// direct product and 1.02× with Winograd's.
/// </summary>
[Input(3, 4, 4)]
[Conv2D(8, Kernel = 3, Padding = 1, Activation = Tanh)]
[Conv2D(9, Kernel = 3, Padding = 1, Activation = Tanh)]
[MaxPool2D(2)]
[Flatten]
[Softmax(4)]
public partial class WinogradCnn;

/// <summary><see cref="WinogradCnn"/> in double.</summary>
[Input(3, 4, 4)]
[Conv2D(8, Kernel = 3, Padding = 1, Activation = Tanh)]
[Conv2D(9, Kernel = 3, Padding = 1, Activation = Tanh)]
[MaxPool2D(2)]
[Flatten]
[Softmax(4)]
[ElementType(typeof(double))]
public partial class WinogradCnnDouble;
