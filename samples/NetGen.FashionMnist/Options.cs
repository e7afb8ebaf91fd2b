using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Linq;

namespace NetGen.Samples.FashionMnist;

/// <summary>Command-line options of the main job, parsed by System.CommandLine; parsing never throws, it returns an error message.</summary>
internal sealed record Options
{
    public string Model { get; init; } = "mlp";
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
    /// <summary>--threads, or null: the trainer chooses (every core where the result stays the same on any machine).</summary>
    public int? Threads { get; init; }
    public bool Json { get; init; }
    public bool Confusion { get; init; }
    public string? History { get; init; }
    public string? Checkpoint { get; init; }
    public string? Plot { get; init; }
    public bool Help { get; init; }
    public string DataDirectory { get; init; } = DebianFashionMnist.Directory;

    /// <summary>The lecture notes' plain recipe (--lecture): a preset that explicit options override.</summary>
    private static readonly Options Lecture = new()
    {
        Optimizer = "sgd", BatchSize = 20, LearningRate = 0.1f, Schedule = "inverse", L2 = 1e-5f, Dropout = false, Standardize = false, Epochs = 50,
    };

    /// <summary>The convolutional network's recipe (--model cnn): Adam at 1e-3 to 0 over the epochs, batch 64, dropout 0.3 before the output.</summary>
    private static readonly Options Cnn = new()
    {
        Model = "cnn", Optimizer = "adam", LearningRate = 1e-3f, Schedule = "cosine", L2 = 0f, Epochs = 8,
    };

    /// <summary>The smallest and largest validation fraction: both sides keep at least 6 of Fashion-MNIST's 60,000 images.</summary>
    public const double MinValidation = 1e-4, MaxValidation = 1 - 1e-4;

    private static readonly Options Defaults = new();

