using System.Globalization;

namespace Kiln.Targets;

internal static class Durations
{
    /// <summary>m:ss, or h:mm:ss past an hour: what a build summary needs.</summary>
    public static string Format(TimeSpan duration) => duration.TotalHours >= 1
        ? duration.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : $"{(int)duration.TotalMinutes}:{duration.Seconds:00}";
}
