using System;
using System.Globalization;

namespace NetGen.Samples.FashionMnist;

/// <summary>Command-line options of the main job; parsing never throws, it returns an error message.</summary>
internal sealed record Options
{
    public int Epochs { get; init; } = 80;
    public int BatchSize { get; init; } = 64;
    public string Optimizer { get; init; } = "momentum";
    public float LearningRate { get; init; } = 0.02f;
    public float Momentum { get; init; } = 0.9f;
    public string Schedule { get; init; } = "cosine";
    public float Decay { get; init; } = 1e-5f;
    public float L2 { get; init; } = 5e-5f;
    public float L1 { get; init; }
    public float? Clip { get; init; }
    public bool Dropout { get; init; } = true;
    public bool Standardize { get; init; } = true;
    public double Validation { get; init; }
    public int? Patience { get; init; }
    public int Seed { get; init; } = 1;
    public int Threads { get; init; } = 1;
    public bool Json { get; init; }
    public bool Confusion { get; init; }
    public string? History { get; init; }
    public string? Checkpoint { get; init; }
    public bool Help { get; init; }
    public string DataDirectory { get; init; } = DebianFashionMnist.Directory;

    public const string Usage = """
        Trains the lecture notes' network (784 → 500 tanh → softmax 10, NLL, L2) on Fashion-MNIST.
        The defaults are the best recipe found: momentum SGD, cosine schedule, standardized inputs, dropout 0.3.
        --lecture gives the notes' plain recipe instead: SGD, batch 20, μ₀/(1+d·t), raw pixels, no dropout.

        Usage: NetGen.FashionMnist [options]
          --epochs N           passes over the training images (default 80)
          --batch-size N       minibatch size (default 64; 1 = online SGD, 60000 = full batch)
          --optimizer NAME     sgd | momentum | nesterov | adam | adamw (default momentum)
          --learning-rate X    initial learning rate μ₀ (default 0.02)
          --momentum X         momentum μ for momentum/nesterov (default 0.9)
          --schedule NAME      constant | inverse (μ₀/(1+d·t), t in steps) | step (×0.5 every 10 epochs)
                               | cosine (to 0 over all epochs) (default cosine)
          --decay X            d of the inverse schedule (default 1e-5)
          --l2 X               L2 penalty λ on weights, not biases (AdamW: decoupled decay) (default 5e-5)
          --l1 X               L1 penalty on weights (default 0)
          --clip X             clip gradients to global norm X (default off)
          --no-dropout         train the network without dropout (default: dropout 0.3 on the hidden layer)
          --no-standardize     feed raw pixels in [0, 1] (default: standardized with training-set mean and std)
          --lecture            the notes' recipe: --optimizer sgd --batch-size 20 --learning-rate 0.1
                               --schedule inverse --l2 1e-5 --no-dropout --no-standardize --epochs 50
          --validation X       hold out fraction X of the training set (the notes use 0.2) (default 0)
          --patience N         early stopping on validation loss after N epochs without improvement,
                               restoring the best epoch (needs --validation)
          --seed N             seed for initialization, dropout, split and minibatch order (default 1)
          --threads N          train on N threads (default 1). SGD and momentum (the default recipe and
                               --lecture) cut every layer across the threads: the same result as one
                               thread. Adam, and batches over 256, cut each batch into 32-row shards
                               instead: any N > 1 gives the same result
          --history FILE       write the per-epoch history (.csv, or .json)
          --checkpoint FILE    keep the best epoch's parameters in FILE as safetensors (the latest epoch
                               without --patience); PyTorch loads it into the equivalent nn.Sequential
          --confusion          print the test confusion matrix with precision and recall
          --data DIR           data directory (default /usr/share/datasets/fashion-mnist)
          --json               end with one JSON object on the last line
          --help               show this text

        Options given explicitly win over --lecture, whatever their order.
        Exit codes: 0 trained; 2 bad options; 3 a data problem (missing, corrupt or mismatched files);
        4 training diverged; 5 an output file (history, checkpoint) cannot be written.
        """;

    /// <summary>The lecture notes' plain recipe (--lecture): a preset that explicit options override.</summary>
    private static readonly Options Lecture = new()
    {
        Optimizer = "sgd", BatchSize = 20, LearningRate = 0.1f, Schedule = "inverse", L2 = 1e-5f, Dropout = false, Standardize = false, Epochs = 50,
    };

