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
