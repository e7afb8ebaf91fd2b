using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Planning;

/// <summary>A vector instruction set kernels are emitted for.</summary>
internal enum Flavor
{
    /// <summary><c>Vector512&lt;T&gt;</c>: sixteen float lanes, a width known at generation time.</summary>
    Vector512,

    /// <summary><c>Vector&lt;T&gt;</c>: the portable fallback, its width a JIT-time constant.</summary>
    VectorT,
}

/// <summary>What a kernel computes.</summary>
internal enum KernelKind
{
    /// <summary><c>y = f(x·Wᵀ + b)</c> over a batch (<c>ForwardLayer</c>).</summary>
    Forward,

    /// <summary>The same for one row, sixteen outputs per reduction (<c>ForwardRow</c>).</summary>
    ForwardRow,

    /// <summary><c>dW = δᵀ·x</c>, <c>db = Σ δ</c>, handed to an update (<c>BackwardWeights</c>).</summary>
    BackwardWeights,

    /// <summary>The same for one row (<c>BackwardWeightsRow</c>).</summary>
    BackwardWeightsRow,

    /// <summary><c>δp = (δ·W) ∘ f′(a)</c> (<c>BackwardInput</c>).</summary>
    BackwardInput,

    /// <summary>The same for one row (<c>BackwardInputRow</c>).</summary>
    BackwardInputRow,
}

/// <summary>What a weight kernel does with each finished gradient block: the update structs it is instantiated with.</summary>
internal enum UpdateKind
{
    /// <summary><c>StoreGradient</c>: store the gradient, or add it to the stored one (a batch in chunks).</summary>
    StoreGradient,

    /// <summary><c>SgdUpdate</c>: an SGD step fused into the backward pass.</summary>
    Sgd,

    /// <summary><c>MomentumUpdate</c>: a momentum (or Nesterov) step fused into the backward pass.</summary>
    Momentum,

    /// <summary><c>AdamUpdate</c>: an Adam (or AdamW) step fused into the backward pass of the layer-cut phases.</summary>
    Adam,
}

/// <summary>How <c>LayerParallel</c> cuts a layer's forward phase between threads.</summary>
internal enum LayerCut
{
    /// <summary>Not cut: the network does not train on several threads by cutting layers.</summary>
    None,

    /// <summary>By output units, in blocks of <see cref="Planner.SplitAlignment"/>.</summary>
    Units,

    /// <summary>By rows of the batch, for a layer narrower than two blocks of units.</summary>
    Rows,
}

/// <summary>One kernel of a layer, in one flavor.</summary>
internal sealed record KernelPlan(KernelKind Kind, Flavor Flavor)
{
    /// <summary>The kernel's method name in the generated <c>Kernels</c> class, for layer <paramref name="layer"/>.</summary>
    public string Name(int layer) => (Kind == KernelKind.Forward ? "ForwardLayer" : Kind.ToString()) + layer + Suffix(Flavor);

    /// <summary>The flavor's suffix on kernel names.</summary>
    public static string Suffix(Flavor flavor) => flavor == Flavor.Vector512 ? "V512" : "Vec";
}

