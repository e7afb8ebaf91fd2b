using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Planning;

/// <summary>
/// Decides what to emit for a network: every rule that chooses a kernel, a flavor, an update or a thread cut lives
/// here, so the emitters only print what the plan says (as the Regex generator analyzes its tree before emitting).
/// </summary>
internal static class Planner
{
    /// <summary>Largest number of samples processed at once; larger batches run in chunks, so workspace memory stays bounded.</summary>
    public const int MaxRows = NetGen.CompilerServices.SharedConstants.MaxRows;

    /// <summary>
    /// Where a layer's units may be cut between threads: a multiple of every block a kernel steps by (4 outputs, 4
    /// vectors of 16 inputs), so each unit is computed by exactly the code and in exactly the order of an uncut call.
    /// </summary>
    public const int SplitAlignment = 64;

    /// <summary>
    /// Columns of one piece of the first layer's update in a step cut across threads (<see cref="LayerPlan.UpdatePieces"/>):
    /// the <c>Vector512</c> weight-gradient kernel's column panel, 4 vectors of 16 floats (8 of the portable kernel's
    /// <c>Vector&lt;float&gt;</c>), over one worker's range of units (the forward pass's cut). The kernel sums each gradient over the batch in the same order whatever its range, so
    /// whichever worker takes a piece, the bits are those of one thread; a worker slowed by another process hands its last
    /// pieces to the others.
    /// </summary>
    public const int PieceColumns = 64;

    /// <summary>
    /// Pieces per worker's range of a layer of <paramref name="inputs"/> columns (<see cref="LayerPlan.UpdatePieces"/>): one
    /// per whole panel of <see cref="PieceColumns"/>, the columns past the last whole panel in the last piece (784 columns:
    /// 12 pieces, the last 80 wide), and one for a layer narrower than a panel. Pieces of one size keep the work queue's
    /// timing of a range's pieces true of its last one, which is the one another worker takes (and which costs it the
    /// owner's deltas and weight rows, whatever its width): with a last piece of 16 columns (13 pieces) the main recipe's
    /// step handed 0.95–1.16 pieces a step to the other worker, with pieces of one size 0.12–0.26, and ran 7 % faster
    /// where the two cores share no cache, as fast where they do (docs/performance.md).
    /// </summary>
    public static int UpdatePieces(int inputs) => Math.Max(1, inputs / PieceColumns);

    /// <summary>The first column of the last piece of a layer of <paramref name="inputs"/> columns, which runs to the last column.</summary>
    public static int LastPieceStart(int inputs) => (UpdatePieces(inputs) - 1) * PieceColumns;

    /// <summary>The most ranges of a layer of <paramref name="units"/> units cut across threads that hold any: its blocks of <see cref="SplitAlignment"/>.</summary>
    public static int UnitRanges(int units) => (units + SplitAlignment - 1) / SplitAlignment;

    /// <summary>
    /// Rows of the batch one forward register block of the flavor holds (and of the <c>Vector512</c> input delta; the weight
    /// gradient's take <see cref="WeightGradientRows"/>): 4 with <c>Vector512</c>'s 32 registers (16 accumulators and 8
    /// operands), 3 for <c>Vector&lt;T&gt;</c>'s dot products (the runtime's <c>PortableDense</c>), which are 256 bits
    /// wide with 16 registers on AVX2 (3 rows × 4 outputs: 12 accumulators, 3 rows and a weight vector; 2 × 4 fed each
    /// weight vector to two FMAs and ran 1.07–1.29× slower, see <c>PortableDense</c>). The portable input delta takes 4
    /// rows × 3 vectors instead (12 accumulators, 3 operands and a broadcast). The block changes which values share
    /// registers, never the order any sum is formed in, so the flavors stay bit-compatible with themselves on any thread
    /// count and any split of the rows.
    /// </summary>
    public static int BlockRows(Flavor flavor) => flavor == Flavor.Vector512 ? 4 : 3;

