using System;
using System.Numerics;

namespace NetGen;

/// <summary>
/// The outcome of a <see cref="GradientCheck"/>: the parameter whose analytic gradient agrees worst with the centered
/// difference of the loss, and by how much.
/// </summary>
/// <param name="WorstRelativeDifference">|analytic − numeric| / max(|analytic|, |numeric|, floor) at the worst parameter.</param>
/// <param name="ParameterIndex">That parameter's index in <see cref="INetwork{T}.Parameters"/>.</param>
/// <param name="Analytic">Its gradient as the network computes it.</param>
/// <param name="Numeric">Its centered difference (L(θ + ε) − L(θ − ε)) / 2ε.</param>
/// <param name="ParametersChecked">How many parameters were compared.</param>
public readonly record struct GradientCheckResult(double WorstRelativeDifference, int ParameterIndex, double Analytic, double Numeric, int ParametersChecked);

/// <summary>
/// Gradient checking as the lecture notes teach it: every compared parameter is moved by ±ε, the network's own mean
/// loss is computed at both points, and the centered difference is compared with the gradient the network computes.
/// </summary>
/// <remarks>
/// <para>
/// Each comparison costs two passes over the batch, so a large network is checked at <c>maxParameters</c> evenly spaced
/// parameters (every weight matrix and bias is reached once there are more samples than layers). The differences are
/// taken in double; the loss itself is computed in the network's element type, so a float network's differences carry
/// float rounding: with the default ε = 10⁻³ they resolve gradient entries down to about 16 ulp(L)/2ε (about 10⁻³ for a
/// loss near 1), and a correct float network shows a worst relative difference below about 0.1. A double network
/// (ε = 10⁻⁵) resolves far finer and shows below about 10⁻⁵; for a precise check, declare a double twin of the
/// network with <see cref="ElementTypeAttribute"/>. Entries below that resolution, or below a thousandth of the largest
/// gradient entry, are compared relative to the larger of the two, so near-zero gradients do not dominate.
/// A ReLU or leaky ReLU unit whose input lies within ε of zero can show a large difference that is not an error.
/// </para>
/// <para>
/// Dropout masks are reseeded (<see cref="INetwork{T}.SeedDropout"/>) before every pass, so every loss sees the same
/// masks. The parameters are restored exactly, and <see cref="INetwork{T}.Gradients"/> holds the gradient at them.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var net = new XorNet(seed: 1);
/// GradientCheckResult r = GradientCheck.Compare(net, inputs, labels);
/// if (r.WorstRelativeDifference > 1e-2) Console.WriteLine($"parameter {r.ParameterIndex}: {r.Analytic} vs {r.Numeric}");
/// </code>
/// </example>
public static class GradientCheck
{
    private const int Seed = 0x5EED;

    /// <summary>Compares the gradient of the mean loss over a batch with class labels against centered differences.</summary>
    /// <param name="network">The network; its parameters are moved and restored.</param>
    /// <param name="inputs">Row-major samples.</param>
    /// <param name="labels">One class label per sample.</param>
    /// <param name="maxParameters">The most parameters compared; all of them when the network has no more.</param>
    /// <param name="epsilon">ε; by default 10⁻³ for float networks and 10⁻⁵ for double networks.</param>
    /// <exception cref="ArgumentException">The batch does not fit the network (as <see cref="INetwork{T}.ComputeGradients(ReadOnlySpan{T}, ReadOnlySpan{int})"/> says).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxParameters"/> or <paramref name="epsilon"/> is not positive.</exception>
    public static GradientCheckResult Compare<T>(INetwork<T> network, ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, int maxParameters = 2000, double? epsilon = null)
        where T : IFloatingPointIeee754<T>
        => Run(network, inputs, labels, default, useLabels: true, maxParameters, epsilon);

