using NetGen;
using static NetGen.Activation;

namespace NetGen.Tests.Networks;

// Widths are deliberately not multiples of the vector width (8 or 16), so every tail path runs.

/// <summary>Every hidden activation kind feeding a softmax; 37-19-7-5.</summary>
[Dense(37, 19, Tanh)]
[Dense(19, 7, Sigmoid)]
[Softmax(5)]
public partial class OddSoftmaxNet;

/// <summary>ReLU and leaky ReLU hidden layers, identity output, MSE by default.</summary>
[Dense(37, 19, ReLU)]
[Dense(19, 7, LeakyReLU)]
[Dense(7, 5, Identity)]
public partial class OddRegressionNet;

/// <summary>A tanh output trained with MSE; leaky ReLU with a custom slope.</summary>
[Dense(37, 19, LeakyReLU, NegativeSlope = 0.2f)]
[Dense(19, 5, Tanh)]
public partial class TanhOutputNet;

/// <summary>A single sigmoid output: binary cross-entropy by default.</summary>
[Dense(13, 9, Tanh)]
[Dense(9, 1, Sigmoid)]
public partial class BinaryNet;

/// <summary>Several sigmoid outputs with declared binary cross-entropy (multi-label).</summary>
[Dense(11, 6, ReLU)]
[Dense(6, 3, Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
public partial class MultiLabelNet;

/// <summary>A softmax output trained with MSE (through the softmax Jacobian).</summary>
[Dense(9, 17, Sigmoid)]
[Softmax(4)]
[Loss(LossFunction.MeanSquaredError)]
public partial class SoftmaxMseNet;

/// <summary>Wide enough for the 4-vector blocks, single-vector chunks and scalar tails: 150 = 128 + 16 + 6, 86 = 64 + 16 + 6.</summary>
[Dense(150, 86, Tanh)]
[Dense(86, 37, ReLU)]
[Softmax(10)]
public partial class BlockedNet;

/// <summary>A single linear layer (linear regression).</summary>
[Dense(3, 2)]
public partial class LinearNet;

/// <summary>The lecture notes' worked example: 1 input, 2 sigmoid hidden units, 1 sigmoid output, MSE.</summary>
[Dense(1, 2, Sigmoid)]
[Dense(2, 1, Sigmoid)]
[Loss(LossFunction.MeanSquaredError)]
public partial class LectureNet;

/// <summary>XOR.</summary>
[Dense(2, 8, Tanh)]
[Dense(8, 1, Sigmoid)]
public partial class XorNet;

/// <summary>The seed network.</summary>
[Dense(784, 500, Tanh)]
[Softmax(10)]
public partial class SeedNet;

/// <summary>Nested and in a file-scoped namespace: the generator must reproduce the containing type.</summary>
public static partial class Container
{
    /// <summary>A nested network.</summary>
    [Dense(4, 3, ReLU)]
    [Softmax(2)]
    public partial class NestedNet;
}

/// <summary>Dropout after two hidden layers; smooth activations so its float loss can be differenced.</summary>
[Dense(37, 19, Tanh)]
[Dropout(0.3)]
[Dense(19, 7, Sigmoid)]
[Dropout(0.5)]
[Softmax(5)]
public partial class DropNet;

// Networks whose every layer has at least sixteen inputs, so a one-sample SGD step is fused into the backward pass;
// widths with scalar tails (37 = 32 + 5, 20 = 16 + 4, 17 = 16 + 1) and every loss path that reads labels.

/// <summary>Leaky ReLU, dropout, sigmoid, identity output with MSE: the inlined label loss and masked input deltas.</summary>
[Dense(37, 20, LeakyReLU, NegativeSlope = 0.2f)]
[Dropout(0.25)]
[Dense(20, 17, Sigmoid)]
[Dense(17, 3)]
public partial class FusedRegressionNet;

/// <summary>A single sigmoid output: binary cross-entropy with the label as target.</summary>
[Dense(18, 16, Tanh)]
[Dense(16, 1, Sigmoid)]
public partial class FusedBinaryNet;

/// <summary>A softmax trained with MSE: the one-hot target vector built per sample.</summary>
[Dense(16, 33, ReLU)]
[Softmax(4)]
[Loss(LossFunction.MeanSquaredError)]
public partial class FusedSoftmaxMseNet;

/// <summary>
/// More than 1,024 inputs (1,100 = 1,024 + 64 + 12) into two 64-unit blocks: without AVX-512 its batches of 16 to 63
/// rows run the rows-packed product, whose panels of 16 rows leave a partial one (PortableDense.GemmRows).
/// </summary>
[Dense(1100, 128, Tanh)]
[Softmax(10)]
public partial class DeepInputNet;

/// <summary>
/// Weight rows 4 KB apart (1,024 inputs): the one-row forward kernel reads them four at a time, not sixteen, so they do
/// not crowd one set of L1 (Planner.RowGroup); 40 outputs = two blocks of sixteen and a tail of eight.
/// </summary>
[Dense(1024, 40, Tanh)]
[Softmax(10)]
public partial class AlignedRowsNet;

/// <summary>Weight rows 2 KB apart (512 inputs), which fall into two sets of L1: read eight at a time; 36 = 32 + 4.</summary>
[Dense(512, 36, Sigmoid)]
[Dense(36, 5)]
public partial class HalfAlignedRowsNet;

/// <summary>Wide enough that two and three threads each get several 64-unit cuts, with tails: 300 = 256 + 44, 200 = 192 + 8.</summary>
[Dense(300, 200, Sigmoid)]
[Dense(200, 130, LeakyReLU)]
[Softmax(7)]
public partial class WideSplitNet;

/// <summary>Dropout on a layer cut by units (200 = 192 + 8) and on one cut by rows (70 &lt; 128), and a regression output.</summary>
[Dense(150, 200, ReLU)]
[Dropout(0.3)]
[Dense(200, 70, Tanh)]
[Dropout(0.2)]
[Dense(70, 3)]
public partial class DropoutSplitNet;

/// <summary>
/// Dropout on two layers cut by units, the second behind the first (130 = 128 + 2, 192 = 3 × 64): each worker keeps
/// its own activations and masks of both and its own delta of the first (<c>Workspace.WorkerA0</c>, <c>WorkerA1</c>, ...).
/// </summary>
[Dense(90, 130, ReLU)]
[Dropout(0.2)]
[Dense(130, 192, Tanh)]
[Dropout(0.35)]
[Softmax(6)]
public partial class DeepDropoutSplitNet;

/// <summary>A regression network: one input, one linear output (MSE), as the sine example in OutputKindTests.</summary>
[Dense(1, 16, Tanh)]
[Dense(16, 1)]
public partial class SineNet;

/// <summary>
/// More than 4 MB of weights in its first layer (1,030 × 1,024 floats), which then streams from L3 at every call: the
/// Vector512 forward kernel runs the five or six rows its blocks of four would leave as one block
/// (Planner.SixRowBlocks, Dense512.LastRows).
/// </summary>
[Dense(1030, 1024, ReLU)]
[Softmax(10)]
public partial class LargeLayerNet;
