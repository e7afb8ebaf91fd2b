using NetGen;
using static NetGen.Activation;

namespace NetGen.Tests.Networks;

// The three declarations share one architecture; Baked/odd.safetensors (see Baked/make_assets.py) holds its parameters.

/// <summary>The trainable twin: Xavier weights, loaded from the file at run time in tests.</summary>
[Dense(37, 19, Tanh)]
[Dropout(0.2)]
[Dense(19, 7, ReLU)]
[Softmax(5)]
public partial class OddTwinNet;

/// <summary>Inference-only: weights read from the assembly's static data, no parameter or gradient buffers.</summary>
[Dense(37, 19, Tanh)]
[Dropout(0.2)]
[Dense(19, 7, ReLU)]
[Softmax(5)]
[BakedWeights("Baked/odd.safetensors", InferenceOnly = true)]
public partial class BakedOddNet;

/// <summary>Trainable, starting from the baked weights.</summary>
[Dense(37, 19, Tanh)]
[Dropout(0.2)]
[Dense(19, 7, ReLU)]
[Softmax(5)]
[BakedWeights("odd.safetensors")]
public partial class BakedTrainableOddNet;

/// <summary>MaxPoolCnn's architecture with Baked/cnn.safetensors baked in, inference only.</summary>
[Input(1, 9, 9)]
[Conv2D(5, Kernel = 3, Padding = 1, Activation = ReLU)]
[MaxPool2D(2)]
[Conv2D(7, Kernel = 2, Stride = 2, Activation = Tanh)]
[Flatten]
[Dense(6, Sigmoid)]
[Softmax(3)]
[BakedWeights("Baked/cnn.safetensors", InferenceOnly = true)]
public partial class BakedCnn;

// Baked/wide.safetensors holds the parameters of the next two: a first layer wide enough for the packed matrix product.

/// <summary>The trainable twin of <see cref="BakedWideNet"/>: loads Baked/wide.safetensors at run time in tests.</summary>
[Dense(80, 136, ReLU)]
[Softmax(10)]
public partial class WideTwinNet;

/// <summary>Inference-only, with a wide first layer: its batches of two rows or more take the product on weights packed once.</summary>
[Dense(80, 136, ReLU)]
[Softmax(10)]
[BakedWeights("Baked/wide.safetensors", InferenceOnly = true)]
public partial class BakedWideNet;
