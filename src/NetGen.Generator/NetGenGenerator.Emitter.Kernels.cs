using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Emitting;
using NetGen.Generator.Model;

namespace NetGen.Generator;

public sealed partial class NetGenGenerator
{
    internal static partial class Emitter
    {
        /// <summary>Rows of the batch (or of the weight matrix) held in registers by one micro-kernel block.</summary>
        private const int BlockRows = 4;

        /// <summary>Vectors along a row held in registers by one outer-product block: 4 × 4 accumulators plus 8 operands fit in 32 zmm registers.</summary>
        private const int BlockVectors = 4;

        /// <summary>
        /// Where a layer's units may be cut between threads: a multiple of every block a kernel steps by (4 outputs, 4
        /// vectors of 16 inputs), so each unit is computed by exactly the code and in exactly the order of an uncut call.
        /// </summary>
        internal const int SplitAlignment = 64;

        private static string Ref(string array) => "ref MemoryMarshal.GetArrayDataReference(" + array + ")";

        private static string At(string reference, string offset) => "ref Unsafe.Add(ref " + reference + ", " + offset + ")";

        private static void EmitKernels(CodeWriter w, NetworkSpec net)
        {
            int last = net.Layers.Count - 1;
            string T = ElementType.Of(net.Element).Name;

            bool dropout = HasDropout(net) && !net.InferenceOnly;
            w.Line("/// <summary>Forward pass of <paramref name=\"rows\"/> samples at <paramref name=\"x\"/>; leaves every layer's activations in the workspace" + (dropout ? "; a training pass also draws dropout masks." : ".") + "</summary>");
            using (w.Block("private void ForwardRows(ref " + T + " x, int rows, bool training)"))
            {
                w.Line("Workspace ws = _workspace;");
                w.Line(net.InferenceOnly
                    ? "ref " + T + " p = ref Unsafe.AsRef(in MemoryMarshal.GetReference(BakedParameters)); // read-only: forward kernels only load weights"
                    : "ref " + T + " p = ref _parameters.Reference;");
                bool first = true;
                foreach (SimdFlavor flavor in Flavors(net))
                {
                    using (w.Block(first ? "if (Vector512.IsHardwareAccelerated)" : "else"))
                    {
                        for (int l = 0; l <= last; l++)
                        {
                            LayerSpec layer = net.Layers[l];
                            string input = l == 0 ? "ref x"
                                : dropout && net.Layers[l - 1].HasDropout ? $"ref training ? {Ref("ws.H" + (l - 1))} : {Ref("ws.A" + (l - 1))}"
                                : Ref("ws.A" + (l - 1));
                            string output = Ref(l == last ? "ws.Z" + l : "ws.A" + l);
                            string arguments = $"{input}, {At("p", Literal.Int(layer.WeightOffset))}, {At("p", Literal.Int(layer.BiasOffset))}, {output}";
                            string all = $"rows, 0, {Literal.Int(layer.Outputs)}";
                            if (HasRowKernels(layer, flavor))
                                w.Line($"if (rows == 1) Kernels.ForwardRow{l}{flavor.Suffix}({arguments}); else Kernels.ForwardLayer{l}{flavor.Suffix}({arguments}, {all});");
                            else
                                w.Line($"Kernels.ForwardLayer{l}{flavor.Suffix}({arguments}, {all});");
                            if (dropout && layer.HasDropout)
                            {
                                string span = $"AsSpan(0, rows * {layer.Outputs})";
                                w.Line($"if (training) global::NetGen.Kernels.DropoutMath.Apply(ref _dropoutRng, ws.A{l}.{span}, ws.M{l}.{span}, ws.H{l}.{span}, {Literal.Float(layer.Dropout)});");
                            }
                        }
                    }
                    first = false;
                }
                EmitOutputActivation(w, net);
            }
            w.Line();

            if (!net.InferenceOnly) EmitBackwardRows(w, net);
            if (CanFuseStep(net)) EmitStepRows(w, net);

            w.Line("/// <summary>The specialized layer kernels: every size is a constant, every loop bound and tail decided at generation time.</summary>");
            using (w.Block("private static class Kernels"))
            {
                for (int l = 0; l <= last; l++)
                {
                    LayerSpec layer = net.Layers[l];
                    ActivationKind previous = l == 0 ? ActivationKind.Identity : net.Layers[l - 1].EpilogueActivation;
                    foreach (SimdFlavor flavor in Flavors(net))
                    {
                        ActivationKind epilogue = l == last ? ActivationKind.Identity : layer.EpilogueActivation;
                        EmitForwardLayer(w, l, layer, epilogue, flavor);
                        if (HasRowKernels(layer, flavor)) EmitForwardRow(w, l, layer, epilogue, flavor);
                        if (net.InferenceOnly) continue;
                        EmitBackwardWeights(w, l, layer, flavor);
                        if (CanFuseStep(net)) EmitBackwardWeights(w, l, layer, flavor, WeightsPass.Sgd);
                        if (CanFuseStep(net)) EmitBackwardWeights(w, l, layer, flavor, WeightsPass.Momentum);
                        if (HasRowKernels(layer, flavor)) EmitBackwardWeightsRow(w, l, layer, flavor);
                        if (HasRowKernels(layer, flavor) && CanFuseStep(net)) EmitStepWeightsRow(w, l, layer, flavor, WeightsPass.Sgd);
                        if (HasRowKernels(layer, flavor) && CanFuseStep(net)) EmitStepWeightsRow(w, l, layer, flavor, WeightsPass.Momentum);
                        if (l > 0) EmitBackwardInput(w, l, layer, previous, net.Layers[l - 1].NegativeSlope, net.Layers[l - 1].HasDropout, flavor);
                        if (l > 0 && HasRowKernels(layer, flavor)) EmitBackwardInputRow(w, l, layer, previous, net.Layers[l - 1].NegativeSlope, net.Layers[l - 1].HasDropout, flavor);
                    }
                }
            }
        }

