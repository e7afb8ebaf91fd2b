using System;
using NetGen;
using static NetGen.Activation;

// Usage: NetGen.SaveLoop FILE
// Saves the seed-shaped network initialized from seed 1, then from seed 2, then 1 again, … into FILE until killed;
// prints "ready" once the first save is complete, so the test knows a good file exists before it kills.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: NetGen.SaveLoop FILE");
    return 2;
}
var networks = new INetwork[] { new LoopNet(1), new LoopNet(2) };
SafeTensors.Save(networks[0], args[0]);
Console.WriteLine("ready");
Console.Out.Flush();
for (long i = 1; ; i++) SafeTensors.Save(networks[i % 2], args[0]);

/// <summary>The seed network's shape: 1.6 MB a file, long enough to be killed in the middle of a write.</summary>
[Dense(784, 500, Tanh)]
[Softmax(10)]
internal partial class LoopNet;