    /// <summary>
    /// Weight rows of one weight-gradient register block (<c>dW = δᵀ·x</c>, its depth the batch): 6 with
    /// <c>Vector512</c>, 24 accumulators, 4 vectors of inputs and one broadcast δ, as <c>Gemm</c>'s 6 × 64 tile (10 loads
    /// for 24 FMAs, not 8 for 16); 4 for <c>Vector&lt;T&gt;</c>, the block of the runtime's <c>PortableDense</c> (4 rows × 3
    /// vectors: 12 accumulators, 3 inputs and a broadcast in AVX2's 16 registers). Rows a thread's share does not fill with
    /// whole blocks run one at a time.
    /// </summary>
    public static int WeightGradientRows(Flavor flavor) => flavor == Flavor.Vector512 ? 6 : 4;

    /// <summary>
    /// Whether a layer's activations before dropout and its mask go, in a step cut across threads, into arrays of each
    /// worker's own (<see cref="LayerPlan.WorkerActivations"/>): a hidden layer cut by units with dropout. Its forward
    /// phase writes three arrays by units, a row's units split between the workers at the cut, so the cache line there
    /// would be written by both cores; of the three only the activations after dropout are read by another worker (the
    /// next layer, by rows), while these two are read again only by the next layer's input delta, cut by the same units.
    /// With these arrays (and <see cref="WorkerDelta"/>'s) the main recipe's step ran 14 % faster where the two cores share
    /// no cache and 2 % where they do, and its forward phase alone as fast in the one placement as in the other
    /// (docs/performance.md).
    /// </summary>
    public static bool WorkerActivations(LayerCut cut, bool dropout, bool last) => cut == LayerCut.Units && dropout && !last;

    /// <summary>
    /// Whether a layer's delta goes into arrays of each worker's own (<see cref="LayerPlan.WorkerDelta"/>): a hidden layer
    /// cut by units that computes no input delta of its own (the first, with no convolution before it), so its delta is
    /// written by the next layer's input delta by units and read only by its own update, by the same units.
    /// </summary>
    public static bool WorkerDelta(LayerCut cut, bool last, bool inputDelta) => cut == LayerCut.Units && !last && !inputDelta;

    /// <summary>Lanes of a float <c>Vector512</c>: the outputs one single-row reduction finishes.</summary>
    public const int RowBlock = 16;

    /// <summary>
    /// Weight rows a one-row forward kernel (<c>ForwardRowN</c>) reads side by side, of the sixteen whose dot products one
    /// reduction finishes: 16, 8 or 4, the most that put at most four of them in any one set of a 64-set L1 (x86's L1
    /// data caches repeat their sets every 4 KB). Rows 4 KB apart (1,024 inputs or a multiple) all fall into one set, and
    /// sixteen streams of them evict each other's lines before they are read: with <c>NetGen.Benchmarks.dll</c>'s probe of
    /// the kernel alone (one thread, alternating in one process, two or three runs) 3,072 inputs read 25–30 GB/s of
    /// weights sixteen rows at a time against 54–63 four at a time, 1,024 inputs 26 against 76, 512 inputs (two sets) 64
    /// against 75 eight at a time; 784 inputs (sixteen sets) read 70–74 GB/s whichever. The groups run one after another
    /// over the inputs and each row's accumulator sums in the same order, so the outputs keep their bits.
    /// </summary>
    public static int RowGroup(int inputs)
    {
        for (int group = RowBlock; group > 4; group /= 2)
        {
            bool fits = true;
            for (int start = 0; start < RowBlock && fits; start += group)
            {
                var perSet = new int[64];
                for (int j = start; j < start + group && fits; j++)
                    fits = ++perSet[(int)((long)j * inputs * 4 / 64 % 64)] <= 4;
            }
            if (fits) return group;
        }
        return 4;
    }

    /// <summary>
    /// The inputs a forward panel of the portable kernels holds (see <see cref="LayerPlan.PanelRows"/>): well inside L2,
    /// so the panel's rows stay there while the blocks of weight rows sweep over them; small enough for the 256 KB and
    /// 512 KB L2 caches of machines without AVX-512.
    /// </summary>
    public const int PanelBytes = 128 * 1024;

