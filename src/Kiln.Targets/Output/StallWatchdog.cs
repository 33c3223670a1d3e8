using System.Globalization;
using Kiln.Model;

namespace Kiln.Targets;

/// <summary>
/// Makes a hang visible: when nothing was printed for <see cref="Limit"/> while a target runs, it says which target
/// runs, for how long, and what is still cleaning up. Its own line counts as output, so it repeats once per limit.
/// </summary>
internal sealed class StallWatchdog : IDisposable
{
    /// <summary>$KILN_STALL_WARNING (seconds, or a time span such as 00:10:00) sets it; 0 turns the watchdog off.</summary>
    public const string Variable = "KILN_STALL_WARNING";

    private static readonly TimeSpan DefaultLimit = TimeSpan.FromMinutes(5);

    private readonly Func<TimeSpan> _sinceLastOutput;
    private readonly Func<string?> _describeRunning;
    private readonly Action<string> _report;
    private readonly Timer _timer;

    public StallWatchdog(TimeSpan limit, Func<TimeSpan> sinceLastOutput, Func<string?> describeRunning, Action<string> report)
    {
        Limit = limit;
        _sinceLastOutput = sinceLastOutput;
        _describeRunning = describeRunning;
        _report = report;
        var period = TimeSpan.FromTicks(Math.Max(limit.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks));
        _timer = new Timer(_ => Check(), null, period, period);
    }

    public TimeSpan Limit { get; }

    /// <summary>The limit from the environment; null when it is turned off.</summary>
    public static TimeSpan? LimitFrom(HostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment[Variable] is not { } text)
        {
            return DefaultLimit;
        }

        TimeSpan? limit = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span
            : null;
        if (limit is null)
        {
            // Read before the host runs, so it cannot end the build as a usage error; it must not stop it either.
            Console.Error.WriteLine($"warning: {Variable}='{text}' is not a duration (give seconds, 300, or 00:05:00; 0 turns it off); using {Durations.Format(DefaultLimit)}");
            return DefaultLimit;
        }
        return limit <= TimeSpan.Zero ? null : limit;
    }

    private void Check()
    {
        var quiet = _sinceLastOutput();
        if (quiet < Limit || _describeRunning() is not { } running)
        {
            return;
        }

        _report($"Nothing printed for {Durations.Format(quiet)}; still running {running}.");
    }

    public void Dispose() => _timer.Dispose();
}
