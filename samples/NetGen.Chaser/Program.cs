using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using NetGen;
using NetGen.Samples.Chaser;

// NetGen.Chaser: a controller network steers an agent that chases a wandering target.
//   play  (default)  run the shipped controller (weights baked into this executable) against the expert it learned
//                    from and an idle agent, and measure the time per decision; --json adds a JSON line, --check
//                    fails unless the network catches at least 90 % of the expert's catches without allocating
//   train            fit the trainable twin to the expert and write Model/chaser.safetensors; rebuild to bake it in
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string command = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "play";
bool json = Array.IndexOf(args, "--json") >= 0;
bool check = Array.IndexOf(args, "--check") >= 0;
string? outPath = OptionValue(args, "--out");
switch (command)
{
    case "play":
        return Play(json, check);
    case "train":
        return Train(outPath ?? Path.Combine(ProjectDirectory(), "Model", "chaser.safetensors"));
    default:
        Console.Error.WriteLine($"error: unknown command '{command}'; expected play or train (options: --json, --check, --out FILE).");
        return 2;
}

static int Play(bool json, bool check)
{
    const int games = 5; // five games of one minute at 30 decisions per second
    var brain = new ChaserBrain();
    Span<float> action = stackalloc float[Arena.ActionSize];

    int expert = ChaserTraining.Play(null, games);
    int network = ChaserTraining.Play(brain, games);
    int idle = ChaserTraining.Play(new Idle(), games);

    // Time per decision: replay observations recorded in play, so the inputs are realistic.
    var recorded = new float[4096 * Arena.ObservationSize];
    var recorder = new Arena(seed: 7);
    for (int i = 0; i < 4096; i++)
    {
        recorder.Observe(recorded.AsSpan(i * Arena.ObservationSize, Arena.ObservationSize));
        Arena.Expert(recorded.AsSpan(i * Arena.ObservationSize, Arena.ObservationSize), action);
        recorder.Step(action);
    }
    for (int i = 0; i < 50_000; i++) brain.Forward(recorded.AsSpan(i % 4096 * Arena.ObservationSize, Arena.ObservationSize), action); // warm up (tiered JIT)
    const int decisions = 2_000_000;
    long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    long start = Stopwatch.GetTimestamp();
    for (int i = 0; i < decisions; i++)
        brain.Forward(recorded.AsSpan((i & 4095) * Arena.ObservationSize, Arena.ObservationSize), action);
    double meanNs = Stopwatch.GetElapsedTime(start).TotalNanoseconds / decisions;
    long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

    // Per-call distribution, each call timed on its own (includes the timer's own cost, measured alone below).
    var samples = new double[100_000];
    for (int i = 0; i < samples.Length; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        brain.Forward(recorded.AsSpan((i & 4095) * Arena.ObservationSize, Arena.ObservationSize), action);
        samples[i] = Stopwatch.GetElapsedTime(t0).TotalNanoseconds;
    }
    Array.Sort(samples);
    long timer0 = Stopwatch.GetTimestamp();
    for (int i = 0; i < samples.Length; i++) _ = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp());
    double timerNs = Stopwatch.GetElapsedTime(timer0).TotalNanoseconds / samples.Length;

    string runtime = System.Runtime.JitInfo.GetCompiledMethodCount() > 0 ? "JIT" : "NativeAOT"; // NativeAOT compiles nothing at run time
    Console.WriteLine($"NetGen.Chaser · {ChaserBrain.Architecture} · {ChaserBrain.ParameterCount} parameters baked in · {runtime}");
    Console.WriteLine($"catches in {games} one-minute games: network {network}, expert {expert}, idle {idle}");
    Console.WriteLine($"time per decision: mean {meanNs:F1} ns over {decisions:N0} decisions, {allocated} bytes allocated; " +
                      $"per call p50 {samples[samples.Length / 2]:F0} ns, p99 {samples[samples.Length * 99 / 100]:F0} ns (timer alone ≈ {timerNs:F0} ns)");
    if (json)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"runtime\":\"{runtime}\",\"network_catches\":{network},\"expert_catches\":{expert},\"idle_catches\":{idle},\"mean_ns_per_decision\":{meanNs:F1},\"p50_ns\":{samples[samples.Length / 2]:F0},\"p99_ns\":{samples[samples.Length * 99 / 100]:F0},\"bytes_allocated\":{allocated}}}"));
    }
    if (check && (network < expert * 9 / 10 || allocated != 0))
    {
        Console.Error.WriteLine($"check failed: expected the network to catch at least 90 % of the expert's {expert} with 0 bytes allocated per decision; found {network} catches and {allocated} bytes.");
        return 1;
    }
    if (check)
    {
        // Convolution and pooling, trained and run in this build (NativeAOT included).
        double sight = Vision.TrainAndTest(seed: 1);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sight: a convolutional network finds the target's quadrant in {sight:P1} of fresh views"));
        if (sight < 0.95)
        {
            Console.Error.WriteLine($"check failed: expected the convolutional network to find at least 95 % of the quadrants; found {sight:P1}.");
            return 1;
        }
    }
    return 0;
}

static int Train(string path)
{
    var clock = Stopwatch.StartNew();
    ChaserTraining.Result result = ChaserTraining.Fit(seed: 1);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    SafeTensors.Save(result.Network, path);
    Console.WriteLine($"trained {ChaserBrainTrainer.Architecture} on {result.Samples:N0} expert decisions for {result.Epochs} epochs in {clock.Elapsed.TotalSeconds:F1} s");
    Console.WriteLine($"mean squared error vs the expert on held-out observations: {result.HeldOutError:G4} (all zeros would give {result.ZeroError:G4})");
    Console.WriteLine($"catches in 5 games with the trained network: {result.Catches} (expert {result.ExpertCatches})");
    Console.WriteLine($"wrote {path}; rebuild to bake it into ChaserBrain");
    return 0;
}

static string? OptionValue(string[] args, string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string ProjectDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

/// <summary>The baseline that never accelerates.</summary>
internal sealed class Idle : IInferenceNetwork
{
    public NetworkArchitecture Architecture => ChaserBrain.Architecture;
    public int InputSize => Arena.ObservationSize;
    public int OutputSize => Arena.ActionSize;
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => output.Clear();
    public void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs) => outputs.Clear();
    public int Predict(ReadOnlySpan<float> input) => 0;
}