    /// <summary>
    /// The inputs a forward panel of the <c>Vector512</c> kernels holds (<see cref="LayerPlan.WidePanelRows"/>): half of
    /// a 1 MB L2 (AMD's Zen 4 and 5; Intel's AVX-512 server cores have 1 to 2 MB). The weights stream from L3 once per
    /// panel, so a wide layer's panels of 8 rows (3,072 inputs at 128 KB) read its 12.6 MB of weights five times for 40
    /// rows: with 512 KB <c>--onnx wide 40</c> read 0.96–1.01× ONNX Runtime in four runs against 0.63–0.72× in four
    /// (256 KB: 0.84× and 0.94×), 20 rows 0.85–0.92× against 0.87× and 0.87×, the seed network at 48 rows 0.96× and 0.99×
    /// against 0.96× and 0.98× (builds one after another). A panel changes no output's bits.
    /// </summary>
    public const int WidePanelBytes = 512 * 1024;

    /// <summary>
    /// Bytes of weights above which the <c>Vector512</c> forward kernel runs the five or six rows a panel's blocks of four
    /// would leave as one block (<c>Dense512.LastRows</c>, up to 6 rows × 4 weight rows, 24 accumulators), so those
    /// weight rows are read once for them instead of twice (a block of four, then one of one or two): four times a 1 MB
    /// L2, weights that stream from L3 at every call. <c>--onnx wide ROWS</c>, two rounds alternating with the build
    /// before (samples/s): 5 rows 9,027–9,067 → 9,782–10,952, 6 rows 9,778–9,876 → 10,920–11,086, 9 rows (4 + 5)
    /// 10,973–10,985 → 12,603–13,125, 10 rows (4 + 6) 11,202–11,377 → 13,037–13,129, 14 rows (4 + 4 + 6) 11,912–11,988 →
    /// 12,546–12,809. The seed network's 1.57 MB layer, whose weights stay in L2 and L3, ran 2–7 % slower on them at 5, 6,
    /// 9, 10 and 14 rows (two rounds), so it keeps the blocks of four.
    /// </summary>
    public const long SixRowBlockBytes = 4L << 20;

    /// <summary>Whether a layer's forward kernel runs five or six last rows as one block (<see cref="SixRowBlockBytes"/>).</summary>
    public static bool SixRowBlocks(int inputs, int outputs, int elementSize) => (long)inputs * outputs * elementSize > SixRowBlockBytes;

    /// <summary>Rows of a forward panel of <paramref name="bytes"/> for a layer of <paramref name="inputs"/> elements of <paramref name="elementSize"/> bytes.</summary>
    public static int PanelRows(int inputs, int elementSize, int bytes = PanelBytes)
        => System.Math.Max(4, System.Math.Min(MaxRows, bytes / (inputs * elementSize) / 4 * 4));

    /// <summary>
    /// Rows of a chunk from which <c>ForwardBatch</c> packs the weights of its <see cref="LayerPlan.Packed"/> layers once
    /// per call and runs them on the weights-packed product (<c>Gemm.MultiplyPacked</c>): enough rows to pay for the
    /// packing. The choice depends on the rows of the call only, never on a thread's share of them.
    /// </summary>
    public const int GemmRows = NetGen.CompilerServices.SharedConstants.GemmRows;

