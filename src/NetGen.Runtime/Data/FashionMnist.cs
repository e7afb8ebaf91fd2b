using System.Collections.Generic;
using System.IO;

namespace NetGen;

/// <summary>
/// Loads Fashion-MNIST (the MNIST IDX format: 28 × 28 grey images, 10 classes) from a folder holding its four files,
/// <c>train-images-idx3-ubyte.gz</c>, <c>train-labels-idx1-ubyte.gz</c>, <c>t10k-images-idx3-ubyte.gz</c> and
/// <c>t10k-labels-idx1-ubyte.gz</c>, as the data set's own distribution names them.
/// </summary>
public static class FashionMnist
{
    /// <summary>The four file names, training images and labels, then test images and labels.</summary>
    public static IReadOnlyList<string> FileNames { get; } = new[]
    {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    };

    /// <summary>Whether all four files are present in <paramref name="directory"/>.</summary>
    public static bool IsAvailable(string directory)
    {
        foreach (string file in FileNames)
        {
            if (!File.Exists(Path.Combine(directory, file))) return false;
        }
        return true;
    }

    /// <summary>Loads the training and test samples from <paramref name="directory"/>, pixels scaled to [0, 1].</summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message names it.</exception>
    /// <exception cref="InvalidDataFileException">A file is corrupt.</exception>
    public static (Dataset Train, Dataset Test) Load(string directory)
    {
        foreach (string file in FileNames)
        {
            string path = Path.Combine(directory, file);
            if (!File.Exists(path))
                throw new FileNotFoundException($"Fashion-MNIST not found: {path} is missing (the folder must hold {string.Join(", ", FileNames)}).", path);
        }
        Dataset train = Dataset.FromIdx(Path.Combine(directory, FileNames[0]), Path.Combine(directory, FileNames[1]));
        Dataset test = Dataset.FromIdx(Path.Combine(directory, FileNames[2]), Path.Combine(directory, FileNames[3]));
        return (train, test);
    }
}