/// <summary>
/// What the generator will write for one layer, decided before anything is written: its shapes, where its parameters
/// lie, what its backward pass multiplies the input delta by, its kernels, and how threads cut it.
/// </summary>
/// <param name="Index">The layer's position, from 0.</param>
/// <param name="Kind">Dense, or the Softmax output.</param>
/// <param name="Inputs">Fan-in.</param>
/// <param name="Outputs">Units.</param>
/// <param name="Activation">The activation the forward kernel applies (Identity for the output layer, whose activation runs with the loss).</param>
/// <param name="DeclaredActivation">The activation as declared (the output layer's runs after the forward kernels).</param>
/// <param name="NegativeSlope">Leaky ReLU's slope.</param>
/// <param name="Dropout">The dropout probability of this layer's outputs, 0 for none.</param>
/// <param name="WeightOffset">Where W [Outputs, Inputs] starts in the parameter buffer.</param>
/// <param name="BiasOffset">Where b [Outputs] starts.</param>
/// <param name="InputActivation">The previous layer's activation, whose derivative the input delta takes (Identity for layer 0).</param>
/// <param name="InputSlope">The previous layer's leaky ReLU slope.</param>
/// <param name="InputMasked">Whether the previous layer drops units (the input delta takes its mask).</param>
/// <param name="Kernels">The kernels emitted for this layer, in emission order.</param>
/// <param name="Cut">How the layer is cut between threads.</param>
/// <param name="PanelRows">
/// Rows of the batch the portable forward kernel takes at once: a multiple of 4 whose inputs fill about
/// <see cref="Planner.PanelBytes"/>, so each block of weight rows is reused by the whole panel from L1.
/// </param>
/// <param name="WidePanelRows">The same for the <c>Vector512</c> forward kernel, from <see cref="Planner.WidePanelBytes"/>.</param>
/// <param name="RowGroup">
/// Weight rows the one-row forward kernel reads side by side of each block of sixteen outputs, 16, 8 or 4
/// (<see cref="Planner.RowGroup"/>); 16 for a layer of fewer outputs, which has no such block.
/// </param>
/// <param name="Gemm">
/// Whether the forward kernel hands batches of <see cref="Planner.GemmRows"/> rows or more to the packed matrix product.
/// </param>
/// <param name="Packed">
/// Whether <c>ForwardBatch</c> packs the layer's weights once per call (an inference-only network's once per workspace, or
/// when it is created, <see cref="Planner.PacksOnCreation"/>)
/// and runs chunks of <see cref="Planner.PackedRows"/> rows or more on <c>Gemm.MultiplyPacked</c>: the
/// <paramref name="Gemm"/> layers, and narrow ones (<see cref="Planner.IsNarrow"/>).
/// </param>
/// <param name="UpdatePieces">
/// Pieces per worker's range of units when a step cut across threads shares out this layer's update (the first layer,
/// cut by units; either flavor of kernel): one per whole column panel of <see cref="Planner.PieceColumns"/>, the
/// last with the columns past the last whole panel too (<see cref="Planner.UpdatePieces"/>); 0 when the update is cut in
/// fixed shares like the rest.
/// </param>
/// <param name="PackedVector512">
/// Whether the <c>Vector512</c> flavor takes the packed product too: narrow layers, and an inference-only network's wide
/// ones (from <see cref="Planner.InferencePackedRows"/> rows, its weights packed once); a trainable network's wide layer
/// runs its batches on the rows-packed product (<c>MultiplyRows</c>), which reads the weights in place
/// (<see cref="Planner.PacksWithVector512"/>).
/// </param>
/// <param name="WorkerActivations">
/// Whether a step cut across threads gives each worker arrays of its own for this layer's activations before dropout
/// and its dropout mask (<c>WorkerA</c>, <c>WorkerM</c>), of the same shape as the shared ones: a layer cut by units
/// with dropout, whose two arrays only the worker that wrote a unit reads again (the next layer's input delta, cut by
/// the same units), so no cache line at the cut is written by two cores (<see cref="Planner.WorkerActivations"/>).
/// </param>
/// <param name="WorkerDelta">
/// Whether each worker has its own array for this layer's delta too (<c>WorkerD</c>): the first layer cut by units
/// with no input delta of its own, whose delta is read again only by its update, a piece of which reads the delta of
/// the worker that owns its range (<see cref="Planner.WorkerDelta"/>).
/// </param>
internal sealed record LayerPlan(
    int Index,
    LayerKind Kind,
    int Inputs,
    int Outputs,
    ActivationKind Activation,
    ActivationKind DeclaredActivation,
    float NegativeSlope,
    float Dropout,
    long WeightOffset,
    long BiasOffset,
    ActivationKind InputActivation,
    float InputSlope,
    bool InputMasked,
    EquatableArray<KernelPlan> Kernels,
    LayerCut Cut,
    int PanelRows,
    int WidePanelRows,
    int RowGroup,
    bool Gemm,
    bool Packed,
    bool PackedVector512,
    int UpdatePieces,
    bool WorkerActivations = false,
    bool WorkerDelta = false)
{
    public bool HasDropout => Dropout > 0f;

    /// <summary>Whether the layer has kernel <paramref name="kind"/> in <paramref name="flavor"/>.</summary>
    public bool Has(KernelKind kind, Flavor flavor) => Kernels.Contains(new KernelPlan(kind, flavor));
}

/// <summary>
/// Everything the emitters print, decided as data: the layers' plans, the flavors, the updates the weight kernels are
/// instantiated with, whether training can be cut across threads, and the names of every member the generated type
/// adds (so a user member that collides is reported, NG0013, from the same list the emitters follow).
/// </summary>
/// <param name="Network">The declaration's model.</param>
/// <param name="Layers">One plan per layer.</param>
/// <param name="Flavors">Flavors in dispatch order: the first whose hardware is accelerated runs.</param>
/// <param name="Updates">The update structs the backward pass runs with.</param>
/// <param name="Split">Whether the network implements <c>ISplitTraining</c> (training cut across threads by units).</param>
/// <param name="IdentityOutput">Whether the output layer's activation is the identity (one array for Z and A).</param>
/// <param name="LabelLoss">Whether labels take the generated <c>LabelLoss</c> (MSE on a non-softmax output).</param>
/// <param name="Classifier">
/// Whether the output names a class, so the network implements <c>IClassifier</c> and has <c>Predict</c>: a softmax output,
/// or an output layer with an activation. A linear output is a regression output, forward only.
/// </param>
/// <param name="MemberNames">Every member name the generated type adds.</param>
/// <param name="StageRows">Rows the layers over feature maps take at a time, forward and backward (<see cref="Planner.StageRows"/>).</param>
internal sealed record NetworkPlan(
    NetworkSpec Network,
    EquatableArray<LayerPlan> Layers,
    EquatableArray<Flavor> Flavors,
    EquatableArray<UpdateKind> Updates,
    bool Split,
    bool IdentityOutput,
    bool LabelLoss,
    bool Classifier,
    EquatableArray<string> MemberNames,
    int StageRows = 1)
{
    public LayerPlan Output => Layers[Layers.Count - 1];

    public bool Trainable => !Network.InferenceOnly;

    public bool HasDropout => Layers.Any(l => l.HasDropout);

    /// <summary>Whether SGD and momentum steps are fused into the backward pass (<c>TrainStep</c>; the layer-cut phases fuse Adam too).</summary>
    public bool FusedUpdates => Updates.Contains(UpdateKind.Sgd);
}
