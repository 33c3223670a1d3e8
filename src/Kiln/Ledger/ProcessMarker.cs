namespace Kiln.Ledger;

/// <summary>
/// An environment variable with a value unique to one ledger entry, set on a process before it starts. A run killed
/// between starting the process and recording its pid leaves an entry with no pid; the marker, which the process and
/// its children inherit, still finds them.
/// </summary>
internal static class ProcessMarker
{
    public const string Variable = "KILN_LEDGER_PROCESS";

    public const string DataKey = "marker";

    public static string Create() => Guid.NewGuid().ToString("N");

    /// <summary>Processes whose environment carries the marker (only those this user may read).</summary>
    public static IReadOnlyList<ProcessIdentity> Find(string marker)
    {
        var needle = $"{Variable}={marker}";
        var found = new List<ProcessIdentity>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(directory, "environ")).Split('\0').Contains(needle, StringComparer.Ordinal)
                    && ProcessIdentity.Of(pid) is { } identity)
                {
                    found.Add(identity);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // it ended while we looked, or is not ours to read
            }
        }

        return found;
    }
}
