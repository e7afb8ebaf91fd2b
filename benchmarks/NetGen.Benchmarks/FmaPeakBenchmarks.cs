using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using NetGen.CompilerServices;

namespace NetGen.Benchmarks;

/// <summary>
/// This core's peak fused multiply-add rate: 12 independent accumulator chains (enough to cover FMA latency on two
/// pipes), no memory traffic. Each benchmark's time is per floating-point operation (2 per lane per FMA), so
/// GFLOP/s = 1 / (ns per operation). Both benchmarks and <c>--gemm</c> run the loops as static methods that are never
/// inlined: on the Xeon this machine reported on 2026-12-02, the same <see cref="Vector512{T}"/> loop written in the
/// instance method read 973–1,016 GFLOP/s in <c>--gemm</c>, which no core can multiply (one dependent chain took 1.53 ns
/// per FMA, about 4 cycles at 2.6 GHz, so two FMA ports give about 166), against 155–157 as a static method in the same
/// kind of run; the listing of the instance method's loop showed the twelve FMAs, and the cause was not found.
/// </summary>
[SimpleJob(RunStrategy.Throughput, warmupCount: 3, iterationCount: 5)]
public class FmaPeakBenchmarks
{
    private const int Iterations = 100_000;
    private const int Chains = 12;

    /// <summary>Floating-point operations of one <see cref="Vector512Peak"/> call (2 per lane per FMA).</summary>
    public const double Vector512Flops = Iterations * Chains * 16 * 2.0;

    [Benchmark(Description = "Vector512 FMA", OperationsPerInvoke = Iterations * Chains * 16 * 2)]
    public float Vector512Peak() => Vector512Chains();

    /// <summary>The twelve <see cref="Vector512{T}"/> chains, <see cref="Vector512Flops"/> operations.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Vector512Chains()
    {
        Vector512<float> a = Vector512.Create(0.999f), b = Vector512.Create(1e-7f);
        Vector512<float> c0 = a, c1 = a * 2, c2 = a * 3, c3 = a * 4, c4 = a * 5, c5 = a * 6;
        Vector512<float> c6 = a * 7, c7 = a * 8, c8 = a * 9, c9 = a * 10, c10 = a * 11, c11 = a * 12;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b); c1 = Vector512.FusedMultiplyAdd(c1, a, b); c2 = Vector512.FusedMultiplyAdd(c2, a, b);
            c3 = Vector512.FusedMultiplyAdd(c3, a, b); c4 = Vector512.FusedMultiplyAdd(c4, a, b); c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b); c7 = Vector512.FusedMultiplyAdd(c7, a, b); c8 = Vector512.FusedMultiplyAdd(c8, a, b);
            c9 = Vector512.FusedMultiplyAdd(c9, a, b); c10 = Vector512.FusedMultiplyAdd(c10, a, b); c11 = Vector512.FusedMultiplyAdd(c11, a, b);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [Benchmark(Description = "Vector256 FMA", OperationsPerInvoke = Iterations * Chains * 8 * 2)]
    public float Vector256Peak() => Vector256Chains();

    /// <summary>Floating-point operations of one <see cref="Vector256Peak"/> call.</summary>
    public const double Vector256Flops = Iterations * Chains * 8 * 2.0;

    /// <summary>
    /// The peak loop of the widest vectors the hardware runs: <see cref="Vector512Chains"/> where <see cref="Vector512"/> is
    /// accelerated, <see cref="Vector256Chains"/> otherwise (with <c>DOTNET_EnableAVX512=0</c>, 512-bit vectors run emulated);
    /// its name and operations per call.
    /// </summary>
    public static (string Name, Func<float> Run, double Flops) Widest => Vector512.IsHardwareAccelerated
        ? ("FMA peak (12 Vector512 chains)", Vector512Chains, Vector512Flops)
        : ("FMA peak (12 Vector256 chains)", Vector256Chains, Vector256Flops);

    /// <summary>The twelve <see cref="Vector256{T}"/> chains, <see cref="Vector256Flops"/> operations.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Vector256Chains()
    {
        Vector256<float> a = Vector256.Create(0.999f), b = Vector256.Create(1e-7f);
        Vector256<float> c0 = a, c1 = a * 2, c2 = a * 3, c3 = a * 4, c4 = a * 5, c5 = a * 6;
        Vector256<float> c6 = a * 7, c7 = a * 8, c8 = a * 9, c9 = a * 10, c10 = a * 11, c11 = a * 12;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, a, b); c1 = Vector256.FusedMultiplyAdd(c1, a, b); c2 = Vector256.FusedMultiplyAdd(c2, a, b);
            c3 = Vector256.FusedMultiplyAdd(c3, a, b); c4 = Vector256.FusedMultiplyAdd(c4, a, b); c5 = Vector256.FusedMultiplyAdd(c5, a, b);
            c6 = Vector256.FusedMultiplyAdd(c6, a, b); c7 = Vector256.FusedMultiplyAdd(c7, a, b); c8 = Vector256.FusedMultiplyAdd(c8, a, b);
            c9 = Vector256.FusedMultiplyAdd(c9, a, b); c10 = Vector256.FusedMultiplyAdd(c10, a, b); c11 = Vector256.FusedMultiplyAdd(c11, a, b);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}

/// <summary>
/// This core's read bandwidth over a buffer the size of the seed network's weights (1.6 MB, past the per-core L2): the
/// bound on a single-sample forward pass, which reads every weight once. Time per byte, so GB/s = 1 / (ns per operation).
/// </summary>
[SimpleJob(RunStrategy.Throughput, warmupCount: 3, iterationCount: 5)]
public class ReadBandwidthBenchmarks
{
    private const int Floats = 397_510 - 397_510 % 64;
    private readonly NetGen.CompilerServices.AlignedBuffer<float> _buffer = new(Floats);

    [Benchmark(Description = "read 1.6 MB", OperationsPerInvoke = Floats * sizeof(float))]
    public float Read() => Sum(ref _buffer.Reference, Floats);

    /// <summary>The sum of <paramref name="floats"/> values (a multiple of 64) in four independent <see cref="Vector512{T}"/> chains: a pass that reads every byte once.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Sum(ref float p, int floats)
    {
        Vector512<float> a = default, b = default, c = default, d = default;
        for (int i = 0; i < floats; i += 64)
        {
            a += Vector512.LoadUnsafe(ref p, (nuint)i);
            b += Vector512.LoadUnsafe(ref p, (nuint)(i + 16));
            c += Vector512.LoadUnsafe(ref p, (nuint)(i + 32));
            d += Vector512.LoadUnsafe(ref p, (nuint)(i + 48));
        }
        return Vector512.Sum(a + b + c + d);
    }
}
