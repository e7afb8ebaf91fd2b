using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace NetGen.Generator.Baking;

/// <summary>
/// A small, strict JSON reader for safetensors headers (the generator targets netstandard2.0 and cannot carry
/// System.Text.Json into the compiler). Objects become <see cref="Dictionary{TKey, TValue}"/>, arrays <see cref="List{T}"/>,
/// numbers <see cref="long"/> when integral and <see cref="double"/> otherwise. Malformed input throws <see cref="FormatException"/>
/// with the byte offset.
/// </summary>
internal sealed class JsonReader
{
    private const int MaxDepth = 16;
    private readonly string _text;
    private int _pos;

    private JsonReader(string text) => _text = text;

    public static object? Parse(string text)
    {
        var reader = new JsonReader(text);
        object? value = reader.Value(0);
        reader.SkipWhitespace();
        if (reader._pos != text.Length) throw reader.Error("unexpected text after the JSON value");
        return value;
    }

    private object? Value(int depth)
    {
        if (depth > MaxDepth) throw Error("nested deeper than " + MaxDepth + " levels");
        SkipWhitespace();
        if (_pos >= _text.Length) throw Error("unexpected end");
        char c = _text[_pos];
        switch (c)
        {
            case '{': return Object(depth);
            case '[': return Array(depth);
            case '"': return String();
            case 't': Expect("true"); return true;
            case 'f': Expect("false"); return false;
            case 'n': Expect("null"); return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return Number();
                throw Error("unexpected character '" + c + "'");
        }
    }

    private Dictionary<string, object?> Object(int depth)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        _pos++; // {
        SkipWhitespace();
        if (Peek() == '}') { _pos++; return result; }
        while (true)
        {
            SkipWhitespace();
            if (Peek() != '"') throw Error("expected a property name");
            string key = String();
            SkipWhitespace();
            if (Peek() != ':') throw Error("expected ':'");
            _pos++;
            object? value = Value(depth + 1);
            if (result.ContainsKey(key)) throw Error("duplicate key '" + key + "'");
            result.Add(key, value);
            SkipWhitespace();
            char next = Peek();
            _pos++;
            if (next == '}') return result;
            if (next != ',') throw Error("expected ',' or '}'", _pos - 1);
        }
    }

    private List<object?> Array(int depth)
    {
        var result = new List<object?>();
        _pos++; // [
        SkipWhitespace();
        if (Peek() == ']') { _pos++; return result; }
        while (true)
        {
            result.Add(Value(depth + 1));
            SkipWhitespace();
            char next = Peek();
            _pos++;
            if (next == ']') return result;
            if (next != ',') throw Error("expected ',' or ']'", _pos - 1);
        }
    }

    private string String()
    {
        _pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length) throw Error("unterminated string");
            char c = _text[_pos++];
            if (c == '"') return sb.ToString();
            if (c < ' ') throw Error("control character in a string", _pos - 1);
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= _text.Length) throw Error("unterminated escape");
            char e = _text[_pos++];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    if (_pos + 4 > _text.Length
                        || !int.TryParse(_text.Substring(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                        throw Error("bad \\u escape");
                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default: throw Error("bad escape '\\" + e + "'", _pos - 1);
            }
        }
    }

    private object Number()
    {
        int start = _pos;
        if (Peek() == '-') _pos++;
        while (_pos < _text.Length && "0123456789.eE+-".IndexOf(_text[_pos]) >= 0) _pos++;
        string token = _text.Substring(start, _pos - start);
        if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer)) return integer;
        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double real)) return real;
        throw Error("bad number '" + token + "'", start);
    }

    private void Expect(string word)
    {
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) throw Error("unexpected text");
        _pos += word.Length;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void SkipWhitespace()
    {
        while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\n' or '\r') _pos++;
    }

    private FormatException Error(string what, int? at = null)
        => new("the JSON header is malformed at character " + (at ?? _pos).ToString(CultureInfo.InvariantCulture) + ": " + what);
}
