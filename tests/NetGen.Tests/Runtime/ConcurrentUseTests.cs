using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Runtime;

/// <summary>
/// <see cref="LayerParallel"/> and <see cref="DataParallel"/> are not thread-safe; a second thread that calls in while
/// a first is inside gets an <see cref="InvalidOperationException"/> saying so, and the instance stays usable.
/// </summary>
public class ConcurrentUseTests
{
    /// <summary>A schedule that holds the step that asks for its rate until released: the first caller is then inside.</summary>
    private sealed class Gate : ILearningRateSchedule, IDisposable
    {
        private readonly ManualResetEventSlim _entered = new(), _release = new();
        public bool Hold { get; set; } = true;

        public float GetLearningRate(long step, int epoch)
        {
            if (Hold)
            {
                _entered.Set();
                _release.Wait(TimeSpan.FromSeconds(30));
            }
            return 0.05f;
        }

        public void WaitUntilEntered() => Assert.True(_entered.Wait(TimeSpan.FromSeconds(30)), "the first step never asked for its rate");

        public void Release() => _release.Set();

        public void Dispose()
        {
            _entered.Dispose();
            _release.Dispose();
        }
    }

    private static void SecondCallerIsRefused(Func<ReadOnlySpan<float>, ReadOnlySpan<int>, IOptimizer, float> step, string type)
    {
        float[] x = Seeded.Floats(8 * BlockedNet.InputSize, 5);
        int[] y = Enumerable.Range(0, 8).ToArray();
        using var gate = new Gate();
        var held = new Sgd(BlockedNet.Architecture, gate);
        Task<float> first = Task.Run(() => step(x, y, held));
        gate.WaitUntilEntered();
        var other = new Sgd(BlockedNet.Architecture, new ConstantLearningRate(0.05f));
        var e = Assert.Throws<InvalidOperationException>(() => step(x, y, other));
        Assert.Contains($"This {type} is already running a call on another thread", e.Message);
        Assert.Equal(0, other.StepCount);
        gate.Release();
        Assert.True(float.IsFinite(first.Result));
        gate.Hold = false;
        Assert.True(float.IsFinite(step(x, y, other))); // still usable
        Assert.Equal(1, other.StepCount);
    }

    [Fact]
    public void LayerParallelRefusesASecondThread()
    {
        using var team = new LayerParallel(new BlockedNet(3), 2);
        SecondCallerIsRefused((x, y, o) => team.TrainStep(x, y, o), nameof(LayerParallel));
    }

    [Fact]
    public void DataParallelRefusesASecondThread()
    {
        using var parallel = new DataParallel(new BlockedNet(3), 2, shardRows: 4);
        SecondCallerIsRefused((x, y, o) => parallel.TrainStep(x, y, o), nameof(DataParallel));
    }
}
