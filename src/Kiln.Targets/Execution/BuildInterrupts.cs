namespace Kiln.Targets;

/// <summary>
/// Ctrl-C and SIGTERM, as the host sees them: the first interrupt cancels the build's token so running work
/// can clean up; later ones say what is still running. Tests call <see cref="Interrupt"/> directly.
/// </summary>
public sealed class BuildInterrupts : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly Lock _gate = new();
    private int _count;
    private Action<string>? _report;
    private Func<string?>? _running;

    public CancellationToken Token => _source.Token;

    public int Count => Volatile.Read(ref _count);

    /// <returns>How many interrupts there have been, this one included.</returns>
    public int Interrupt()
    {
        var number = Interlocked.Increment(ref _count);
        Action<string>? write;
        string? current;
        lock (_gate)
        {
            write = _report;
            current = _running?.Invoke();
        }
        if (number == 1)
        {
            write?.Invoke(current is null
                ? "Interrupted: cancelling the build."
                : $"Interrupted: cancelling {current} and letting it clean up. Interrupt again to see what is still running.");
            _source.Cancel();
        }
        else
        {
            write?.Invoke(current is null
                ? "Still stopping: no target is running, the build is finishing."
                : $"Still running: {current}, cleaning up after cancellation.");
        }
        return number;
    }

    /// <summary>What runs now (the target, for how long, what is still cleaning up); null between targets.</summary>
    internal string? DescribeRunning()
    {
        lock (_gate)
        {
            return _running?.Invoke();
        }
    }

    /// <summary>A line through the host's output, once a build runs (a stall warning, say).</summary>
    internal void Report(string message)
    {
        Action<string>? write;
        lock (_gate)
        {
            write = _report;
        }

        write?.Invoke(message);
    }

    internal void Attach(Action<string> reporter, Func<string?> describeRunning)
    {
        lock (_gate)
        {
            _report = reporter;
            _running = describeRunning;
        }
    }

    public void Dispose() => _source.Dispose();
}
