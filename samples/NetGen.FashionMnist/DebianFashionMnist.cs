namespace NetGen.Samples.FashionMnist;

/// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs Fashion-MNIST, and how to install it.</summary>
public static class DebianFashionMnist
{
    /// <summary>The package's folder, the main job's default <c>--data</c>.</summary>
    public const string Directory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The command that installs the data set.</summary>
    public const string InstallHint = "sudo apt-get update && sudo apt-get install -y dataset-fashion-mnist";
}
