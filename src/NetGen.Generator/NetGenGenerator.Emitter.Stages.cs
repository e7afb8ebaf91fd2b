using System.Linq;
using NetGen.Generator.Emitting;
using NetGen.Generator.Model;
using NetGen.Generator.Planning;

namespace NetGen.Generator;

public sealed partial class NetGenGenerator
{
    /// <summary>
    /// The layers over feature maps (convolutions, poolings, flatten) that run before the dense layers: their geometry as
    /// constants, their workspace, and their calls in the forward and backward drivers. The work itself runs in the
    /// runtime's <c>Convolution</c>, <c>Pooling</c> and <c>Layout</c> kernels, on channels-last maps.
    /// </summary>
    internal static partial class Emitter
    {
        private const string Services = "global::NetGen.CompilerServices";

        /// <summary>The network drawn on one line: input, layers over feature maps, dense layers.</summary>
        private static string Drawing(NetworkSpec net)
            => (net.Input is { } input && net.HasStages ? input.ToString() : Literal.Int(net.InputSize)) + " → " +
               string.Join(" → ", net.Stages.Select(s => s.Describe()).Concat(net.Layers.Select(Describe)));

        /// <summary>The first stage whose backward pass is needed: the first convolution (stages before it have nothing to learn).</summary>
        private static int FirstTrainedStage(NetworkSpec net)
        {
            for (int i = 0; i < net.Stages.Count; i++)
                if (net.Stages[i].HasParameters) return i;
            return net.Stages.Count;
        }

        /// <summary>Whether the samples are copied to channels-last before the first stage (more than one input channel).</summary>
        private static bool TransposesInput(NetworkSpec net) => net.HasStages && net.Stages[0].In.Channels > 1 && net.Stages[0].Kind != StageKind.Flatten;

        private static void EmitStageArchitecture(CodeWriter w, NetworkSpec net)
        {
            string Size(int height, int width) => $"new({Literal.Int(height)}, {Literal.Int(width)})";
            const string Definition = "global::NetGen.LayerDefinition";
            Shape3 input = net.Input!;
            w.Line("/// <summary>The architecture as data: input shape, layers, loss and parameter layout.</summary>");
            w.Line("public static global::NetGen.NetworkArchitecture Architecture { get; } = new(");
            w.Line($"    new global::NetGen.TensorShape(Channels: {input.Channels}, Height: {input.Height}, Width: {input.Width}),");
            w.Line($"    new {Definition}[]");
            w.Line("    {");
            foreach (StageSpec s in net.Stages)
            {
                string window = Size(s.KernelHeight, s.KernelWidth), stride = Size(s.StrideHeight, s.StrideWidth);
                switch (s.Kind)
                {
                    case StageKind.Conv2D:
                        w.Line($"        {Definition}.Conv2D(outChannels: {s.Out.Channels}, kernel: {window}, stride: {stride},");
                        w.Line($"            padding: {Size(s.PaddingHeight, s.PaddingWidth)}, activation: global::NetGen.Activation.{s.Activation}, " +
                               $"negativeSlope: {Literal.Float(s.NegativeSlope)}),");
                        break;
                    case StageKind.FeatureL2Pool:
                        w.Line($"        {Definition}.FeatureL2Pool(groupSize: {s.In.Channels / s.Out.Channels}),");
                        break;
                    case StageKind.Flatten:
                        w.Line($"        {Definition}.Flatten(),");
                        break;
                    default:
                        w.Line($"        {Definition}.{s.Kind}(window: {window}, stride: {stride}),");
                        break;
                }
            }
            foreach (LayerSpec layer in net.Layers)
            {
                w.Line(layer.Kind == LayerKind.Softmax
                    ? $"        {Definition}.Softmax(classes: {Literal.Int(layer.Outputs)}),"
                    : $"        {Definition}.Dense(outputs: {Literal.Int(layer.Outputs)}, activation: global::NetGen.Activation.{layer.Activation}, " +
                      $"negativeSlope: {Literal.Float(layer.NegativeSlope)},\n            dropout: {Literal.Float(layer.Dropout)}),");
            }
            w.Line("    },");
            w.Line("    global::NetGen.LossFunction." + net.Loss + ");");
            w.Line();
        }

        /// <summary>Each stage's geometry, a constant the runtime kernels take (<c>G0</c>, <c>G1</c>, ...).</summary>
        private static void EmitStageGeometry(CodeWriter w, NetworkSpec net)
        {
            if (!net.HasStages) return;
            w.Line("// The layers over feature maps: each one's geometry (channels, height, width in; channels out; window, stride, padding).");
            for (int i = 0; i < net.Stages.Count; i++)
            {
                StageSpec s = net.Stages[i];
                w.Line($"/// <summary>Stage {i}, {Xml(s.Describe())}: {s.In} → {s.Out}.</summary>");
                w.Line($"public static readonly {Services}.SpatialGeometry G{i} = new({s.In.Channels}, {s.In.Height}, {s.In.Width}, " +
                       $"{s.Out.Channels}, {s.KernelHeight}, {s.KernelWidth}, {s.StrideHeight}, {s.StrideWidth}, {s.PaddingHeight}, {s.PaddingWidth});");
            }
            w.Line();
        }

