using NetGen;
using static NetGen.Activation;

namespace NetGen.Samples.FashionMnist;

/// <summary>The lecture notes' reference network: 784 inputs, 500 tanh units, softmax over 10 classes, trained with NLL.</summary>
[Dense(784, 500, Tanh)]
[Softmax(10)]
public partial class FashionNet;

/// <summary>The same network with inverted dropout on the hidden layer during training (<c>--dropout</c>).</summary>
[Dense(784, 500, Tanh)]
[Dropout(0.3)]
[Softmax(10)]
public partial class FashionNetDropout;

/// <summary>
/// The convolutional network (<c>--model cnn</c>): two 3 × 3 convolutions of 32 and 64 filters with ReLU, each followed
/// by 2 × 2 max pooling, then 128 ReLU units, dropout 0.3 in training, and a softmax over the 10 classes.
/// </summary>
[Input(1, 28, 28)]
[Conv2D(32, Kernel = 3, Padding = 1, Activation = ReLU)]
[MaxPool2D(2)]
[Conv2D(64, Kernel = 3, Padding = 1, Activation = ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dense(128, ReLU)]
[Dropout(0.3)]
[Softmax(10)]
public partial class FashionCnn;

/// <summary>The convolutional network without dropout (<c>--model cnn --no-dropout</c>).</summary>
[Input(1, 28, 28)]
[Conv2D(32, Kernel = 3, Padding = 1, Activation = ReLU)]
[MaxPool2D(2)]
[Conv2D(64, Kernel = 3, Padding = 1, Activation = ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dense(128, ReLU)]
[Softmax(10)]
public partial class FashionCnnNoDropout;
