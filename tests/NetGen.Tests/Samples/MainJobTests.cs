using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Xunit;

namespace NetGen.Tests.Samples;

/// <summary>
/// The main job (samples/NetGen.FashionMnist) run as a user runs it: every problem ends in one line that names it and
/// the exit code that --help documents, never a stack trace, and before any training time is spent.
/// </summary>
public sealed class MainJobTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-job-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Out, string Error) Run(params string[] args)
    {
        string job = Path.Combine(AppContext.BaseDirectory, "NetGen.FashionMnist.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(job);
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "the job did not finish in two minutes");
        return (process.ExitCode, output.Result, error);
    }

    private static void AssertOneLineError(string error, string expected)
    {
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal)); // no stack trace
        Assert.Contains(lines, l => l.StartsWith("error: ", StringComparison.Ordinal) && l.Contains(expected, StringComparison.Ordinal));
    }

    /// <summary>A Fashion-MNIST-shaped folder: <paramref name="count"/> images of rows × columns, and labels 0–9.</summary>
    private string Data(int count, int rows = 28, int columns = 28)
    {
        void Write(string name, int[] dims, Func<int, byte> value)
        {
            long n = dims.Aggregate(1L, (a, d) => a * d);
            var bytes = new byte[4 + 4 * dims.Length + n];
            bytes[2] = 0x08;
            bytes[3] = (byte)dims.Length;
            for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
            for (int i = 0; i < n; i++) bytes[4 + 4 * dims.Length + i] = value(i);
            using var file = File.Create(Path.Combine(_folder, name));
            using var gz = new GZipStream(file, CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        Write("train-images-idx3-ubyte.gz", new[] { count, rows, columns }, i => (byte)(i * 31 % 251));
        Write("train-labels-idx1-ubyte.gz", new[] { count }, i => (byte)(i % 10));
        Write("t10k-images-idx3-ubyte.gz", new[] { count / 5, rows, columns }, i => (byte)(i * 17 % 253));
        Write("t10k-labels-idx1-ubyte.gz", new[] { count / 5 }, i => (byte)(i % 10));
        return _folder;
    }

    [Theory]
    [InlineData("1e-6")]
    [InlineData("0.999999")]
    [InlineData("1")]
    public void AValidationFractionThatLeavesASideEmptyIsRefusedAtParseTime(string fraction)
    {
        var (code, _, error) = Run("--validation", fraction);
        Assert.Equal(2, code);
        AssertOneLineError(error, $"--validation expects 0 or a fraction from 0.0001 to 0.9999 (both sides must keep samples), got '{fraction}'");
    }

    [Theory]
    [InlineData("--history", "h.csv", "history")]
    [InlineData("--checkpoint", "c.safetensors", "checkpoint")]
    public void AnOutputFileThatCannotBeWrittenIsRefusedBeforeTraining(string option, string file, string what)
    {
        string missing = Path.Combine(_folder, "missing", "folder", file);
        var (code, output, error) = Run(option, missing, "--data", Data(100));
        Assert.Equal(5, code);
        AssertOneLineError(error, $"cannot write the {what} to {missing}: the folder '{Path.GetDirectoryName(missing)}' does not exist");
        Assert.DoesNotContain("epoch", output);
        string folder = Directory.CreateDirectory(Path.Combine(_folder, "a-folder" + Path.GetExtension(file))).FullName;
        var (folderCode, _, folderError) = Run(option, folder, "--data", _folder);
        Assert.Equal(5, folderCode);
        AssertOneLineError(folderError, "it is a folder");
    }

    [Fact]
    public void ImagesOfAnotherSizeEndInOneLine()
    {
        var (code, _, error) = Run("--data", Data(100, rows: 28, columns: 27), "--epochs", "1");
        Assert.Equal(3, code);
        AssertOneLineError(error, "the training images have 756 pixels each; the network takes 784 (28 × 28)");
    }

    [Fact]
    public void ACorruptOrMissingDataFileEndsInOneLine()
    {
        Data(100);
        File.WriteAllBytes(Path.Combine(_folder, "t10k-labels-idx1-ubyte.gz"), new byte[] { 0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3 });
        var (code, _, error) = Run("--data", _folder);
        Assert.Equal(3, code);
        AssertOneLineError(error, "t10k-labels-idx1-ubyte.gz");
        File.Delete(Path.Combine(_folder, "t10k-labels-idx1-ubyte.gz"));
        (code, _, error) = Run("--data", _folder);
        Assert.Equal(3, code);
        AssertOneLineError(error, "Fashion-MNIST not found: " + Path.Combine(_folder, "t10k-labels-idx1-ubyte.gz") + " is missing");
    }

    [Theory]
    [InlineData("--epochs", "3", "--lecture")]
    [InlineData("--lecture", "--epochs", "3")]
    public void AnExplicitOptionWinsOverThePresetInEitherOrder(params string[] args)
    {
        var (code, output, error) = Run(args.Concat(new[] { "--data", Data(100), "--json" }).ToArray());
        Assert.True(code == 0, error);
        string json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Contains("\"epochs\":3", json);
        Assert.Contains("\"optimizer\":\"sgd\"", json); // the rest of the preset still applies
        Assert.Contains("\"batch_size\":20", json);
    }

    /// <summary>The default learning rate follows the optimizer's family: Adam's own 1e-3 unless the rate is given; a preset's while its family is kept.</summary>
    [Theory]
    [InlineData("\"learning_rate\":0.001", "--optimizer", "adam")]
    [InlineData("\"learning_rate\":0.001", "--optimizer", "adamw")]
    [InlineData("\"learning_rate\":0.005", "--optimizer", "adam", "--learning-rate", "0.005")]
    [InlineData("\"learning_rate\":0.02", "--optimizer", "nesterov")]
    [InlineData("\"learning_rate\":0.1", "--lecture", "--optimizer", "momentum")]
    [InlineData("\"learning_rate\":0.001", "--lecture", "--optimizer", "adam")]
    public void TheDefaultLearningRateFollowsTheOptimizer(string expected, params string[] args)
    {
        var (code, output, error) = Run(args.Concat(new[] { "--epochs", "1", "--data", Data(100), "--json" }).ToArray());
        Assert.True(code == 0, error);
        Assert.Contains(expected, output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    [Fact]
    public void MoreThreadsThanCoresAreCappedWithAWarning()
    {
        int asked = Environment.ProcessorCount + 3;
        var (code, output, error) = Run("--threads", asked.ToString(System.Globalization.CultureInfo.InvariantCulture), "--epochs", "1", "--data", Data(100));
        Assert.True(code == 0, error);
        Assert.Contains($"warning: --threads {asked} is more than the {Environment.ProcessorCount} cores this process may use; training on {Environment.ProcessorCount}.", error);
        Assert.Contains(Environment.ProcessorCount == 1 ? "one thread" : $"{Environment.ProcessorCount} threads", output);
    }

    /// <summary>
    /// Unless told otherwise, the job trains on the trainer's choice of cores: the dense network's layers cut across as
    /// many as its step gains from (both on a two-core machine), one thread with --threads 1.
    /// </summary>
    [Fact]
    public void TheJobTrainsOnEveryCoreUnlessToldOtherwise()
    {
        var (code, output, error) = Run("--epochs", "1", "--data", Data(100), "--json");
        Assert.True(code == 0, error);
        var network = new NetworkArchitecture(TensorShape.Vector(784), new[] { LayerDefinition.Dense(500, Activation.Tanh, dropout: 0.3f), LayerDefinition.Softmax(10) },
            LossFunction.CrossEntropy);
        int expected = LayerParallel.GainfulThreads(network, 64, Math.Min(256, Environment.ProcessorCount));
        if (Environment.ProcessorCount >= 2) Assert.InRange(expected, 2, Environment.ProcessorCount);
        Assert.Contains(expected == 1 ? "one thread)" : $"{expected} threads, layers cut across them)", output);
        Assert.Contains($"\"threads\":{expected},\"shard_rows\":null", output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        (code, output, error) = Run("--epochs", "1", "--threads", "1", "--data", _folder);
        Assert.True(code == 0, error);
        Assert.Contains("one thread", output);
    }

    [Fact]
    public void PlotDrawsTheTrainingCurvesAsAPng()
    {
        string picture = Path.Combine(_folder, "curves.png");
        var (code, output, error) = Run("--epochs", "2", "--validation", "0.2", "--plot", picture, "--data", Data(100));
        Assert.True(code == 0, error);
        Assert.Contains($"Training curves drawn in {picture}.", output);
        byte[] png = File.ReadAllBytes(picture);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.True(png.Length > 10_000, $"a {png.Length}-byte picture has no curves");
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Theory]
    [InlineData("--plot", "curves.jpg", "--plot expects a file name ending in .png, got 'curves.jpg'")]
    [InlineData("--optimizer", "adagrad", "--optimizer expects sgd, momentum, nesterov, adam or adamw, got 'adagrad'")]
    [InlineData("--momentum", "1", "--momentum expects a number in [0, 1), got '1'")]
    [InlineData("--epochs", "0", "--epochs expects an integer from 1 to 100000, got '0'")]
    [InlineData("--model", "resnet", "--model expects mlp or cnn, got 'resnet'")]
    public void ABadOptionValueIsRefusedWithWhatWasExpected(string option, string value, string expected)
    {
        var (code, output, error) = Run(option, value);
        Assert.Equal(2, code);
        AssertOneLineError(error, expected);
        Assert.DoesNotContain("epoch", output);
    }

    [Fact]
    public void TheConvolutionalModelTrainsWithItsOwnRecipe()
    {
        var (code, output, error) = Run("--model", "cnn", "--epochs", "1", "--data", Data(100), "--json");
        Assert.True(code == 0, error);
        Assert.Contains("1×28×28 → Conv2D(32, 3, stride 1, padding 1, ReLU)", output); // the architecture line
        string json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Contains("\"model\":\"cnn\"", json);
        Assert.Contains("\"optimizer\":\"adam\"", json);
        Assert.Contains("\"parameters\":421642", json);
        // The convolutional network in 32-row shards on every core a 64-row batch can use, by default.
        Assert.Contains($"\"threads\":{Math.Min(2, Environment.ProcessorCount)},\"shard_rows\":32", json);
        var (lectureCode, _, lectureError) = Run("--model", "cnn", "--lecture");
        Assert.Equal(2, lectureCode);
        AssertOneLineError(lectureError, "--lecture is the dense network's recipe; it does not apply to --model cnn");
    }
}
