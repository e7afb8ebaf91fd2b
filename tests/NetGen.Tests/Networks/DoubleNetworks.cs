using NetGen;
using static NetGen.Activation;

namespace NetGen.Tests.Networks;

// The float test networks again, declared in double: every activation, every loss, dropout, odd widths.

/// <summary>Tanh and sigmoid hidden layers feeding a softmax, in double; 37-19-7-5.</summary>
[Dense(37, 19, Tanh)]
[Dense(19, 7, Sigmoid)]
[Softmax(5)]
[ElementType(typeof(double))]
public partial class OddSoftmaxNetDouble;

/// <summary>ReLU and leaky ReLU hidden layers, identity output, MSE, in double.</summary>
[Dense(37, 19, ReLU)]
[Dense(19, 7, LeakyReLU)]
[Dense(7, 5, Identity)]
[ElementType(typeof(double))]
public partial class OddRegressionNetDouble;

/// <summary>A tanh output trained with MSE; leaky ReLU with a custom slope, in double.</summary>
[Dense(37, 19, LeakyReLU, NegativeSlope = 0.2f)]
[Dense(19, 5, Tanh)]
[ElementType(typeof(double))]
public partial class TanhOutputNetDouble;

/// <summary>Sigmoid outputs with binary cross-entropy (multi-label), in double.</summary>
[Dense(11, 6, ReLU)]
[Dense(6, 3, Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
[ElementType(typeof(double))]
public partial class MultiLabelNetDouble;

/// <summary>A softmax output trained with MSE, in double.</summary>
[Dense(9, 17, Sigmoid)]
[Softmax(4)]
[Loss(LossFunction.MeanSquaredError)]
[ElementType(typeof(double))]
public partial class SoftmaxMseNetDouble;

/// <summary>Wide enough for the 4-vector blocks, one-vector chunks and scalar tails of 8-lane double vectors, with dropout.</summary>
[Dense(75, 43, Tanh)]
[Dropout(0.3)]
[Dense(43, 37, ReLU)]
[Softmax(10)]
[ElementType(typeof(double))]
public partial class BlockedDropoutNetDouble;

/// <summary>Declared float explicitly: the same as no attribute.</summary>
[Dense(3, 2)]
[ElementType(typeof(float))]
public partial class ExplicitFloatNet;
