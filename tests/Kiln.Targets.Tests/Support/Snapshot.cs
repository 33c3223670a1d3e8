using System.Reflection;

namespace Kiln.Targets.Tests.Support;

/// <summary>
/// Compares text with a committed file under Snapshots/. A missing file is written and the test fails, so a new
/// snapshot is reviewed before it is committed; KILN_UPDATE_SNAPSHOTS=1 rewrites changed ones.
/// </summary>
internal static class Snapshot
{
    public static void Match(string actual, string name)
    {
        var directory = Path.Combine(ProjectDirectory, "Snapshots");
        var path = Path.Combine(directory, name + ".txt");
        var normalized = actual.ReplaceLineEndings("\n").TrimEnd() + "\n";
        if (!File.Exists(path) || Environment.GetEnvironmentVariable("KILN_UPDATE_SNAPSHOTS") == "1")
        {
            var existed = File.Exists(path) && File.ReadAllText(path).ReplaceLineEndings("\n") == normalized;
            Directory.CreateDirectory(directory);
            File.WriteAllText(path, normalized);
            Assert.True(existed, $"Snapshot {name} was written to {path}; review it and run again.");
            return;
        }
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), normalized);
    }

    private static string ProjectDirectory =>
        typeof(Snapshot).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!;
}
