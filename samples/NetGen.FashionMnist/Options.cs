using System;
using System.Globalization;

namespace NetGen.Samples.FashionMnist;

/// <summary>Command-line options of the main job; parsing never throws, it returns an error message.</summary>
internal sealed record Options
{
    public int Epochs { get; init; } = 50;
    public int BatchSize { get; init; } = 20;
    public float LearningRate { get; init; } = 0.1f;
    public float Decay { get; init; } = 1e-5f;
    public float L2 { get; init; } = 1e-5f;
    public int Seed { get; init; } = 1;
    public bool Json { get; init; }
    public bool Help { get; init; }
    public string DataDirectory { get; init; } = NetGen.FashionMnist.DefaultDirectory;

    public const string Usage = """
        Trains the lecture notes' network (784 → 500 tanh → softmax 10, NLL, L2) on Fashion-MNIST.

        Usage: NetGen.FashionMnist [options]
          --epochs N           passes over the 60,000 training images (default 50)
          --batch-size N       minibatch size (default 20; 1 = online SGD, 60000 = full batch)
          --learning-rate X    μ₀ of the schedule μ₀/(1+d·t), t in steps (default 0.1)
          --decay X            d of that schedule (default 1e-5)
          --l2 X               L2 weight decay λ on weights, not biases (default 1e-5)
          --seed N             seed for initialization and minibatch order (default 1)
          --data DIR           data directory (default /usr/share/datasets/fashion-mnist)
          --json               end with one JSON object on the last line
          --help               show this text
        """;

    public static (Options? Options, string? Error) Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h") return (o with { Help = true }, null);
            if (arg == "--json") { o = o with { Json = true }; continue; }
            if (!arg.StartsWith("--", StringComparison.Ordinal)) return (null, $"unexpected argument '{arg}'");
            if (i + 1 >= args.Length) return (null, $"option {arg} needs a value");
            string value = args[++i];
            string? error = null;
            switch (arg)
            {
                case "--epochs": o = o with { Epochs = PositiveInt(arg, value, 100_000, ref error) }; break;
                case "--batch-size": o = o with { BatchSize = PositiveInt(arg, value, 1_000_000, ref error) }; break;
                case "--seed":
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed)) error = $"--seed expects an integer, got '{value}'";
                    o = o with { Seed = seed };
                    break;
                case "--learning-rate": o = o with { LearningRate = Number(arg, value, positive: true, ref error) }; break;
                case "--decay": o = o with { Decay = Number(arg, value, positive: false, ref error) }; break;
                case "--l2": o = o with { L2 = Number(arg, value, positive: false, ref error) }; break;
                case "--data": o = o with { DataDirectory = value }; break;
                default: return (null, $"unknown option '{arg}'");
            }
            if (error is not null) return (null, error);
        }
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
