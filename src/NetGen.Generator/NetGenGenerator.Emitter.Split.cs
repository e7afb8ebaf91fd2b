using System.Collections.Generic;
using NetGen.Generator.Emitting;
using NetGen.Generator.Model;
using NetGen.Generator.Planning;

namespace NetGen.Generator;

public sealed partial class NetGenGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// <c>ISplitTraining</c>: the phases of a fused step with each worker's share of units. Forward phase l
        /// computes outputs [lo, hi) of layer l over the whole batch; the loss phase runs on worker 0; backward phases
        /// pair the update of layer l + 1 (its weight rows) with the input delta of layer l (its input columns), which
        /// touch different data, so each phase needs only the barrier before it. Cuts fall on multiples of
        /// <see cref="SplitAlignment"/> units, so every unit runs the same code as in an uncut call.
        /// </summary>
        private static void EmitSplitTraining(CodeWriter w, NetworkPlan plan, string truthCheck, string labelDelta, string? labelPerSample, string targetDelta)
        {
            NetworkSpec net = plan.Network;
            int layers = net.Layers.Count, last = layers - 1;
            w.Line("/// <inheritdoc/>");
            w.Line("int global::NetGen.CompilerServices.ISplitTraining.ForwardPhases => " + layers + ";");
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line("int global::NetGen.CompilerServices.ISplitTraining.Phases => " + (2 * layers + 1) + ";");
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line("global::NetGen.IInferenceNetwork global::NetGen.CompilerServices.ISplitTraining.CreateEvaluator() => new " + net.TypeName + "(_parameters);");
            w.Line();
            w.Line("/// <inheritdoc/>");
            using (w.Block("int global::NetGen.CompilerServices.ISplitTraining.PrepareSplitStep(\n" +
                           "    ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, int workers, int chunkStart, int batchRows)"))
            {
                w.Line("int batch = global::NetGen.CompilerServices.NetworkGuard.BatchSize(inputs.Length, InputSize, nameof(inputs));");
                w.Line(truthCheck);
                w.Line("if (batch > " + MaxRows + ") return 0;");
                w.Line("Workspace ws = Reserve(batch).ReserveWorkers(workers);");
                // A chunk of a larger batch: its losses are scaled by the whole batch and summed on from the chunks before.
                w.Line("ws.BatchRows = global::NetGen.CompilerServices.NetworkGuard.Chunk(batch, chunkStart, batchRows);");
                w.Line("if (chunkStart == 0) ws.LossSum = 0;");
                for (int l = 0; l < net.Layers.Count; l++)
                {
                    LayerSpec layer = net.Layers[l];
                    if (!layer.HasDropout) continue;
                    w.Line($"ws.MaskKey{l} = _dropoutRng.NextUInt64(); // as a single-threaded pass draws it; each worker draws its part of the mask");
                }
                w.Line("return batch;");
            }
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Units [lo, hi) of <paramref name=\"units\"/> that worker <paramref name=\"worker\"/> of <paramref name=\"workers\"/>");
            w.Line("/// takes: whole blocks of " + SplitAlignment + ". Worker 0, which also computes the loss, takes the last and shortest share");
            w.Line("/// and a whole layer narrower than one share, beside the shortest share of a wider layer in the same phase.");
            w.Line("/// </summary>");
            using (w.Block("private static (int Lo, int Hi) Share(int units, int worker, int workers)"))
            {
                w.Line("int per = ((units + workers - 1) / workers + " + (SplitAlignment - 1) + ") & ~" + (SplitAlignment - 1) + ";");
                w.Line("if (units <= per) return worker == 0 ? (0, units) : (units, units);");
                w.Line("int lo = Math.Min(units, (workers - 1 - worker) * per);");
                w.Line("return (lo, Math.Min(units, lo + per));");
            }
            w.Line();
            w.Line("/// <summary>Rows [lo, hi) of the batch that worker <paramref name=\"worker\"/> of <paramref name=\"workers\"/> takes");
            w.Line("/// for a layer too narrow to cut by units: whole blocks of four rows.</summary>");
            using (w.Block("private static (int Lo, int Hi) ShareRows(int rows, int worker, int workers)"))
            {
                w.Line("int per = ((rows + workers - 1) / workers + 3) & ~3;");
                w.Line("int lo = Math.Min(rows, worker * per);");
                w.Line("return (lo, Math.Min(rows, lo + per));");
            }
            w.Line();
            w.Line("/// <inheritdoc/>");
            using (w.Block("float global::NetGen.CompilerServices.ISplitTraining.RunSplitPhase(\n" +
                           "    int phase, int worker, int workers, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels,\n" +
                           "    ReadOnlySpan<float> targets, in global::NetGen.CompilerServices.FusedStep step)"))
            {
                w.Line("Workspace ws = _workspace;");
                w.Line("global::NetGen.CompilerServices.NetworkGuard.Worker(worker, workers, ws.Workers);");
                w.Line("global::NetGen.CompilerServices.NetworkGuard.SplitBatch(inputs, labels, targets, InputSize, OutputSize, ws.Rows);");
                w.Line("if (phase > " + layers + " && phase < " + (2 * layers + 1) + " && !step.IsBegun)");
                w.Line("    throw new ArgumentException(");
                w.Line("        \"The backward phases update the parameters: they need the optimizer's step, begun by FusedStep.Begin.\", nameof(step));");
                w.Line("if (step.StoresGradient) return RunPhase(phase, worker, workers, inputs, labels, targets, ref step.State, step.GradientStore);");
                using (w.Block("if (step.Shrinks)"))
                {
                    w.Line("if (step.IsMomentum) return RunPhase(phase, worker, workers, inputs, labels, targets, ref step.State, step.ShrinkingMomentum);");
                    w.Line("if (step.IsAdam) return RunPhase(phase, worker, workers, inputs, labels, targets, ref step.State, step.ShrinkingAdam);");
                    w.Line("return RunPhase(phase, worker, workers, inputs, labels, targets, ref step.State, step.ShrinkingSgd);");
                }
                w.Line("if (step.IsMomentum) return RunPhase(phase, worker, workers, inputs, labels, targets, ref step.State, step.MomentumUpdate);");
                w.Line("if (step.IsAdam) return RunPhase(phase, worker, workers, inputs, labels, targets, ref step.State, step.AdamUpdate);");
                w.Line("return RunPhase(phase, worker, workers, inputs, labels, targets, ref step.State, step.Sgd);");
            }
            w.Line();
            w.Line("/// <summary>Phase <paramref name=\"phase\"/> of a split step checked by its caller, updating by <paramref name=\"update\"/> with its state at <paramref name=\"v\"/>.</summary>");
            using (w.Block("private float RunPhase<TUpdate>(\n" +
                           "    int phase, int worker, int workers, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets,\n" +
                           "    ref float v, in TUpdate update)\n" +
                           "    where TUpdate : struct, global::NetGen.CompilerServices.IParameterUpdate<float>"))
            {
                w.Line("int rows = inputs.Length / InputSize;");
                w.Line("Workspace ws = _workspace;");
                EmitWorkspaceReferences(w, plan, backward: true, perWorker: true);
                w.Line("ref float p = ref _parameters.Reference;");
                w.Line("ref float x = ref MemoryMarshal.GetReference(inputs);");
                EmitParameterReferences(w, plan, "p");
                EmitParameterReferences(w, plan, "v", "v");
                w.Line("bool wide = Vector512.IsHardwareAccelerated;");
                w.Line("int lo, hi;");
                using (w.Block("switch (phase)"))
                {
                    // Forward, one phase per layer: a layer wide enough for every worker to get a block is cut by
                    // units; a narrower one by rows of the batch (each row's outputs are computed alone either way).
                    bool rowLosses = plan.Output.Cut == LayerCut.Rows && labelPerSample is null;
                    for (int l = 0; l <= last; l++)
                    {
                        LayerSpec layer = net.Layers[l];
                        w.Line($"case {l}:");
                        using (w.Block(""))
                        {
                            if (plan.Layers[l].Cut == LayerCut.Rows)
                            {
                                w.Line("(lo, hi) = ShareRows(rows, worker, workers);");
                                string input = l == 0 ? $"ref Unsafe.Add(ref x, lo * {Literal.Int(layer.Inputs)})" : $"ref Unsafe.Add(ref {Ref(Activations(net, l - 1)).Substring(4)}, lo * {Literal.Int(layer.Inputs)})";
                                string output = $"ref Unsafe.Add(ref {Ref(l == last ? "ws.Z" + l : "ws.A" + l).Substring(4)}, lo * {Literal.Int(layer.Outputs)})";
                                string arguments = $"{input}, ref w{l}, ref b{l}, {output}, hi - lo, 0, {Literal.Int(layer.Outputs)}";
                                // The arguments on a line of their own whichever way the layer is cut, so both cuts take as many lines.
                                w.Line($"if (wide) Kernels.ForwardLayer{l}V512(\n    {arguments});");
                                w.Line($"else {Portable(KernelKind.Forward, l, "float")}(\n    {arguments});");
                                if (layer.HasDropout)
                                {
                                    string range = $"AsSpan(lo * {Literal.Int(layer.Outputs)}, (hi - lo) * {Literal.Int(layer.Outputs)})";
                                    w.Line($"global::NetGen.CompilerServices.DropoutMath.Apply<float>(ws.MaskKey{l}, lo * {Literal.Int(layer.Outputs)},");
                                    w.Line($"    ws.A{l}.{range}, ws.M{l}.{range}, ws.H{l}.{range}, {Literal.Float(layer.Dropout)});");
                                }
                                if (l == last && rowLosses)
                                {
                                    w.Line("// These rows' output activation, loss and output delta too: the loss phase only adds the row losses up.");
                                    EmitOutputActivationRows(w, plan, "lo", "hi");
                                    w.Line("const int start = 0;");
                                    w.Line("float scale = 1f / ws.BatchRows;");
                                    using (w.Block("for (int r = lo; r < hi; r++)"))
                                        EmitRowLoss(w, "!targets.IsEmpty", "ws.RowLoss[r] = ", labelDelta, null, targetDelta);
                                }
                            }
                            else
                            {
                                string input = l == 0 ? "ref x" : Ref(Activations(net, l - 1));
                                string output = Ref(l == last ? "ws.Z" + l : "ws.A" + l);
                                string arguments = $"{input}, ref w{l}, ref b{l}, {output}, rows, lo, hi";
                                w.Line($"(lo, hi) = Share({Literal.Int(layer.Outputs)}, worker, workers);");
                                // The arguments on a line of their own whichever way the layer is cut, so both cuts take as many lines.
                                w.Line($"if (wide) Kernels.ForwardLayer{l}V512(\n    {arguments});");
                                w.Line($"else {Portable(KernelKind.Forward, l, "float")}(\n    {arguments});");
                                if (layer.HasDropout)
                                {
                                    const string range = "AsSpan(at, hi - lo)";
                                    string a = "ws.A" + l, m = "ws.M" + l;
                                    if (plan.Layers[l].WorkerActivations)
                                    {
                                        w.Line("// This worker's range's own: only it reads these units again (the next layer's input delta).");
                                        w.Line($"float[] own = {WorkerArray(a)}, mask = {WorkerArray(m)};");
                                        (a, m) = ("own", "mask");
                                    }
                                    using (w.Block("for (int r = 0; r < rows; r++)"))
                                    {
                                        w.Line($"int at = r * {Literal.Int(layer.Outputs)} + lo;");
                                        w.Line($"global::NetGen.CompilerServices.DropoutMath.Apply<float>(ws.MaskKey{l}, at,\n    {a}.{range}, {m}.{range}, ws.H{l}.{range}, {Literal.Float(layer.Dropout)});");
                                    }
                                }
                            }
                            w.Line("return 0f;");
                        }
                    }
                    // The loss, on worker 0.
                    w.Line($"case {layers}:");
                    using (w.Block(""))
                    {
                        w.Line("if (worker != 0) return 0f;");
                        if (plan.Layers[0].UpdatePieces > 0)
                            w.Line($"ws.Pieces0.Reset(workers, {Literal.Int(plan.Layers[0].UpdatePieces)}); // the last phase's pieces, shared out anew");
                        if (rowLosses)
                        {
                            w.Line("double loss = ws.LossSum;");
                            w.Line("for (int r = 0; r < rows; r++) loss += ws.RowLoss[r];");
                            w.Line("ws.LossSum = loss;");
                            w.Line("return (float)(loss / ws.BatchRows);");
                        }
                        else
                        {
                            EmitOutputActivation(w, plan);
                            w.Line("const int start = 0;");
                            w.Line("float scale = 1f / ws.BatchRows;");
                            w.Line("double loss = ws.LossSum;");
                            using (w.Block("for (int r = 0; r < rows; r++)"))
                                EmitRowLoss(w, "!targets.IsEmpty", "loss += ", labelDelta, labelPerSample, targetDelta);
                            w.Line("ws.LossSum = loss;");
                            w.Line("return (float)(loss / ws.BatchRows);");
                        }
                    }
                    // Backward: phase k pairs the update of layer l + 1 with the input delta of layer l (l = last − k);
                    // the final phase updates layers 1 and 0.
                    for (int k = 0; k < layers; k++)
                    {
                        w.Line($"case {layers + 1 + k}:");
                        using (w.Block(""))
                        {
                            var updates = new List<int>();
                            int l = last - k;
                            if (k == layers - 1)
                            {
                                if (layers > 1) updates.Add(1);
                                updates.Add(0);
                            }
                            else
                            {
                                if (l + 1 <= last) updates.Add(l + 1);
                            }
                            foreach (int u in updates) EmitSplitUpdate(w, plan, u);
                            if (k < layers - 1 && l > 0) EmitSplitInputDelta(w, plan, l);
                            w.Line("return 0f;");
                        }
                    }
                    w.Line("default:");
                    w.Line("    throw new ArgumentOutOfRangeException(nameof(phase), phase, \"Expected a phase below " + (2 * layers + 1) + ".\");");
                }
            }
            w.Line();
        }

        /// <summary>The output activation of rows [<paramref name="from"/>, <paramref name="to"/>), as <see cref="EmitOutputActivation"/> does for all rows.</summary>
        private static void EmitOutputActivationRows(CodeWriter w, NetworkPlan plan, string from, string to)
        {
            int last = plan.Layers.Count - 1;
            LayerPlan output = plan.Output;
            if (output.Kind == LayerKind.Softmax)
            {
                using (w.Block($"for (int r = {from}; r < {to}; r++)"))
                {
                    w.Line($"ws.LogSumExp[r] = global::NetGen.CompilerServices.LossMath.Softmax(");
                    w.Line($"    ws.Z{last}.AsSpan(r * OutputSize, OutputSize), ws.A{last}.AsSpan(r * OutputSize, OutputSize));");
                }
            }
            else if (!plan.IdentityOutput) // with the identity, A is Z itself
            {
                using (w.Block($"for (int j = {from} * OutputSize; j < {to} * OutputSize; j++)"))
                    w.Line($"ws.A{last}[j] = {ScalarActivation(output.DeclaredActivation, $"ws.Z{last}[j]", output.NegativeSlope)};");
            }
        }

        /// <summary>
        /// Worker's rows of layer <paramref name="l"/>'s weights and biases, updated from its delta and input by the step's
        /// rule: the rows of the units it computed in the forward pass (<c>Share</c>), so a weight's cache line stays with one
        /// core from step to step. A layer with <see cref="LayerPlan.UpdatePieces"/> (the first) comes in pieces
        /// instead (both kernels) — <see cref="Planner.PieceColumns"/> columns of one worker's range of units each (the last piece
        /// to the last column), taken from a <c>WorkQueue</c>, a range's biases with its first piece — so a worker slowed by
        /// another process on its core hands its last pieces to the others rather than keeping them waiting. A later layer
        /// no wider than one block of units (<see cref="Planner.SplitAlignment"/>), which <c>Share</c> gives to worker 0
        /// whole, is cut by its input columns instead (both kernels): each worker reads only the activations it computed
        /// itself, and worker 0 adds the biases.
        /// The weight kernels sum every gradient over the batch in the same order whatever the range, so the bits stay.
        /// </summary>
        private static void EmitSplitUpdate(CodeWriter w, NetworkPlan plan, int l)
        {
            LayerPlan layer = plan.Layers[l];
            string weights = $"{WeightInputs(plan, l)}, ref w{l}, ref b{l}";
            if (layer.UpdatePieces > 0)
            {
                int units = layer.Outputs, inputs = layer.Inputs;
                w.Line($"// Pieces of {Planner.PieceColumns} columns (the last to the end) × a worker's range of units, biases with the first; any worker's.");
                using (w.Block($"while (ws.Pieces{l}.TryTake(workers - 1 - worker, out int piece))"))
                {
                    int per = layer.UpdatePieces, columns = Planner.PieceColumns;
                    w.Line($"int q = piece / {Literal.Int(per)}, i0 = piece % {Literal.Int(per)} * {columns};");
                    w.Line($"(lo, hi) = Share({Literal.Int(units)}, workers - 1 - q, workers);");
                    w.Line("if (lo == hi) continue;");
                    int lastStart = Planner.LastPieceStart(inputs); // the last piece takes the columns past the last whole panel too
                    w.Line(lastStart + columns == inputs ? $"int i1 = i0 + {columns};"
                        : $"int i1 = i0 == {Literal.Int(lastStart)} ? {Literal.Int(inputs)} : i0 + {columns};");
                    string pieceWeights = weights;
                    if (layer.WorkerDelta)
                    {
                        w.Line($"ref float owner = ref MemoryMarshal.GetArrayDataReference({WorkerArray("ws.D" + l, "q")}); // its range's delta");
                        pieceWeights = $"{WeightInputs(plan, l, "ref owner")}, ref w{l}, ref b{l}";
                    }
                    foreach (bool wide in new[] { true, false })
                        EmitUpdateCall(w, l, pieceWeights, "lo, hi, i0, i1, bias: i0 == 0", wide);
                }
                return;
            }
            if (l > 0 && layer.Outputs <= SplitAlignment)
            {
                w.Line("// By input columns: the activations this worker computed; the biases on worker 0.");
                w.Line($"(lo, hi) = Share({Literal.Int(layer.Inputs)}, worker, workers);");
                foreach (bool wide in new[] { true, false })
                    EmitUpdateCall(w, l, weights, $"0, {Literal.Int(layer.Outputs)}, lo, hi, bias: worker == 0", wide);
                return;
            }
            w.Line($"(lo, hi) = Share({Literal.Int(layer.Outputs)}, worker, workers);");
            foreach (bool wide in new[] { true, false })
                EmitUpdateCall(w, l, weights, "lo, hi", wide);
        }

        /// <summary>Layer <paramref name="l"/>'s weight kernel with the step's rule: Vector512's, or the portable one.</summary>
        private static void EmitUpdateCall(CodeWriter w, int l, string weights, string range, bool wide)
            => Call(w, (wide ? $"if (wide) Kernels.BackwardWeights{l}V512" : "else " + Portable(KernelKind.BackwardWeights, l, "float")),
                $"{weights}, ref vw{l}, ref vb{l}, rows, in update, {range}");

        /// <summary>Worker's columns of layer <paramref name="l"/>'s input delta, from the weights as they were.</summary>
        private static void EmitSplitInputDelta(CodeWriter w, NetworkPlan plan, int l)
        {
            LayerPlan layer = plan.Layers[l];
            string arguments = $"{InputDeltaArguments(plan, l)}, rows, lo, hi";
            w.Line($"(lo, hi) = Share({Literal.Int(layer.Inputs)}, worker, workers);");
            Call(w, $"if (wide) Kernels.BackwardInput{l}V512", arguments);
            Call(w, "else " + Portable(KernelKind.BackwardInput, l, "float"), arguments);
        }

        /// <summary>The array layer <paramref name="l"/>'s successor reads in a training pass: its activations, after dropout if it has any.</summary>
        private static string Activations(NetworkSpec net, int l) => (net.Layers[l].HasDropout ? "ws.H" : "ws.A") + l;
    }
}
