using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using NetGen;

namespace NetGen.Benchmarks;

/// <summary>
/// `--job [epochs] [momentum | adam] [data folder]`: the main job's training on one thread against two, epoch by epoch
/// in one process. Copies of the main job's network (the seed network with dropout, from the same seed) train with the
/// job's recipe — momentum 0.9, cosine decay from 0.02, L2 5e-5, batch 64, standardized Fashion-MNIST; with `adam`,
/// Adam with cosine decay from 1e-3 instead — each round one <see cref="Trainer"/> epoch of one copy on one thread and
/// one of another on two, so both see the same host. Separate runs of the job drift with the host by as much as the
/// difference being measured (docs/performance.md); here each round runs within a few seconds. A third leg measures
/// what the host's two cores give at best: two more copies each train the same epoch on one thread, side by side on two
/// threads of their own, and the pair's epoch counts as twice the work in the time the slower of the two took (the
/// host's ceiling for two cores on this job, which a step cut across them can approach but not pass). The three legs
/// run in rotating order. Every copy must end with the same bits (the layer cut's promise), and the command fails if
/// one does not. Each round is also classed by where the host put the two cores, from one cache line's round trip
/// between two threads before and after it (<see cref="CorePlacement"/>: near when both are under 150 ns, far when both
/// are over 200), and the ratios are printed per class. Before the timed rounds each leg's path runs once on throwaway
/// copies, so no leg pays alone for compiling the code they share.
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
        if (next == 2 && args.Length > 2 && !System.IO.Directory.Exists(folder))
        {
            Console.Error.WriteLine($"--job takes a recipe (momentum or adam), then a data folder; '{args[2]}' is neither a recipe nor a folder that exists.");
            return 2;
        }
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
        var left = new SeedDropoutNet(1);
        var right = new SeedDropoutNet(1);
        Optimizer Recipe() => adam
            ? new Adam(SeedDropoutNet.Architecture, new CosineDecay(1e-3f, steps), l2: 5e-5f)
            : new Momentum(SeedDropoutNet.Architecture, new CosineDecay(0.02f, steps), momentum: 0.9f, l2: 5e-5f);
        Optimizer oneRule = Recipe(), twoRule = Recipe(), leftRule = Recipe(), rightRule = Recipe();
        double Epoch(INetwork net, IOptimizer rule, int threads, int epoch, Dataset? data = null) =>
            new Trainer(net, rule, new TrainerOptions { Epochs = 1, BatchSize = batch, Seed = epoch, Threads = threads })
                .Fit(data ?? train).TrainSeconds;
        // The two independent copies start together on threads of their own; the pair's epoch ends with the slower one.
        double Side(int epoch, INetwork first, IOptimizer firstRule, INetwork second, IOptimizer secondRule, Dataset? data = null)
        {
            double seconds = 0;
            Exception? failure = null;
            var other = new Thread(() =>
            {
                try { seconds = Epoch(second, secondRule, 1, epoch, data); }
                catch (Exception e) { failure = e; }
            }) { IsBackground = true };
            other.Start();
            double mine = Epoch(first, firstRule, 1, epoch, data);
            other.Join();
            if (failure is not null) throw new InvalidOperationException("The second side-by-side training failed.", failure);
            return Math.Max(mine, seconds);
        }
        var ones = new List<double>();
        var twos = new List<double>();
        var sides = new List<double>();
        var places = new List<string>();
        Console.WriteLine($"The main job's training{(adam ? " with Adam" : "")}: one thread, two threads, and two one-thread " +
            $"trainings side by side (the host's ceiling), rotating epoch by epoch ({epochs} each):");
        // Every leg's path runs once before the timed rounds, on throwaway copies and a tenth of the data (94 steps each), so
        // the first timed round's first leg does not pay alone for compiling the code the legs share (the trainer, the
        // sampler, the network's kernels; about 0.3 s before this warm-up, when that leg was the two-thread one).
        Dataset part = train.Subset(Enumerable.Range(0, train.Count / 10).ToArray());
        Epoch(new SeedDropoutNet(2), Recipe(), 1, 0, part);
        Epoch(new SeedDropoutNet(2), Recipe(), 2, 0, part);
        Side(0, new SeedDropoutNet(2), Recipe(), new SeedDropoutNet(2), Recipe(), part);
        for (int e = 1; e <= epochs; e++)
        {
            double a = 0, b = 0, c = 0;
            double before = CorePlacement.RoundTrip(20);
            for (int leg = 0; leg < 3; leg++)
            {
                switch ((leg + e) % 3)
                {
                    case 0: a = Epoch(one, oneRule, 1, e); break;
                    case 1: b = Epoch(two, twoRule, 2, e); break;
                    default: c = Side(e, left, leftRule, right, rightRule); break;
                }
            }
            double after = CorePlacement.RoundTrip(20);
            ones.Add(a);
            twos.Add(b);
            sides.Add(c);
            places.Add(before < 150 && after < 150 ? "near" : before > 200 && after > 200 ? "far" : "mixed");
            if (e % 10 == 0 || e == epochs)
            {
                int from = (e - 1) / 10 * 10;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  epochs {from + 1,3}–{e,3}: one thread {ones.Skip(from).Sum():F2} s, two threads {twos.Skip(from).Sum():F2} s " +
                    $"({ones.Skip(from).Sum() / twos.Skip(from).Sum():F2}×), two side by side {sides.Skip(from).Sum():F2} s " +
                    $"({2 * ones.Skip(from).Sum() / sides.Skip(from).Sum():F2}×)"));
            }
        }
        double sumOne = ones.Sum(), sumTwo = twos.Sum(), sumSide = sides.Sum();
        double[] pairs = ones.Zip(twos, (a, b) => a / b).ToArray();
        double[] ceilings = ones.Zip(sides, (a, c) => 2 * a / c).ToArray();
        bool same = one.Parameters.SequenceEqual(two.Parameters) && one.Parameters.SequenceEqual(left.Parameters)
            && one.Parameters.SequenceEqual(right.Parameters);
        EvaluationResult result = Evaluation.Evaluate(two, test);
        double ratio = sumOne / sumTwo, ceiling = 2 * sumOne / sumSide;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"one thread {sumOne:F1} s, two threads {sumTwo:F1} s of training: {ratio:F2}× " +
            $"(per epoch: median {Timing.Median(pairs):F2}×, {pairs.Min():F2}–{pairs.Max():F2}×)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"two one-thread trainings side by side: {sumSide:F1} s for two epochs' work each time, {ceiling:F2}× one thread " +
            $"(per epoch: median {Timing.Median(ceilings):F2}×, {ceilings.Min():F2}–{ceilings.Max():F2}×); the layer cut reaches " +
            $"{ratio / ceiling:P1} of it"));
        foreach (string place in new[] { "near", "far", "mixed" })
        {
            int[] at = Enumerable.Range(0, epochs).Where(i => places[i] == place).ToArray();
            if (at.Length == 0) continue;
            double o = at.Sum(i => ones[i]), t = at.Sum(i => twos[i]), s = at.Sum(i => sides[i]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {place,-5} ({at.Length} rounds): one thread {o:F1} s, two threads {t:F1} s ({o / t:F2}×), side by side {2 * o / s:F2}×"));
        }
        Console.WriteLine($"same parameters to the bit, all four copies: {(same ? "yes" : "NO")}; test accuracy {result.Accuracy:P2}");
        return same ? 0 : 1;
    }
}
