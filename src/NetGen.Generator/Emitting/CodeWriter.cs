using System;
using System.CodeDom.Compiler;
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
            else _writer.WriteLine(part);
        }
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
