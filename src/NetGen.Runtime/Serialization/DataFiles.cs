using System;
using System.IO;

namespace NetGen;

/// <summary>
/// How every loader opens a file and every writer replaces one, so that all of them report a missing file, a folder
/// given for a file and an interrupted write the same way.
/// </summary>
internal static class DataFiles
{
    /// <summary>Opens <paramref name="path"/> for reading; <paramref name="what"/> (such as "CSV file") names it in errors.</summary>
    /// <exception cref="IOException">The path is a folder.</exception>
    /// <exception cref="FileNotFoundException">Nothing is at the path.</exception>
    public static FileStream OpenRead(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path)) throw new IOException($"{what} expected at {path}, but that is a folder.");
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} not found: {path}", path);
        return File.OpenRead(path);
    }

    /// <summary>
    /// Writes a file all or nothing: <paramref name="write"/> fills a temporary file in the same folder, which is flushed
    /// to the disk and then renamed over <paramref name="path"/>. A process killed at any moment leaves either the old
    /// file or the new one, never a part of one; temporary files that killed writes left beside the target are removed
    /// by the next write. One writer per target at a time.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="IOException">The path is a folder, or the write failed (the old file is then untouched).</exception>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new IOException($"Cannot write to {path}: it names no file.");
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Cannot write {path}: the folder '{folder}' does not exist.");
        if (Directory.Exists(full)) throw new IOException($"Cannot write {path}: it is a folder.");
        RemoveStaleTemporaries(folder, Path.GetFileName(full));
        string temporary = full + "." + Guid.NewGuid().ToString("N").Substring(0, 12) + TemporarySuffix;
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>The end of a temporary file's name: <c>model.safetensors.1a2b3c4d5e6f.tmp</c>.</summary>
    internal const string TemporarySuffix = ".tmp";

    private static void RemoveStaleTemporaries(string folder, string name)
    {
        try
        {
            foreach (string stale in Directory.EnumerateFiles(folder, name + ".*" + TemporarySuffix))
            {
                // Only our own pattern: the target's name, a dot, twelve hex digits (or nothing, as older checkpoints
                // wrote), the suffix.
                string middle = Path.GetFileName(stale).Substring(name.Length, Path.GetFileName(stale).Length - name.Length - TemporarySuffix.Length);
                if (middle.Length == 0 || (middle.Length == 13 && middle[0] == '.' && IsHex(middle.AsSpan(1)))) TryDelete(stale);
            }
            string legacy = Path.Combine(folder, name + TemporarySuffix);
            if (File.Exists(legacy)) TryDelete(legacy);
        }
        catch (IOException)
        {
            // Cleaning up is a courtesy; the write itself decides success.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
            if (!char.IsAsciiHexDigitLower(c)) return false;
        return true;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
