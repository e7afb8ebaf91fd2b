using System;
using NetGen.Samples.FashionMnist;
var net = new FashionNet(1);
var x = new float[784]; var y = new float[10];
net.Forward(x, y);
Console.WriteLine(string.Join(",", y));
