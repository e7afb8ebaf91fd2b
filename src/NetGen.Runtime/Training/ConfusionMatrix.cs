using System;
using System.Globalization;
using System.Text;
using NetGen.CompilerServices;

namespace NetGen;

/// <summary>Counts of (actual, predicted) class pairs, with accuracy and per-class precision and recall.</summary>
public sealed class ConfusionMatrix
{
    private readonly int[] _counts;

    /// <summary>An empty matrix over <paramref name="classes"/> classes.</summary>
    public ConfusionMatrix(int classes)
    {
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "There must be at least one class.");
        ClassCount = classes;
        _counts = new int[classes * classes];
    }

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>Number of samples counted.</summary>
    public int Total { get; private set; }

    /// <summary>How many samples of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted] => _counts[actual * ClassCount + predicted];

    /// <summary>Counts one prediction.</summary>
    public void Add(int actual, int predicted)
    {
        if ((uint)actual >= (uint)ClassCount || (uint)predicted >= (uint)ClassCount)
            throw new ArgumentOutOfRangeException(nameof(actual), $"Classes must lie in [0, {ClassCount}); got actual {actual}, predicted {predicted}.");
        _counts[actual * ClassCount + predicted]++;
        Total++;
    }

    /// <summary>Fraction of samples on the diagonal.</summary>
    public double Accuracy
    {
        get
        {
            long diagonal = 0;
            for (int c = 0; c < ClassCount; c++) diagonal += this[c, c];
            return Total == 0 ? double.NaN : (double)diagonal / Total;
        }
    }

    /// <summary>Of the samples predicted as <paramref name="c"/>, the fraction that are <paramref name="c"/> (NaN if none were).</summary>
    public double Precision(int c)
    {
        long predicted = 0;
        for (int a = 0; a < ClassCount; a++) predicted += this[a, c];
        return predicted == 0 ? double.NaN : (double)this[c, c] / predicted;
    }

    /// <summary>Of the samples of class <paramref name="c"/>, the fraction predicted as <paramref name="c"/> (NaN if there were none).</summary>
    public double Recall(int c)
    {
        long actual = 0;
        for (int p = 0; p < ClassCount; p++) actual += this[c, p];
        return actual == 0 ? double.NaN : (double)this[c, c] / actual;
    }

    /// <summary>Runs a classifier over a data set and counts its predictions.</summary>
    public static ConfusionMatrix Compute(IInferenceNetwork network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (!data.HasLabels) throw new ArgumentException("A confusion matrix needs a data set of class labels; this one holds targets.", nameof(data));
        var matrix = new ConfusionMatrix(Math.Max(network.OutputSize == 1 ? 2 : network.OutputSize, data.ClassCount));
        Evaluation.ForEachOutput(network, data, (row, sample) => matrix.Add(data.Labels[sample], LossMath.PredictedClass(row)));
        return matrix;
    }

    /// <summary>The matrix as a table, rows actual, columns predicted, with recall and precision.</summary>
    public string ToString(string[]? classNames)
    {
        var sb = new StringBuilder();
        string Name(int c) => classNames is not null && c < classNames.Length ? classNames[c] : c.ToString(CultureInfo.InvariantCulture);
        sb.Append(CultureInfo.InvariantCulture, $"{"actual \\ predicted",-20}");
        for (int p = 0; p < ClassCount; p++) sb.Append(CultureInfo.InvariantCulture, $"{Truncate(Name(p)),7}");
        sb.AppendLine("   recall");
        for (int a = 0; a < ClassCount; a++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{Truncate(Name(a), 20),-20}");
            for (int p = 0; p < ClassCount; p++) sb.Append(CultureInfo.InvariantCulture, $"{this[a, p],7}");
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"   {Recall(a):P1}"));
        }
        sb.Append(CultureInfo.InvariantCulture, $"{"precision",-20}");
        for (int p = 0; p < ClassCount; p++) sb.Append(string.Create(CultureInfo.InvariantCulture, $"{Precision(p) * 100,6:F1}%"));
        return sb.AppendLine().ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => ToString(null);

    private static string Truncate(string s, int width = 6) => s.Length <= width ? s : s[..width];
}
