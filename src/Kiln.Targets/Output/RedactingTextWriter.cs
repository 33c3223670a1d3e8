using System.Text;

namespace Kiln.Targets;

/// <summary>Buffers whole lines and writes them redacted, so a secret is masked even when written in pieces on one line.</summary>
internal sealed class RedactingTextWriter(TextWriter inner, SecretRedactor redactor) : TextWriter
{
    readonly StringBuilder line = new();
    readonly Lock gate = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        lock (gate)
        {
            line.Append(value);
            if (value == '\n')
                FlushLine();
        }
    }

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return;
        lock (gate)
        {
            foreach (var c in value)
            {
                line.Append(c);
                if (c == '\n')
                    FlushLine();
            }
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Flush()
    {
        lock (gate)
        {
            FlushLine();
            inner.Flush();
        }
    }

    void FlushLine()
    {
        if (line.Length == 0)
            return;
        inner.Write(redactor.Redact(line.ToString()));
        line.Clear();
        inner.Flush();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            Flush();
        base.Dispose(disposing);
    }
}
