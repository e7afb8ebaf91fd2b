using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests.Serialization;

/// <summary>
/// A process killed while it saves leaves the previous file or the new one, loadable, never a part of one: a child
/// (tests/NetGen.SaveLoop) saves two parameter sets in turn into one file and is killed at random moments.
/// </summary>
public sealed class KillTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-kill-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void AKilledSaveLeavesTheOldFileOrTheNewOne()
    {
        string path = Path.Combine(_folder, "model.safetensors");
        string child = Path.Combine(AppContext.BaseDirectory, "NetGen.SaveLoop.dll");
        Assert.True(File.Exists(child), $"{child} is missing: the tests project references tests/NetGen.SaveLoop to build it.");
        float[][] candidates = { new SeedNet(1).Parameters.ToArray(), new SeedNet(2).Parameters.ToArray() };
        var random = new Random(20261201);
        int[] seen = new int[2];
        for (int run = 0; run < 10; run++)
        {
            using var process = Process.Start(new ProcessStartInfo("dotnet", $"\"{child}\" \"{path}\"")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            Assert.Equal("ready", process.StandardOutput.ReadLine());
            System.Threading.Thread.Sleep(random.Next(0, 120));
            process.Kill();
            process.WaitForExit();

            var net = new SeedNet(3);
            SafeTensors.Load(net, path); // throws if the file is truncated or corrupt
            float[] loaded = net.Parameters.ToArray();
            int which = Array.FindIndex(candidates, c => c.AsSpan().SequenceEqual(loaded));
            Assert.True(which >= 0, $"run {run}: the file holds neither parameter set");
            seen[which]++;
        }
        output.WriteLine($"after 10 kills the file held the first set {seen[0]} times, the second {seen[1]} times; " +
                         $"temporary files left: {Directory.GetFiles(_folder, "*.tmp").Length}");
        // The next save removes what the killed ones left.
        SafeTensors.Save(new SeedNet(1), path);
        Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(_folder).Select(Path.GetFileName));
    }
}
