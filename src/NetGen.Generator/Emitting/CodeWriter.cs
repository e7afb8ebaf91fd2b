using System;
using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace NetGen.Generator.Emitting;

/// <summary>An indented writer whose <see cref="Block"/> returns a scope that closes the brace it opened.</summary>
internal sealed class CodeWriter
{
    private readonly StringWriter _text = new(CultureInfo.InvariantCulture) { NewLine = "\n" };
    private readonly IndentedTextWriter _writer;

    public CodeWriter() => _writer = new IndentedTextWriter(_text, "    ") { NewLine = "\n" };

    /// <summary>Writes a line at the current indentation; a line with <c>\n</c> in it is written as several, each indented.</summary>
    public void Line(string line = "")
    {
        foreach (string part in line.Split('\n'))
        {
            if (part.Length == 0) _writer.WriteLineNoTabs("");
            else foreach (string wrapped in WrapComment(part)) _writer.WriteLine(wrapped);
        }
    }

    /// <summary>The longest comment line written whole (without its indentation); longer ones are wrapped.</summary>
    private const int CommentWidth = 116;

    /// <summary>
    /// The length a line has for layout decisions: every run of digits counts as four characters, so a network with
    /// wider layers wraps exactly the same lines (the generated source must not grow with the number of weights).
    /// </summary>
    public static int ShapeLength(string text)
    {
        int length = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsDigit(text[i]))
            {
                while (i + 1 < text.Length && char.IsDigit(text[i + 1])) i++;
                length += 4;
            }
            else length++;
        }
        return length;
    }

    /// <summary>
    /// A comment line (<c>///</c> or <c>//</c>) longer than <see cref="CommentWidth"/> as several, broken at spaces that are
    /// not inside an XML tag; code lines are returned as they are. Where to break is decided on the line's shape
    /// (<see cref="ShapeLength"/>), so the breaks do not depend on the numbers in it.
    /// </summary>
    private static IEnumerable<string> WrapComment(string line)
    {
        string prefix = line.StartsWith("/// ", StringComparison.Ordinal) ? "/// " : line.StartsWith("// ", StringComparison.Ordinal) ? "// " : "";
        if (prefix.Length == 0 || ShapeLength(line) <= CommentWidth)
        {
            yield return line;
            yield break;
        }
        string continuation = prefix == "/// " ? "/// " : "//   ";
        string rest = line;
        while (ShapeLength(rest) > CommentWidth)
        {
            int cut = -1, depth = 0, shape = 0;
            for (int i = 0; i < rest.Length && shape <= CommentWidth; i++)
            {
                char c = rest[i];
                if (char.IsDigit(c))
                {
                    while (i + 1 < rest.Length && char.IsDigit(rest[i + 1])) i++;
                    shape += 4;
                    continue;
                }
                shape++;
                if (i < prefix.Length) continue;
                if (c == '<') depth++;
                else if (c == '>') depth = Math.Max(0, depth - 1);
                else if (c == ' ' && depth == 0 && shape <= CommentWidth) cut = i;
            }
            if (cut <= prefix.Length) break; // one long word: leave it whole
            yield return rest.Substring(0, cut);
            rest = continuation + rest.Substring(cut + 1);
            prefix = continuation;
        }
        yield return rest;
    }

    /// <summary>Opens <c>header { … }</c>; an empty header opens a bare block (a scope of its own).</summary>
    public Scope Block(string header)
    {
        if (header.Length > 0) Line(header);
        _writer.WriteLine("{");
        _writer.Indent++;
        return new Scope(this);
    }

    private void Close()
    {
        _writer.Indent--;
        _writer.WriteLine("}");
    }

    public override string ToString() => _text.ToString();

    public readonly struct Scope : IDisposable
    {
        private readonly CodeWriter _owner;

        public Scope(CodeWriter owner) => _owner = owner;

        public void Dispose() => _owner.Close();
    }
}

/// <summary>Invariant-culture literals for emitted code (a German locale must not emit <c>0,5f</c>).</summary>
internal static class Literal
{
    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";
}
