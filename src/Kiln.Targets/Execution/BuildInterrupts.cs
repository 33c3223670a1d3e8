namespace Kiln.Targets;

/// <summary>
/// Ctrl-C and SIGTERM, as the host sees them: the first interrupt cancels the build's token so running work
/// can clean up; later ones say what is still running. Tests call <see cref="Interrupt"/> directly.
/// </summary>
public sealed class BuildInterrupts : IDisposable
{
    readonly CancellationTokenSource source = new();
    readonly Lock gate = new();
    int count;
    Action<string>? report;
    Func<string?>? running;

    public CancellationToken Token => source.Token;

    public int Count => Volatile.Read(ref count);

    /// <returns>How many interrupts there have been, this one included.</returns>
    public int Interrupt()
    {
        var number = Interlocked.Increment(ref count);
        Action<string>? write;
        string? current;
        lock (gate)
        {
            write = report;
            current = running?.Invoke();
        }
        if (number == 1)
        {
            write?.Invoke(current is null
                ? "Interrupted: cancelling the build."
                : $"Interrupted: cancelling {current} and letting it clean up. Interrupt again to see what is still running.");
            source.Cancel();
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
        lock (gate)
            return running?.Invoke();
    }

    /// <summary>A line through the host's output, once a build runs (a stall warning, say).</summary>
    internal void Report(string message)
    {
        Action<string>? write;
        lock (gate)
            write = report;
        write?.Invoke(message);
    }

    internal void Attach(Action<string> reporter, Func<string?> describeRunning)
    {
        lock (gate)
        {
            report = reporter;
            running = describeRunning;
        }
    }

    public void Dispose() => source.Dispose();
}
