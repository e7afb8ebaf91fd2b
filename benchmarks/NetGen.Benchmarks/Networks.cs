using NetGen;
using static NetGen.Activation;

namespace NetGen.Benchmarks;

/// <summary>The seed network of the lecture notes.</summary>
[Dense(784, 500, Tanh)]
[Softmax(10)]
public partial class SeedNet;

/// <summary>The main job's network: the seed network with dropout 0.3 on its hidden layer.</summary>
[Dense(784, 500, Tanh)]
[Dropout(0.3)]
[Softmax(10)]
public partial class SeedDropoutNet;

/// <summary>A small control network, as embedded in games.</summary>
[Dense(16, 32, ReLU)]
[Dense(32, 32, ReLU)]
[Dense(32, 4)]
public partial class ControlNet;

/// <summary>A wide network.</summary>
[Dense(3072, 1024, ReLU)]
[Dense(1024, 512, ReLU)]
[Softmax(10)]
public partial class WideNet;

/// <summary>The convolutional network of the main job (<c>--model cnn</c>), without dropout so the peers run the same work.</summary>
[Input(1, 28, 28)]
[Conv2D(32, Kernel = 3, Padding = 1, Activation = ReLU)]
[MaxPool2D(2)]
[Conv2D(64, Kernel = 3, Padding = 1, Activation = ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dense(128, ReLU)]
[Softmax(10)]
public partial class CnnNet;

/// <summary>A narrow network on Fashion-MNIST's inputs, for where cutting layers across threads begins to pay (<c>--cut</c>).</summary>
[Dense(784, 32, Tanh)]
[Softmax(10)]
public partial class NarrowNet;

/// <summary>The lecture's network with 128 hidden units, for <c>--cut</c>.</summary>
[Dense(784, 128, Tanh)]
[Softmax(10)]
public partial class MidNet;

/// <summary>A convolutional network too small for a second thread to gain on (<c>--cut shards</c>).</summary>
[Input(1, 12, 12)]
[Conv2D(4, Kernel = 3, Activation = ReLU)]
[MaxPool2D(2)]
[Flatten]
[Softmax(10)]
public partial class TinyCnn;

/// <summary>A small convolutional network on Fashion-MNIST's images (<c>--cut shards</c>).</summary>
[Input(1, 28, 28)]
[Conv2D(8, Kernel = 5, Stride = 2, Activation = ReLU)]
[Flatten]
[Dense(32, ReLU)]
[Softmax(10)]
public partial class SmallCnn;
