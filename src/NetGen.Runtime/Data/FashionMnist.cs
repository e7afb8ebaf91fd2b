using System.IO;

namespace NetGen;

/// <summary>Locates and loads Fashion-MNIST (same IDX format as MNIST, 28 × 28 grey images, 10 classes).</summary>
public static class FashionMnist
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The command that installs the data set on Debian.</summary>
    public const string InstallHint = "sudo apt-get update && sudo apt-get install -y dataset-fashion-mnist";

    private static readonly string[] Files =
    {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    };

    /// <summary>Whether all four files are present in <paramref name="directory"/>.</summary>
    public static bool IsAvailable(string directory = DefaultDirectory)
    {
        foreach (string file in Files)
        {
            if (!File.Exists(Path.Combine(directory, file))) return false;
        }
        return true;
    }

    /// <summary>Loads the 60,000 training and 10,000 test samples, pixels scaled to [0, 1].</summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message says how to install the data set.</exception>
    /// <exception cref="InvalidDataFileException">A file is corrupt.</exception>
    public static (Dataset Train, Dataset Test) Load(string directory = DefaultDirectory)
    {
        foreach (string file in Files)
        {
            string path = Path.Combine(directory, file);
            if (!File.Exists(path))
                throw new FileNotFoundException($"Fashion-MNIST is not installed: {path} is missing. Install it with: {InstallHint}", path);
        }
        Dataset train = Dataset.FromIdx(Path.Combine(directory, Files[0]), Path.Combine(directory, Files[1]));
        Dataset test = Dataset.FromIdx(Path.Combine(directory, Files[2]), Path.Combine(directory, Files[3]));
        return (train, test);
    }
}
