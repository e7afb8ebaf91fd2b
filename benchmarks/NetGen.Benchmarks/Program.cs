using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(NetGen.Benchmarks.SeedNet).Assembly).Run(args);
