using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Emitting;
using NetGen.Generator.Model;
using NetGen.Generator.Planning;

namespace NetGen.Generator;

public sealed partial class NetGenGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// Weight rows (outputs) of one forward dot-product block; its rows of the batch are <see cref="Planner.BlockRows"/>.
        /// <c>VectorOps.PrefetchRows</c>, which the blocks call for the next block's weight rows, asks for four rows: the
        /// two change together.
        /// </summary>
        private const int BlockRows = 4;

        /// <summary>Vectors along a row held in registers by one outer-product block: 4 × 4 accumulators plus 8 operands fit in 32 zmm registers.</summary>
        private const int BlockVectors = 4;

        /// <summary>The ref local that <see cref="EmitWorkspaceReferences"/> declares for a workspace array: ws.A0 → a0.</summary>
        private static string Local(string array) => char.ToLowerInvariant(array[3]) + array.Substring(4);

        /// <summary>Declares locals of one type, four to a line: <c>T c00 = init, c01 = init, …;</c> (in the order given).</summary>
        private static void Declare(CodeWriter w, string type, IEnumerable<(string Name, string Value)> locals)
        {
            var all = locals.ToList();
            for (int i = 0; i < all.Count; i += 4)
                w.Line(type + " " + string.Join(", ", all.Skip(i).Take(4).Select(l => l.Name + " = " + l.Value)) + ";");
        }

        /// <summary>Writes <paramref name="head"/><paramref name="tail"/> on one line, or on two when it would be long.</summary>
        private static void Wrapped(CodeWriter w, string head, string tail)
        {
            if (CodeWriter.ShapeLength(head + tail) <= 100) w.Line(head + tail);
            else
            {
                w.Line(head.TrimEnd());
                w.Line("    " + tail.TrimStart());
            }
        }

        /// <summary>Writes <c>head(arguments);</c>, the arguments on a line of their own when the call would be long.</summary>
        private static void Call(CodeWriter w, string head, string arguments)
            => w.Line(CodeWriter.ShapeLength(head + arguments) <= 100 ? $"{head}({arguments});" : $"{head}(\n    {arguments});");

        /// <summary>A workspace array as a kernel argument: ws.A0 → ref a0.</summary>
        private static string Ref(string array) => "ref " + Local(array);

        /// <summary>
        /// Named references to the workspace arrays a driver hands to kernels (a0 for ws.A0, ...): those of the forward
        /// pass (activations, dropout outputs, output pre-activations) and, for <paramref name="backward"/>, the deltas and masks.
        /// </summary>
        /// <remarks>
        /// With <paramref name="perWorker"/> (a split step) the arrays the plan gives each worker of its own
        /// (<see cref="LayerPlan.WorkerActivations"/>, <see cref="LayerPlan.WorkerDelta"/>) are this worker's.
        /// </remarks>
        private static void EmitWorkspaceReferences(CodeWriter w, NetworkPlan plan, bool backward, bool perWorker = false)
        {
            string T = ElementType.Of(plan.Network.Element).Name;
            bool dropout = plan.HasDropout && plan.Trainable;
            int last = plan.Layers.Count - 1;
            void Declare(string array, string what, bool own = false)
                => w.Line($"ref {T} {Local(array)} = ref MemoryMarshal.GetArrayDataReference({(own ? WorkerArray(array) : array)}); // {what}");
            foreach (LayerPlan layer in plan.Layers)
            {
                int l = layer.Index;
                bool activations = perWorker && layer.WorkerActivations;
                if (l == last) Declare("ws.Z" + l, $"[rows, {layer.Outputs}] output pre-activations");
                else Declare("ws.A" + l, $"[rows, {layer.Outputs}] layer {l} activations", activations);
                if (dropout && layer.HasDropout)
                {
                    if (backward) Declare("ws.M" + l, $"[rows, {layer.Outputs}] layer {l} dropout mask", activations);
                    Declare("ws.H" + l, $"[rows, {layer.Outputs}] layer {l} activations after dropout");
                }
                bool delta = perWorker && layer.WorkerDelta;
                if (backward) Declare("ws.D" + l, $"[rows, {layer.Outputs}] ∂loss/∂z of layer {l}", delta);
            }
        }

        /// <summary>
        /// A workspace array's copy of range <paramref name="range"/>'s own in a split step, this worker's by default (the
        /// ranges count from the first units, the workers from the last): ws.A0 → ws.WorkerA0[workers - 1 - worker].
        /// </summary>
        private static string WorkerArray(string array, string range = "workers - 1 - worker") => $"ws.Worker{array.Substring(3)}[{range}]";

        private static string At(string reference, string offset) => "ref Unsafe.Add(ref " + reference + ", " + offset + ")";

        /// <summary>Named references to each layer's weights and biases in the buffer at <paramref name="buffer"/> (w0, b0, w1, ...).</summary>
        private static void EmitParameterReferences(CodeWriter w, NetworkPlan plan, string buffer, string prefix = "")
        {
            string T = ElementType.Of(plan.Network.Element).Name;
            foreach (LayerPlan layer in plan.Layers)
            {
                int l = layer.Index;
                string weights = layer.WeightOffset == 0 ? "ref " + buffer : At(buffer, Literal.Int(layer.WeightOffset));
                w.Line($"ref {T} {prefix}w{l} = {weights}, {prefix}b{l} = {At(buffer, Literal.Int(layer.BiasOffset))};" +
                       $" // W{l} [{layer.Outputs}, {layer.Inputs}], b{l} [{layer.Outputs}]");
            }
        }

        /// <summary>
        /// The method a driver calls for layer <paramref name="l"/>'s kernel of <paramref name="kind"/>: the generated one
        /// in <c>Vector512</c>, the runtime's portable one (<c>PortableDense</c>) over the layer's constants otherwise.
        /// </summary>
        private static string Callee(KernelKind kind, int l, SimdFlavor flavor)
            => flavor.Kind == Flavor.VectorT ? Portable(kind, l, flavor.T) : "Kernels." + new KernelPlan(kind, flavor.Kind).Name(l);

        /// <summary>The portable kernel of <paramref name="kind"/> for layer <paramref name="l"/>, specialized by its constants <c>Kernels.Layer{l}</c>.</summary>
        private static string Portable(KernelKind kind, int l, string T)
            => $"global::NetGen.CompilerServices.PortableDense<Kernels.Layer{l}, {T}>.{(kind == KernelKind.Forward ? "Forward" : kind.ToString())}";

        /// <summary>
        /// Layer <paramref name="layer"/>'s constants as a struct the runtime's kernels take as a type argument: the JIT
        /// compiles <c>PortableDense</c> (and <c>Dense512</c>, the Vector512 forward kernel's last rows) once per layer with
        /// them folded in, as the generator writes the Vector512 kernels.
        /// </summary>
        private static void EmitLayerConstants(CodeWriter w, LayerPlan layer, string T)
        {
            int l = layer.Index;
            string activation(ActivationKind a) => "global::NetGen.Activation." + a;
            w.Line($"/// <summary>Layer {l}'s constants for the runtime's kernels (<c>PortableDense</c>, <c>Dense512</c>).</summary>");
            using (w.Block($"public readonly struct Layer{l} : global::NetGen.CompilerServices.IDenseLayer"))
            {
                w.Line($"public static int Inputs => {Literal.Int(layer.Inputs)};");
                w.Line($"public static int Outputs => {Literal.Int(layer.Outputs)};");
                w.Line($"public static int PanelRows => {Literal.Int(layer.PanelRows)};");
                if (layer.Activation != ActivationKind.Identity) w.Line($"public static global::NetGen.Activation Activation => {activation(layer.Activation)};");
                if (layer.Activation == ActivationKind.LeakyReLU) w.Line($"public static float NegativeSlope => {Literal.Float(layer.NegativeSlope)};");
                bool inputDelta = layer.Has(KernelKind.BackwardInput, Flavor.VectorT);
                if (inputDelta && layer.InputActivation != ActivationKind.Identity)
                    w.Line($"public static global::NetGen.Activation InputActivation => {activation(layer.InputActivation)};");
                if (inputDelta && layer.InputActivation == ActivationKind.LeakyReLU) w.Line($"public static float InputSlope => {Literal.Float(layer.InputSlope)};");
                if (layer.Gemm) w.Line("public static bool UsesGemm => true;");
            }
            w.Line();
        }

        /// <summary>The first flavor runs where its hardware is accelerated, the portable one elsewhere.</summary>
        private static string FlavorCondition(bool first) => first ? "if (Vector512.IsHardwareAccelerated)" : "else";

        private static void EmitKernels(CodeWriter w, NetworkPlan plan)
        {
            NetworkSpec net = plan.Network;
            int last = plan.Layers.Count - 1;
            string T = ElementType.Of(net.Element).Name;

            bool dropout = plan.HasDropout && plan.Trainable;
            w.Line("/// <summary>Forward pass of <paramref name=\"rows\"/> samples at <paramref name=\"x\"/>; leaves every layer's " +
                   "activations in the workspace" + (dropout ? ";\n/// a training pass also draws dropout masks." : ".") + "</summary>");
            bool gemm = plan.Layers.Any(l => l.Packed);
            if (gemm) w.Line("/// <paramref name=\"packed\"/>: the layers that take the packed product find their weights packed in the workspace (<see cref=\"PackWeights\"/>).");
            using (w.Block("private void ForwardRows(ref " + T + " x, int rows, bool training" + (gemm ? ", bool packed = false" : "") + ")"))
            {
                w.Line("Workspace ws = _workspace;");
                EmitWorkspaceReferences(w, plan, backward: false);
                if (Planner.TurnsOneRow(plan))
                {
                    w.Line("// One row reads each layer's weights in the order opposite to the last call's: what the cache kept of them");
                    bool rowKernels = plan.Layers.Any(l => l.Kernels.Any(k => k.Kind == KernelKind.ForwardRow));
                    string which = Planner.PacksOnCreation(plan) ? (rowKernels ? "ForwardRow, MultiplyPacked" : "MultiplyPacked")
                        : plan.Layers.Any(l => Planner.FrozenPackedVector512(l, plan.Trainable)) ? "ForwardRow; MultiplyPacked frozen" : "ForwardRow";
                    w.Line("// (the last read) comes first, instead of being pushed out by the rest on the way (" + which + ").");
                    w.Line("bool backwards = rows == 1 && (ws.Backwards = !ws.Backwards);");
                }
                w.Line(net.InferenceOnly
                    ? "ref " + T + " p = ref Unsafe.AsRef(in MemoryMarshal.GetReference(BakedParameters)); // read-only: forward kernels only load"
                    : "ref " + T + " p = ref _parameters.Reference;");
                EmitParameterReferences(w, plan, "p");
                if (net.HasStages)
                {
                    EmitStageParameterReferences(w, net, "p", "");
                    EmitStageReferences(w, net, backward: false);
                    EmitStagesForward(w, plan);
                }
                bool first = true;
                foreach (SimdFlavor flavor in Flavors(net))
                {
                    using (w.Block(FlavorCondition(first)))
                    {
                        foreach (LayerPlan layer in plan.Layers)
                        {
                            int l = layer.Index;
                            string input = l == 0 ? "ref x"
                                : dropout && plan.Layers[l - 1].HasDropout ? $"ref training ? {Ref("ws.H" + (l - 1))} : {Ref("ws.A" + (l - 1))}"
                                : Ref("ws.A" + (l - 1));
                            string output = Ref(l == last ? "ws.Z" + l : "ws.A" + l);
                            string arguments = $"{input}, ref w{l}, ref b{l}, {output}";
                            string batch = $"{arguments}, rows, 0, {Literal.Int(layer.Outputs)}";
                            string otherwise = "";
                            // The packed product, where the layer's weights are packed: from PackedRows (ForwardBatch passes
                            // packed from PackingRows; a layer that takes the product from more rows says so), or from one
                            // row in a frozen copy (Freeze), which packed a wide layer's weights when it was created.
                            string? when = null;
                            bool fromOneRow = false;
                            if (flavor.Kind == Flavor.Vector512 ? layer.PackedVector512 : layer.Packed)
                            {
                                int from = Planner.PackedRows(layer, flavor.Kind, net.InferenceOnly);
                                when = from > Planner.PackingRows(plan) ? $"packed && rows >= {from}" : "packed";
                                fromOneRow = from == 1;
                            }
                            else if (flavor.Kind == Flavor.Vector512 && Planner.FrozenPackedVector512(layer, plan.Trainable))
                            {
                                when = "_frozen";
                                fromOneRow = true;
                            }
                            if (when is not null)
                            {
                                w.Line($"if ({when}) global::NetGen.CompilerServices.Gemm.MultiplyPacked(\n    {input}, ref ws.Packed{l}!.Reference, ref b{l}, {output},\n" +
                                       $"    rows, {Literal.Int(layer.Inputs)}, {Literal.Int(layer.Outputs)}, 0, {Literal.Int(layer.Outputs)}{GemmActivation(layer)}" +
                                       (fromOneRow ? ", backwards: backwards);" : ");"));
                                otherwise = "else ";
                            }
                            if (layer.Has(KernelKind.ForwardRow, flavor.Kind))
                            {
                                w.Line($"{otherwise}if (rows == 1) Kernels.ForwardRow{l}{flavor.Suffix}({arguments}, backwards);");
                                Call(w, "else " + Callee(KernelKind.Forward, l, flavor), batch);
                            }
                            else Call(w, otherwise + Callee(KernelKind.Forward, l, flavor), batch);
                            if (dropout && layer.HasDropout)
                            {
                                string span = $"AsSpan(0, rows * {layer.Outputs})";
                                w.Line($"if (training) global::NetGen.CompilerServices.DropoutMath.Apply(");
                                w.Line($"    ref _dropoutRng, ws.A{l}.{span}, ws.M{l}.{span}, ws.H{l}.{span}, {Literal.Float(layer.Dropout)});");
                            }
                        }
                    }
                    first = false;
                }
                EmitOutputActivation(w, plan);
            }
            w.Line();
            if (gemm) EmitPackWeights(w, plan);

            if (plan.Trainable) EmitBackwardRows(w, plan);

            w.Line("/// <summary>The specialized layer kernels: every size is a constant, every loop bound and tail decided at generation time.</summary>");
            using (w.Block("private static class Kernels"))
            {
                EmitStageGeometry(w, net);
                EmitDerivativeHelpers(w, plan);
                foreach (LayerPlan layer in plan.Layers)
                {
                    // One region per layer: its forward and backward kernels side by side, as llm.c keeps them.
                    w.Line($"#region Layer {layer.Index}: {layer.Kind} {Literal.Int(layer.Inputs)} → {Literal.Int(layer.Outputs)}");
                    // The constants serve the portable kernels and the Vector512 forward kernel's last rows (Dense512).
                    if (layer.Kernels.Any(k => k.Flavor == Flavor.VectorT || k.Kind == KernelKind.Forward)) EmitLayerConstants(w, layer, T);
                    foreach (KernelPlan kernel in layer.Kernels.Where(k => k.Flavor != Flavor.VectorT))
                    {
                        SimdFlavor flavor = SimdFlavor.Of(ElementType.Of(net.Element), kernel.Flavor);
                        switch (kernel.Kind)
                        {
                            case KernelKind.Forward: EmitForwardLayer(w, layer, flavor); break;
                            case KernelKind.ForwardRow: EmitForwardRow(w, layer, flavor); break;
                            case KernelKind.BackwardWeights: EmitBackwardWeights(w, layer, flavor); break;
                            case KernelKind.BackwardWeightsRow: EmitBackwardWeightsRow(w, layer, flavor); break;
                            case KernelKind.BackwardInput: EmitBackwardInput(w, layer, flavor); break;
                            case KernelKind.BackwardInputRow: EmitBackwardInputRow(w, layer, flavor); break;
                        }
                    }
                    w.Line("#endregion");
                }
            }
        }

        /// <summary>
        /// The backward pass over the rows of the last <c>ForwardRows</c>, generic over what happens to the weight
        /// gradients: stored (<c>StoreGradient</c>, into the gradient buffer) or consumed by a fused optimizer step
        /// (<c>SgdUpdate</c>, <c>MomentumUpdate</c>, into the parameters, with the velocity as state). Each layer's input
        /// delta comes first, from the weights as they were, then the layer's update.
        /// </summary>
        private static void EmitBackwardRows(CodeWriter w, NetworkPlan plan)
        {
            NetworkSpec net = plan.Network;
            string T = ElementType.Of(net.Element).Name;
            w.Line("/// <summary>");
            w.Line("/// Backward pass over the rows of the last <see cref=\"ForwardRows\"/>, from the output deltas in the workspace: each layer's");
            w.Line("/// input delta, then its weight gradients handed to <paramref name=\"update\"/>, which writes them into <paramref name=\"target\"/>");
            w.Line("/// (the gradients, or the parameters for a fused step) with <paramref name=\"state\"/> (a velocity, or a null reference).");
            w.Line("/// </summary>");
            w.Line($"private void BackwardRows<TUpdate>(ref {T} x, int rows, ref {T} target, ref {T} state, in TUpdate update)");
            w.Line($"    where TUpdate : struct, global::NetGen.CompilerServices.IParameterUpdate<{T}>");
            using (w.Block(""))
            {
                w.Line("Workspace ws = _workspace;");
                EmitWorkspaceReferences(w, plan, backward: true);
                w.Line("ref " + T + " p = ref _parameters.Reference;");
                EmitParameterReferences(w, plan, "p");
                EmitParameterReferences(w, plan, "target", "t");
                EmitParameterReferences(w, plan, "state", "s");
                if (net.HasStages)
                {
                    EmitStageParameterReferences(w, net, "p", "");
                    EmitStageParameterReferences(w, net, "target", "t");
                    EmitStageParameterReferences(w, net, "state", "s");
                    EmitStageReferences(w, net, backward: true);
                    w.Line($"ref {T} input = ref x; // the samples, for the layers over feature maps");
                    w.Line($"x = ref s{net.Stages.Count - 1}; // what the dense layers saw");
                }
                bool first = true;
                foreach (SimdFlavor flavor in Flavors(net))
                {
                    using (w.Block(FlavorCondition(first)))
                    {
                        for (int l = plan.Layers.Count - 1; l >= 0; l--)
                        {
                            LayerPlan layer = plan.Layers[l];
                            bool row = layer.Has(KernelKind.BackwardWeightsRow, flavor.Kind);
                            if (layer.Has(KernelKind.BackwardInput, flavor.Kind))
                            {
                                string inputDelta = InputDeltaArguments(plan, l);
                                if (row) w.Line($"if (rows == 1) Kernels.BackwardInputRow{l}{flavor.Suffix}({inputDelta});");
                                Call(w, (row ? "else " : "") + Callee(KernelKind.BackwardInput, l, flavor), $"{inputDelta}, rows, 0, {Literal.Int(layer.Inputs)}");
                            }
                            string weights = $"{WeightInputs(plan, l)}, ref tw{l}, ref tb{l}, ref sw{l}, ref sb{l}";
                            if (row) w.Line($"if (rows == 1) Kernels.BackwardWeightsRow{l}{flavor.Suffix}({weights}, in update);");
                            Call(w, (row ? "else " : "") + Callee(KernelKind.BackwardWeights, l, flavor),
                                $"{weights}, rows, in update, 0, {Literal.Int(layer.Outputs)}");
                        }
                    }
                    first = false;
                }
                if (net.HasStages && FirstTrainedStage(net) < net.Stages.Count) EmitStagesBackward(w, plan);
            }
            w.Line();
        }

        /// <summary>Layer <paramref name="l"/>'s delta and the input it saw in training (after the previous layer's dropout).</summary>
        private static string WeightInputs(NetworkPlan plan, int l, string? delta = null)
            => $"{delta ?? Ref("ws.D" + l)}, " + (l == 0 ? "ref x" : Ref((plan.Layers[l - 1].HasDropout ? "ws.H" : "ws.A") + (l - 1)));

        /// <summary>Layer <paramref name="l"/>'s delta and weights, the previous activations (and dropout mask), and the previous delta to write.</summary>
        private static string InputDeltaArguments(NetworkPlan plan, int l)
            => l == 0 ? $"{Ref("ws.D0")}, ref w0, ref x, ref e{plan.Network.Stages.Count - 1}" // into the flattened features' delta
            : $"{Ref("ws.D" + l)}, ref w{l}, {Ref("ws.A" + (l - 1))}, " +
               (plan.Layers[l - 1].HasDropout ? Ref("ws.M" + (l - 1)) + ", " : "") + $"{Ref("ws.D" + (l - 1))}";

        /// <summary>
        /// Every kernel is compiled once, fully optimized, and never inlined. Left to itself, tiered compilation inlined a
        /// small network's kernels into its callers in some processes and not in others, and the whole-method result ran
        /// up to twice as slow: the control network's single-sample forward pass measured 61 or 138 ns in one process
        /// depending on the tier it had reached, and 63–65 ns steadily with inlining off.
        /// </summary>
        private const string KernelAttributes = "[MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]";

        private static void EmitOutputActivation(CodeWriter w, NetworkPlan plan)
        {
            int last = plan.Layers.Count - 1;
            LayerPlan output = plan.Output;
            if (output.Kind == LayerKind.Softmax)
            {
                w.Line("// Softmax per sample; log Σ exp z is kept for the loss.");
                using (w.Block("for (int r = 0; r < rows; r++)"))
                {
                    w.Line($"ws.LogSumExp[r] = global::NetGen.CompilerServices.LossMath.Softmax(");
                    w.Line($"    ws.Z{last}.AsSpan(r * OutputSize, OutputSize), ws.A{last}.AsSpan(r * OutputSize, OutputSize));");
                }
            }
            else if (plan.IdentityOutput)
            {
                // A is Z itself: nothing to copy (a wide copy right after the kernel's narrow stores would also stall on store forwarding).
            }
            else
            {
                w.Line("// Output activation; the pre-activations stay in Z for a stable loss.");
                using (w.Block("for (int j = 0; j < rows * OutputSize; j++)"))
                {
                    w.Line($"ws.A{last}[j] = {ScalarActivation(output.DeclaredActivation, $"ws.Z{last}[j]", output.NegativeSlope)};");
                }
            }
        }

        // ---------------------------------------------------------------- activations

        private static string ScalarActivation(ActivationKind activation, string value, float slope) => activation switch
        {
            ActivationKind.Identity => value,
            ActivationKind.LeakyReLU => $"global::NetGen.CompilerServices.ActivationMath.LeakyReLU({value}, {Literal.Float(slope)})",
            _ => $"global::NetGen.CompilerServices.ActivationMath.{activation}({value})",
        };

        /// <summary>f′ from the output, as the kernels write it: through the short helpers of <see cref="EmitDerivativeHelpers"/>.</summary>
        private static string Derivative(ActivationKind activation, string output, float slope) => activation switch
        {
            ActivationKind.LeakyReLU => $"LeakyReLUPrime({output}, {Literal.Float(slope)})",
            _ => $"{activation}Prime({output})",
        };

        /// <summary>f′ from the output, written in full, for code outside the <c>Kernels</c> class.</summary>
        private static string QualifiedDerivative(ActivationKind activation, string output, float slope) => activation switch
        {
            ActivationKind.LeakyReLU => $"global::NetGen.CompilerServices.ActivationMath.LeakyReLUDerivative({output}, {Literal.Float(slope)})",
            _ => $"global::NetGen.CompilerServices.ActivationMath.{activation}Derivative({output})",
        };

        /// <summary>
        /// Short names in the <c>Kernels</c> class for the derivatives its input-delta kernels take (<c>TanhPrime(a)</c> =
        /// tanh′ from the output <c>a</c>), one per activation and operand type used, each inlined into its callers.
        /// </summary>
        private static void EmitDerivativeHelpers(CodeWriter w, NetworkPlan plan)
        {
            var kinds = plan.Layers
                .Where(l => l.Kernels.Any(k => k.Kind is KernelKind.BackwardInput or KernelKind.BackwardInputRow))
                .Select(l => l.InputActivation).Where(a => a != ActivationKind.Identity).Distinct().ToList();
            if (kinds.Count == 0) return;
            string T = ElementType.Of(plan.Network.Element).Name;
            var types = new List<string>();
            if (plan.Flavors.Contains(Flavor.Vector512)) types.Add($"Vector512<{T}>");
            types.Add(T);
            w.Line("// The activation derivatives the input-delta kernels take, from the outputs: short names, inlined.");
            foreach (ActivationKind kind in kinds)
            {
                bool leaky = kind == ActivationKind.LeakyReLU;
                foreach (string type in types)
                {
                    w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                    w.Line($"public static {type} {kind}Prime({type} a{(leaky ? $", {T} slope" : "")})");
                    w.Line($"    => global::NetGen.CompilerServices.ActivationMath.{kind}Derivative(a{(leaky ? ", slope" : "")});");
                }
            }
            w.Line();
        }

        // ---------------------------------------------------------------- forward: y = f(x·Wᵀ + b)

        /// <summary>
        /// Forward of one dense layer: <c>y[r, o] = f(Σ_k x[r, k]·W[o, k] + b[o])</c>. Both operands run along k,
        /// so the micro-kernel keeps a 4 × 4 block of dot products in vector accumulators and reduces them once;
        /// bias is added as the block is stored and the activation runs on each 4-row panel while it is in cache.
        /// </summary>
        /// <summary>
        /// <c>PackWeights</c>: the weights of every layer that takes the packed product, packed into the workspace for
        /// <c>Gemm.MultiplyPacked</c> — once per <c>ForwardBatch</c> call instead of once per chunk of rows, and for an
        /// inference-only network (baked weights, which never change) once per workspace.
        /// </summary>
        private static void EmitPackWeights(CodeWriter w, NetworkPlan plan)
        {
            NetworkSpec net = plan.Network;
            w.Line("/// <summary>Packs the weights of the layers that take the packed product (<c>Gemm</c>) into the workspace, allocated on first use.</summary>");
            using (w.Block("private void PackWeights(Workspace ws)"))
            {
                w.Line(net.InferenceOnly
                    ? "ref float p = ref Unsafe.AsRef(in MemoryMarshal.GetReference(BakedParameters));"
                    : "ref float p = ref _parameters.Reference;");
                foreach (LayerPlan layer in plan.Layers.Where(l => l.Packed))
                {
                    int l = layer.Index;
                    string inputs = Literal.Int(layer.Inputs), outputs = Literal.Int(layer.Outputs);
                    string weights = layer.WeightOffset == 0 ? "ref p" : At("p", Literal.Int(layer.WeightOffset));
                    string buffer = $"new global::NetGen.CompilerServices.AlignedBuffer<float>(\n    global::NetGen.CompilerServices.Gemm.PackedLength({inputs}, {outputs}));";
                    string pack = $"global::NetGen.CompilerServices.Gemm.Pack({weights}, ref ws.Packed{l}.Reference, {inputs}, {outputs}, 0, {outputs});";
                    // With AVX-512 a trainable network's wide layer takes the rows-packed product instead
                    // (LayerPlan.PackedVector512), so only the other flavors pack it. Baked weights never change: they are
                    // packed once per workspace, on its first batch (or when the network is created, Planner.PacksOnCreation,
                    // the larger workspaces keeping them), and an inference-only network's wide layers take the packed
                    // product with either flavor.
                    var conditions = new List<string>();
                    if (Planner.FrozenPackedVector512(layer, plan.Trainable)) conditions.Add("!Vector512.IsHardwareAccelerated || _frozen");
                    else if (!layer.PackedVector512) conditions.Add("!Vector512.IsHardwareAccelerated");
                    if (net.InferenceOnly) conditions.Add($"ws.Packed{l} is null");
                    string allocate = net.InferenceOnly ? $"ws.Packed{l} = {buffer}" : $"ws.Packed{l} ??= {buffer}";
                    if (conditions.Count == 0)
                    {
                        w.Line(allocate);
                        w.Line(pack);
                        continue;
                    }
                    using (w.Block($"if ({string.Join(" && ", conditions)})"))
                    {
                        w.Line(allocate);
                        w.Line(pack);
                    }
                }
            }
            w.Line();
        }

        /// <summary>The activation arguments of a <c>Gemm</c> call: none for Identity, else the kind and (leaky ReLU) the slope.</summary>
        private static string GemmActivation(LayerPlan layer) => layer.Activation switch
        {
            ActivationKind.Identity => "",
            ActivationKind.LeakyReLU => $", global::NetGen.Activation.LeakyReLU, {Literal.Float(layer.NegativeSlope)}",
            ActivationKind a => $", global::NetGen.Activation.{a}",
        };

        private static void EmitForwardLayer(CodeWriter w, LayerPlan layer, SimdFlavor f)
        {
            int l = layer.Index, inputs = layer.Inputs, outputs = layer.Outputs;
            ActivationKind activation = layer.Activation;
            int fullOutputs = outputs - outputs % BlockRows;
            w.Line($"/// <summary>Layer {l} forward, {f.Xml}: y[rows, lo..hi) = {activation}(x[rows, {inputs}] · W[lo..hi, {inputs}]ᵀ + b[lo..hi])");
            w.Line($"/// of its {outputs} outputs; <paramref name=\"lo\"/> a multiple of {Planner.SplitAlignment}, <paramref name=\"hi\"/> too or {outputs}.</summary>");
            w.Line(KernelAttributes);
            using (w.Block($"public static void ForwardLayer{l}{f.Suffix}(ref {f.T} x, ref {f.T} w, ref {f.T} b, ref {f.T} y, int rows, int lo, int hi)"))
            {
                string start = "0";
                if (layer.Gemm)
                {
                    // Whole panels of 64 rows take the matrix product; the rows past them, the dot-product blocks below,
                    // where a last panel of fewer rows would leave lanes empty (96 rows of the seed network's first layer
                    // ran at 0.76× ONNX Runtime, with a panel of 32 rows in 64 lanes; docs/performance.md).
                    start = "start";
                    w.Line("int start = 0;");
                    w.Line($"if (rows >= {Planner.RowGemmRows} && global::NetGen.CompilerServices.Gemm.IsAccelerated)");
                    using (w.Block(""))
                    {
                        w.Line($"// Whole panels of {Planner.RowGemmRows} rows on the matrix product (the rows packed, the weights read in place), the rest below.");
                        w.Line($"start = rows / {Planner.RowGemmRows} * {Planner.RowGemmRows};");
                        w.Line($"global::NetGen.CompilerServices.Gemm.MultiplyRows(\n    ref x, ref w, ref b, ref y, start, {inputs}, {outputs}, lo, hi{GemmActivation(layer)});");
                    }
                }
                int panel = layer.WidePanelRows;
                // The blocks of four weight rows ask, at each step along the inputs, for the next block's rows (the range's
                // last block for its own) into L2 (VectorOps.PrefetchRows): where the weights stream from L3, a panel's
                // first block of rows would otherwise wait for them, while the others find them in L2.
                bool prefetch = f.MayHaveChunks(inputs);
                w.Line($"// Panels of {panel} rows ({Literal.Int(panel * inputs * f.Element.Size / 1024)} KB of x): the weights stream from memory once a panel, its rows reusing each block.");
                using (w.Block($"for (int r0 = {start}; r0 < rows; r0 += {panel})"))
                {
                    w.Line($"int r1 = Math.Min(rows, r0 + {panel});");
                    if (fullOutputs > 0)
                    {
                        using (w.Block($"for (int o = lo, end = Math.Min(hi, {fullOutputs}); o < end; o += {BlockRows})"))
                        {
                            if (prefetch)
                                w.Line($"ref {f.T} next = ref Unsafe.Add(ref w, (nint)Math.Min(o + {BlockRows}, end - {BlockRows}) * {inputs}); // to L2 ahead");
                            EmitPanelRows(w, f, l, inputs, outputs, BlockRows, prefetch);
                        }
                    }
                    if (fullOutputs < outputs)
                    {
                        using (w.Block($"for (int o = Math.Max(lo, {fullOutputs}); o < hi; o++)"))
                            EmitPanelRows(w, f, l, inputs, outputs, 1);
                    }
                    if (activation != ActivationKind.Identity)
                    {
                        using (w.Block("for (int r = r0; r < r1; r++)"))
                            w.Line($"Activate{l}{f.Suffix}(ref Unsafe.Add(ref y, (nint)r * {outputs}), lo, hi);");
                    }
                }
            }
            w.Line();

            if (activation == ActivationKind.Identity) return;
            w.Line($"/// <summary>Layer {l} activation over outputs [lo, hi) of one row of {outputs}, in place.</summary>");
            w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            using (w.Block($"private static void Activate{l}{f.Suffix}(ref {f.T} y, int lo, int hi)"))
            {
                string vectorCall = activation == ActivationKind.LeakyReLU
                    ? $"global::NetGen.CompilerServices.ActivationMath.LeakyReLU(v, {Literal.Float(layer.NegativeSlope)})"
                    : $"global::NetGen.CompilerServices.ActivationMath.{activation}(v)";
                if (f.MayHaveChunks(outputs))
                {
                    using (w.Block($"for (int j = lo, end = Math.Min(hi, {f.RoundDown(outputs)}); j < end; j += {f.WidthText})"))
                    {
                        w.Line($"{f.Type} v = {f.Load("y", "j")};");
                        w.Line($"{vectorCall}.StoreUnsafe(ref y, (nuint)j);");
                    }
                }
                if (f.MayHaveRemainder(outputs))
                {
                    using (w.Block($"for (int j = Math.Max(lo, {f.RoundDown(outputs)}); j < hi; j++)"))
                        w.Line($"Unsafe.Add(ref y, j) = {ScalarActivation(activation, "Unsafe.Add(ref y, j)", layer.NegativeSlope)};");
                }
            }
            w.Line();
        }

        /// <summary>
        /// The rows [r0, r1) of a panel against <paramref name="nr"/> weight rows from o, in blocks of the flavor's rows
        /// (<see cref="Planner.BlockRows"/>). With four weight rows, the one to three rows left after whole blocks take the
        /// runtime's <c>Dense512.LastRows</c> over the layer's constants, which reads each weight vector once for them (a
        /// block of four repeating the last row read <c>--onnx seed 2</c> 0.85–0.87× ONNX Runtime, <c>seed 3</c> 0.90–0.95×;
        /// docs/performance.md). With one weight row, a last block of two or three rows repeats its last row in the places
        /// past r1 (computing that row's outputs again, to the same bits, stored where it stores them), and a single row
        /// has a block of its own.
        /// </summary>
        private static void EmitPanelRows(CodeWriter w, SimdFlavor f, int l, int inputs, int outputs, int nr, bool prefetch = false)
        {
            int block = Planner.BlockRows(f.Kind);
            bool lastRows = nr == BlockRows; // the runtime's blocks are of four weight rows
            w.Line("int r = r0;");
            // A layer whose weights stream from L3 leaves five or six rows to LastRows as one block (Planner.SixRowBlocks).
            string loop = !lastRows ? $"for (; r + 1 < r1; r += {block})"
                : Planner.SixRowBlocks(inputs, outputs, f.Element.Size) ? $"for (; r1 - r == {block} || r1 - r > {block + 2}; r += {block})"
                : $"for (; r + {block - 1} < r1; r += {block})";
            using (w.Block(loop))
            {
                for (int i = 0; i < block; i++)
                {
                    string row = i == 0 ? "r" : lastRows ? $"(r + {i})" : $"Math.Min(r + {i}, r1 - 1)";
                    w.Line($"ref {f.T} x{i} = ref Unsafe.Add(ref x, (nint){row} * {inputs});");
                    w.Line($"ref {f.T} y{i} = ref Unsafe.Add(ref y, (nint){row} * {outputs});");
                }
                EmitDotBlock(w, f, inputs, block, nr, prefetch);
            }
            if (lastRows)
            {
                w.Line($"if (r < r1) global::NetGen.CompilerServices.Dense512<Layer{l}, {f.T}>.LastRows(");
                w.Line($"    ref x, ref w, ref b, ref y, r, r1, o, ref {(prefetch ? "next" : "w")});");
                return;
            }
            using (w.Block("if (r < r1)"))
            {
                w.Line($"ref {f.T} x0 = ref Unsafe.Add(ref x, (nint)r * {inputs});");
                w.Line($"ref {f.T} y0 = ref Unsafe.Add(ref y, (nint)r * {outputs});");
                EmitDotBlock(w, f, inputs, 1, nr);
            }
        }

        /// <summary>
        /// An <paramref name="mr"/> × <paramref name="nr"/> block of dot products over <paramref name="k"/> (rows x0.., weight
        /// rows from o); with <paramref name="prefetch"/>, asking at each step for the lines of the four rows from <c>next</c>.
        /// </summary>
        private static void EmitDotBlock(CodeWriter w, SimdFlavor f, int k, int mr, int nr, bool prefetch = false)
        {
            var pairs = (from i in Enumerable.Range(0, mr) from j in Enumerable.Range(0, nr) select (i, j)).ToList();
            for (int j = 0; j < nr; j++) w.Line($"ref {f.T} w{j} = ref Unsafe.Add(ref w, (nint)(o + {j}) * {k});");
            if (f.MayHaveChunks(k))
            {
                Declare(w, f.Type, pairs.Select(p => ($"c{p.i}{p.j}", "default")));
                using (w.Block($"for (int k = 0; k < {f.RoundDown(k)}; k += {f.WidthText})"))
                {
                    if (prefetch) w.Line($"global::NetGen.CompilerServices.VectorOps.PrefetchRows(ref Unsafe.Add(ref next, k), {k});");
                    for (int i = 0; i < mr; i++) w.Line($"{f.Type} xv{i} = {f.Load("x" + i, "k")};");
                    for (int j = 0; j < nr; j++) w.Line($"{f.Type} wv{j} = {f.Load("w" + j, "k")};");
                    foreach (var (i, j) in pairs) w.Line($"c{i}{j} = {f.Ops}.FusedMultiplyAdd(xv{i}, wv{j}, c{i}{j});");
                }
                if (mr == BlockRows && nr == BlockRows && f.Width == RowBlock && f.Element == ElementType.Single && !f.MayHaveRemainder(k))
                {
                    // Sixteen dot products finished by one transposing reduction (lane 4i + j is row i, output j), bit for
                    // bit the sixteen Vector512.Sum calls; each row's four outputs take their bias as one 128-bit vector.
                    w.Line("Vector512<float> sums = global::NetGen.CompilerServices.VectorMath.SumEach(");
                    w.Line("    " + string.Join(", ", pairs.Select(p => $"c{p.i}{p.j}")) + ");");
                    w.Line("Vector128<float> bias = Vector128.LoadUnsafe(ref b, (nuint)o);");
                    w.Line("(sums.GetLower().GetLower() + bias).StoreUnsafe(ref y0, (nuint)o);");
                    w.Line("(sums.GetLower().GetUpper() + bias).StoreUnsafe(ref y1, (nuint)o);");
                    w.Line("(sums.GetUpper().GetLower() + bias).StoreUnsafe(ref y2, (nuint)o);");
                    w.Line("(sums.GetUpper().GetUpper() + bias).StoreUnsafe(ref y3, (nuint)o);");
                    return;
                }
                Declare(w, f.T, pairs.Select(p => ($"s{p.i}{p.j}", $"{f.Ops}.Sum(c{p.i}{p.j})")));
            }
            else
            {
                Declare(w, f.T, pairs.Select(p => ($"s{p.i}{p.j}", f.Element.Zero)));
            }
            if (f.MayHaveRemainder(k))
            {
                using (w.Block($"for (int k = {f.RoundDown(k)}; k < {k}; k++)"))
                {
                    for (int j = 0; j < nr; j++) w.Line($"{f.T} ws{j} = Unsafe.Add(ref w{j}, k);");
                    foreach (var (i, j) in pairs) w.Line($"s{i}{j} = {f.Element.Math}.FusedMultiplyAdd(Unsafe.Add(ref x{i}, k), ws{j}, s{i}{j});");
                }
            }
            foreach (var (i, j) in pairs) w.Line($"Unsafe.Add(ref y{i}, o + {j}) = s{i}{j} + Unsafe.Add(ref b, o + {j});");
        }

        // ---------------------------------------------------------------- backward: dW = δᵀ·x, db = Σ δ

        /// <summary>The constraint of every kernel generic over its update (<c>IParameterUpdate</c>).</summary>
        private static string UpdateConstraint(SimdFlavor f) => $"where TUpdate : struct, global::NetGen.CompilerServices.IParameterUpdate<{f.T}>";

        /// <summary>
        /// Weight and bias gradients of one layer, <c>dW[o, i] = Σ_r δ[r, o]·x[r, i]</c>, <c>db[o] = Σ_r δ[r, o]</c>, handed
        /// block by block to the kernel's epilogue, a type argument: <c>StoreGradient</c> stores (or adds) them, while
        /// <c>SgdUpdate</c> and <c>MomentumUpdate</c> consume them in the optimizer's update and never store them. One
        /// kernel in the source; the JIT compiles one copy per epilogue struct.
        /// </summary>
        /// <remarks>
        /// Outer-product form: a block of <see cref="Planner.WeightGradientRows"/> weight rows × 4 vectors of inputs
        /// accumulates over the batch, broadcasting δ and loading x; the 4-vector column panel of x stays in L1 while the
        /// weight rows [lo, hi) sweep it.
        /// </remarks>
        private static void EmitBackwardWeights(CodeWriter w, LayerPlan layer, SimdFlavor f)
        {
            int l = layer.Index, inputs = layer.Inputs, outputs = layer.Outputs;
            int block = Planner.WeightGradientRows(f.Kind);
            w.Line($"/// <summary>Layer {l} weight gradients, {f.Xml}, handed to <paramref name=\"update\"/>:");
            w.Line($"/// dW[lo..hi, {inputs}] = δ[rows, lo..hi]ᵀ · x[rows, {inputs}], db[lo..hi] = Σ_rows δ;");
            w.Line($"/// dW's columns [i0, i1) only (each a multiple of {f.Step(BlockVectors)}, or {inputs}), db only with <paramref name=\"bias\"/>.</summary>");
            w.Line(KernelAttributes);
            w.Line($"public static void BackwardWeights{l}{f.Suffix}<TUpdate>(");
            w.Line($"    ref {f.T} delta, ref {f.T} x, ref {f.T} w, ref {f.T} b, ref {f.T} vw, ref {f.T} vb,");
            w.Line($"    int rows, in TUpdate update, int lo, int hi, int i0 = 0, int i1 = {inputs}, bool bias = true)");
            w.Line("    " + UpdateConstraint(f));
            using (w.Block(""))
            {
                w.Line("TUpdate u = update; // a local copy: its coefficients stay in registers");
                if (block > 1) w.Line($"int whole = lo + (Math.Min(hi, {outputs}) - lo) / {block} * {block}; // weight rows in whole blocks");
                foreach (int nv in new[] { BlockVectors, 1 })
                {
                    string from = nv == BlockVectors ? "0" : f.RoundDown(inputs, BlockVectors);
                    string to = f.RoundDown(inputs, nv);
                    if (!f.MayHaveChunks(inputs, nv) || (nv == 1 && !f.MayHaveRemainder(inputs, BlockVectors))) continue;
                    string start = from == "0" ? "i0" : $"Math.Max(i0, {from})";
                    string loop = $"for (int i = {start}, end = Math.Min(i1, {to}); i < end; i += {f.Step(nv)})";
                    if (CodeWriter.ShapeLength(loop) > 115) loop = $"for (int i = {start}, end = Math.Min(i1, {to});\n     i < end;\n     i += {f.Step(nv)})";
                    using (w.Block(loop))
                    {
                        w.Line($"// x[rows, i..i + {f.Step(nv)}) copied to a panel whose rows start whole cache lines.");
                        w.Line($"ref {f.T} panel = ref global::NetGen.CompilerServices.VectorOps.Panel(ref x, {inputs}, rows, i, {f.Step(nv)});");
                        if (block > 1)
                        {
                            using (w.Block($"for (int o = lo; o < whole; o += {block})"))
                                EmitWeightGradientBlock(w, f, inputs, outputs, block, nv);
                        }
                        using (w.Block(block > 1 ? "for (int o = whole; o < hi; o++)" : "for (int o = lo; o < hi; o++)"))
                            EmitWeightGradientBlock(w, f, inputs, outputs, 1, nv);
                    }
                }
                if (f.MayHaveRemainder(inputs))
                {
                    w.Line("// Columns past the last whole vector.");
                    using (w.Block($"for (int i = Math.Max(i0, {f.RoundDown(inputs)}), end = Math.Min(i1, {inputs}); i < end; i++)"))
                    using (w.Block("for (int o = lo; o < hi; o++)"))
                    {
                        w.Line(f.T + " s = " + f.Element.Zero + ";");
                        using (w.Block("for (int r = 0; r < rows; r++)"))
                            w.Line($"s = {f.Element.Math}.FusedMultiplyAdd(Unsafe.Add(ref delta, (nint)r * {outputs} + o), Unsafe.Add(ref x, (nint)r * {inputs} + i), s);");
                        w.Line($"int at = o * {inputs} + i;");
                        w.Line("u.Weight(ref Unsafe.Add(ref w, at), ref Unsafe.Add(ref vw, at), s);");
                    }
                }
                w.Line("if (!bias) return;");
                w.Line("// db = Σ_rows δ");
                if (f.MayHaveChunks(outputs))
                {
                    using (w.Block($"for (int o = lo, end = Math.Min(hi, {f.RoundDown(outputs)}); o < end; o += {f.WidthText})"))
                    {
                        w.Line($"{f.Type} s = {f.Type}.Zero;");
                        using (w.Block("for (int r = 0; r < rows; r++)"))
                            w.Line($"s += {f.Load("delta", $"(nint)r * {outputs} + o")};");
                        w.Line("u.Bias(ref b, ref vb, (nuint)o, s);");
                    }
                }
                if (f.MayHaveRemainder(outputs))
                {
                    using (w.Block($"for (int o = Math.Max(lo, {f.RoundDown(outputs)}); o < hi; o++)"))
                    {
                        w.Line(f.T + " s = " + f.Element.Zero + ";");
                        using (w.Block("for (int r = 0; r < rows; r++)"))
                            w.Line($"s += Unsafe.Add(ref delta, (nint)r * {outputs} + o);");
                        w.Line("u.Bias(ref Unsafe.Add(ref b, o), ref Unsafe.Add(ref vb, o), s);");
                    }
                }
            }
            w.Line();
        }

        private static void EmitWeightGradientBlock(CodeWriter w, SimdFlavor f, int inputs, int outputs, int mr, int nv)
        {
            var pairs = (from a in Enumerable.Range(0, mr) from v in Enumerable.Range(0, nv) select (a, v)).ToList();
            Declare(w, f.Type, pairs.Select(p => ($"c{p.a}{p.v}", "default")));
            if (mr > 1)
            {
                w.Line("// The next block's weights (this range's) to the cache, a share per row while this block sums over the batch.");
                w.Line($"int ahead = Math.Min({mr}, hi - o - {mr});");
            }
            using (w.Block("for (int r = 0; r < rows; r++)"))
            {
                if (mr > 1) w.Line($"u.Prefetch(ref w, ref vw, (nuint)((o + {mr}) * {inputs} + i), ahead, {inputs}, {f.Step(nv)}, r, rows);");
                w.Line($"ref {f.T} dr = ref Unsafe.Add(ref delta, (nint)r * {outputs} + o);");
                w.Line($"ref {f.T} xr = ref Unsafe.Add(ref panel, (nint)r * {f.Step(nv)});");
                // The inputs first, then one broadcast δ at a time: 4 · mr accumulators, 4 operands and one broadcast.
                for (int v = 0; v < nv; v++) w.Line($"{f.Type} xv{v} = {f.Load("xr", f.Offset(v))};");
                for (int a = 0; a < mr; a++)
                {
                    w.Line($"{f.Type} d{a} = {f.Broadcast(a == 0 ? "dr" : $"Unsafe.Add(ref dr, {a})")};");
                    for (int v = 0; v < nv; v++) w.Line($"c{a}{v} = {f.Ops}.FusedMultiplyAdd(d{a}, xv{v}, c{a}{v});");
                }
            }
            w.Line($"nuint at = (nuint)(o * {inputs} + i);");
            foreach (var (a, v) in pairs)
            {
                string offset = string.Join(" + ", new[] { a == 0 ? "" : Literal.Int(a * inputs), v == 0 ? "" : f.Offset(v) }.Where(t => t.Length > 0));
                w.Line($"u.Weight(ref w, ref vw, {(offset.Length == 0 ? "at" : $"at + {offset}")}, c{a}{v});");
            }
        }

        // ---------------------------------------------------------------- backward: δ_prev = (δ·W) ∘ f′(a_prev)

        /// <summary>
        /// Delta of the previous layer: <c>δp[r, i] = (Σ_o δ[r, o]·W[o, i]) · f′(a[r, i])</c>. Outer-product form over
        /// the weight rows: a block of <see cref="Planner.BlockRows"/> samples × 4 vectors of inputs, broadcasting δ and
        /// loading rows of W; the previous activation's derivative is applied as the block is stored. Columns outer, rows
        /// inner: a layer's W read once per call, not once per block of rows.
        /// </summary>
        private static void EmitBackwardInput(CodeWriter w, LayerPlan layer, SimdFlavor f)
        {
            int l = layer.Index, inputs = layer.Inputs, outputs = layer.Outputs;
            ActivationKind previous = layer.InputActivation;
            float previousSlope = layer.InputSlope;
            bool masked = layer.InputMasked;
            w.Line($"/// <summary>Layer {l} input delta, {f.Xml}, columns [lo, hi):");
            w.Line($"/// δp[rows, {inputs}] = (δ[rows, {outputs}] · W[{outputs}, {inputs}]) ∘ {previous}′(a[rows, {inputs}])" + (masked ? " ∘ dropout mask" : "") + ".</summary>");
            w.Line(KernelAttributes);
            w.Line($"public static void BackwardInput{l}{f.Suffix}(");
            using (w.Block($"    ref {f.T} delta, ref {f.T} w, ref {f.T} a, " + (masked ? $"ref {f.T} mask, " : "") + $"ref {f.T} deltaPrevious, int rows, int lo, int hi)"))
            {
                // A panel of columns of W (every output × 4 vectors) stays in L2 while the blocks of rows sweep it.
                int block = Planner.BlockRows(f.Kind);
                foreach (int nv in new[] { BlockVectors, 1 })
                {
                    string from = nv == BlockVectors ? "0" : f.RoundDown(inputs, BlockVectors);
                    string to = f.RoundDown(inputs, nv);
                    if (!f.MayHaveChunks(inputs, nv) || (nv == 1 && !f.MayHaveRemainder(inputs, BlockVectors))) continue;
                    using (w.Block($"for (int i = Math.Max(lo, {from}),\n         end = Math.Min(hi, {to});\n     i < end; i += {f.Step(nv)})"))
                    {
                        w.Line("int r = 0;");
                        foreach (int mr in new[] { block, 1 })
                            using (w.Block(mr == block ? $"for (; r + {block} <= rows; r += {block})" : "for (; r < rows; r++)"))
                                EmitInputGradientBlock(w, f, inputs, outputs, mr, nv, previous, previousSlope, masked);
                    }
                }
                if (f.MayHaveRemainder(inputs))
                {
                    using (w.Block($"for (int i = Math.Max(lo, {f.RoundDown(inputs)}); i < hi; i++)"))
                    {
                        w.Line("int r = 0;");
                        foreach (int mr in new[] { block, 1 })
                        {
                            using (w.Block(mr == block ? $"for (; r + {block} <= rows; r += {block})" : "for (; r < rows; r++)"))
                            {
                                for (int m = 0; m < mr; m++) w.Line($"{f.T} s{m} = {f.Element.Zero};");
                                using (w.Block($"for (int o = 0; o < {outputs}; o++)"))
                                {
                                    w.Line($"{f.T} wo = Unsafe.Add(ref w, (nint)o * {inputs} + i);");
                                    for (int m = 0; m < mr; m++)
                                        w.Line($"s{m} = {f.Element.Math}.FusedMultiplyAdd(Unsafe.Add(ref delta, (nint)(r + {m}) * {outputs} + o), wo, s{m});");
                                }
                                for (int m = 0; m < mr; m++)
                                {
                                    string index = $"(nint)(r + {m}) * {inputs} + i";
                                    string value = previous == ActivationKind.Identity ? $"s{m}" : $"s{m} * {Derivative(previous, $"Unsafe.Add(ref a, {index})", previousSlope)}";
                                    if (masked) value += $"\n    * Unsafe.Add(ref mask, {index})";
                                    Wrapped(w, $"Unsafe.Add(ref deltaPrevious, {index}) = ", value + ";");
                                }
                            }
                        }
                    }
                }
            }
            w.Line();
        }

        private static void EmitInputGradientBlock(CodeWriter w, SimdFlavor f, int inputs, int outputs, int mr, int nv, ActivationKind previous, float previousSlope, bool masked)
        {
            var pairs = (from m in Enumerable.Range(0, mr) from v in Enumerable.Range(0, nv) select (m, v)).ToList();
            Declare(w, f.Type, pairs.Select(p => ($"c{p.m}{p.v}", "default")));
            for (int m = 0; m < mr; m++) w.Line($"ref {f.T} d{m}r = ref Unsafe.Add(ref delta, (nint)(r + {m}) * {outputs});");
            using (w.Block($"for (int o = 0; o < {outputs}; o++)"))
            {
                w.Line($"ref {f.T} wr = ref Unsafe.Add(ref w, (nint)o * {inputs} + i);");
                for (int v = 0; v < nv; v++) w.Line($"{f.Type} wv{v} = {f.Load("wr", f.Offset(v))};");
                for (int m = 0; m < mr; m++)
                {
                    w.Line($"{f.Type} d{m} = {f.Broadcast($"Unsafe.Add(ref d{m}r, o)")};");
                    for (int v = 0; v < nv; v++) w.Line($"c{m}{v} = {f.Ops}.FusedMultiplyAdd(d{m}, wv{v}, c{m}{v});");
                }
            }
            for (int m = 0; m < mr; m++)
            {
                w.Line($"ref {f.T} a{m} = ref Unsafe.Add(ref a, (nint)(r + {m}) * {inputs} + i);");
                w.Line($"ref {f.T} p{m} = ref Unsafe.Add(ref deltaPrevious, (nint)(r + {m}) * {inputs} + i);");
                if (masked) w.Line($"ref {f.T} m{m} = ref Unsafe.Add(ref mask, (nint)(r + {m}) * {inputs} + i);");
            }
            foreach (var (m, v) in pairs)
            {
                string value = previous == ActivationKind.Identity
                    ? $"c{m}{v}"
                    : $"c{m}{v} * {Derivative(previous, f.Load("a" + m, f.Offset(v)), previousSlope)}";
                if (masked) value += "\n    * " + f.Load("m" + m, f.Offset(v));
                Wrapped(w, $"({value})", $".StoreUnsafe(ref p{m}, (nuint)({f.Offset(v)}));");
            }
        }
    }
}
