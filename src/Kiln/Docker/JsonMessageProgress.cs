using Docker.DotNet.Models;
using Kiln.Engine;

namespace Kiln.Docker;

/// <summary>
/// Follows the engine's JSON progress stream of a pull or push: sums the per-layer byte counts into one progress
/// task, logs each status once, and keeps the error the engine reports in-band (the HTTP status stays 200).
/// </summary>
internal sealed class JsonMessageProgress(IBuildLog log, IProgressTask task) : IProgress<JSONMessage>
{
    private readonly Dictionary<string, (long Current, long Total)> _layers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _statuses = new(StringComparer.Ordinal);
    private long _reported;
    private long _total;

    public string? Error { get; private set; }

    /// <summary>The digest the engine reports after a push ("digest: sha256:... size: ...").</summary>
    public string? Digest { get; private set; }

    public void Report(JSONMessage value)
    {
        if (value.Error?.Message is { Length: > 0 } error)
        {
            Error = error;
            return;
        }

        if (value.Progress is { Current: { } current } progress && !string.IsNullOrEmpty(value.ID))
        {
            _layers[value.ID] = (current, progress.Total ?? 0);
            var total = _layers.Values.Sum(l => l.Total);
            if (total != _total && total > 0)
            {
                _total = total;
                task.SetTotal(total);
            }

            var done = _layers.Values.Sum(l => l.Current);
            if (done > _reported)
            {
                task.Advance(done - _reported);
                _reported = done;
            }

            return;
        }

        if (value.Status is { Length: > 0 } status)
        {
            if (status.StartsWith("digest: ", StringComparison.Ordinal) || status.Contains(" digest: ", StringComparison.Ordinal))
            {
                var at = status.IndexOf("digest: ", StringComparison.Ordinal) + 8;
                Digest = status[at..].Split(' ')[0];
            }

            var line = string.IsNullOrEmpty(value.ID) ? status : $"{value.ID}: {status}";
            if (_statuses.Add(line))
            {
                log.Verbose(line);
            }
        }
    }
}
