using BenchmarkDotNet.Running;
using NetGen.Benchmarks;

// `--guard`: the quick regression check CI runs (a ratio, never an absolute time: the median of three processes' readings,
// each from `--guard-once`).
if (args.Length > 0 && args[0] == "--guard") return RegressionGuard.Run(args);
if (args.Length > 0 && args[0] == "--guard-once") return RegressionGuard.RunOnce();
// `--write-baked [dir]`: the weights files the `-p:NetGenBaked=true` build bakes in (BakedNetworks.cs).
if (args.Length > 0 && args[0] == "--write-baked") return BakedWeightsFiles.Write(args.Length > 1 ? args[1] : "benchmarks/NetGen.Benchmarks/Model");
// `--peers`: NetGen's side of benchmarks/peers (one JSON line).
if (args.Length > 0 && args[0] == "--peers") return PeerProtocol.Run(cnnOnly: args.Length > 1 && args[1] == "cnn");
// `--scaling`: data-parallel training on one and two threads, interleaved.
if (args.Length > 0 && args[0] == "--scaling") return ParallelScaling.Run();
// `--placement [seconds]`: the main job's step cut across two threads, by where the machine puts the two cores.
if (args.Length > 0 && args[0] == "--placement") return CorePlacement.Run(args);
// `--job [epochs] [momentum | adam] [data folder]`: the main job's training on one thread against two, alternating epoch by epoch,
// with two one-thread trainings side by side as the host's ceiling.
if (args.Length > 0 && args[0] == "--job") return JobRatio.Run(args);
// `--cut [rounds] [targets]`: one thread against layers cut across two, per network and batch (where the automatic thread count cuts).
if (args.Length > 0 && args[0] == "--cut") return CutGain.Run(args);
// `--onnx [shape] [batch]`: the forward pass against ONNX Runtime, interleaved (see OnnxComparison).
if (args.Length > 0 && args[0] == "--onnx") return OnnxComparison.Run(args);

// Generated against composed training steps, alternating in one process (the convolutional network by default).
if (args.Length > 0 && args[0] == "--composed") return ComposedComparison.Run(args);
// `--kernels`: the convolutional network's layer kernels timed alone, per image.
if (args.Length > 0 && args[0] == "--kernels") return KernelTimings.Run();
// `--gemm [rows inputs outputs]`: the matrix-product kernels alone against the FMA peak, alternating in one process.
if (args.Length > 0 && args[0] == "--gemm") return GemmTimings.Run(args);
// `--training [batch ...]`: one thread's training step of the seed and wide networks against the FMA peak, alternating
// (batches 20, 64 and 256 unless given).
if (args.Length > 0 && args[0] == "--training") return TrainingPeak.Run(args[1..]);
// `--bandwidth`: one thread's read bandwidth over buffers the size of the seed network's weights and larger.
if (args.Length > 0 && args[0] == "--bandwidth") return ReadBandwidth.Run();
// `--loop forward|train|tanh ...`: one piece of work repeated for a profiler (see ProfileLoop).
if (args.Length > 0 && args[0] == "--loop") return ProfileLoop.Run(args);
BenchmarkSwitcher.FromAssembly(typeof(SeedNet).Assembly).Run(args);
return 0;
