namespace Kiln.Communicators.Docker;

/// <summary>Paths inside a Linux container, which are POSIX whatever the host is.</summary>
internal static class ContainerPaths
{
    /// <summary>An absolute, normalised path; relative ones are taken from <paramref name="workingDirectory"/>.</summary>
    public static string Absolute(string path, string workingDirectory)
    {
        var combined = path.StartsWith('/') ? path : workingDirectory.TrimEnd('/') + "/" + path;
        var parts = new List<string>();
        foreach (var part in combined.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return "/" + string.Join('/', parts);
    }

    /// <summary>The path as a tar entry name extracted at the container's root.</summary>
    public static string EntryName(string absolutePath) => absolutePath.TrimStart('/');
}
