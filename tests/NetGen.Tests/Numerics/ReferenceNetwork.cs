using System;
using NetGen;

namespace NetGen.Tests.Numerics;

/// <summary>
/// A deliberately plain, per-sample, double-precision implementation of the lecture notes' equations, independent of
/// the generated kernels: z = W·a + b, a = f(z) with f′ taken from z; the output delta comes from ∂L/∂a times the
/// output activation's Jacobian (never the p − y shortcut); δˡ = (Wˡ⁺¹ᵀ δˡ⁺¹) ∘ f′(zˡ), ∇W = δ aᵀ, ∇b = δ.
/// </summary>
internal static class ReferenceNetwork
{
    public static double F(Activation f, double z, double slope) => f switch
    {
        Activation.Identity => z,
        Activation.Sigmoid => 1 / (1 + Math.Exp(-z)),
        Activation.Tanh => Math.Tanh(z),
        Activation.ReLU => z > 0 ? z : 0,
        Activation.LeakyReLU => z > 0 ? z : slope * z,
        _ => throw new ArgumentOutOfRangeException(nameof(f)),
    };

    public static double FPrime(Activation f, double z, double slope) => f switch
    {
        Activation.Identity => 1,
        Activation.Sigmoid => F(f, z, slope) * (1 - F(f, z, slope)),
        Activation.Tanh => 1 - Math.Tanh(z) * Math.Tanh(z),
        Activation.ReLU => z > 0 ? 1 : 0,
        Activation.LeakyReLU => z > 0 ? 1 : slope,
        _ => throw new ArgumentOutOfRangeException(nameof(f)),
    };

    /// <summary>Forward one sample; returns pre-activations and activations per layer (index 0 of a is the input).</summary>
    public static (double[][] Z, double[][] A) Forward(NetworkArchitecture arch, ReadOnlySpan<float> p, ReadOnlySpan<float> x)
        => Forward(arch, Widen(p), x);

    public static double[] Widen(ReadOnlySpan<float> p)
    {
        var d = new double[p.Length];
        for (int i = 0; i < p.Length; i++) d[i] = p[i];
        return d;
    }

    public static (double[][] Z, double[][] A) Forward(NetworkArchitecture arch, ReadOnlySpan<double> p, ReadOnlySpan<float> x)
    {
        var layers = arch.Layers;
        var z = new double[layers.Length][];
        var a = new double[layers.Length + 1][];
        a[0] = new double[x.Length];
        for (int i = 0; i < x.Length; i++) a[0][i] = x[i];
        for (int l = 0; l < layers.Length; l++)
        {
            LayerDescription layer = layers[l];
            z[l] = new double[layer.Outputs];
            a[l + 1] = new double[layer.Outputs];
            if (layer.IsSpatial)
            {
                SpatialForward(layer, p, a[l], z[l]);
                for (int o = 0; o < layer.Outputs; o++) a[l + 1][o] = F(layer.Activation, z[l][o], layer.NegativeSlope);
                continue;
            }
            for (int o = 0; o < layer.Outputs; o++)
            {
                double s = p[layer.BiasOffset + o];
                for (int i = 0; i < layer.Inputs; i++) s += p[layer.WeightOffset + o * layer.Inputs + i] * a[l][i];
                z[l][o] = s;
            }
            if (layer.Kind == LayerKind.Softmax)
            {
                double max = double.NegativeInfinity;
                foreach (double v in z[l]) max = Math.Max(max, v);
                double sum = 0;
                for (int o = 0; o < layer.Outputs; o++) sum += a[l + 1][o] = Math.Exp(z[l][o] - max);
                for (int o = 0; o < layer.Outputs; o++) a[l + 1][o] /= sum;
            }
            else
            {
                for (int o = 0; o < layer.Outputs; o++) a[l + 1][o] = F(layer.Activation, z[l][o], layer.NegativeSlope);
            }
        }
        return (z, a);
    }

    /// <summary>Mean loss over a batch and the gradient of that mean loss, in the parameter layout.</summary>
    public static (double Loss, double[] Gradient) LossAndGradient(NetworkArchitecture arch, ReadOnlySpan<float> p, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets)
        => LossAndGradient(arch, Widen(p), inputs, targets);

