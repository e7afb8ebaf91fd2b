using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>
/// A network composed at run time from a <see cref="NetworkArchitecture"/>, the baseline of "generated against
/// composed" and a second reference for the generated code: sizes as fields and the same math as a generated one — the same parameter
/// layout, Xavier draws, dropout masks, losses and 256-row chunks — over the blocked SIMD kernels of
/// <see cref="DenseKernels"/>. Built from a generated class's <c>Architecture</c>, it takes the same parameters
/// (copy <see cref="Parameters"/> across) and agrees with it to rounding. Not thread-safe: the scratch buffers are per instance.
/// </summary>
public sealed class ComposedNetwork : INetwork, IClassifier<float>
{
    private const int MaxRows = SharedConstants.MaxRows;
    private readonly LayerDescription[] _layers;
    private readonly AlignedBuffer<float> _parameters, _gradients;
    private Xoshiro256 _dropoutRng;
    private int _rows;
    private float[][] _a = null!, _d = null!, _m = null!, _h = null!;
    private float[] _z = null!, _logSumExp = null!;
    private readonly float[] _target;
    private readonly float[][] _scratch; // per convolution: repacked weights, windows, gradient sums
    private readonly int _firstTrainable; // the first layer with parameters: backward stops there, nothing before it learns
    private float[] _channelsLast = Array.Empty<float>(); // the samples channels-last, for networks of several input channels

    /// <summary>Creates a network of <paramref name="architecture"/> with Xavier weights drawn from <paramref name="seed"/>, as a generated network with that seed has.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="architecture"/> is null.</exception>
    public ComposedNetwork(NetworkArchitecture architecture, int seed = Xavier.DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        Architecture = architecture;
        _layers = architecture.Layers.ToArray();
        _parameters = new AlignedBuffer<float>(architecture.ParameterCount);
        _gradients = new AlignedBuffer<float>(architecture.ParameterCount);
        _target = new float[architecture.OutputSize];
        (_scratch, _firstTrainable) = Scratch(_layers);
        Xavier.Initialize<float>(_parameters.Span, architecture, seed);
        SeedDropout(seed);
        Reserve(1);
    }

    private ComposedNetwork(ComposedNetwork original)
    {
        Architecture = original.Architecture;
        _layers = original._layers;
        _parameters = original._parameters;
        _gradients = new AlignedBuffer<float>(Architecture.ParameterCount);
        _target = new float[Architecture.OutputSize];
        (_scratch, _firstTrainable) = Scratch(_layers);
        _dropoutRng = new Xoshiro256(original._dropoutRng.NextUInt64());
        Reserve(1);
    }

    private static (float[][] Scratch, int FirstTrainable) Scratch(LayerDescription[] layers)
    {
        var scratch = new float[layers.Length][];
        int first = -1;
        for (int l = 0; l < layers.Length; l++)
        {
            if (layers[l].WeightCount > 0 && first < 0) first = l;
            scratch[l] = layers[l].Kind == LayerKind.Conv2D ? new float[Convolution.ScratchLength(SpatialGeometry.Of(layers[l]))] : Array.Empty<float>();
        }
        return (scratch, first);
    }

    /// <inheritdoc/>
    public NetworkArchitecture Architecture { get; }

    /// <inheritdoc cref="INetwork{T}.CreateReplica"/>
    public ComposedNetwork CreateReplica() => new(this);

    INetwork<float> INetwork<float>.CreateReplica() => CreateReplica();

    /// <inheritdoc/>
    public int InputSize => Architecture.InputSize;

    /// <inheritdoc/>
    public int OutputSize => Architecture.OutputSize;

    /// <inheritdoc/>
    public Span<float> Parameters => _parameters.Span;

    /// <inheritdoc/>
    public Span<float> Gradients => _gradients.Span;