        /// <summary>Workspace fields of the stages: outputs S, deltas E (training), convolution scratch C, the channels-last input X.</summary>
        private static void EmitStageWorkspaceFields(CodeWriter w, NetworkSpec net, string T)
        {
            int firstTrained = FirstTrainedStage(net);
            if (net.InferenceOnly && net.Stages.Any(s => s.HasParameters))
                w.Line("public bool Prepared; // the convolutions' repacked weights and tables are in C (baked weights never change)");
            if (TransposesInput(net)) w.Line($"public readonly {T}[] X; // [rows, {net.Input}] the samples, channels-last");
            for (int i = 0; i < net.Stages.Count; i++)
            {
                StageSpec s = net.Stages[i];
                string layout = s.Kind == StageKind.Flatten ? "flat, PyTorch's order" : "channels-last";
                w.Line($"public readonly {T}[] S{i}; // [rows, {s.Out}] stage {i} outputs, {layout}");
                if (!net.InferenceOnly && i >= firstTrained) w.Line($"public readonly {T}[] E{i}; // [rows, {s.Out}] ∂loss/∂ stage {i} outputs");
                if (s.HasParameters) w.Line($"public readonly {T}[] C{i}; // stage {i} scratch: repacked weights, windows, gradient sums");
            }
        }

        private static void EmitStageWorkspaceAllocations(CodeWriter w, NetworkSpec net, string T)
        {
            int firstTrained = FirstTrainedStage(net);
            if (TransposesInput(net)) w.Line($"X = new {T}[rows * InputSize];");
            for (int i = 0; i < net.Stages.Count; i++)
            {
                StageSpec s = net.Stages[i];
                w.Line($"S{i} = new {T}[rows * {Literal.Int(s.Out.Size)}];");
                if (!net.InferenceOnly && i >= firstTrained) w.Line($"E{i} = new {T}[rows * {Literal.Int(s.Out.Size)}];");
                if (s.HasParameters) w.Line($"C{i} = new {T}[{Services}.Convolution.ScratchLength(in Kernels.G{i})];");
            }
        }

        /// <summary>References to the stages' arrays (s0, e0, ...), for the drivers.</summary>
        private static void EmitStageReferences(CodeWriter w, NetworkSpec net, bool backward)
        {
            string T = ElementType.Of(net.Element).Name;
            int firstTrained = FirstTrainedStage(net);
            for (int i = 0; i < net.Stages.Count; i++)
            {
                w.Line($"ref {T} s{i} = ref MemoryMarshal.GetArrayDataReference(ws.S{i}); // [rows, {net.Stages[i].Out}] stage {i} outputs");
                if (backward && i >= firstTrained) w.Line($"ref {T} e{i} = ref MemoryMarshal.GetArrayDataReference(ws.E{i}); // ∂loss/∂ stage {i} outputs");
            }
        }

        /// <summary>Named references to each convolution's weights and bias (wc0, bc0, ...) in the buffer at <paramref name="buffer"/>.</summary>
        private static void EmitStageParameterReferences(CodeWriter w, NetworkSpec net, string buffer, string prefix)
        {
            string T = ElementType.Of(net.Element).Name;
            for (int i = 0; i < net.Stages.Count; i++)
            {
                StageSpec s = net.Stages[i];
                if (!s.HasParameters) continue;
                string weights = s.WeightOffset == 0 ? "ref " + buffer : At(buffer, Literal.Int(s.WeightOffset));
                w.Line($"ref {T} {prefix}wc{i} = {weights}, {prefix}bc{i} = {At(buffer, Literal.Int(s.BiasOffset))};" +
                       $" // W [{s.Out.Channels}, {s.In.Channels}, {s.KernelHeight}, {s.KernelWidth}], b [{s.Out.Channels}]");
            }
        }