        private static void EmitBackwardRows(CodeWriter w, NetworkSpec net)
        {
            int last = net.Layers.Count - 1;
            string T = ElementType.Of(net.Element).Name;
            w.Line("/// <summary>Backward pass over the rows of the last <see cref=\"ForwardRows\"/>, from the output deltas in the workspace; writes or adds to the gradients.</summary>");
            using (w.Block("private void BackwardRows(ref " + T + " x, int rows, bool accumulate)"))
            {
                w.Line("Workspace ws = _workspace;");
                w.Line("ref " + T + " p = ref _parameters.Reference;");
                w.Line("ref " + T + " g = ref _gradients.Reference;");
                bool first = true;
                foreach (SimdFlavor flavor in Flavors(net))
                {
                    using (w.Block(first ? "if (Vector512.IsHardwareAccelerated)" : "else"))
                    {
                        for (int l = last; l >= 0; l--)
                        {
                            LayerSpec layer = net.Layers[l];
                            string weights = WeightArguments(net, l, "g");
                            string inputDelta = InputDeltaArguments(net, l);
                            if (HasRowKernels(layer, flavor))
                            {
                                w.Line($"if (rows == 1) Kernels.BackwardWeightsRow{l}{flavor.Suffix}({weights}, accumulate); else Kernels.BackwardWeights{l}{flavor.Suffix}({weights}, rows, accumulate);");
                                if (l > 0) w.Line($"if (rows == 1) Kernels.BackwardInputRow{l}{flavor.Suffix}({inputDelta}); else Kernels.BackwardInput{l}{flavor.Suffix}({inputDelta}, rows, 0, {Literal.Int(layer.Inputs)});");
                            }
                            else
                            {
                                w.Line($"Kernels.BackwardWeights{l}{flavor.Suffix}({weights}, rows, accumulate);");
                                if (l > 0) w.Line($"Kernels.BackwardInput{l}{flavor.Suffix}({inputDelta}, rows, 0, {Literal.Int(layer.Inputs)});");
                            }
                        }
                    }
                    first = false;
                }
            }
            w.Line();
        }