    /// <summary>
    /// Rows from which the forward kernel of a wide float layer runs the matrix product with the roles swapped
    /// (<c>Gemm.MultiplyRows</c>): the rows packed into panels of 64 (16 without AVX-512), the weights read in place, so
    /// nothing as large as the weights is packed per call. A panel is 64 rows wide, so fewer rows leave lanes empty: the
    /// <c>Vector512</c> kernel takes whole panels only and the rows past them on the dot-product blocks (with a last
    /// panel of 16 to 48 rows, <c>--onnx seed 80</c>, <c>96</c> and <c>112</c> read 0.65×, 0.77× and 0.88× ONNX Runtime,
    /// the wide network at 80 and 96 rows 0.73× and 0.90×; with the blocks 0.98×, 0.98×, 0.95×, 1.12× and 1.12×).
    /// Measured with <c>--onnx</c>, one run each way: at 64 rows the seed network went from 0.64–0.65× ONNX Runtime to
    /// 0.80–0.86× and the wide one from 0.52× to 0.96×; at 32 rows the seed network ran 0.52× against 0.58× on the
    /// dot-product blocks, and at 20 rows 0.34× against 0.67×. At 256 rows it beat the weights packed per call
    /// (<c>MultiplyTransposed</c>) on this project's Intel Xeon:
    /// <c>--gemm 256 784 500</c> 87–90 % of the FMA peak against 85–86 %, <c>--gemm 256 3072 1024</c> 85–89 % against
    /// 76–80 %; both give the same bits.
    /// </summary>
    public const int RowGemmRows = NetGen.CompilerServices.SharedConstants.RowGemmRows;

    /// <summary>
    /// Whether the <c>Vector512</c> flavor's <c>ForwardBatch</c> packs a layer's weights and runs chunks of
    /// <see cref="GemmRows"/> rows or more on the weights-packed product (<see cref="LayerPlan.PackedVector512"/>): narrow
    /// layers only. A wide layer's batches take the rows-packed product (<c>Gemm.MultiplyRows</c>) whatever their rows,
    /// which reads the weights in place: on this host's Zen 4 the two products' tiles run alike (<c>--gemm 256 784 500</c>
    /// 93–95 % of the FMA peak packed, 94–95 % rows-packed) and packing the weights cost every call a pass over them
    /// (<c>--onnx seed 128</c> 0.91× and 0.93× ONNX Runtime packed, 1.00× and 1.04× rows-packed; <c>seed 256</c> 0.95×
    /// and 0.96× against 1.00× and 1.03×; two alternating runs of each build); a layer deeper than 1,024 inputs resumed
    /// its packed tiles' sums block by block and ran slower still (75–79 % against 85–89 % at 3,072 inputs on this
    /// project's Intel Xeon). Without AVX-512 the packed product kept 87 % on 3,072 inputs, so the portable flavor packs
    /// every such layer (<see cref="LayerPlan.Packed"/>). An inference-only network's weights never change, so its wide
    /// layers are packed once, when the network is created (<see cref="PacksOnCreation"/>), and take the packed product
    /// from <see cref="InferencePackedRows"/> row (<see cref="PackedRows"/>), as ONNX Runtime packs its weights once per
    /// session.
    /// </summary>
    public static bool PacksWithVector512(LayerSpec layer, bool single, bool inferenceOnly)
        => IsNarrow(layer, single) || inferenceOnly && UsesGemm(layer, single);

    /// <summary>
    /// Rows from which an inference-only network's calls through a wide layer take the weights-packed product with
    /// AVX-512, on its weights packed once, when the network is created (<see cref="PacksOnCreation"/>): one, so one
    /// sample and every batch take it, and one sample equals its row of any batch bit for bit. One row reads the packed
    /// panels in the order opposite to the last one-row call's (<c>MultiplyPacked</c>'s <c>backwards</c>), so it finds
    /// first what the last call read last: a probe of the layers alone (medians of 15 alternating rounds, two runs) read
    /// 784 × 500 at 48.4 GFLOP/s that way against 45.1–45.9 in one order and 45.3–45.4 on the trainable network's
    /// <c>ForwardRowN</c>, 3,072 × 1,024 at 40.7–41.8 against 30.7–31.4 and 27.1–28.1; <c>--onnx baked 1</c>, three
    /// rounds, the baked seed network 46.0–46.8 GFLOP/s (39.2–45.8 before, on the row kernel over its baked data, which is
    /// not aligned to cache lines) and the baked wide network 32.9–36.4 (the trainable one 29.5–31.2). The tiles of fewer than six rows run
    /// kernels of their own (<c>Gemm.Tile512</c>), so two rows compute two: <c>--gemm 2 3072 1024</c> read
    /// <c>MultiplyPacked</c> at 71.6 GFLOP/s, <c>--gemm 4 3072 1024</c> at 101.2, <c>--gemm 2 784 500</c> at 87.1 and
    /// <c>--gemm 4 784 500</c> at 109.6 (a trainable network's dot-product blocks: the wide network's first layer at 4
    /// rows about 83 in a probe on its own, the seed network's about 100 at 20 rows).
    /// </summary>
    public const int InferencePackedRows = 1;

