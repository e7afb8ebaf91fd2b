using System;
using System.Linq;
using NetGen.CompilerServices;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Runtime;

/// <summary>
/// Networks whose output is not a softmax: a single sigmoid predicts 1 at ½ and above, evaluation reports the loss the
/// network trains with (whatever it is), and early stopping can watch that loss.
/// </summary>
public class OutputKindTests
{
    private static readonly float[] X = { 0, 0, 0, 1, 1, 0, 1, 1 };
    private static readonly int[] Y = { 0, 1, 1, 0 };

    [Fact]
    public void ASingleSigmoidXorNetworkPredictsEvaluatesAndStopsEarlyOnItsLoss()
    {
        var data = new Dataset(X, Y, featureCount: 2, classCount: 2);
        var net = new XorNet(3);
        var trainer = new Trainer(net, new Sgd(net, 0.5f), new TrainerOptions
        {
            Epochs = 3000, BatchSize = 4, Seed = 1, EarlyStopping = new EarlyStopping(Patience: 100),
        });
        TrainingHistory history = trainer.Fit(data, validation: data);
        Assert.True(history.BestEpoch > 100, $"best epoch {history.BestEpoch}: the validation loss did not guide early stopping");
        for (int i = 0; i < 4; i++) Assert.Equal(Y[i], net.Predict(X.AsSpan(2 * i, 2)));
        EvaluationResult r = Evaluation.Evaluate(net, data);
        Assert.Equal(1.0, r.Accuracy);
        Assert.True(double.IsFinite(r.MeanLoss) && r.MeanLoss < 0.1, $"loss {r.MeanLoss}");
        Assert.Equal(r.MeanLoss, history[history.BestEpoch - 1].ValidationLoss, 12);
        var matrix = ConfusionMatrix.Compute(net, data);
        Assert.Equal(2, matrix[0, 0]);
        Assert.Equal(2, matrix[1, 1]);
    }

    public static TheoryData<string> Networks() => new() { "softmax, cross-entropy", "sigmoid outputs, binary cross-entropy", "identity output, MSE", "tanh output, MSE", "single sigmoid" };

    [Theory]
    [MemberData(nameof(Networks))]
    public void EvaluationReportsTheLossTheNetworkTrainsWith(string which)
    {
        INetwork net = which switch
        {
            "softmax, cross-entropy" => new OddSoftmaxNet(2),
            "sigmoid outputs, binary cross-entropy" => new MultiLabelNet(2),
            "identity output, MSE" => new OddRegressionNet(2),
            "tanh output, MSE" => new TanhOutputNet(2),
            _ => new XorNet(2),
        };
        int rows = 30, classes = net.OutputSize == 1 ? 2 : net.OutputSize;
        float[] x = Seeded.Floats(rows * net.InputSize, 11);
        int[] y = Enumerable.Range(0, rows).Select(i => i * 7 % classes).ToArray();
        double trained = net.ComputeGradients(x, y); // the training loss, from pre-activations where the loss needs them
        double evaluated = Evaluation.Evaluate(net, new Dataset(x, y, net.InputSize, classes)).MeanLoss;
        Assert.True(Math.Abs(trained - evaluated) <= 1e-5 * Math.Max(1, Math.Abs(trained)), $"{which}: trained {trained}, evaluated {evaluated}");
    }
}
