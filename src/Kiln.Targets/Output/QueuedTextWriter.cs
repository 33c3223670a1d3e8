using System.Text;

namespace Kiln.Targets;

/// <summary>
/// A writer that never waits for the terminal: it collects text until a newline (or a flush) and hands the piece to
/// the <see cref="ConsolePump"/>. Whole lines go together, so a secret written in pieces on one line is still masked.
/// </summary>
internal sealed class QueuedTextWriter(ConsolePump pump, bool isError) : TextWriter
{
    readonly StringBuilder pending = new();
    readonly Lock gate = new();

    public override Encoding Encoding => ConsolePump.Encoding;

    public override void Write(char value)
    {
        lock (gate)
        {
            pending.Append(value);
            if (value == '\n')
                Send();
        }
    }

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return;
        lock (gate)
        {
            pending.Append(value);
            if (value.Contains('\n', StringComparison.Ordinal))
                SendWholeLines();
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Write(new string(buffer));

    public override void WriteLine(string? value) => Write((value ?? "") + NewLine);

    public override void Flush()
    {
        lock (gate)
            Send();
    }

    public override Task FlushAsync() => FlushAsync(CancellationToken.None);

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Flush();
        return Task.CompletedTask;
    }

    void SendWholeLines()
    {
        var text = pending.ToString();
        var end = text.LastIndexOf('\n') + 1;
        pump.Enqueue(isError, text[..end]);
        pending.Clear().Append(text, end, text.Length - end);
    }

    void Send()
    {
        if (pending.Length == 0)
            return;
        pump.Enqueue(isError, pending.ToString());
        pending.Clear();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            Flush();
        base.Dispose(disposing);
    }
}
