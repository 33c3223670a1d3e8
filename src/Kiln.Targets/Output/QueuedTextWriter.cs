using System.Text;

namespace Kiln.Targets;

/// <summary>
/// A writer that never waits for the terminal: it collects text until a newline (or a flush) and hands the piece to
/// the <see cref="ConsolePump"/>. Whole lines go together, so a secret written in pieces on one line is still masked.
/// Each thread has its own unfinished line: a line written in pieces (Spectre writes a rule or a row segment by
/// segment) is never joined with another thread's.
/// </summary>
internal sealed class QueuedTextWriter(ConsolePump pump, bool isError) : TextWriter
{
    private readonly ThreadLocal<StringBuilder> _lines = new(() => new StringBuilder(), trackAllValues: true);
    private readonly Lock _gate = new();

    private StringBuilder Pending => _lines.Value!;

    public override Encoding Encoding => ConsolePump.Encoding;

    public override void Write(char value)
    {
        lock (_gate)
        {
            Pending.Append(value);
            if (value == '\n')
            {
                Send();
            }
        }
    }

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        lock (_gate)
        {
            Pending.Append(value);
            if (value.Contains('\n', StringComparison.Ordinal))
            {
                SendWholeLines();
            }
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Write(new string(buffer));

    public override void WriteLine(string? value) => Write((value ?? "") + NewLine);

    public override void Flush()
    {
        lock (_gate)
        {
            Send();
        }
    }

    /// <summary>Every thread's unfinished line, at the end of the run.</summary>
    public void FlushAll()
    {
        lock (_gate)
        {
            foreach (var line in _lines.Values.Where(line => line.Length > 0))
            {
                pump.Enqueue(isError, line.ToString());
                line.Clear();
            }
        }
    }

    public override Task FlushAsync() => FlushAsync(CancellationToken.None);

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Flush();
        return Task.CompletedTask;
    }

    private void SendWholeLines()
    {
        var text = Pending.ToString();
        var end = text.LastIndexOf('\n') + 1;
        pump.Enqueue(isError, text[..end]);
        Pending.Clear().Append(text, end, text.Length - end);
    }

    private void Send()
    {
        if (Pending.Length == 0)
        {
            return;
        }

        pump.Enqueue(isError, Pending.ToString());
        Pending.Clear();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            FlushAll();
            _lines.Dispose();
        }
        base.Dispose(disposing);
    }
}
