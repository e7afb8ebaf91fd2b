using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen;

namespace NetGen.Benchmarks;

/// <summary>
/// `--job [epochs] [momentum | adam] [data folder]`: the main job's training on one thread against two, epoch by epoch in
/// one process. Two copies of the main job's network (the seed network with dropout, from the same seed) train side by
/// side with the job's recipe — momentum 0.9, cosine decay from 0.02, L2 5e-5, batch 64, standardized Fashion-MNIST; with
/// `adam`, Adam with cosine decay from 1e-3 instead — each epoch one
/// <see cref="Trainer"/> epoch on each, in alternating order, so both see the same host. Separate runs of the job drift
/// with the host by as much as the difference being measured (docs/performance.md); here each pair of epochs runs
/// within a second or two. The two copies must end with the same bits (the layer cut's promise), and the command fails
/// if they do not.
/// </summary>
public static class JobRatio
{
    public static int Run(string[] args)
    {
        int epochs = 80;
        if (args.Length > 1 && (!int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out epochs) || epochs is < 1 or > 10_000))
        {
            Console.Error.WriteLine($"--job takes a number of epochs from 1 to 10000 (each way), got '{args[1]}'.");
            return 2;
        }
        bool adam = args.Length > 2 && args[2] == "adam";
        int next = args.Length > 2 && args[2] is "adam" or "momentum" ? 3 : 2;
        string folder = args.Length > next ? args[next] : "/usr/share/datasets/fashion-mnist";
        if (!NetGen.FashionMnist.IsAvailable(folder))
        {
            Console.Error.WriteLine($"Fashion-MNIST is not in {folder} (apt-get install dataset-fashion-mnist, or name the folder).");
            return 2;
        }
        var (train, test) = NetGen.FashionMnist.Load(folder);
        var standardizer = Standardizer.Fit(train);
        train = standardizer.Transform(train);
        test = standardizer.Transform(test);
        const int batch = 64;
        long steps = (long)(train.Count + batch - 1) / batch * epochs;
        var one = new SeedDropoutNet(1);
        var two = new SeedDropoutNet(1);
        Optimizer Recipe() => adam
            ? new Adam(SeedDropoutNet.Architecture, new CosineDecay(1e-3f, steps), l2: 5e-5f)
            : new Momentum(SeedDropoutNet.Architecture, new CosineDecay(0.02f, steps), momentum: 0.9f, l2: 5e-5f);
        Optimizer oneRule = Recipe(), twoRule = Recipe();
        double Epoch(INetwork net, IOptimizer rule, int threads, int epoch) =>
            new Trainer(net, rule, new TrainerOptions { Epochs = 1, BatchSize = batch, Seed = epoch, Threads = threads })
                .Fit(train).TrainSeconds;
        var ones = new List<double>();
        var twos = new List<double>();
        Console.WriteLine($"The main job's training{(adam ? " with Adam" : "")}, one thread against two, alternating epoch by epoch ({epochs} each):");
        for (int e = 1; e <= epochs; e++)
        {
            double a, b;
            if (e % 2 == 1) { a = Epoch(one, oneRule, 1, e); b = Epoch(two, twoRule, 2, e); }
            else { b = Epoch(two, twoRule, 2, e); a = Epoch(one, oneRule, 1, e); }
            ones.Add(a);
            twos.Add(b);
            if (e % 10 == 0 || e == epochs)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  epochs {e - (e - 1) % 10,3}–{e,3}: one thread {ones.Skip((e - 1) / 10 * 10).Sum():F2} s, two threads {twos.Skip((e - 1) / 10 * 10).Sum():F2} s"));
        }
        double sumOne = ones.Sum(), sumTwo = twos.Sum();
        double[] pairs = ones.Zip(twos, (a, b) => a / b).ToArray();
        bool same = one.Parameters.SequenceEqual(two.Parameters);
        EvaluationResult result = Evaluation.Evaluate(two, test);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"one thread {sumOne:F1} s, two threads {sumTwo:F1} s of training: {sumOne / sumTwo:F2}× " +
            $"(per pair of epochs: median {Timing.Median(pairs):F2}×, {pairs.Min():F2}–{pairs.Max():F2}×); " +
            $"same parameters to the bit: {(same ? "yes" : "NO")}; test accuracy {result.Accuracy:P2}"));
        return same ? 0 : 1;
    }
}
