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

    static readonly TimeSpan DefaultLimit = TimeSpan.FromMinutes(5);

    readonly Func<TimeSpan> sinceLastOutput;
    readonly Func<string?> describeRunning;
    readonly Action<string> report;
    readonly Timer timer;

    public StallWatchdog(TimeSpan limit, Func<TimeSpan> sinceLastOutput, Func<string?> describeRunning, Action<string> report)
    {
        Limit = limit;
        this.sinceLastOutput = sinceLastOutput;
        this.describeRunning = describeRunning;
        this.report = report;
        var period = TimeSpan.FromTicks(Math.Max(limit.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks));
        timer = new Timer(_ => Check(), null, period, period);
    }

    public TimeSpan Limit { get; }

    /// <summary>The limit from the environment; null when it is turned off.</summary>
    public static TimeSpan? LimitFrom(HostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment[Variable] is not { } text)
            return DefaultLimit;
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

    void Check()
    {
        var quiet = sinceLastOutput();
        if (quiet < Limit || describeRunning() is not { } running)
            return;
        report($"Nothing printed for {Durations.Format(quiet)}; still running {running}.");
    }

    public void Dispose() => timer.Dispose();
}
