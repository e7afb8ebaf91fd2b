using System.IO;
using System.Linq;
using NetGen;
using ScottPlot;

namespace NetGen.Samples.FashionMnist;

/// <summary>The training curves as a picture (--plot): losses on the left axis, accuracies on the right, one point per epoch.</summary>
internal static class TrainingCurves
{
    public static void Save(TrainingHistory history, string path)
    {
        double[] epochs = history.Select(h => (double)h.Epoch).ToArray();
        var plot = new Plot();
        plot.Title("Fashion-MNIST training");
        plot.XLabel("epoch");
        plot.Axes.Left.Label.Text = "mean loss";
        plot.Axes.Right.Label.Text = "accuracy";

        void Curve(string label, double[] values, bool accuracy)
        {
            if (values.All(double.IsNaN)) return; // a set that was not given (no validation split, no test set)
            var line = plot.Add.Scatter(epochs, values);
            line.LegendText = label;
            line.MarkerSize = epochs.Length > 40 ? 0 : 4;
            if (accuracy)
            {
                line.Axes.YAxis = plot.Axes.Right;
                line.LinePattern = LinePattern.Dashed;
            }
        }
        Curve("train loss", history.Select(h => h.TrainLoss).ToArray(), accuracy: false);
        Curve("validation loss", history.Select(h => h.ValidationLoss).ToArray(), accuracy: false);
        Curve("test loss", history.Select(h => h.TestLoss).ToArray(), accuracy: false);
        Curve("validation accuracy", history.Select(h => h.ValidationAccuracy).ToArray(), accuracy: true);
        Curve("test accuracy", history.Select(h => h.TestAccuracy).ToArray(), accuracy: true);
        plot.ShowLegend(Alignment.MiddleRight);

        // Draw to a temporary file and rename, so a failed write leaves no half picture.
        string temporary = path + ".tmp";
        plot.SavePng(temporary, 900, 540);
        File.Move(temporary, path, overwrite: true);
    }
}
