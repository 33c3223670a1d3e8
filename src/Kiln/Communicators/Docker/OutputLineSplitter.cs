using System.Text;

namespace Kiln.Communicators.Docker;

/// <summary>Turns a byte stream into lines, holding back a partial line (and a split UTF-8 character) until the rest arrives.</summary>
internal sealed class OutputLineSplitter(Action<string> line)
{
    private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
    private readonly StringBuilder _pending = new();
    private char[] _chars = new char[8192];

    public void Write(ReadOnlySpan<byte> bytes)
    {
        var needed = _decoder.GetCharCount(bytes, flush: false);
        if (needed > _chars.Length)
        {
            _chars = new char[needed];
        }

        var count = _decoder.GetChars(bytes, _chars, flush: false);
        Append(_chars.AsSpan(0, count));
    }

    /// <summary>Emits what is left, even without a final newline.</summary>
    public void Flush()
    {
        var count = _decoder.GetChars([], _chars, flush: true);
        Append(_chars.AsSpan(0, count));
        if (_pending.Length > 0)
        {
            Emit();
        }
    }

    private void Append(ReadOnlySpan<char> chars)
    {
        foreach (var c in chars)
        {
            if (c == '\n')
            {
                Emit();
            }
            else
            {
                _pending.Append(c);
            }
        }
    }

    private void Emit()
    {
        if (_pending.Length > 0 && _pending[^1] == '\r')
        {
            _pending.Length--;
        }

        line(_pending.ToString());
        _pending.Clear();
    }
}
