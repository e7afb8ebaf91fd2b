using System;
using System.IO;

namespace NetGen;

/// <summary>A data file is corrupt, truncated or not in the expected format; the message names the file and what is wrong.</summary>
public sealed class InvalidDataFileException : IOException
{
    /// <summary>Creates the exception.</summary>
    public InvalidDataFileException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