    /// <summary>Reseeds the dropout masks exactly as a generated network's <c>SeedDropout</c> does.</summary>
    public void SeedDropout(int seed) => _dropoutRng = new Xoshiro256(unchecked((ulong)seed) ^ SharedConstants.DropoutSalt);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        NetworkGuard.Length(input.Length, InputSize, nameof(input));
        NetworkGuard.Length(output.Length, OutputSize, nameof(output));
        ForwardRows(ref MemoryMarshal.GetReference(input), 1, training: false);
        _a[^1].AsSpan(0, OutputSize).CopyTo(output);
    }

    /// <inheritdoc/>
    public void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int batch = NetworkGuard.BatchSize(inputs.Length, InputSize, nameof(inputs));
        NetworkGuard.BatchLength(outputs.Length, batch, OutputSize, nameof(outputs));
        int chunk = Math.Min(batch, MaxRows);
        Reserve(chunk);
        for (int start = 0; start < batch; start += chunk)
        {
            int rows = Math.Min(chunk, batch - start);
            ForwardRows(ref Unsafe.Add(ref MemoryMarshal.GetReference(inputs), (nint)start * InputSize), rows, training: false);
            _a[^1].AsSpan(0, rows * OutputSize).CopyTo(outputs.Slice(start * OutputSize));
        }
    }

    /// <inheritdoc/>
    public int Predict(ReadOnlySpan<float> input)
    {
        NetworkGuard.Length(input.Length, InputSize, nameof(input));
        ForwardRows(ref MemoryMarshal.GetReference(input), 1, training: false);
        return LossMath.PredictedClass<float>(_a[^1].AsSpan(0, OutputSize));
    }

    /// <inheritdoc/>
    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        int batch = NetworkGuard.BatchSize(inputs.Length, InputSize, nameof(inputs));
        bool softmax = Architecture.HasSoftmaxOutput;
        NetworkGuard.Labels(labels, batch, softmax || OutputSize > 1 ? OutputSize : 2, nameof(labels));
        return Compute(inputs, batch, labels, default);
    }

    /// <inheritdoc/>
    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets)
    {
        int batch = NetworkGuard.BatchSize(inputs.Length, InputSize, nameof(inputs));
        NetworkGuard.BatchLength(targets.Length, batch, OutputSize, nameof(targets));
        return Compute(inputs, batch, default, targets);
    }

    /// <inheritdoc/>
    /// <remarks>A plain <see cref="Sgd"/> step (<see cref="Sgd.CanFuse"/>: L1 shrinkage included) of at most 256 rows is fused into the backward pass, as in generated networks: the parameters come out with the same bits and <see cref="Gradients"/> keeps its earlier contents. Other optimizers, <see cref="Momentum"/> included, step after the gradients as usual.</remarks>
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        NetworkGuard.FiniteInputs(inputs, InputSize, nameof(inputs));
        if (optimizer is Sgd { CanFuse: true } sgd)
        {
            int batch = NetworkGuard.BatchSize(inputs.Length, InputSize, nameof(inputs));
            NetworkGuard.Labels(labels, batch, Architecture.HasSoftmaxOutput || OutputSize > 1 ? OutputSize : 2, nameof(labels));
            if (batch <= MaxRows)
            {
                Reserve(batch);
                ref float x = ref MemoryMarshal.GetReference(inputs);
                ForwardRows(ref x, batch, training: true);
                float loss = (float)(Losses(0, batch, labels, default, 1f / batch) / batch);
                if (!float.IsFinite(loss)) return loss;
                FusedStep step = FusedStep.Begin(sgd, Architecture.ParameterCount);
                if (step.Shrinks)
                {
                    ShrinkingUpdate<float, SgdUpdate> shrinking = step.ShrinkingSgd;
                    BackwardRows(ref x, batch, ref _parameters.Reference, in shrinking);
                }
                else
                {
                    SgdUpdate update = step.Sgd;
                    BackwardRows(ref x, batch, ref _parameters.Reference, in update);
                }
                step.End();
                return loss;
            }
        }
        float batchLoss = ComputeGradients(inputs, labels);
        if (float.IsFinite(batchLoss)) optimizer.Step(Parameters, Gradients);
        return batchLoss;
    }

    /// <inheritdoc/>
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        NetworkGuard.FiniteInputs(inputs, InputSize, nameof(inputs));
        float loss = ComputeGradients(inputs, targets);
        if (float.IsFinite(loss)) optimizer.Step(Parameters, Gradients);
        return loss;
    }

    private float Compute(ReadOnlySpan<float> inputs, int batch, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets)
    {
        int chunk = Math.Min(batch, MaxRows);
        Reserve(chunk);
        float scale = 1f / batch;
        double loss = 0;
        for (int start = 0; start < batch; start += chunk)
        {
            int rows = Math.Min(chunk, batch - start);
            ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(inputs), (nint)start * InputSize);
            ForwardRows(ref x, rows, training: true);
            loss += Losses(start, rows, labels, targets, scale);
            var store = new StoreGradient<float>(Accumulate: start > 0);
            BackwardRows(ref x, rows, ref _gradients.Reference, in store);
        }
        return (float)(loss / batch);
    }

    /// <summary>The summed loss of the rows of the last forward pass, and their output deltas (scaled by <paramref name="scale"/>).</summary>
    private double Losses(int start, int rows, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, float scale)
    {
        double loss = 0;
        LayerDescription output = _layers[^1];
        int n = OutputSize;
        bool softmax = output.Kind == LayerKind.Softmax;
        for (int r = 0; r < rows; r++)
        {
            Span<float> z = _z.AsSpan(r * n, n), a = _a[^1].AsSpan(r * n, n), d = _d[^1].AsSpan(r * n, n);
            ReadOnlySpan<float> t;
            if (targets.IsEmpty)
            {
                int label = labels[start + r];
                if (softmax && Architecture.Loss == LossFunction.CrossEntropy)
                {
                    loss += LossMath.SoftmaxCrossEntropy<float>(z, a, _logSumExp[r], label, d, scale);
                    continue;
                }
                if (n == 1) _target[0] = label;
                else
                {
                    Array.Clear(_target);
                    _target[label] = 1f;
                }
                t = _target;
            }
            else
            {
                t = targets.Slice((start + r) * n, n);
            }
            loss += (Architecture.Loss, softmax) switch
            {
                (LossFunction.CrossEntropy, true) => LossMath.SoftmaxCrossEntropy<float>(z, a, _logSumExp[r], t, d, scale),
                (LossFunction.MeanSquaredError, true) => LossMath.SoftmaxMeanSquaredError<float>(a, t, d, scale),
                (LossFunction.BinaryCrossEntropy, _) => LossMath.BinaryCrossEntropy<float>(z, a, t, d, scale),
                _ => LossMath.MeanSquaredError<float>(a, t, output.Activation, output.NegativeSlope, d, scale),
            };
        }
        return loss;
    }

    private void ForwardRows(ref float x, int rows, bool training)
    {
        ref float p = ref _parameters.Reference;
        int last = _layers.Length - 1;
        ref float input = ref x;
        if (_channelsLast.Length > 0)
        {
            // Feature maps run channels-last inside, as in generated networks.
            TensorShape shape = Architecture.InputShape;
            Layout.ToChannelsLast(ref x, ref MemoryMarshal.GetArrayDataReference(_channelsLast), rows, shape.Channels, shape.Height * shape.Width);
            input = ref MemoryMarshal.GetArrayDataReference(_channelsLast);
        }
        for (int l = 0; l <= last; l++)
        {
            LayerDescription layer = _layers[l];
            if (layer.IsSpatial)
            {
                SpatialForward(l, ref input, rows);
                input = ref MemoryMarshal.GetArrayDataReference(_a[l]);
                continue;
            }
            float[] y = l == last ? _z : _a[l];
            Activation activation = l == last || layer.Kind == LayerKind.Softmax ? Activation.Identity : layer.Activation;
            DenseKernels.Forward(ref input, ref Unsafe.Add(ref p, layer.WeightOffset), ref Unsafe.Add(ref p, layer.BiasOffset),
                ref MemoryMarshal.GetArrayDataReference(y), rows, layer.Inputs, layer.Outputs, activation, layer.NegativeSlope);
            input = ref MemoryMarshal.GetArrayDataReference(_a[l]);
            if (layer.DropoutProbability > 0 && training)
            {
                Span<float> span = _a[l].AsSpan(0, rows * layer.Outputs);
                DropoutMath.Apply<float>(ref _dropoutRng, span, _m[l].AsSpan(0, span.Length), _h[l].AsSpan(0, span.Length), layer.DropoutProbability);
                input = ref MemoryMarshal.GetArrayDataReference(_h[l]);
            }
        }

        int width = OutputSize;
        LayerDescription output = _layers[last];
        for (int r = 0; r < rows; r++)
        {
            Span<float> z = _z.AsSpan(r * width, width), a = _a[last].AsSpan(r * width, width);
            if (output.Kind == LayerKind.Softmax) _logSumExp[r] = LossMath.Softmax<float>(z, a);
            else
            {
                z.CopyTo(a);
                if (output.Activation != Activation.Identity) DenseKernels.Activate(a, output.Activation, output.NegativeSlope);
            }
        }
    }

    /// <summary>A layer over feature maps: the same runtime kernels generated networks call, with the geometry as data.</summary>
    private void SpatialForward(int l, ref float input, int rows)
    {
        LayerDescription layer = _layers[l];
        var g = SpatialGeometry.Of(layer);
        ref float y = ref MemoryMarshal.GetArrayDataReference(_a[l]);
        ref float p = ref _parameters.Reference;
        switch (layer.Kind)
        {
            case LayerKind.Conv2D:
                Convolution.Forward(g, ref input, ref Unsafe.Add(ref p, layer.WeightOffset), ref Unsafe.Add(ref p, layer.BiasOffset), ref y, rows,
                    _scratch[l], layer.Activation, layer.NegativeSlope);
                break;
            case LayerKind.MaxPool2D: Pooling.MaxForward(g, ref input, ref y, rows); break;
            case LayerKind.AvgPool2D: Pooling.AverageForward(g, ref input, ref y, rows); break;
            case LayerKind.L2Pool2D: Pooling.L2Forward(g, ref input, ref y, rows); break;
            case LayerKind.FeatureL2Pool: Pooling.FeatureL2Forward(g, ref input, ref y, rows); break;
            default: Layout.ToChannelsFirst(ref input, ref y, rows, layer.InputShape.Channels, layer.InputShape.Height * layer.InputShape.Width); break;
        }
    }

    /// <summary>
    /// Backward of a layer over feature maps: ∂x into the previous layer's delta (unless no convolution lies before it:
    /// then nothing needs it) and, for a convolution, its gradients handed to <paramref name="update"/>.
    /// </summary>
    private void SpatialBackward<TUpdate>(int l, ref float x, int rows, ref float target, in TUpdate update) where TUpdate : struct, IParameterUpdate<float>
    {
        LayerDescription layer = _layers[l];
        var g = SpatialGeometry.Of(layer);
        ref float input = ref l > 0 ? ref MemoryMarshal.GetArrayDataReference(_a[l - 1])
            : ref _channelsLast.Length > 0 ? ref MemoryMarshal.GetArrayDataReference(_channelsLast) : ref x;
        ref float y = ref MemoryMarshal.GetArrayDataReference(_a[l]), dy = ref MemoryMarshal.GetArrayDataReference(_d[l]);
        ref float dx = ref l > _firstTrainable ? ref MemoryMarshal.GetArrayDataReference(_d[l - 1]) : ref Unsafe.NullRef<float>();
        if (layer.Kind == LayerKind.Conv2D)
        {
            Convolution.Backward(g, ref input, ref y, ref dy, ref Unsafe.Add(ref _parameters.Reference, layer.WeightOffset), ref dx, rows, _scratch[l],
                layer.Activation, layer.NegativeSlope, ref Unsafe.Add(ref target, layer.WeightOffset), ref Unsafe.Add(ref target, layer.BiasOffset),
                ref Unsafe.NullRef<float>(), ref Unsafe.NullRef<float>(), in update);
            return;
        }
        if (Unsafe.IsNullRef(ref dx)) return;
        switch (layer.Kind)
        {
            case LayerKind.MaxPool2D: Pooling.MaxBackward(g, ref input, ref y, ref dy, ref dx, rows); break;
            case LayerKind.AvgPool2D: Pooling.AverageBackward(g, ref input, ref y, ref dy, ref dx, rows); break;
            case LayerKind.L2Pool2D: Pooling.L2Backward(g, ref input, ref y, ref dy, ref dx, rows); break;
            case LayerKind.FeatureL2Pool: Pooling.FeatureL2Backward(g, ref input, ref y, ref dy, ref dx, rows); break;
            default: Layout.ToChannelsLast(ref dy, ref dx, rows, layer.InputShape.Channels, layer.InputShape.Height * layer.InputShape.Width); break;
        }
    }

    /// <summary>Layer <paramref name="l"/>'s input delta, the previous layer's delta, from the weights as they are now.</summary>
    private void InputDelta(int l, int rows)
    {
        LayerDescription layer = _layers[l], below = _layers[l - 1];
        DenseKernels.BackwardInput(ref MemoryMarshal.GetArrayDataReference(_d[l]), ref Unsafe.Add(ref _parameters.Reference, layer.WeightOffset),
            ref MemoryMarshal.GetArrayDataReference(_a[l - 1]),
            ref below.DropoutProbability > 0 ? ref MemoryMarshal.GetArrayDataReference(_m[l - 1]) : ref Unsafe.NullRef<float>(),
            ref MemoryMarshal.GetArrayDataReference(_d[l - 1]), rows, layer.Inputs, layer.Outputs,
            below.Kind == LayerKind.Softmax ? Activation.Identity : below.Activation, below.NegativeSlope);
    }

    /// <summary>
    /// The backward pass, generic over what happens to the weight gradients, as a generated network's: each layer's input
    /// delta from the weights as they were, then its gradients handed to <paramref name="update"/>, which writes them into
    /// <paramref name="target"/> (the gradients, or the parameters for a fused SGD step).
    /// </summary>
    private void BackwardRows<TUpdate>(ref float x, int rows, ref float target, in TUpdate update) where TUpdate : struct, IParameterUpdate<float>
    {
        for (int l = _layers.Length - 1; l >= 0; l--)
        {
            LayerDescription layer = _layers[l];
            if (layer.IsSpatial)
            {
                SpatialBackward(l, ref x, rows, ref target, in update);
                continue;
            }
            if (l > _firstTrainable) InputDelta(l, rows);
            ref float input = ref l == 0 ? ref x : ref MemoryMarshal.GetArrayDataReference(_layers[l - 1].DropoutProbability > 0 ? _h[l - 1] : _a[l - 1]);
            ref float d = ref MemoryMarshal.GetArrayDataReference(_d[l]);
            ref float w = ref Unsafe.Add(ref target, layer.WeightOffset), b = ref Unsafe.Add(ref target, layer.BiasOffset);
            if (rows == 1 && typeof(TUpdate) == typeof(SgdUpdate)) // the same bits as the batch kernel on one row, without its blocking
                DenseKernels.StepWeightsRow(ref d, ref input, ref w, ref b, layer.Inputs, layer.Outputs, in Unsafe.As<TUpdate, SgdUpdate>(ref Unsafe.AsRef(in update)));
            else
                DenseKernels.BackwardWeights(ref d, ref input, ref w, ref b, rows, layer.Inputs, layer.Outputs, in update);
        }
    }

    /// <summary>Grows the scratch buffers to <paramref name="rows"/> rows; allocates only when a larger batch than ever before arrives.</summary>
    private void Reserve(int rows)
    {
        if (_rows >= rows) return;
        int count = _layers.Length;
        _a = new float[count][];
        _d = new float[count][];
        _m = new float[count][];
        _h = new float[count][];
        for (int l = 0; l < count; l++)
        {
            int width = _layers[l].Outputs;
            _a[l] = new float[rows * width];
            _d[l] = new float[rows * width];
            _m[l] = _layers[l].DropoutProbability > 0 ? new float[rows * width] : Array.Empty<float>();
            _h[l] = _layers[l].DropoutProbability > 0 ? new float[rows * width] : Array.Empty<float>();
        }
        _z = new float[rows * OutputSize];
        _logSumExp = new float[rows];
        TensorShape input = Architecture.InputShape;
        _channelsLast = _layers[0].IsSpatial && _layers[0].Kind != LayerKind.Flatten && input.Channels > 1 ? new float[rows * InputSize] : Array.Empty<float>();
        _rows = rows;
    }
}