    /// <summary>
    /// Whether the network packs its weights for the packed product when it is created, once for all its calls, one sample
    /// included: an inference-only network with a wide layer (<see cref="InferencePackedRows"/>). Its workspace keeps them
    /// when a larger batch replaces it.
    /// </summary>
    public static bool PacksOnCreation(NetworkPlan plan) => PackingRows(plan) <= InferencePackedRows;

    /// <summary>Whether the network has <c>Freeze()</c>: a trainable float network (a frozen copy is a runtime <c>FrozenNetwork</c>, of float).</summary>
    public static bool Freezes(NetworkSpec net) => !net.InferenceOnly && net.Element == ElementKind.Single;

    /// <summary>
    /// Whether a trainable network's frozen copy (its <c>Freeze()</c>, a runtime <c>FrozenNetwork</c>) packs weights when
    /// it is created: a float network with a layer on the packed product (<see cref="LayerPlan.Packed"/>). Its wide layers
    /// then take the packed product from one row with AVX-512 (<see cref="FrozenPackedVector512"/>), as an
    /// inference-only network's do (<see cref="InferencePackedRows"/>), and no call packs them again.
    /// </summary>
    public static bool FreezePacks(NetworkPlan plan) => plan.Trainable && plan.Layers.Any(l => l.Packed);

    /// <summary>
    /// Whether a trainable network's <c>Vector512</c> kernels run <paramref name="layer"/> on its weights packed when a
    /// frozen copy was created (<see cref="FreezePacks"/>), from one row: a wide layer, whose batches otherwise read the
    /// weights in place (<see cref="PacksWithVector512"/>).
    /// </summary>
    public static bool FrozenPackedVector512(LayerPlan layer, bool trainable) => trainable && layer.Gemm && layer.Packed && !layer.PackedVector512;

    /// <summary>Whether one-row calls turn their order over some layer's weights at every call (<c>ForwardRowN</c>, or the packed product from one row).</summary>
    public static bool TurnsOneRow(NetworkPlan plan)
        => PacksOnCreation(plan) || plan.Layers.Any(l => l.Kernels.Any(k => k.Kind == KernelKind.ForwardRow));

    /// <summary>
    /// Rows of a call from which <paramref name="layer"/> takes <c>Gemm.MultiplyPacked</c> in <paramref name="flavor"/>'s
    /// kernels, where its weights are packed: <see cref="InferencePackedRows"/> for an inference-only network's wide layers
    /// with AVX-512, else <see cref="GemmRows"/>. It depends on the rows of the call only.
    /// </summary>
    public static int PackedRows(LayerPlan layer, Flavor flavor, bool inferenceOnly)
        => inferenceOnly && layer.Gemm && flavor == Flavor.Vector512 ? InferencePackedRows : GemmRows;

    /// <summary>
    /// Rows of a chunk from which <c>ForwardBatch</c> packs the weights (<c>PackWeights</c>): the fewest any layer of
    /// <paramref name="plan"/> takes the packed product from, in any flavor.
    /// </summary>
    public static int PackingRows(NetworkPlan plan)
        => plan.Layers.Where(l => l.Packed || l.PackedVector512)
            .Select(l => PackedRows(l, Flavor.Vector512, plan.Network.InferenceOnly)).DefaultIfEmpty(GemmRows).Min();

