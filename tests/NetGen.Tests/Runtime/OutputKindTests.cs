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

    private static Dataset Sine(int count, int seed)
    {
        var rng = new Random(seed);
        float[] x = Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 * Math.PI - Math.PI)).ToArray();
        return new Dataset(x, x.Select(v => MathF.Sin(v)).ToArray(), featureCount: 1);
    }

    [Fact]
    public void ARegressionNetworkLearnsSineThroughTheTrainerAndReportsItsError()
    {
        Dataset train = Sine(400, 1), validation = Sine(100, 2), test = Sine(100, 3);
        var net = new SineNet(1);
        var trainer = new Trainer(net, new Adam(net, 0.01f), new TrainerOptions
        {
            Epochs = 400, BatchSize = 20, Seed = 1, EarlyStopping = new EarlyStopping(Patience: 40),
        });
        TrainingHistory history = trainer.Fit(train, validation, test);
        EvaluationResult r = Evaluation.Evaluate(net, test);
        Assert.True(double.IsNaN(r.Accuracy), "regression has no accuracy");
        Assert.True(r.MeanLoss < 0.005, $"test loss ½(y − a)² = {r.MeanLoss} after {history.Count} epochs"); // RMS error below 0.1
        Assert.Equal(r.MeanLoss, history[history.BestEpoch - 1].TestLoss, 12);
        var output = new float[1];
        net.Forward(new[] { 1f }, output);
        Assert.InRange(output[0], MathF.Sin(1) - 0.1f, MathF.Sin(1) + 0.1f);
    }

    [Fact]
    public void OnlyNetworksWhoseOutputNamesAClassHavePredict()
    {
        // Decided when the network is generated: a linear output is a regression output, forward only.
        Assert.False(typeof(IClassifier<float>).IsAssignableFrom(typeof(SineNet)));
        Assert.Null(typeof(SineNet).GetMethod("Predict"));
        Assert.True(typeof(IClassifier<float>).IsAssignableFrom(typeof(XorNet))); // a single sigmoid: yes or no
        Assert.NotNull(typeof(XorNet).GetMethod("Predict"));
        Assert.True(typeof(IClassifier<float>).IsAssignableFrom(typeof(SeedNet))); // softmax
        Assert.True(typeof(IClassifier<double>).IsAssignableFrom(typeof(OddSoftmaxNetDouble)));
        Assert.False(typeof(IClassifier<double>).IsAssignableFrom(typeof(OddRegressionNetDouble)));
    }

    [Fact]
    public void TargetsTrainTheSameOnOneThreadAndTwo()
    {
        float[] Run(int threads)
        {
            var net = new SineNet(5);
            new Trainer(net, new Sgd(net, 0.05f), new TrainerOptions { Epochs = 3, BatchSize = 32, Seed = 2, Threads = threads, ShardRows = 8 })
                .Fit(Sine(200, 4));
            return net.Parameters.ToArray();
        }
        Assert.Equal(Run(1), Run(2));
    }

    [Fact]
    public void ADataSetOfTargetsKeepsThemThroughSplitsSubsetsScalingAndMinibatches()
    {
        float[] x = { 1, 2, 3, 4, 5, 6, 7, 8 }, y = { 10, 11, 20, 21, 30, 31, 40, 41 };
        var data = new Dataset(x, y, featureCount: 2);
        Assert.False(data.HasLabels);
        Assert.Equal((4, 2, 2, 0), (data.Count, data.FeatureCount, data.TargetCount, data.ClassCount));
        Assert.Equal(new float[] { 30, 31 }, data.GetTargets(2).ToArray());
        Dataset subset = data.Subset(new[] { 3, 0 });
        Assert.Equal(new float[] { 40, 41, 10, 11 }, subset.Targets.ToArray());
        Dataset scaled = Standardizer.Fit(data).Transform(data);
        Assert.Equal(y, scaled.Targets.ToArray());
        var (a, b) = data.Split(0.5, seed: 1);
        Assert.Equal(y.OrderBy(v => v), a.Targets.ToArray().Concat(b.Targets.ToArray()).OrderBy(v => v));
        var sampler = new MinibatchSampler(data, 3, seed: 1);
        Minibatch batch = sampler.GetBatch(0);
        Assert.Equal(3, batch.Count);
        Assert.Equal(6, batch.Targets.Length);
        Assert.True(batch.Labels.IsEmpty);
        Assert.Throws<ArgumentException>(() => new Dataset(x, new float[] { 1, 2, 3 }, featureCount: 2));
        Assert.Throws<ArgumentException>(() => new Dataset(x, y, featureCount: 3));
        var e = Assert.Throws<ArgumentException>(() => new Trainer(new SineNet(1), new Sgd(new SineNet(1), 0.1f), new TrainerOptions()).Fit(data));
        Assert.Contains("The training set has 2 features per sample, but SineNet takes 1 inputs", e.Message);
        var wide = new Dataset(new float[] { 1, 2 }, new float[] { 1, 2, 3, 4 }, featureCount: 1);
        e = Assert.Throws<ArgumentException>(() => new Trainer(new SineNet(1), new Sgd(new SineNet(1), 0.1f), new TrainerOptions()).Fit(wide));
        Assert.Contains("The training set has 2 targets per sample, but SineNet has 1 outputs", e.Message);
    }
}