    /// <summary>The smallest and largest validation fraction: both sides keep at least 6 of Fashion-MNIST's 60,000 images.</summary>
    public const double MinValidation = 1e-4, MaxValidation = 1 - 1e-4;

    public static (Options? Options, string? Error) Parse(string[] args)
    {
        // A preset first, then every explicit option over it, so that `--epochs 3 --lecture` runs 3 epochs.
        var o = Array.IndexOf(args, "--lecture") >= 0 ? Lecture : new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--help" or "-h": return (o with { Help = true }, null);
                case "--json": o = o with { Json = true }; continue;
                case "--no-dropout": o = o with { Dropout = false }; continue;
                case "--no-standardize": o = o with { Standardize = false }; continue;
                case "--lecture": continue; // applied first, above
                case "--confusion": o = o with { Confusion = true }; continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal)) return (null, $"unexpected argument '{arg}'");
            if (i + 1 >= args.Length) return (null, $"option {arg} needs a value");
            string value = args[++i];
            string? error = null;
            switch (arg)
            {
                case "--epochs": o = o with { Epochs = PositiveInt(arg, value, 100_000, ref error) }; break;
                case "--batch-size": o = o with { BatchSize = PositiveInt(arg, value, 1_000_000, ref error) }; break;
                case "--patience": o = o with { Patience = PositiveInt(arg, value, 100_000, ref error) }; break;
                case "--threads": o = o with { Threads = PositiveInt(arg, value, 256, ref error) }; break;
                case "--seed":
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed)) error = $"--seed expects an integer, got '{value}'";
                    o = o with { Seed = seed };
                    break;
                case "--optimizer":
                    if (value is not ("sgd" or "momentum" or "nesterov" or "adam" or "adamw")) error = $"--optimizer expects sgd, momentum, nesterov, adam or adamw, got '{value}'";
                    o = o with { Optimizer = value };
                    break;
                case "--schedule":
                    if (value is not ("constant" or "inverse" or "step" or "cosine")) error = $"--schedule expects constant, inverse, step or cosine, got '{value}'";
                    o = o with { Schedule = value };
                    break;
                case "--learning-rate": o = o with { LearningRate = Number(arg, value, positive: true, ref error) }; break;
                case "--momentum":
                    o = o with { Momentum = Number(arg, value, positive: false, ref error) };
                    if (error is null && o.Momentum >= 1) error = $"--momentum expects a number in [0, 1), got '{value}'";
                    break;
                case "--decay": o = o with { Decay = Number(arg, value, positive: false, ref error) }; break;
                case "--l2": o = o with { L2 = Number(arg, value, positive: false, ref error) }; break;
                case "--l1": o = o with { L1 = Number(arg, value, positive: false, ref error) }; break;
                case "--clip": o = o with { Clip = Number(arg, value, positive: true, ref error) }; break;
                case "--validation":
                    o = o with { Validation = Number(arg, value, positive: false, ref error) };
                    if (error is null && o.Validation != 0 && !(o.Validation >= MinValidation && o.Validation <= MaxValidation))
                        error = $"--validation expects 0 or a fraction from {MinValidation} to {MaxValidation} (both sides must keep samples), got '{value}'";
                    break;
                case "--history":
                    if (!value.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !value.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                        error = $"--history expects a file name ending in .csv or .json, got '{value}'";
                    o = o with { History = value };
                    break;
                case "--checkpoint": o = o with { Checkpoint = value }; break;
                case "--data": o = o with { DataDirectory = value }; break;
                default: return (null, $"unknown option '{arg}'");
            }
            if (error is not null) return (null, error);
        }
        if (o.Patience is not null && o.Validation == 0) return (null, "--patience needs a validation split (--validation 0.2, for example)");
        return (o, null);
    }

    private static int PositiveInt(string name, string value, int max, ref string? error)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 1 || n > max)
            error = $"{name} expects an integer from 1 to {max}, got '{value}'";
        return n;
    }

    private static float Number(string name, string value, bool positive, ref string? error)
    {
        if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) || !float.IsFinite(x) || x < 0 || (positive && x == 0))
            error = $"{name} expects a {(positive ? "positive" : "non-negative")} number, got '{value}'";
        return x;
    }
}
