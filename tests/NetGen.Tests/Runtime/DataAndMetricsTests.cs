using System;
using System.IO;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Runtime;

public class DataAndMetricsTests
{
    private static Dataset Small() => new(
        new float[] { 1, 5, 0, 2, 5, 0, 3, 5, 0, 4, 5, 0, 5, 5, 0 },
        new[] { 0, 1, 0, 1, 0 }, featureCount: 3, classCount: 2);

    [Fact]
    public void StandardizerFitsOnTrainOnlyAndGuardsConstantFeatures()
    {
        Dataset train = Small();
        var s = Standardizer.Fit(train);
        Assert.Equal(new[] { 3f, 5f, 0f }, s.Mean.ToArray());
        Dataset t = s.Transform(train);
        Assert.All(t.Features.ToArray(), v => Assert.True(float.IsFinite(v)));
        float[] first = t.Features.ToArray().Where((_, i) => i % 3 == 0).ToArray();
        Assert.Equal(0, first.Average(), 5);
        Assert.Equal(1, Math.Sqrt(first.Select(v => v * v).Average()), 5);
        // Constant features become exactly 0, not NaN.
        Assert.All(t.Features.ToArray().Where((_, i) => i % 3 != 0), v => Assert.Equal(0f, v));
        // Test data is transformed with the training statistics, not its own.
        var test = new Dataset(new float[] { 3, 7, 1 }, new[] { 0 }, 3, 2);
        Assert.Equal(new[] { 0f, 2f, 1f }, s.Transform(test).Features.ToArray());
        Assert.Throws<ArgumentException>(() => s.Transform(new Dataset(new float[2], new[] { 0 }, 2, 2)));
    }

