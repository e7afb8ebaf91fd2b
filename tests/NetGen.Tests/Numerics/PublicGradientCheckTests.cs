using System;
using System.Linq;
using NetGen.Tests.Networks;
using NetGen.Tests.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests.Numerics;

/// <summary>The public gradient check: it passes correct networks, finds a wrong gradient, and leaves the network as it was.</summary>
public class PublicGradientCheckTests(ITestOutputHelper output)
{
    private static readonly int[] Labels = { 0, 1, 2, 3, 4, 1, 3 };

    [Fact]
    public void ADoubleNetworkAgreesToATenThousandthOfAPercent()
    {
        var net = new OddSoftmaxNetDouble(3);
        double[] x = Seeded.Floats(7 * OddSoftmaxNetDouble.InputSize, 2).Select(v => (double)v).ToArray();
        double[] before = net.Parameters.ToArray();
        GradientCheckResult r = GradientCheck.Compare(net, x, Labels);
        output.WriteLine($"double: worst {r.WorstRelativeDifference:E2} at {r.ParameterIndex} ({r.Analytic:E4} vs {r.Numeric:E4}) over {r.ParametersChecked}");
        Assert.Equal(OddSoftmaxNetDouble.ParameterCount, r.ParametersChecked);
        Assert.InRange(r.WorstRelativeDifference, 0, 1e-5);
        Assert.Equal(before, net.Parameters.ToArray()); // restored to the bit
        double[] gradient = net.Gradients.ToArray();
        net.ComputeGradients(x, Labels);
        Assert.Equal(net.Gradients.ToArray(), gradient); // the gradient at the original parameters
    }

    [Fact]
    public void AFloatNetworkWithDropoutAgreesWithinFloatRounding()
    {
        var net = new DropNet(3);
        float[] x = Seeded.Floats(7 * DropNet.InputSize, 2);
        GradientCheckResult r = GradientCheck.Compare(net, x, Labels);
        output.WriteLine($"float, dropout: worst {r.WorstRelativeDifference:E2} at {r.ParameterIndex} ({r.Analytic:E4} vs {r.Numeric:E4}) over {r.ParametersChecked}");
        Assert.InRange(r.WorstRelativeDifference, 0, 0.1);
    }

    [Fact]
    public void TargetsAndASampleOfTheParameters()
    {
        var net = new SeedNetDoubleProxy().Network;
        double[] x = Seeded.Floats(3 * OddSoftmaxNetDouble.InputSize, 4).Select(v => (double)v).ToArray();
        double[] t = Seeded.Floats(3 * OddSoftmaxNetDouble.OutputSize, 5).Select(v => (double)Math.Abs(v)).ToArray();
        GradientCheckResult r = GradientCheck.Compare(net, x, t, maxParameters: 100);
        Assert.Equal(100, r.ParametersChecked);
        Assert.InRange(r.WorstRelativeDifference, 0, 1e-5);
    }

    /// <summary>A network whose gradient is 1 % off at one parameter: the check must name it.</summary>
    private sealed class Skewed(INetwork<double> inner, int index) : INetwork<double>
    {
        public NetworkArchitecture Architecture => inner.Architecture;
        public int InputSize => inner.InputSize;
        public int OutputSize => inner.OutputSize;
        public Span<double> Parameters => inner.Parameters;
        public Span<double> Gradients => inner.Gradients;
        public void Forward(ReadOnlySpan<double> input, Span<double> output) => inner.Forward(input, output);
        public void ForwardBatch(ReadOnlySpan<double> inputs, Span<double> outputs) => inner.ForwardBatch(inputs, outputs);
        public INetwork<double> CreateReplica() => throw new NotSupportedException();

        public double ComputeGradients(ReadOnlySpan<double> inputs, ReadOnlySpan<int> labels)
        {
            double loss = inner.ComputeGradients(inputs, labels);
            inner.Gradients[index] *= 1.01;
            return loss;
        }

        public double ComputeGradients(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets) => throw new NotSupportedException();
    }

    [Fact]
    public void AGradientOnePercentOffIsFoundAtItsParameter()
    {
        var net = new OddSoftmaxNetDouble(3);
        double[] x = Seeded.Floats(7 * OddSoftmaxNetDouble.InputSize, 2).Select(v => (double)v).ToArray();
        net.ComputeGradients(x, Labels);
        double[] g = net.Gradients.ToArray();
        int largest = Array.IndexOf(g, g.MaxBy(Math.Abs));
        GradientCheckResult r = GradientCheck.Compare(new Skewed(net, largest), x, Labels);
        Assert.Equal(largest, r.ParameterIndex);
        Assert.InRange(r.WorstRelativeDifference, 0.0098, 0.0100);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientCheck.Compare(net, x, Labels, maxParameters: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientCheck.Compare(net, x, Labels, epsilon: -1));
        Assert.Throws<ArgumentException>(() => GradientCheck.Compare(net, x.AsSpan(1), Labels));
    }

    private sealed class SeedNetDoubleProxy
    {
        public INetwork<double> Network { get; } = new OddSoftmaxNetDouble(8);
    }
}
