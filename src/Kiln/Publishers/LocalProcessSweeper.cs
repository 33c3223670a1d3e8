using System.Diagnostics;
using System.Globalization;
using Kiln.Pipeline;

namespace Kiln.Publishers;

/// <summary>
/// Kills a host process a dead run left running, with its children. The recorded start time guards against a
/// recycled pid: a different process with the same pid is left alone.
/// </summary>
public sealed class LocalProcessSweeper : IResourceSweeper
{
    public const string LedgerKind = "shell-local-process";

    public string Kind => LedgerKind;

    public static LedgerResource Describe(LedgerResource recorded, Process process) => recorded with
    {
        Data = new Dictionary<string, string>
        {
            ["pid"] = process.Id.ToString(CultureInfo.InvariantCulture),
            ["started"] = process.StartTime.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture),
        },
    };

    public Task SweepAsync(LedgerResource resource, CancellationToken cancellationToken)
    {
        if (!resource.Data.TryGetValue("pid", out var pidText) || !resource.Data.TryGetValue("started", out var startedText))
        {
            return Task.CompletedTask; // recorded but never started
        }

        try
        {
            using var process = Process.GetProcessById(int.Parse(pidText, CultureInfo.InvariantCulture));
            var started = new DateTime(long.Parse(startedText, CultureInfo.InvariantCulture), DateTimeKind.Utc);
            // Start times are read from /proc at clock-tick resolution; allow for rounding.
            if ((process.StartTime.ToUniversalTime() - started).Duration() < TimeSpan.FromSeconds(1))
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        catch (InvalidOperationException)
        {
            // Exited between the lookup and the kill.
        }

        return Task.CompletedTask;
    }
}