    [Fact]
    public void MinMaxScalesToUnitRange()
    {
        var m = MinMaxScaler.Fit(Small());
        float[] t = m.Transform(Small()).Features.ToArray();
        Assert.Equal(new[] { 0f, 0.25f, 0.5f, 0.75f, 1f }, t.Where((_, i) => i % 3 == 0).ToArray());
        Assert.All(t.Where((_, i) => i % 3 != 0), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void OneHotEncodes()
    {
        Assert.Equal(new float[] { 0, 1, 0, 1, 0, 0, 0, 0, 1 }, OneHot.Encode(new[] { 1, 0, 2 }, 3));
        Assert.Throws<ArgumentException>(() => OneHot.Encode(new[] { 3 }, 3));
    }

    [Fact]
    public void SplitIsSeededDisjointAndEighty20()
    {
        var data = new Dataset(Enumerable.Range(0, 100).Select(i => (float)i).ToArray(), Enumerable.Range(0, 100).Select(i => i % 2).ToArray(), 1, 2);
        var (train, validation) = data.Split(0.2, seed: 3);
        Assert.Equal(80, train.Count);
        Assert.Equal(20, validation.Count);
        var all = train.Features.ToArray().Concat(validation.Features.ToArray()).OrderBy(v => v).ToArray();
        Assert.Equal(data.Features.ToArray(), all);
        Assert.Equal(validation.Features.ToArray(), data.Split(0.2, seed: 3).Validation.Features.ToArray());
        Assert.NotEqual(validation.Features.ToArray(), data.Split(0.2, seed: 4).Validation.Features.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(1.0, 1));
    }

    [Fact]
    public void CsvLoadsByLabelNameAndIndex()
    {
        const string csv = "a,b,label,c\n1,2,0,3\n4.5,-1e2,2,6\n";
        Dataset d = CsvLoader.Load(new StringReader(csv), "mem.csv", new CsvOptions { LabelColumn = "label" });
        Assert.Equal(3, d.FeatureCount);
        Assert.Equal(3, d.ClassCount);
        Assert.Equal(new[] { 0, 2 }, d.Labels.ToArray());
        Assert.Equal(new[] { 1f, 2, 3, 4.5f, -100, 6 }, d.Features.ToArray());
        Dataset e = CsvLoader.Load(new StringReader("1,2,1\n3,4,0\n"), "mem.csv", new CsvOptions { HasHeader = false });
        Assert.Equal(new[] { 1, 0 }, e.Labels.ToArray());
    }

    [Theory]
    [InlineData("a,b,label\n1,2,0\n3,x,1\n", "line 3, column 2: 'x' is not a finite number")]
    [InlineData("a,b,label\n1,2,0\n3,4\n", "line 3: expected 3 columns, found 2")]
    [InlineData("a,b,label\n1,2,0\n3,4,5,6\n", "line 3: expected 3 columns, found 4")]
    [InlineData("a,b,label\n1,2,zero\n", "line 2, column 3: the label 'zero' is not a non-negative integer")]
    [InlineData("a,b,label\n1,2,-1\n", "line 2, column 3: the label '-1'")]
    [InlineData("a,b,label\n1,NaN,1\n", "line 2, column 2: 'NaN' is not a finite number")]
    [InlineData("a,b,label\n", "no samples")]
    [InlineData("a,b,label\n1,2,2147483647\n", "line 2, column 3: label 2147483647 is above the largest class index supported, 1048575")]
    [InlineData("a,b,label\r\n1,2,0\r\n3,4,99999999999\r\n", "line 3, column 3: the label '99999999999' is not a non-negative integer")]
    public void CsvErrorsNameTheLine(string csv, string expected)
    {
        var e = Assert.Throws<InvalidDataFileException>(() => CsvLoader.Load(new StringReader(csv), "bad.csv", new CsvOptions { LabelColumn = "label" }));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("bad.csv: ", e.Message);
    }

    [Fact]
    public void ACsvErrorQuotesAShortExcerptOfAHugeField()
    {
        string field = new string('7', 2_000_000) + "x";
        var e = Assert.Throws<InvalidDataFileException>(() => CsvLoader.Load(new StringReader($"a,label\n{field},1\n"), "big.csv", new CsvOptions { MaxLineLength = 4_000_000 }));
        Assert.Contains("line 2, column 1: '77777777", e.Message);
        Assert.Contains("(2,000,001 characters)", e.Message);
        Assert.True(e.Message.Length < 200, $"a message of {e.Message.Length} characters");
    }

    [Fact]
    public void ACsvLineLongerThanTheLimitIsRefusedWithoutReadingItWhole()
    {
        // 30 MB on one line: refused once it passes 1 Mi characters, not after holding all of it.
        var reader = new StringReader("a,label\n" + new string('1', 30_000_000) + ",1\n");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataFileException>(() => CsvLoader.Load(reader, "long.csv"));
        Assert.Contains("line 2 is longer than 1,048,576 characters (CsvOptions.MaxLineLength)", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the loader held the long line");
    }

    [Fact]
    public void CsvMissingLabelColumnIsReported()
    {
        var e = Assert.Throws<InvalidDataFileException>(() => CsvLoader.Load(new StringReader("a,b\n1,2\n"), "x.csv", new CsvOptions { LabelColumn = "y" }));
        Assert.Contains("no column named 'y'", e.Message);
    }

    [Fact]
    public void ConfusionMatrixPrecisionAndRecall()
    {
        var m = new ConfusionMatrix(3);
        foreach (var (a, p) in new[] { (0, 0), (0, 0), (0, 1), (1, 1), (2, 1), (2, 2) }) m.Add(a, p);
        Assert.Equal(6, m.Total);
        Assert.Equal(4.0 / 6, m.Accuracy, 10);
        Assert.Equal(2.0 / 3, m.Recall(0), 10);
        Assert.Equal(1.0, m.Precision(0), 10);
        Assert.Equal(1.0 / 3, m.Precision(1), 10);
        Assert.Equal(0.5, m.Recall(2), 10);
        Assert.Contains("recall", m.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Add(3, 0));
    }

    [Fact]
    public void ConfusionMatrixOfANetworkAgreesWithEvaluation()
    {
        var net = new OddSoftmaxNet(2);
        var x = Numerics.TestData.Uniform(50 * 37, 3);
        var data = new Dataset(x, Numerics.TestData.Labels(net, 50, 4), 37, 5);
        Assert.Equal(Evaluation.Evaluate(net, data).Accuracy, ConfusionMatrix.Compute(net, data).Accuracy, 10);
    }
}