    private static readonly Option<string> ModelOption = OneOf("--model",
        "mlp (784 → 500 tanh → softmax 10, the lecture's) | cnn (two 3×3 convolutions of 32 and 64 filters with ReLU and 2×2 max pooling → 128 ReLU → softmax 10) (default mlp)",
        "mlp", "cnn");
    private static readonly Option<int> EpochsOption = PositiveInt("--epochs", "N", 100_000, "passes over the training images (default 80; 50 with --lecture; 8 with --model cnn)");
    private static readonly Option<int> BatchSizeOption = PositiveInt("--batch-size", "N", 1_000_000, "minibatch size (default 64; 1 = online SGD, 60000 = full batch)");
    private static readonly Option<string> OptimizerOption = OneOf("--optimizer", "sgd | momentum | nesterov | adam | adamw (default momentum)", "sgd", "momentum", "nesterov", "adam", "adamw");
    private static readonly Option<float> LearningRateOption = Number("--learning-rate", positive: true,
        "initial learning rate μ₀ (default 0.02; 0.1 with --lecture; 1e-3 for adam and adamw, and with --model cnn)");
    private static readonly Option<float> MomentumOption = Number("--momentum", positive: false, "momentum μ for momentum and nesterov, in [0, 1) (default 0.9)", below: 1);
    private static readonly Option<string> ScheduleOption = OneOf("--schedule",
        "constant | inverse (μ₀/(1+d·t), t in steps) | step (×0.5 every 10 epochs) | cosine (to 0 over all epochs) (default cosine)",
        "constant", "inverse", "step", "cosine");
    private static readonly Option<float> DecayOption = Number("--decay", positive: false, "d of the inverse schedule (default 1e-5)");
    private static readonly Option<float> L2Option = Number("--l2", positive: false, "L2 penalty λ on weights, not biases (AdamW: decoupled decay) (default 5e-5)");
    private static readonly Option<float> L1Option = Number("--l1", positive: false, "L1 penalty on weights (default 0)");
    private static readonly Option<float> ClipOption = Number("--clip", positive: true, "clip gradients to global norm X (default off)");
    private static readonly Option<bool> NoDropoutOption = new("--no-dropout") { Description = "train without dropout (default: dropout 0.3 on the hidden layer)" };
    private static readonly Option<bool> NoStandardizeOption = new("--no-standardize") { Description = "feed raw pixels in [0, 1] (default: standardized with the training set's mean and std)" };
    private static readonly Option<bool> LectureOption = new("--lecture")
    {
        Description = "the notes' recipe: --optimizer sgd --batch-size 20 --learning-rate 0.1 --schedule inverse --l2 1e-5 " +
                      "--no-dropout --no-standardize --epochs 50; options given explicitly win over it, whatever their order",
    };
    private static readonly Option<double> ValidationOption = new("--validation")
    {
        HelpName = "X",
        Description = "hold out fraction X of the training set (the notes use 0.2) (default 0)",
        CustomParser = result =>
        {
            string value = result.Tokens[0].Value;
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !(x == 0 || (x >= MinValidation && x <= MaxValidation)))
                result.AddError($"--validation expects 0 or a fraction from {MinValidation} to {MaxValidation} (both sides must keep samples), got '{value}'");
            return x;
        },
    };
    private static readonly Option<int> PatienceOption = PositiveInt("--patience", "N", 100_000,
        "early stopping on validation loss after N epochs without improvement, restoring the best epoch (needs --validation)");
    private static readonly Option<int> SeedOption = new("--seed")
    {
        HelpName = "N",
        Description = "seed for initialization, dropout, split and minibatch order (default 1)",
        CustomParser = result =>
        {
            string value = result.Tokens[0].Value;
            if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed)) result.AddError($"--seed expects an integer, got '{value}'");
            return seed;
        },
    };
    private static readonly Option<int> ThreadsOption = PositiveInt("--threads", "N", 256,
        "train on N threads (default: the trainer's choice of the " + Math.Min(256, Environment.ProcessorCount) + " cores here). " +
        "The dense network's steps cut every layer across the threads (with --clip too): the same result as one thread; by " +
        "default on as many cores as the step gains from. --model cnn cuts each batch into shards instead (half the batch up to " +
        "64 rows, 32 rows above, 256 over 256), by default on a core per shard (one core for batches of 6 rows or fewer): " +
        "any N, 1 included, gives the same result");
    private static readonly Option<string> HistoryOption = FileOption("--history", "FILE", "write the per-epoch history (.csv, or .json)", ".csv", ".json");
    private static readonly Option<string> CheckpointOption = FileOption("--checkpoint", "FILE",
        "keep the best epoch's parameters in FILE as safetensors (the latest epoch without --patience); " +
        "PyTorch loads it into the equivalent nn.Sequential");
    private static readonly Option<string> PlotOption = FileOption("--plot", "FILE.png",
        "draw the training curves (loss and accuracy per epoch) as a PNG picture", ".png");
    private static readonly Option<bool> ConfusionOption = new("--confusion") { Description = "print the test confusion matrix with precision and recall" };
    private static readonly Option<string> DataOption = new("--data") { HelpName = "DIR", Description = $"data directory (default {DebianFashionMnist.Directory})" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "end with one JSON object on the last line" };

    private static readonly RootCommand Command = new(
        """
        Trains the lecture notes' network (784 → 500 tanh → softmax 10, NLL, L2) on Fashion-MNIST.
        The defaults are the best recipe found: momentum SGD, cosine schedule, standardized inputs, dropout 0.3.
        --lecture gives the notes' plain recipe instead: SGD, batch 20, μ₀/(1+d·t), raw pixels, no dropout.
        --model cnn trains the convolutional network instead: Adam 1e-3 with a cosine schedule, batch 64, 8 epochs.

        Exit codes: 0 trained; 2 bad options; 3 a data problem (missing, corrupt or mismatched files);
        4 training diverged; 5 an output file (history, checkpoint, plot) cannot be written.
        """)
    {
        ModelOption, EpochsOption, BatchSizeOption, OptimizerOption, LearningRateOption, MomentumOption, ScheduleOption, DecayOption, L2Option, L1Option,
        ClipOption, NoDropoutOption, NoStandardizeOption, LectureOption, ValidationOption, PatienceOption, SeedOption, ThreadsOption,
        HistoryOption, CheckpointOption, PlotOption, ConfusionOption, DataOption, JsonOption,
    };

    /// <summary>
    /// The preset's rate while the optimizer is of the preset's family; otherwise the chosen family's usual one: Adam's
    /// steps are scaled per parameter, so the 0.02 of the default recipe's momentum would make them 20 times too long
    /// (in the main job, `--optimizer adam --epochs 3` at 0.02 reached 83.93 %).
    /// </summary>
    private static float DefaultLearningRate(Options preset, string optimizer)
    {
        static bool IsAdam(string name) => name is "adam" or "adamw";
        if (IsAdam(optimizer) == IsAdam(preset.Optimizer)) return preset.LearningRate;
        return IsAdam(optimizer) ? 1e-3f : Defaults.LearningRate;
    }

    /// <summary>Writes the generated help text (options, defaults, exit codes) to standard output.</summary>
    public static void WriteHelp() => Command.Parse("--help").Invoke();

    public static (Options? Options, string? Error) Parse(string[] args)
    {
        ParseResult r = Command.Parse(args);
        if (r.Errors.Count > 0) return (null, r.Errors[0].Message);
        if (r.Action is System.CommandLine.Help.HelpAction) return (new Options { Help = true }, null);

        // A preset first, then every explicit option over it, so that `--epochs 3 --lecture` runs 3 epochs.
        bool cnn = r.GetValue(ModelOption) == "cnn";
        if (cnn && r.GetValue(LectureOption)) return (null, "--lecture is the dense network's recipe; it does not apply to --model cnn");
        Options preset = cnn ? Cnn : r.GetValue(LectureOption) ? Lecture : Defaults;
        T Get<T>(Option<T> option, T fallback) => r.GetResult(option) is { Implicit: false } ? r.GetValue(option)! : fallback;
        var o = new Options
        {
            Model = preset.Model,
            Epochs = Get(EpochsOption, preset.Epochs),
            BatchSize = Get(BatchSizeOption, preset.BatchSize),
            Optimizer = Get(OptimizerOption, preset.Optimizer),
            LearningRate = Get(LearningRateOption, DefaultLearningRate(preset, Get(OptimizerOption, preset.Optimizer))),
            Momentum = Get(MomentumOption, preset.Momentum),
            Schedule = Get(ScheduleOption, preset.Schedule),
            Decay = Get(DecayOption, preset.Decay),
            L2 = Get(L2Option, preset.L2),
            L1 = Get(L1Option, preset.L1),
            Clip = r.GetResult(ClipOption) is { Implicit: false } ? r.GetValue(ClipOption) : preset.Clip,
            Dropout = preset.Dropout && !r.GetValue(NoDropoutOption),
            Standardize = preset.Standardize && !r.GetValue(NoStandardizeOption),
            Validation = Get(ValidationOption, preset.Validation),
            Patience = r.GetResult(PatienceOption) is { Implicit: false } ? r.GetValue(PatienceOption) : preset.Patience,
            Seed = Get(SeedOption, preset.Seed),
            Threads = r.GetResult(ThreadsOption) is { Implicit: false } ? r.GetValue(ThreadsOption) : preset.Threads,
            Json = r.GetValue(JsonOption),
            Confusion = r.GetValue(ConfusionOption),
            History = r.GetValue(HistoryOption),
            Checkpoint = r.GetValue(CheckpointOption),
            Plot = r.GetValue(PlotOption),
            DataDirectory = r.GetValue(DataOption) ?? preset.DataDirectory,
        };
        if (o.Patience is not null && o.Validation == 0) return (null, "--patience needs a validation split (--validation 0.2, for example)");
        return (o, null);
    }

    private static Option<int> PositiveInt(string name, string helpName, int max, string description) => new(name)
    {
        HelpName = helpName,
        Description = description,
        CustomParser = result =>
        {
            string value = result.Tokens[0].Value;
            if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 1 || n > max)
                result.AddError($"{name} expects an integer from 1 to {max}, got '{value}'");
            return n;
        },
    };

    private static Option<float> Number(string name, bool positive, string description, float below = float.PositiveInfinity) => new(name)
    {
        HelpName = "X",
        Description = description,
        CustomParser = result =>
        {
            string value = result.Tokens[0].Value;
            if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) || !float.IsFinite(x) || x < 0 || (positive && x == 0))
                result.AddError($"{name} expects a {(positive ? "positive" : "non-negative")} number, got '{value}'");
            else if (x >= below)
                result.AddError($"{name} expects a number in [0, {below.ToString(CultureInfo.InvariantCulture)}), got '{value}'");
            return x;
        },
    };

    /// <summary>An option naming a file, which must end in one of <paramref name="extensions"/> when any are given.</summary>
    private static Option<string> FileOption(string name, string helpName, string description, params string[] extensions)
    {
        var option = new Option<string>(name) { HelpName = helpName, Description = description };
        if (extensions.Length == 0) return option;
        option.Validators.Add(result =>
        {
            string value = result.Tokens[0].Value;
            if (!extensions.Any(e => value.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                result.AddError($"{name} expects a file name ending in {string.Join(" or ", extensions)}, got '{value}'");
        });
        return option;
    }

    private static Option<string> OneOf(string name, string description, params string[] names)
    {
        var option = new Option<string>(name) { HelpName = "NAME", Description = description };
        option.Validators.Add(result =>
        {
            string value = result.Tokens[0].Value;
            if (!names.Contains(value))
                result.AddError($"{name} expects {string.Join(", ", names[..^1])} or {names[^1]}, got '{value}'");
        });
        return option;
    }
}