    /// <summary>Whether a float layer is wide enough for the packed product: at least 64 inputs and 128 outputs (never cut by rows).</summary>
    public static bool UsesGemm(LayerSpec layer, bool single) => single && layer.Inputs >= 64 && layer.Outputs >= 2 * SplitAlignment;

    /// <summary>
    /// Whether a float layer is narrow: at most 64 inputs and 16 to 64 outputs, its packed weights at most 16 KB. A batch
    /// of inference runs it on the packed product's narrow tiles (12 rows × one or two vectors of outputs, no horizontal
    /// sums), with the weights packed once per <c>ForwardBatch</c> call. Below a vector of outputs a tile's lanes go
    /// mostly unused and the dot-product blocks do better: with the 16-32-32-4 network's last layer (4 outputs) on the
    /// tiles, <c>--onnx control 1024</c> gave 1.33–1.36× ONNX Runtime, and 1.61–1.87× with it on the dot products.
    /// </summary>
    public static bool IsNarrow(LayerSpec layer, bool single) => single && layer.Inputs <= 64 && layer.Outputs is >= 16 and <= 64;

    /// <summary>Bytes of feature maps one block of rows may hold across the stages: half of a 1 MB L2.</summary>
    public const int StageBytes = 512 * 1024;

    /// <summary>
    /// Rows the layers over feature maps take at a time (at least 1, at most <see cref="MaxRows"/>): as many as keep every
    /// stage's output for the block within <see cref="StageBytes"/>, so each stage reads what the one before it just
    /// wrote from cache instead of memory. The first convolution of a 28 × 28 image with 32 filters writes 100 KB per row.
    /// </summary>
    public static int StageRows(NetworkSpec net)
    {
        long bytes = 0;
        foreach (StageSpec stage in net.Stages) bytes += stage.Out.Size * (net.Element == ElementKind.Single ? 4 : 8);
        return (int)System.Math.Max(1, System.Math.Min(MaxRows, StageBytes / System.Math.Max(1, bytes)));
    }

