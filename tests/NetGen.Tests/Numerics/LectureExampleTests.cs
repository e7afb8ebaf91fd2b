using System;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Numerics;

/// <summary>
/// The lecture's worked example: x = 1, y = 1, two sigmoid hidden units with W1 = [0.3, 0.4], b1 = [0.1, 0.2],
/// one sigmoid output with W2 = [1, −3], b2 = [0.2], loss ½(y − a)².
/// </summary>
public class LectureExampleTests
{
    private static LectureNet Create()
    {
        var net = new LectureNet();
        // Layout: W1 [2, 1], b1 [2], W2 [1, 2], b2 [1].
        new float[] { 0.3f, 0.4f, 0.1f, 0.2f, 1f, -3f, 0.2f }.CopyTo(net.Parameters);
        return net;
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    [Fact]
    public void ForwardGivesTheWorkedOutput()
    {
        var net = Create();
        var output = new float[1];
        net.Forward(new[] { 1f }, output);
        Assert.Equal(0.24, output[0], 2);
        double a1 = Sigmoid(0.4), a2 = Sigmoid(0.6);
        Assert.Equal(Sigmoid(a1 - 3 * a2 + 0.2), output[0], 6);
    }

    [Fact]
    public void GradientsEqualTheHandDerivedFormulas()
    {
        var net = Create();
        float loss = net.ComputeGradients(new[] { 1f }, new[] { 1f });

        // Hand derivation, step by step as in the notes.
        double x = 1, y = 1;
        double z1 = 0.3 * x + 0.1, z2 = 0.4 * x + 0.2;
        double h1 = Sigmoid(z1), h2 = Sigmoid(z2);
        double zo = 1 * h1 - 3 * h2 + 0.2;
        double a = Sigmoid(zo);
        double deltaOut = (a - y) * a * (1 - a);
        Assert.Equal(-0.14, deltaOut, 2);
        double delta1 = 1 * deltaOut * h1 * (1 - h1);
        double delta2 = -3 * deltaOut * h2 * (1 - h2);

        Assert.Equal(0.5 * (y - a) * (y - a), loss, 6);
        double[] expected = { delta1 * x, delta2 * x, delta1, delta2, deltaOut * h1, deltaOut * h2, deltaOut };
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(net.Gradients[i] - expected[i]) <= 1e-6, $"gradient {i}: {net.Gradients[i]:R} vs {expected[i]:R}");
        // ∇b2 is the output delta itself.
        Assert.Equal(deltaOut, net.Gradients[6], 6);
    }
}