    /// <summary>Compares the gradient of the mean loss over a batch with target vectors against centered differences.</summary>
    /// <param name="network">The network; its parameters are moved and restored.</param>
    /// <param name="inputs">Row-major samples.</param>
    /// <param name="targets">Row-major targets, <c>[batch, OutputSize]</c>.</param>
    /// <param name="maxParameters">The most parameters compared; all of them when the network has no more.</param>
    /// <param name="epsilon">ε; by default 10⁻³ for float networks and 10⁻⁵ for double networks.</param>
    /// <exception cref="ArgumentException">The batch does not fit the network.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxParameters"/> or <paramref name="epsilon"/> is not positive.</exception>
    public static GradientCheckResult Compare<T>(INetwork<T> network, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int maxParameters = 2000, double? epsilon = null)
        where T : IFloatingPointIeee754<T>
        => Run(network, inputs, default, targets, useLabels: false, maxParameters, epsilon);

    private static GradientCheckResult Run<T>(INetwork<T> network, ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<T> targets,
        bool useLabels, int maxParameters, double? epsilon) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        if (maxParameters < 1) throw new ArgumentOutOfRangeException(nameof(maxParameters), maxParameters, "Expected at least one parameter to compare.");
        double eps = epsilon ?? (typeof(T) == typeof(float) ? 1e-3 : 1e-5);
        if (!(eps > 0) || !double.IsFinite(eps)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be a positive finite number.");

        T Loss(ReadOnlySpan<T> x, ReadOnlySpan<int> y, ReadOnlySpan<T> t)
        {
            network.SeedDropout(Seed);
            return useLabels ? network.ComputeGradients(x, y) : network.ComputeGradients(x, t);
        }

        double loss = Math.Abs(double.CreateTruncating(Loss(inputs, labels, targets)));
        T[] analytic = network.Gradients.ToArray();
        double largest = 0;
        foreach (T g in analytic) largest = Math.Max(largest, Math.Abs(double.CreateTruncating(g)));
        // What a centered difference can resolve: the loss is rounded to T's precision (and summed in it), so a
        // difference below a few units in the last place of L, over 2ε, is noise. Entries are compared relative to at
        // least that, and to at least a thousandth of the largest gradient entry.
        double ulp = 2 * (1 - double.CreateTruncating(T.BitDecrement(T.One))); // 2⁻²³ for float, 2⁻⁵² for double
        double noise = 16 * ulp * Math.Max(loss, 1e-30) / (2 * eps);
        double floor = Math.Max(Math.Max(1e-3 * largest, noise), 1e-300);

        Span<T> parameters = network.Parameters;
        int count = parameters.Length, checkedCount = Math.Min(count, maxParameters);
        var worst = new GradientCheckResult(0, -1, 0, 0, checkedCount);
        int moved = -1;
        T kept = T.Zero;
        try
        {
            for (int k = 0; k < checkedCount; k++)
            {
                int i = (int)((long)k * count / checkedCount); // evenly spaced, the first parameter included
                T original = kept = parameters[i];
                moved = i;
                T up = original + T.CreateTruncating(eps), down = original - T.CreateTruncating(eps);
                parameters[i] = up;
                double plus = double.CreateTruncating(Loss(inputs, labels, targets));
                parameters[i] = down;
                double minus = double.CreateTruncating(Loss(inputs, labels, targets));
                parameters[i] = original;
                moved = -1;
                // The step actually taken, in T: (θ + ε) − (θ − ε) rounded as T rounds it.
                double numeric = (plus - minus) / (double.CreateTruncating(up) - double.CreateTruncating(down));
                double a = double.CreateTruncating(analytic[i]);
                double relative = Math.Abs(a - numeric) / Math.Max(Math.Max(Math.Abs(a), Math.Abs(numeric)), floor);
                if (double.IsNaN(relative)) relative = double.PositiveInfinity;
                if (relative > worst.WorstRelativeDifference || worst.ParameterIndex < 0)
                    worst = new GradientCheckResult(relative, i, a, numeric, checkedCount);
            }
        }
        finally
        {
            if (moved >= 0) network.Parameters[moved] = kept;
            // Leave the gradient at the original parameters, as the first call computed it.
            Loss(inputs, labels, targets);
        }
        return worst;
    }
}