    public static (double Loss, double[] Gradient) LossAndGradient(NetworkArchitecture arch, ReadOnlySpan<double> p, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets)
    {
        var layers = arch.Layers;
        int batch = inputs.Length / arch.InputSize;
        var grad = new double[arch.ParameterCount];
        double loss = 0;
        for (int s = 0; s < batch; s++)
        {
            var (z, a) = Forward(arch, p, inputs.Slice(s * arch.InputSize, arch.InputSize));
            ReadOnlySpan<float> y = targets.Slice(s * arch.OutputSize, arch.OutputSize);
            int last = layers.Length - 1;
            double[] output = a[last + 1];
            int n = output.Length;

            // ∂L/∂a for the loss.
            var dA = new double[n];
            for (int j = 0; j < n; j++)
            {
                switch (arch.Loss)
                {
                    case LossFunction.MeanSquaredError:
                        loss += 0.5 * (output[j] - y[j]) * (output[j] - y[j]);
                        dA[j] = output[j] - y[j];
                        break;
                    case LossFunction.CrossEntropy:
                        loss -= y[j] * Math.Log(output[j]);
                        dA[j] = -y[j] / output[j];
                        break;
                    case LossFunction.BinaryCrossEntropy:
                        loss -= y[j] * Math.Log(output[j]) + (1.0 - y[j]) * Math.Log(1 - output[j]); // 1.0: in double, not float
                        dA[j] = -(y[j] / output[j] - (1.0 - y[j]) / (1 - output[j]));
                        break;
                }
            }

            // δ of the output layer through the activation's Jacobian.
            var delta = new double[n];
            if (layers[last].Kind == LayerKind.Softmax)
            {
                for (int j = 0; j < n; j++)
                    for (int k = 0; k < n; k++)
                        delta[j] += dA[k] * output[k] * ((j == k ? 1 : 0) - output[j]);
            }
            else
            {
                for (int j = 0; j < n; j++) delta[j] = dA[j] * FPrime(layers[last].Activation, z[last][j], layers[last].NegativeSlope);
            }

            for (int l = last; l >= 0; l--)
            {
                LayerDescription layer = layers[l];
                var next = new double[layer.Inputs];
                if (layer.IsSpatial)
                {
                    SpatialBackward(layer, p, a[l], a[l + 1], delta, next, grad, batch);
                }
                else
                {
                    for (int o = 0; o < layer.Outputs; o++)
                    {
                        grad[layer.BiasOffset + o] += delta[o] / batch;
                        for (int i = 0; i < layer.Inputs; i++) grad[layer.WeightOffset + o * layer.Inputs + i] += delta[o] * a[l][i] / batch;
                    }
                    for (int i = 0; i < layer.Inputs; i++)
                    {
                        double s2 = 0;
                        for (int o = 0; o < layer.Outputs; o++) s2 += p[layer.WeightOffset + o * layer.Inputs + i] * delta[o];
                        next[i] = s2;
                    }
                }
                if (l == 0) break;
                LayerDescription below = layers[l - 1];
                for (int i = 0; i < layer.Inputs; i++) next[i] *= FPrime(below.Activation, z[l - 1][i], below.NegativeSlope);
                delta = next;
            }
        }
        return (loss / batch, grad);
    }

    /// <summary>Index of (channel, row, column) in a C·H·W sample.</summary>
    private static int At(TensorShape shape, int c, int y, int x) => (c * shape.Height + y) * shape.Width + x;

    /// <summary>
    /// A convolution's pre-activations, or a pooling's or flatten's outputs, for one sample in PyTorch's C·H·W order,
    /// straight from the definitions: <c>z[o, oy, ox] = b[o] + Σ_c Σ_ky Σ_kx W[o, c, ky, kx] · x[c, oy·s − p + ky, ox·s − p + kx]</c>
    /// (zero outside the input), the maximum, the mean, <c>√(Σ h²)</c> over a window, or over a group of maps.
    /// </summary>
    private static void SpatialForward(LayerDescription layer, ReadOnlySpan<double> p, double[] x, double[] z)
    {
        TensorShape i = layer.InputShape, o = layer.OutputShape;
        if (layer.Kind == LayerKind.Flatten)
        {
            Array.Copy(x, z, x.Length);
            return;
        }
        for (int c = 0; c < o.Channels; c++)
        for (int oy = 0; oy < o.Height; oy++)
        for (int ox = 0; ox < o.Width; ox++)
        {
            double value;
            switch (layer.Kind)
            {
                case LayerKind.Conv2D:
                    value = p[layer.BiasOffset + c];
                    for (int ic = 0; ic < i.Channels; ic++)
                    for (int ky = 0; ky < layer.Window.Height; ky++)
                    for (int kx = 0; kx < layer.Window.Width; kx++)
                    {
                        int iy = oy * layer.Stride.Height - layer.Padding.Height + ky, ix = ox * layer.Stride.Width - layer.Padding.Width + kx;
                        if (iy < 0 || iy >= i.Height || ix < 0 || ix >= i.Width) continue;
                        value += p[layer.WeightOffset + ((c * i.Channels + ic) * layer.Window.Height + ky) * layer.Window.Width + kx] * x[At(i, ic, iy, ix)];
                    }
                    break;
                case LayerKind.FeatureL2Pool:
                    value = 0;
                    for (int g = 0; g < layer.GroupSize; g++) value += Math.Pow(x[At(i, c * layer.GroupSize + g, oy, ox)], 2);
                    value = Math.Sqrt(value);
                    break;
                default:
                    value = layer.Kind == LayerKind.MaxPool2D ? double.NegativeInfinity : 0;
                    foreach (int at in Window(layer, c, oy, ox))
                    {
                        value = layer.Kind switch
                        {
                            LayerKind.MaxPool2D => Math.Max(value, x[at]),
                            LayerKind.AvgPool2D => value + x[at],
                            _ => value + x[at] * x[at],
                        };
                    }
                    int count = layer.Window.Height * layer.Window.Width;
                    if (layer.Kind == LayerKind.AvgPool2D) value /= count;
                    if (layer.Kind == LayerKind.L2Pool2D) value = Math.Sqrt(value);
                    break;
            }
            z[At(o, c, oy, ox)] = value;
        }
    }

