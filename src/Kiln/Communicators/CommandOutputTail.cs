using Kiln.Engine;
using Kiln.Secrets;

namespace Kiln.Communicators;

/// <summary>
/// Forwards a command's output to a build log (when given one) and keeps its last lines, so a failure can quote
/// them; kept lines pass through the redactor, since error messages leave Kiln too. Safe to call from the two
/// threads that read stdout and stderr.
/// </summary>
internal sealed class CommandOutputTail(IBuildLog? log = null, int capacity = 20, IRedactor? redactor = null) : ICommandOutput
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _lock = new();

    public IReadOnlyList<string> LastLines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    public void StandardOutput(string line)
    {
        log?.Output(line);
        Keep(line);
    }

    public void StandardError(string line)
    {
        log?.Output(line, isError: true);
        Keep(line);
    }

    /// <summary>The kept lines, indented, for the end of an error message; empty when there was no output.</summary>
    public string Describe() =>
        LastLines.Count == 0 ? "" : $"\nLast {LastLines.Count} lines of output:\n  " + string.Join("\n  ", LastLines);

    private void Keep(string line)
    {
        lock (_lock)
        {
            _lines.Enqueue(redactor?.Redact(line) ?? line);
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }
        }
    }
}