        /// <summary>
        /// The stages' forward calls, in blocks of the plan's <see cref="NetworkPlan.StageRows"/> rows so that a block's maps stay in cache
        /// from one stage to the next; afterwards <c>x</c> refers to the flattened features the dense layers take.
        /// </summary>
        private static void EmitStagesForward(CodeWriter w, NetworkPlan plan)
        {
            NetworkSpec net = plan.Network;
            ElementType e = ElementType.Of(net.Element);
            int block = plan.StageRows;
            w.Line("// Layers over feature maps, channels-last inside; Flatten returns to PyTorch's order for the dense layers.");
            string samples = "x";
            if (TransposesInput(net))
            {
                Shape3 shape = net.Input!;
                w.Line($"ref {e.Name} xl = ref MemoryMarshal.GetArrayDataReference(ws.X);");
                w.Line($"{Services}.Layout.ToChannelsLast(ref x, ref xl, rows, {shape.Channels}, {shape.Height * shape.Width});");
                samples = "xl";
            }
            w.Line($"// {block} row(s) at a time: a block's maps stay in cache from stage to stage.");
            using (w.Block($"for (int r0 = 0; r0 < rows; r0 += {block})"))
            {
                w.Line($"int n = Math.Min({block}, rows - r0);");
                if (net.Stages.Count > 1)
                    w.Line("int at = training ? r0 : 0; // an inference keeps one block's maps (in cache); the flattened features, every row's");
                string input = $"ref Unsafe.Add(ref {samples}, (nint)r0 * InputSize)";
                for (int i = 0; i < net.Stages.Count; i++)
                {
                    StageSpec s = net.Stages[i];
                    string row = i == net.Stages.Count - 1 ? "r0" : "at";
                    string output = $"ref Unsafe.Add(ref s{i}, (nint){row} * {Literal.Int(s.Out.Size)})";
                    switch (s.Kind)
                    {
                        case StageKind.Conv2D:
                            w.Line($"{Services}.Convolution.Forward(in Kernels.G{i}, {input},");
                            w.Line($"    ref wc{i}, ref bc{i}, {output}, n, ws.C{i},");
                            w.Line($"    global::NetGen.Activation.{s.Activation}, {Literal.Float(s.NegativeSlope)}, " +
                                   (net.InferenceOnly ? "prepared: ws.Prepared || r0 > 0);" : "prepared: r0 > 0);"));
                            break;
                        case StageKind.Flatten:
                            w.Line($"{Services}.Layout.ToChannelsFirst({input},\n    {output}, n, {s.In.Channels}, {s.In.Height * s.In.Width});");
                            break;
                        default:
                            w.Line($"{Services}.Pooling.{PoolName(s.Kind)}Forward(in Kernels.G{i}, {input},\n    {output}, n);");
                            break;
                    }
                    input = output;
                }
            }
            if (net.InferenceOnly && net.Stages.Any(s => s.HasParameters))
                w.Line("ws.Prepared = true; // baked weights: packed once per workspace, reused by every later call");
            w.Line($"x = ref s{net.Stages.Count - 1}; // the dense layers' input");
        }

        private static string PoolName(StageKind kind) => kind switch
        {
            StageKind.MaxPool2D => "Max",
            StageKind.AvgPool2D => "Average",
            StageKind.L2Pool2D => "L2",
            _ => "FeatureL2",
        };

        /// <summary>
        /// The stages' backward calls, last to first, from the delta of the flattened features (written by the first dense
        /// layer's input-delta kernel into the last stage's E); stages before the first convolution are skipped.
        /// </summary>
        private static void EmitStagesBackward(CodeWriter w, NetworkPlan plan)
        {
            NetworkSpec net = plan.Network;
            ElementType e = ElementType.Of(net.Element);
            int firstTrained = FirstTrainedStage(net);
            w.Line("// Layers over feature maps, last to first, a block of rows at a time; convolutions sum their gradients over the blocks.");
            if (TransposesInput(net)) w.Line($"ref {e.Name} xl = ref MemoryMarshal.GetArrayDataReference(ws.X); // the samples, channels-last");
            int block = plan.StageRows;
            using (w.Block($"for (int r0 = 0; r0 < rows; r0 += {block})"))
            {
                w.Line($"int n = Math.Min({block}, rows - r0);");
                w.Line("bool first = r0 == 0, last = r0 + n == rows;");
                string At(string array, long size) => $"ref Unsafe.Add(ref {array}, (nint)r0 * {Literal.Int(size)})";
                for (int i = net.Stages.Count - 1; i >= firstTrained; i--)
                {
                    StageSpec s = net.Stages[i];
                    string input = i > 0 ? At($"s{i - 1}", s.In.Size) : At(TransposesInput(net) ? "xl" : "input", s.In.Size);
                    string previousDelta = i > firstTrained ? At($"e{i - 1}", s.In.Size) : $"ref Unsafe.NullRef<{e.Name}>()";
                    string output = At($"s{i}", s.Out.Size), delta = At($"e{i}", s.Out.Size);
                    switch (s.Kind)
                    {
                        case StageKind.Conv2D:
                            w.Line($"{Services}.Convolution.Backward(in Kernels.G{i}, {input},");
                            w.Line($"    {output}, {delta}, ref wc{i},");
                            w.Line($"    {previousDelta}, n, ws.C{i}, global::NetGen.Activation.{s.Activation}, {Literal.Float(s.NegativeSlope)},");
                            w.Line($"    ref twc{i}, ref tbc{i}, ref swc{i}, ref sbc{i}, in update, first, last);");
                            break;
                        case StageKind.Flatten:
                            w.Line($"{Services}.Layout.ToChannelsLast({delta},\n    {previousDelta}, n, {s.In.Channels}, {s.In.Height * s.In.Width});");
                            break;
                        default:
                            w.Line($"{Services}.Pooling.{PoolName(s.Kind)}Backward(in Kernels.G{i}, {input},");
                            w.Line($"    {output}, {delta},\n    {previousDelta}, n);");
                            break;
                    }
                }
            }
        }
    }
}