        /// <summary>
        /// The backward pass with the optimizer's update fused in: each layer's input delta first, from the weights as they
        /// were, then the layer's update straight from its delta and input — <c>StepWeights</c> for SGD,
        /// <c>MomentumWeights</c> for momentum, one row's or a batch's.
        /// </summary>
        private static void EmitStepRows(CodeWriter w, NetworkSpec net)
        {
            int last = net.Layers.Count - 1;
            w.Line("/// <summary>Backward pass over the rows of the last <see cref=\"ForwardRows\"/> with the optimizer's update fused in (SGD, or momentum with its velocity); the gradients are never stored.</summary>");
            using (w.Block("private void StepRows(ref float x, int rows, in global::NetGen.FusedStep step)"))
            {
                w.Line("Workspace ws = _workspace;");
                w.Line("ref float p = ref _parameters.Reference;");
                w.Line("ref float v = ref step.Velocity;");
                w.Line("bool momentum = step.HasVelocity;");
                w.Line("float weightFactor = step.WeightFactor, gradientFactor = step.GradientFactor;");
                bool first = true;
                foreach (SimdFlavor flavor in Flavors(net))
                {
                    using (w.Block(first ? "if (Vector512.IsHardwareAccelerated)" : "else"))
                    {
                        for (int l = last; l >= 0; l--)
                        {
                            LayerSpec layer = net.Layers[l];
                            string inputDelta = InputDeltaArguments(net, l);
                            string allInputs = $"rows, 0, {Literal.Int(layer.Inputs)}";
                            string sgd = $"{WeightArguments(net, l, "p")}, rows, weightFactor, gradientFactor, 0, {Literal.Int(layer.Outputs)}";
                            string momentum = $"{MomentumArguments(net, l)}, rows, in step, 0, {Literal.Int(layer.Outputs)}";
                            if (HasRowKernels(layer, flavor))
                            {
                                if (l > 0) w.Line($"if (rows == 1) Kernels.BackwardInputRow{l}{flavor.Suffix}({inputDelta}); else Kernels.BackwardInput{l}{flavor.Suffix}({inputDelta}, {allInputs});");
                                w.Line($"if (momentum) {{ if (rows == 1) Kernels.MomentumWeightsRow{l}{flavor.Suffix}({MomentumArguments(net, l)}, in step); else Kernels.MomentumWeights{l}{flavor.Suffix}({momentum}); }}");
                                w.Line($"else if (rows == 1) Kernels.StepWeightsRow{l}{flavor.Suffix}({WeightArguments(net, l, "p")}, weightFactor, gradientFactor); else Kernels.StepWeights{l}{flavor.Suffix}({sgd});");
                            }
                            else
                            {
                                if (l > 0) w.Line($"Kernels.BackwardInput{l}{flavor.Suffix}({inputDelta}, {allInputs});");
                                w.Line($"if (momentum) Kernels.MomentumWeights{l}{flavor.Suffix}({momentum}); else Kernels.StepWeights{l}{flavor.Suffix}({sgd});");
                            }
                        }
                    }
                    first = false;
                }
            }
            w.Line();
        }

        /// <summary>Layer <paramref name="l"/>'s delta, input and parameter ranges (p), then the velocity of the same ranges (v).</summary>
        private static string MomentumArguments(NetworkSpec net, int l)
            => $"{WeightArguments(net, l, "p")}, {At("v", Literal.Int(net.Layers[l].WeightOffset))}, {At("v", Literal.Int(net.Layers[l].BiasOffset))}";

        /// <summary>Layer <paramref name="l"/>'s delta and input, then its weight and bias ranges in <paramref name="buffer"/> (g: gradients, p: parameters).</summary>
        private static string WeightArguments(NetworkSpec net, int l, string buffer)
        {
            LayerSpec layer = net.Layers[l];
            string input = l == 0 ? "ref x" : Ref((net.Layers[l - 1].HasDropout ? "ws.H" : "ws.A") + (l - 1));
            return $"{Ref("ws.D" + l)}, {input}, {At(buffer, Literal.Int(layer.WeightOffset))}, {At(buffer, Literal.Int(layer.BiasOffset))}";
        }

        /// <summary>Layer <paramref name="l"/>'s delta and weights, the previous activations (and dropout mask), and the previous delta to write; empty for layer 0.</summary>
        private static string InputDeltaArguments(NetworkSpec net, int l) => l == 0 ? "" :
            $"{Ref("ws.D" + l)}, {At("p", Literal.Int(net.Layers[l].WeightOffset))}, {Ref("ws.A" + (l - 1))}, " +
            (net.Layers[l - 1].HasDropout ? Ref("ws.M" + (l - 1)) + ", " : "") + $"{Ref("ws.D" + (l - 1))}";

        /// <summary>
        /// Every kernel is compiled once, fully optimized, and never inlined. Left to itself, tiered compilation inlined a
        /// small network's kernels into its callers in some processes and not in others, and the whole-method result ran
        /// up to twice as slow: the control network's single-sample forward pass measured 61 or 138 ns in one process
        /// depending on the tier it had reached, and 63–65 ns steadily with inlining off.
        /// </summary>
        private const string KernelAttributes = "[MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]";

        /// <summary>Whether the output layer is Dense with the identity: its outputs are its pre-activations, and the workspace keeps one array for both.</summary>
        private static bool IdentityOutput(NetworkSpec net) => net.Output.Kind != LayerKind.Softmax && net.Output.Activation == ActivationKind.Identity;

        private static void EmitOutputActivation(CodeWriter w, NetworkSpec net)
        {
            int last = net.Layers.Count - 1;
            LayerSpec output = net.Output;
            if (output.Kind == LayerKind.Softmax)
            {
                w.Line("// Softmax per sample; log Σ exp z is kept for the loss.");
                using (w.Block("for (int r = 0; r < rows; r++)"))
                {
                    w.Line($"ws.LogSumExp[r] = global::NetGen.Kernels.LossMath.Softmax(ws.Z{last}.AsSpan(r * OutputSize, OutputSize), ws.A{last}.AsSpan(r * OutputSize, OutputSize));");
                }
            }
            else if (IdentityOutput(net))
            {
                // A is Z itself: nothing to copy (a wide copy right after the kernel's narrow stores would also stall on store forwarding).
            }
            else
            {
                w.Line("// Output activation; the pre-activations stay in Z for a stable loss.");
                using (w.Block("for (int j = 0; j < rows * OutputSize; j++)"))
                {
                    w.Line($"ws.A{last}[j] = {ScalarActivation(output.Activation, $"ws.Z{last}[j]", output.NegativeSlope)};");
                }
            }
        }

