namespace Kiln.Builders.Qemu.Install;

/// <summary>What the build's HTTP server serves: http_content by URL path, else a file under http_directory (never outside it).</summary>
internal sealed class HttpFiles(string? directory, IReadOnlyDictionary<string, string> content)
{
    private readonly string? _root = directory is null ? null : Path.GetFullPath(directory);

    public static bool IsValidPath(string path) =>
        path.StartsWith('/') && !path.Contains("..", StringComparison.Ordinal) && !path.Any(char.IsControl) && !path.Contains('?', StringComparison.Ordinal);

    /// <summary>The inline content or the file for a request path, or neither when there is nothing to serve.</summary>
    public (string? Content, string? File) Find(string requestPath)
    {
        var path = Uri.UnescapeDataString(requestPath.Split('?', 2)[0]);
        if (content.TryGetValue(path, out var text))
        {
            return (text, null);
        }

        if (_root is null || !IsValidPath(path))
        {
            return (null, null);
        }

        var full = Path.GetFullPath(Path.Combine(_root, path.TrimStart('/')));
        var inside = full == _root || full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        return inside && File.Exists(full) ? (null, full) : (null, null);
    }
}