    /// <summary>The input indices of a pooling window, in raster order.</summary>
    private static System.Collections.Generic.IEnumerable<int> Window(LayerDescription layer, int c, int oy, int ox)
    {
        for (int ky = 0; ky < layer.Window.Height; ky++)
        for (int kx = 0; kx < layer.Window.Width; kx++)
            yield return At(layer.InputShape, c, oy * layer.Stride.Height + ky, ox * layer.Stride.Width + kx);
    }

    /// <summary>
    /// From ∂L/∂z of a layer over feature maps (<paramref name="delta"/>): its parameters' gradient (added, divided by the
    /// batch) and ∂L/∂x (<paramref name="dx"/>): the first maximum of a window in raster order takes a max pooling's
    /// gradient, every input a mean's 1/K share, an L2 norm's inputs x/y of it (none where y is 0).
    /// </summary>
    private static void SpatialBackward(LayerDescription layer, ReadOnlySpan<double> p, double[] x, double[] y, double[] delta, double[] dx, double[] grad, int batch)
    {
        TensorShape i = layer.InputShape, o = layer.OutputShape;
        if (layer.Kind == LayerKind.Flatten)
        {
            Array.Copy(delta, dx, delta.Length);
            return;
        }
        for (int c = 0; c < o.Channels; c++)
        for (int oy = 0; oy < o.Height; oy++)
        for (int ox = 0; ox < o.Width; ox++)
        {
            double d = delta[At(o, c, oy, ox)], output = y[At(o, c, oy, ox)];
            switch (layer.Kind)
            {
                case LayerKind.Conv2D:
                    grad[layer.BiasOffset + c] += d / batch;
                    for (int ic = 0; ic < i.Channels; ic++)
                    for (int ky = 0; ky < layer.Window.Height; ky++)
                    for (int kx = 0; kx < layer.Window.Width; kx++)
                    {
                        int iy = oy * layer.Stride.Height - layer.Padding.Height + ky, ix = ox * layer.Stride.Width - layer.Padding.Width + kx;
                        if (iy < 0 || iy >= i.Height || ix < 0 || ix >= i.Width) continue;
                        int w = layer.WeightOffset + ((c * i.Channels + ic) * layer.Window.Height + ky) * layer.Window.Width + kx;
                        grad[w] += d * x[At(i, ic, iy, ix)] / batch;
                        dx[At(i, ic, iy, ix)] += p[w] * d;
                    }
                    break;
                case LayerKind.FeatureL2Pool:
                    for (int g = 0; g < layer.GroupSize; g++)
                    {
                        int at = At(i, c * layer.GroupSize + g, oy, ox);
                        if (output != 0) dx[at] += d * x[at] / output;
                    }
                    break;
                case LayerKind.MaxPool2D:
                    int best = -1;
                    foreach (int at in Window(layer, c, oy, ox))
                        if (best < 0 || x[at] > x[best]) best = at;
                    dx[best] += d;
                    break;
                default:
                    int count = layer.Window.Height * layer.Window.Width;
                    foreach (int at in Window(layer, c, oy, ox))
                    {
                        if (layer.Kind == LayerKind.AvgPool2D) dx[at] += d / count;
                        else if (output != 0) dx[at] += d * x[at] / output;
                    }
                    break;
            }
        }
    }

    /// <summary>One-hot targets for labels (a single output takes the label itself as its target).</summary>
    public static float[] Targets(ReadOnlySpan<int> labels, int outputs)
    {
        var t = new float[labels.Length * outputs];
        for (int i = 0; i < labels.Length; i++)
        {
            if (outputs == 1) t[i] = labels[i];
            else t[i * outputs + labels[i]] = 1;
        }
        return t;
    }
}
