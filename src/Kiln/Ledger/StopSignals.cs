using System.Runtime.InteropServices;

namespace Kiln.Ledger;

/// <summary>
/// Turns Ctrl-C and SIGTERM into cancellation for a host. The first signal cancels <see cref="Token"/> and keeps the
/// process alive so every build can clean up; the second reports what is still being cleaned; the third lets the
/// process die at once (what it leaves is in the ledger for a sweep).
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Action<string> _report;
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    public StopSignals(Action<string> report)
    {
        _report = report;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    public CancellationToken Token => _stop.Token;

    /// <summary>Set once the session exists, so a second signal can say what is still being cleaned.</summary>
    public Func<IReadOnlyList<string>>? CleaningUp { get; set; }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        switch (Interlocked.Increment(ref _signals))
        {
            case 1:
                context.Cancel = true;
                _report($"{context.Signal}: stopping; cleaning up what the builds created (send it again to see what is left)");
                _stop.Cancel();
                break;
            case 2:
                context.Cancel = true;
                var left = CleaningUp?.Invoke() ?? [];
                _report(left.Count == 0
                    ? "still stopping (send it once more to exit now and sweep later)"
                    : $"still cleaning up: {string.Join("; ", left)} (send it once more to exit now and sweep later)");
                break;
            default:
                context.Cancel = false;
                break;
        }
    }
}