        // ---------------------------------------------------------------- activations

        private static string ScalarActivation(ActivationKind activation, string value, float slope) => activation switch
        {
            ActivationKind.Identity => value,
            ActivationKind.LeakyReLU => $"global::NetGen.Kernels.ActivationMath.LeakyReLU({value}, {Literal.Float(slope)})",
            _ => $"global::NetGen.Kernels.ActivationMath.{activation}({value})",
        };

        private static string Derivative(ActivationKind activation, string output, float slope) => activation switch
        {
            ActivationKind.LeakyReLU => $"global::NetGen.Kernels.ActivationMath.LeakyReLUDerivative({output}, {Literal.Float(slope)})",
            _ => $"global::NetGen.Kernels.ActivationMath.{activation}Derivative({output})",
        };

        // ---------------------------------------------------------------- forward: y = f(x·Wᵀ + b)

        /// <summary>
        /// Forward of one dense layer: <c>y[r, o] = f(Σ_k x[r, k]·W[o, k] + b[o])</c>. Both operands run along k,
        /// so the micro-kernel keeps a 4 × 4 block of dot products in vector accumulators and reduces them once;
        /// bias is added as the block is stored and the activation runs on each 4-row panel while it is in cache.
        /// </summary>
        private static void EmitForwardLayer(CodeWriter w, int l, LayerSpec layer, ActivationKind activation, SimdFlavor f)
        {
            int inputs = layer.Inputs, outputs = layer.Outputs;
            int fullOutputs = outputs - outputs % BlockRows;
            w.Line($"/// <summary>Layer {l} forward, {f.Type}: y[rows, lo..hi) = {activation}(x[rows, {inputs}] · W[lo..hi, {inputs}]ᵀ + b[lo..hi]) of its {outputs} outputs; <paramref name=\"lo\"/> a multiple of {SplitAlignment}, <paramref name=\"hi\"/> too or {outputs}.</summary>");
            w.Line(KernelAttributes);
            using (w.Block($"public static void ForwardLayer{l}{f.Suffix}(ref {f.T} x, ref {f.T} w, ref {f.T} b, ref {f.T} y, int rows, int lo, int hi)"))
            {
                w.Line("int r = 0;");
                foreach (int mr in new[] { BlockRows, 1 })
                {
                    using (w.Block(mr == BlockRows ? $"for (; r + {BlockRows} <= rows; r += {BlockRows})" : "for (; r < rows; r++)"))
                    {
                        for (int i = 0; i < mr; i++)
                        {
                            w.Line($"ref {f.T} x{i} = ref Unsafe.Add(ref x, (nint)(r + {i}) * {inputs});");
                            w.Line($"ref {f.T} y{i} = ref Unsafe.Add(ref y, (nint)(r + {i}) * {outputs});");
                        }
                        if (fullOutputs > 0)
                        {
                            using (w.Block($"for (int o = lo, end = Math.Min(hi, {fullOutputs}); o < end; o += {BlockRows})"))
                                EmitDotBlock(w, f, inputs, mr, BlockRows);
                        }
                        if (fullOutputs < outputs)
                        {
                            using (w.Block($"for (int o = Math.Max(lo, {fullOutputs}); o < hi; o++)"))
                                EmitDotBlock(w, f, inputs, mr, 1);
                        }
                        if (activation != ActivationKind.Identity)
                        {
                            for (int i = 0; i < mr; i++) w.Line($"Activate{l}{f.Suffix}(ref y{i}, lo, hi);");
                        }
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
                    ? $"global::NetGen.Kernels.ActivationMath.LeakyReLU(v, {Literal.Float(layer.NegativeSlope)})"
                    : $"global::NetGen.Kernels.ActivationMath.{activation}(v)";
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

        /// <summary>An <paramref name="mr"/> × <paramref name="nr"/> block of dot products over <paramref name="k"/> (rows x0.., weight rows from o).</summary>
        private static void EmitDotBlock(CodeWriter w, SimdFlavor f, int k, int mr, int nr)
        {
            var pairs = (from i in Enumerable.Range(0, mr) from j in Enumerable.Range(0, nr) select (i, j)).ToList();
            for (int j = 0; j < nr; j++) w.Line($"ref {f.T} w{j} = ref Unsafe.Add(ref w, (nint)(o + {j}) * {k});");
            if (f.MayHaveChunks(k))
            {
                w.Line(string.Join(" ", pairs.Select(p => $"{f.Type} c{p.i}{p.j} = {f.Type}.Zero;")));
                using (w.Block($"for (int k = 0; k < {f.RoundDown(k)}; k += {f.WidthText})"))
                {
                    for (int i = 0; i < mr; i++) w.Line($"{f.Type} xv{i} = {f.Load("x" + i, "k")};");
                    for (int j = 0; j < nr; j++) w.Line($"{f.Type} wv{j} = {f.Load("w" + j, "k")};");
                    foreach (var (i, j) in pairs) w.Line($"c{i}{j} = {f.Ops}.FusedMultiplyAdd(xv{i}, wv{j}, c{i}{j});");
                }
                if (mr == BlockRows && nr == BlockRows && f.Width == RowBlock && f.Element == ElementType.Single && !f.MayHaveRemainder(k))
                {
                    // Sixteen dot products finished by one transposing reduction (lane 4i + j is row i, output j), bit for
                    // bit the sixteen Vector512.Sum calls; each row's four outputs take their bias as one 128-bit vector.
                    w.Line($"Vector512<float> sums = global::NetGen.Kernels.VectorMath.SumEach({string.Join(", ", pairs.Select(p => $"c{p.i}{p.j}"))});");
                    w.Line("Vector128<float> bias = Vector128.LoadUnsafe(ref b, (nuint)o);");
                    w.Line("(sums.GetLower().GetLower() + bias).StoreUnsafe(ref y0, (nuint)o);");
                    w.Line("(sums.GetLower().GetUpper() + bias).StoreUnsafe(ref y1, (nuint)o);");
                    w.Line("(sums.GetUpper().GetLower() + bias).StoreUnsafe(ref y2, (nuint)o);");
                    w.Line("(sums.GetUpper().GetUpper() + bias).StoreUnsafe(ref y3, (nuint)o);");
                    return;
                }
                w.Line(string.Join(" ", pairs.Select(p => $"{f.T} s{p.i}{p.j} = {f.Ops}.Sum(c{p.i}{p.j});")));
            }
            else
            {
                w.Line(string.Join(" ", pairs.Select(p => $"{f.T} s{p.i}{p.j} = {f.Element.Zero};")));
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

        /// <summary>What a weight kernel does with each finished gradient block.</summary>
        private enum WeightsPass
        {
            /// <summary>Stores it (or adds it to the stored gradient): <c>BackwardWeights</c>.</summary>
            Gradients,

            /// <summary>Consumes it in a plain SGD update, <c>W ← a·W + b·dW</c>: <c>StepWeights</c>.</summary>
            Sgd,

            /// <summary>Consumes it in a momentum update with the velocity beside the parameters: <c>MomentumWeights</c>.</summary>
            Momentum,
        }

        /// <summary>
        /// Weight and bias gradients of one layer: <c>dW[o, i] = Σ_r δ[r, o]·x[r, i]</c>, <c>db[o] = Σ_r δ[r, o]</c>.
        /// Outer-product form: a block of 4 weight rows × 4 vectors of inputs accumulates over the batch,
        /// broadcasting δ and loading x; the 4-vector column panel of x stays in L1 while all weight rows sweep it.
        /// </summary>
        /// <remarks>
        /// With a fused <paramref name="pass"/>, the same kernel consumes each finished gradient block in the optimizer's
        /// update instead of storing it — SGD's <c>W ← a·W + b·dW</c>, <c>bias ← bias + b·db</c>, or momentum's
        /// (<c>MomentumMath.Update</c>) — the operations <c>Sgd.Step</c> and <c>Momentum.Step</c> perform on the stored
        /// gradient, so the parameters come out with the same bits. Fused kernels update weight rows [lo, hi) only.
        /// </remarks>
        private static void EmitBackwardWeights(CodeWriter w, int l, LayerSpec layer, SimdFlavor f, WeightsPass pass = WeightsPass.Gradients)
        {
            int inputs = layer.Inputs, outputs = layer.Outputs;
            int fullOutputs = outputs - outputs % BlockRows;
            bool step = pass != WeightsPass.Gradients;
            w.Line(pass switch
            {
                WeightsPass.Sgd => $"/// <summary>Layer {l} SGD update, {f.Type}: W[{outputs}, {inputs}] ← a·W + b·(δ[rows, {outputs}]ᵀ · x[rows, {inputs}]), bias[{outputs}] ← bias + b·Σ_rows δ; each gradient block is consumed in registers.</summary>",
                WeightsPass.Momentum => $"/// <summary>Layer {l} momentum update, {f.Type}: v ← m·v + (δ[rows, {outputs}]ᵀ · x[rows, {inputs}] + λ₂·W), W ← W − μ·v (Nesterov: − μ·(m·v + g)), and the same for the bias with λ₂ = 0; each gradient block is consumed in registers.</summary>",
                _ => $"/// <summary>Layer {l} gradients, {f.Type}: dW[{outputs}, {inputs}] = δ[rows, {outputs}]ᵀ · x[rows, {inputs}], db[{outputs}] = Σ_rows δ; added to dW, db when <paramref name=\"accumulate\"/>.</summary>",
            });
            w.Line(KernelAttributes);
            using (w.Block(pass switch
            {
                WeightsPass.Sgd => $"public static void StepWeights{l}{f.Suffix}(ref {f.T} delta, ref {f.T} x, ref {f.T} dw, ref {f.T} db, int rows, {f.T} weightFactor, {f.T} gradientFactor, int lo, int hi)",
                WeightsPass.Momentum => $"public static void MomentumWeights{l}{f.Suffix}(ref {f.T} delta, ref {f.T} x, ref {f.T} dw, ref {f.T} db, ref {f.T} vw, ref {f.T} vb, int rows, in global::NetGen.FusedStep step, int lo, int hi)",
                _ => $"public static void BackwardWeights{l}{f.Suffix}(ref {f.T} delta, ref {f.T} x, ref {f.T} dw, ref {f.T} db, int rows, bool accumulate)",
            }))
            {
                if (pass == WeightsPass.Sgd) w.Line($"{f.Type} va = {f.Broadcast("weightFactor")}, vb = {f.Broadcast("gradientFactor")};");
                if (pass == WeightsPass.Momentum) EmitMomentumCoefficients(w, f);
                foreach (int nv in new[] { BlockVectors, 1 })
                {
                    string from = nv == BlockVectors ? "0" : f.RoundDown(inputs, BlockVectors);
                    string to = f.RoundDown(inputs, nv);
                    if (!f.MayHaveChunks(inputs, nv) || (nv == 1 && !f.MayHaveRemainder(inputs, BlockVectors))) continue;
                    using (w.Block($"for (int i = {from}; i < {to}; i += {f.Step(nv)})"))
                    {
                        if (fullOutputs > 0)
                        {
                            using (w.Block(step ? $"for (int o = lo, end = Math.Min(hi, {fullOutputs}); o < end; o += {BlockRows})" : $"for (int o = 0; o < {fullOutputs}; o += {BlockRows})"))
                                EmitWeightGradientBlock(w, f, inputs, outputs, BlockRows, nv, pass);
                        }
                        if (fullOutputs < outputs)
                        {
                            using (w.Block(step ? $"for (int o = Math.Max(lo, {fullOutputs}); o < hi; o++)" : $"for (int o = {fullOutputs}; o < {outputs}; o++)"))
                                EmitWeightGradientBlock(w, f, inputs, outputs, 1, nv, pass);
                        }
                    }
                }
                if (f.MayHaveRemainder(inputs))
                {
                    w.Line("// Columns past the last whole vector.");
                    using (w.Block($"for (int i = {f.RoundDown(inputs)}; i < {inputs}; i++)"))
                    using (w.Block(step ? "for (int o = lo; o < hi; o++)" : $"for (int o = 0; o < {outputs}; o++)"))
                    {
                        w.Line(f.T + " s = " + f.Element.Zero + ";");
                        using (w.Block("for (int r = 0; r < rows; r++)"))
                            w.Line($"s = {f.Element.Math}.FusedMultiplyAdd(Unsafe.Add(ref delta, (nint)r * {outputs} + o), Unsafe.Add(ref x, (nint)r * {inputs} + i), s);");
                        w.Line($"ref {f.T} dst = ref Unsafe.Add(ref dw, o * {inputs} + i);");
                        w.Line(pass switch
                        {
                            WeightsPass.Sgd => $"dst = {f.Element.Math}.FusedMultiplyAdd(weightFactor, dst, gradientFactor * s);",
                            WeightsPass.Momentum => $"global::NetGen.Kernels.MomentumMath.Update(ref dst, ref Unsafe.Add(ref vw, o * {inputs} + i), s, l2, mu, rate, nesterov);",
                            _ => "dst = accumulate ? dst + s : s;",
                        });
                    }
                }
                EmitBiasGradient(w, f, outputs, pass);
            }
            w.Line();
        }

        /// <summary>The coefficients of a fused momentum step, from <c>step</c>: vectors for the blocks, scalars for the tails.</summary>
        private static void EmitMomentumCoefficients(CodeWriter w, SimdFlavor f)
        {
            w.Line("float l2 = step.L2, mu = step.Momentum, rate = -step.LearningRate;");
            w.Line("bool nesterov = step.Nesterov;");
            w.Line($"{f.Type} vl2 = {f.Broadcast("l2")}, vmu = {f.Broadcast("mu")}, vrate = {f.Broadcast("rate")};");
        }

        private static void EmitWeightGradientBlock(CodeWriter w, SimdFlavor f, int inputs, int outputs, int mr, int nv, WeightsPass pass)
        {
            var pairs = (from a in Enumerable.Range(0, mr) from v in Enumerable.Range(0, nv) select (a, v)).ToList();
            w.Line(string.Join(" ", pairs.Select(p => $"{f.Type} c{p.a}{p.v} = {f.Type}.Zero;")));
            using (w.Block("for (int r = 0; r < rows; r++)"))
            {
                w.Line($"ref {f.T} dr = ref Unsafe.Add(ref delta, (nint)r * {outputs} + o);");
                w.Line($"ref {f.T} xr = ref Unsafe.Add(ref x, (nint)r * {inputs} + i);");
                for (int a = 0; a < mr; a++) w.Line($"{f.Type} d{a} = {f.Broadcast(a == 0 ? "dr" : $"Unsafe.Add(ref dr, {a})")};");
                for (int v = 0; v < nv; v++) w.Line($"{f.Type} xv{v} = {f.Load("xr", f.Offset(v))};");
                foreach (var (a, v) in pairs) w.Line($"c{a}{v} = {f.Ops}.FusedMultiplyAdd(d{a}, xv{v}, c{a}{v});");
            }
            for (int a = 0; a < mr; a++) w.Line($"ref {f.T} dw{a} = ref Unsafe.Add(ref dw, (o + {a}) * {inputs} + i);");
            switch (pass)
            {
                case WeightsPass.Sgd:
                    foreach (var (a, v) in pairs) w.Line($"{f.Ops}.FusedMultiplyAdd(va, {f.Load("dw" + a, f.Offset(v))}, vb * c{a}{v}).StoreUnsafe(ref dw{a}, (nuint)({f.Offset(v)}));");
                    return;
                case WeightsPass.Momentum:
                    for (int a = 0; a < mr; a++) w.Line($"ref {f.T} vw{a} = ref Unsafe.Add(ref vw, (o + {a}) * {inputs} + i);");
                    foreach (var (a, v) in pairs) w.Line($"global::NetGen.Kernels.MomentumMath.Update(ref dw{a}, ref vw{a}, (nuint)({f.Offset(v)}), c{a}{v}, vl2, vmu, vrate, nesterov);");
                    return;
            }
            using (w.Block("if (accumulate)"))
            {
                foreach (var (a, v) in pairs) w.Line($"c{a}{v} += {f.Load("dw" + a, f.Offset(v))};");
            }
            foreach (var (a, v) in pairs) w.Line($"c{a}{v}.StoreUnsafe(ref dw{a}, (nuint)({f.Offset(v)}));");
        }

        private static void EmitBiasGradient(CodeWriter w, SimdFlavor f, int outputs, WeightsPass pass)
        {
            bool step = pass != WeightsPass.Gradients;
            w.Line(pass switch
            {
                WeightsPass.Sgd => "// bias ← bias + b·Σ_rows δ",
                WeightsPass.Momentum => "// the bias's momentum update from Σ_rows δ, with λ₂ = 0",
                _ => "// db = Σ_rows δ",
            });
            if (f.MayHaveChunks(outputs))
            {
                using (w.Block(step ? $"for (int o = lo, end = Math.Min(hi, {f.RoundDown(outputs)}); o < end; o += {f.WidthText})" : $"for (int o = 0; o < {f.RoundDown(outputs)}; o += {f.WidthText})"))
                {
                    w.Line(step ? $"{f.Type} s = {f.Type}.Zero;" : $"{f.Type} s = accumulate ? {f.Load("db", "o")} : {f.Type}.Zero;");
                    using (w.Block("for (int r = 0; r < rows; r++)"))
                        w.Line($"s += {f.Load("delta", $"(nint)r * {outputs} + o")};");
                    w.Line(pass switch
                    {
                        WeightsPass.Sgd => $"({f.Load("db", "o")} + vb * s).StoreUnsafe(ref db, (nuint)o);",
                        WeightsPass.Momentum => $"global::NetGen.Kernels.MomentumMath.Update(ref db, ref vb, (nuint)o, s, {f.Type}.Zero, vmu, vrate, nesterov);",
                        _ => "s.StoreUnsafe(ref db, (nuint)o);",
                    });
                }
            }
            if (f.MayHaveRemainder(outputs))
            {
                using (w.Block(step ? $"for (int o = Math.Max(lo, {f.RoundDown(outputs)}); o < hi; o++)" : $"for (int o = {f.RoundDown(outputs)}; o < {outputs}; o++)"))
                {
                    w.Line(step ? f.T + " s = " + f.Element.Zero + ";" : f.T + " s = accumulate ? Unsafe.Add(ref db, o) : " + f.Element.Zero + ";");
                    using (w.Block("for (int r = 0; r < rows; r++)"))
                        w.Line($"s += Unsafe.Add(ref delta, (nint)r * {outputs} + o);");
                    w.Line(pass switch
                    {
                        WeightsPass.Sgd => "Unsafe.Add(ref db, o) += gradientFactor * s;",
                        WeightsPass.Momentum => "global::NetGen.Kernels.MomentumMath.Update(ref Unsafe.Add(ref db, o), ref Unsafe.Add(ref vb, o), s, 0f, mu, rate, nesterov);",
                        _ => "Unsafe.Add(ref db, o) = s;",
                    });
                }
            }
        }

        // ---------------------------------------------------------------- backward: δ_prev = (δ·W) ∘ f′(a_prev)

        /// <summary>
        /// Delta of the previous layer: <c>δp[r, i] = (Σ_o δ[r, o]·W[o, i]) · f′(a[r, i])</c>. Outer-product form over
        /// the weight rows: a block of 4 samples × 4 vectors of inputs, broadcasting δ and loading rows of W;
        /// the previous activation's derivative is applied as the block is stored.
        /// </summary>
        private static void EmitBackwardInput(CodeWriter w, int l, LayerSpec layer, ActivationKind previous, float previousSlope, bool masked, SimdFlavor f)
        {
            int inputs = layer.Inputs, outputs = layer.Outputs;
            w.Line($"/// <summary>Layer {l} input delta, {f.Type}: δp[rows, {inputs}] = (δ[rows, {outputs}] · W[{outputs}, {inputs}]) ∘ {previous}′(a[rows, {inputs}])" + (masked ? " ∘ dropout mask" : "") + ".</summary>");
            w.Line(KernelAttributes);
            using (w.Block($"public static void BackwardInput{l}{f.Suffix}(ref {f.T} delta, ref {f.T} w, ref {f.T} a, " + (masked ? $"ref {f.T} mask, " : "") + $"ref {f.T} deltaPrevious, int rows, int lo, int hi)"))
            {
                w.Line("int r = 0;");
                foreach (int mr in new[] { BlockRows, 1 })
                {
                    using (w.Block(mr == BlockRows ? $"for (; r + {BlockRows} <= rows; r += {BlockRows})" : "for (; r < rows; r++)"))
                    {
                        foreach (int nv in new[] { BlockVectors, 1 })
                        {
                            string from = nv == BlockVectors ? "0" : f.RoundDown(inputs, BlockVectors);
                            string to = f.RoundDown(inputs, nv);
                            if (!f.MayHaveChunks(inputs, nv) || (nv == 1 && !f.MayHaveRemainder(inputs, BlockVectors))) continue;
                            using (w.Block($"for (int i = Math.Max(lo, {from}), end = Math.Min(hi, {to}); i < end; i += {f.Step(nv)})"))
                                EmitInputGradientBlock(w, f, inputs, outputs, mr, nv, previous, previousSlope, masked);
                        }
                        if (f.MayHaveRemainder(inputs))
                        {
                            using (w.Block($"for (int i = Math.Max(lo, {f.RoundDown(inputs)}); i < hi; i++)"))
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
                                    if (masked) value += $" * Unsafe.Add(ref mask, {index})";
                                    w.Line($"Unsafe.Add(ref deltaPrevious, {index}) = {value};");
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
            w.Line(string.Join(" ", pairs.Select(p => $"{f.Type} c{p.m}{p.v} = {f.Type}.Zero;")));
            for (int m = 0; m < mr; m++) w.Line($"ref {f.T} d{m}r = ref Unsafe.Add(ref delta, (nint)(r + {m}) * {outputs});");
            using (w.Block($"for (int o = 0; o < {outputs}; o++)"))
            {
                w.Line($"ref {f.T} wr = ref Unsafe.Add(ref w, (nint)o * {inputs} + i);");
                for (int v = 0; v < nv; v++) w.Line($"{f.Type} wv{v} = {f.Load("wr", f.Offset(v))};");
                for (int m = 0; m < mr; m++) w.Line($"{f.Type} d{m} = {f.Broadcast($"Unsafe.Add(ref d{m}r, o)")};");
                foreach (var (m, v) in pairs) w.Line($"c{m}{v} = {f.Ops}.FusedMultiplyAdd(d{m}, wv{v}, c{m}{v});");
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
                if (masked) value += " * " + f.Load("m" + m, f.Offset(v));
                w.Line($"({value}).StoreUnsafe(ref p{m}, (nuint)({f.Offset(v)}));");
            }
        }
    }
}
