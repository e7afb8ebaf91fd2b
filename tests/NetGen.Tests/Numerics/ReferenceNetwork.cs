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
                for (int o = 0; o < layer.Outputs; o++)
                {
                    grad[layer.BiasOffset + o] += delta[o] / batch;
                    for (int i = 0; i < layer.Inputs; i++) grad[layer.WeightOffset + o * layer.Inputs + i] += delta[o] * a[l][i] / batch;
                }
                if (l == 0) break;
                LayerDescription below = layers[l - 1];
                var next = new double[layer.Inputs];
                for (int i = 0; i < layer.Inputs; i++)
                {
                    double s2 = 0;
                    for (int o = 0; o < layer.Outputs; o++) s2 += p[layer.WeightOffset + o * layer.Inputs + i] * delta[o];
                    next[i] = s2 * FPrime(below.Activation, z[l - 1][i], below.NegativeSlope);
                }
                delta = next;
            }
        }
        return (loss / batch, grad);
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