    public static NetworkPlan Plan(NetworkSpec net)
    {
        bool trainable = !net.InferenceOnly;
        bool single = net.Element == ElementKind.Single;
        var flavors = new[] { Flavor.Vector512, Flavor.VectorT };

        // SGD and momentum fuse into the backward pass of trainable float networks of dense layers; double networks take
        // the separate step (the optimizer computes their update in double from float settings), and so do convolutional
        // networks (their weight gradients are summed sample by sample before any update could use them).
        var updates = new List<UpdateKind>();
        if (trainable) updates.Add(UpdateKind.StoreGradient);
        if (trainable && single && !net.HasStages) updates.AddRange(new[] { UpdateKind.Sgd, UpdateKind.Momentum, UpdateKind.Adam });

        // Every network whose step fuses can also be cut across threads by units (LayerParallel).
        bool split = updates.Contains(UpdateKind.Sgd);

        var layers = new List<LayerPlan>();
        for (int l = 0; l < net.Layers.Count; l++)
        {
            LayerSpec layer = net.Layers[l];
            LayerSpec? previous = l == 0 ? null : net.Layers[l - 1];
            bool last = l == net.Layers.Count - 1;
            // Single-row kernels: float Vector512 only (sixteen lanes, one per output of a block) and at least one whole
            // vector of inputs. A single sample (Forward, Predict, online training) then skips the batch blocking.
            bool rows = single && layer.Inputs >= RowBlock;
            var kernels = new List<KernelPlan>();
            foreach (Flavor flavor in flavors)
            {
                // An inference-only network's wide layers take the packed product for one row too (InferencePackedRows).
                bool rowFlavor = rows && flavor == Flavor.Vector512 && !(net.InferenceOnly && UsesGemm(layer, single));
                kernels.Add(new KernelPlan(KernelKind.Forward, flavor));
                if (rowFlavor) kernels.Add(new KernelPlan(KernelKind.ForwardRow, flavor));
                if (!trainable) continue;
                kernels.Add(new KernelPlan(KernelKind.BackwardWeights, flavor));
                if (rowFlavor) kernels.Add(new KernelPlan(KernelKind.BackwardWeightsRow, flavor));
                // The input needs no delta, unless a convolution comes before (its weights learn from it).
                if (l == 0 && !net.Stages.Any(s => s.HasParameters)) continue;
                kernels.Add(new KernelPlan(KernelKind.BackwardInput, flavor));
                if (rowFlavor) kernels.Add(new KernelPlan(KernelKind.BackwardInputRow, flavor));
            }
            // A layer too narrow for every worker to get a block of units (fewer than two) is cut by rows instead.
            LayerCut cut = !split ? LayerCut.None : layer.Outputs < 2 * SplitAlignment ? LayerCut.Rows : LayerCut.Units;
            layers.Add(new LayerPlan(
                l, layer.Kind, layer.Inputs, layer.Outputs,
                last ? ActivationKind.Identity : layer.EpilogueActivation, layer.Activation, layer.NegativeSlope, layer.Dropout,
                layer.WeightOffset, layer.BiasOffset,
                previous?.EpilogueActivation ?? ActivationKind.Identity, previous?.NegativeSlope ?? 0f, previous?.HasDropout ?? false,
                kernels.ToEquatableArray(), cut, PanelRows(layer.Inputs, single ? 4 : 8),
                PanelRows(layer.Inputs, single ? 4 : 8, WidePanelBytes),
                layer.Outputs >= RowBlock ? RowGroup(layer.Inputs) : RowBlock, UsesGemm(layer, single),
                UsesGemm(layer, single) || IsNarrow(layer, single),
                PacksWithVector512(layer, single, net.InferenceOnly),
                l == 0 && cut == LayerCut.Units ? UpdatePieces(layer.Inputs) : 0,
                WorkerActivations(cut, layer.HasDropout, last),
                WorkerDelta(cut, last, kernels.Any(k => k.Kind == KernelKind.BackwardInput))));
        }

        LayerSpec output = net.Output;
        bool identityOutput = output.Kind != LayerKind.Softmax && output.Activation == ActivationKind.Identity;
        bool labelLoss = trainable && output.Kind != LayerKind.Softmax && net.Loss == LossKind.MeanSquaredError;
        bool classifier = output.Kind == LayerKind.Softmax || output.Activation != ActivationKind.Identity;
        var plan = new NetworkPlan(net, layers.ToEquatableArray(), flavors.ToEquatableArray(), updates.ToEquatableArray(),
            split, identityOutput, labelLoss, classifier, EquatableArray<string>.Empty, StageRows(net));
        return plan with { MemberNames = MemberNames(plan).ToEquatableArray() };
    }

    /// <summary>Every member the generated type declares, public or private, from the plan the emitters follow.</summary>
    private static IEnumerable<string> MemberNames(NetworkPlan plan)
    {
        var names = new List<string>
        {
            "InputSize", "OutputSize", "ParameterCount", "Architecture", "Parameters",
            "Forward", "ForwardBatch", "Kernels", "Workspace", "ForwardRows", "Reserve", "_workspace",
        };
        if (plan.Trainable)
        {
            names.AddRange(new[] { "Gradients", "ComputeGradients", "TrainStep", "CreateReplica", "BackwardRows", "_parameters", "_gradients" });
        }
        if (plan.Layers.Any(l => l.Packed)) names.Add("PackWeights");
        if (Freezes(plan.Network)) names.Add("Freeze");
        if (FreezePacks(plan)) names.Add("_frozen");
        if (plan.Classifier) names.Add("Predict");
        if (plan.LabelLoss) names.Add("LabelLoss");
        if (plan.Trainable && plan.HasDropout) names.AddRange(new[] { "SeedDropout", "_dropoutRng" });
        if (plan.Network.Baked is not null) names.Add("BakedParameters");
        if (plan.Split) names.AddRange(new[] { "Share", "ShareRows", "RunPhase" });
        return names;
    }
}
