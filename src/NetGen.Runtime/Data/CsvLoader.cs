using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace NetGen;

/// <summary>How <see cref="CsvLoader"/> reads a file.</summary>
public sealed record CsvOptions
{
    /// <summary>Whether the first line names the columns.</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>The label column by name (needs a header); wins over <see cref="LabelColumnIndex"/>.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>The label column by 0-based index; negative counts from the end (−1 is the last column).</summary>
    public int LabelColumnIndex { get; init; } = -1;

    /// <summary>The field separator.</summary>
    public char Separator { get; init; } = ',';

    /// <summary>Number of classes; by default one more than the largest label.</summary>
    public int? ClassCount { get; init; }

    /// <summary>
    /// The longest line accepted, in characters (default 1 Mi, room for about 100,000 features); a longer line is
    /// refused when it reaches the limit, so a file without line breaks cannot take the memory of the machine.
    /// </summary>
    public int MaxLineLength { get; init; } = 1 << 20;
}

/// <summary>
/// Loads a numeric CSV file (one sample per line, one integer label column) into a <see cref="Dataset"/>. Every error
/// names the file, the line and the column. Nothing is allocated from sizes the file claims: rows are read and grown.
/// </summary>
public static class CsvLoader
{
    /// <summary>Loads <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The path is a folder.</exception>
    /// <exception cref="InvalidDataFileException">A malformed line, a missing column, a non-numeric value or a bad label.</exception>
    public static Dataset Load(string path, CsvOptions? options = null)
    {
        using var reader = new StreamReader(DataFiles.OpenRead(path, "CSV file"));
        return Load(reader, path, options);
    }

    /// <summary>Loads CSV text from a reader; <paramref name="name"/> appears in error messages.</summary>
    public static Dataset Load(TextReader reader, string name, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new CsvOptions();
        if (options.MaxLineLength < 1) throw new ArgumentOutOfRangeException(nameof(options), options.MaxLineLength, "MaxLineLength must be positive.");
        var features = new List<float>();
        var labels = new List<int>();
        int columns = -1, labelColumn = -1, lineNumber = 0;
        string? line;
        var buffer = new System.Text.StringBuilder();
        while ((line = ReadLine(reader, buffer, options.MaxLineLength, name, lineNumber + 1)) is not null)
        {
            lineNumber++;
            if (line.Length == 0 || line.TrimStart().StartsWith('#')) continue;
            string[] fields = line.Split(options.Separator);
            if (columns < 0)
            {
                columns = fields.Length;
                if (columns < 2) throw new InvalidDataFileException(name, $"line {lineNumber}: expected at least 2 columns (features and a label), found {columns}.");
                labelColumn = ResolveLabelColumn(options, fields, columns, name, lineNumber);
                if (options.HasHeader) continue;
            }
            if (fields.Length != columns)
                throw new InvalidDataFileException(name, $"line {lineNumber}: expected {columns} columns, found {fields.Length}.");
            for (int c = 0; c < columns; c++)
            {
                string field = fields[c].Trim();
                if (c == labelColumn)
                {
                    if (!int.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) || label < 0)
                        throw new InvalidDataFileException(name, $"line {lineNumber}, column {c + 1}: the label '{Excerpt(field)}' is not a non-negative integer.");
                    if (label >= Dataset.MaxClassCount)
                        throw new InvalidDataFileException(name, $"line {lineNumber}, column {c + 1}: label {label} is above the largest class index supported, {Dataset.MaxClassCount - 1}.");
                    if (options.ClassCount is int k && label >= k)
                        throw new InvalidDataFileException(name, $"line {lineNumber}, column {c + 1}: label {label} is outside [0, {k}).");
                    labels.Add(label);
                }
                else
                {
                    if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
                        throw new InvalidDataFileException(name, $"line {lineNumber}, column {c + 1}: '{Excerpt(field)}' is not a finite number.");
                    features.Add(value);
                }
            }
        }
        if (labels.Count == 0) throw new InvalidDataFileException(name, "the file holds no samples.");
        int classes = options.ClassCount ?? Max(labels) + 1;
        return new Dataset(features.ToArray(), labels.ToArray(), columns - 1, classes);
    }

    /// <summary>A field as an error message shows it: whole when short, otherwise its start and its length.</summary>
    private static string Excerpt(string field) => field.Length <= 40 ? field : field.Substring(0, 32) + $"… ({field.Length:N0} characters)";

    /// <summary>The next line without its line break, or null at the end; refuses a line longer than <paramref name="max"/>.</summary>
    private static string? ReadLine(TextReader reader, System.Text.StringBuilder buffer, int max, string name, int lineNumber)
    {
        buffer.Clear();
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (c == '\n') break;
            if (buffer.Length == max)
                throw new InvalidDataFileException(name, $"line {lineNumber} is longer than {max:N0} characters (CsvOptions.MaxLineLength).");
            buffer.Append((char)c);
        }
        if (c < 0 && buffer.Length == 0) return null;
        if (buffer.Length > 0 && buffer[^1] == '\r') buffer.Length--;
        return buffer.ToString();
    }

    private static int ResolveLabelColumn(CsvOptions options, string[] header, int columns, string name, int lineNumber)
    {
        if (options.LabelColumn is string wanted)
        {
            if (!options.HasHeader) throw new ArgumentException("A label column given by name needs a header line.", nameof(options));
            int found = Array.FindIndex(header, h => h.Trim() == wanted);
            if (found < 0) throw new InvalidDataFileException(name, $"line {lineNumber}: the header has no column named '{Excerpt(wanted)}'.");
            return found;
        }
        int index = options.LabelColumnIndex < 0 ? columns + options.LabelColumnIndex : options.LabelColumnIndex;
        if (index < 0 || index >= columns)
            throw new InvalidDataFileException(name, $"line {lineNumber}: label column {options.LabelColumnIndex} does not exist in {columns} columns.");
        return index;
    }

    private static int Max(List<int> values)
    {
        int max = 0;
        foreach (int v in values) max = Math.Max(max, v);
        return max;
    }
}
