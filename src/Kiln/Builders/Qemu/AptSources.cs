using System.Text.RegularExpressions;

namespace Kiln.Builders.Qemu;

/// <summary>
/// The Debian mirrors this machine's apt already uses, read from /etc/apt/sources.list(.d): Kiln bootstraps from
/// them so a build needs no internet beyond what apt here already reaches.
/// </summary>
internal static partial class AptSources
{
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>The URI serving <paramref name="suite"/> (main archive) and the one serving "&lt;suite&gt;-security", if configured.</summary>
    public static (string? Mirror, string? Security) FindMirrors(string suite, string etcApt = "/etc/apt")
    {
        var entries = Read(etcApt).ToList();
        var mirror = entries.FirstOrDefault(e => e.Suites.Contains(suite)).Uri;
        var security = entries.FirstOrDefault(e => e.Suites.Contains(suite + "-security")).Uri;
        return (mirror, security);
    }

    /// <summary>The one-line sources mmdebstrap installs into the guest; also part of the base's cache key.</summary>
    public static IReadOnlyList<string> GuestSources(string suite, string mirror, string? security) =>
    [
        $"deb {mirror} {suite} main",
        $"deb {mirror} {suite}-updates main",
        .. security is null ? Array.Empty<string>() : [$"deb {security} {suite}-security main"],
    ];

    internal static IEnumerable<(string Uri, IReadOnlyList<string> Suites)> Read(string etcApt)
    {
        var files = new List<string>();
        if (File.Exists(Path.Combine(etcApt, "sources.list")))
        {
            files.Add(Path.Combine(etcApt, "sources.list"));
        }

        var dir = Path.Combine(etcApt, "sources.list.d");
        if (Directory.Exists(dir))
        {
            files.AddRange(Directory.EnumerateFiles(dir).Where(f => f.EndsWith(".list", StringComparison.Ordinal) || f.EndsWith(".sources", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        }

        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var entries = file.EndsWith(".sources", StringComparison.Ordinal) ? ParseDeb822(text) : ParseOneLine(text);
            foreach (var entry in entries)
            {
                yield return entry;
            }
        }
    }

    internal static IEnumerable<(string Uri, IReadOnlyList<string> Suites)> ParseOneLine(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Split('#')[0].Trim();
            var match = OneLinePattern().Match(line);
            if (match.Success)
            {
                yield return (match.Groups["uri"].Value.TrimEnd('/'), [match.Groups["suite"].Value]);
            }
        }
    }

    internal static IEnumerable<(string Uri, IReadOnlyList<string> Suites)> ParseDeb822(string text)
    {
        foreach (var stanza in text.Replace("\r", "", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in stanza.Split('\n').Where(l => !l.StartsWith('#') && l.Contains(':', StringComparison.Ordinal) && !char.IsWhiteSpace(l[0])))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                fields[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }

            if (!fields.TryGetValue("Types", out var types) || !types.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("deb")
                || (fields.TryGetValue("Enabled", out var enabled) && enabled.Equals("no", StringComparison.OrdinalIgnoreCase))
                || !fields.TryGetValue("URIs", out var uris) || !fields.TryGetValue("Suites", out var suites))
            {
                continue;
            }

            var suiteList = suites.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var uri in uris.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                yield return (uri.TrimEnd('/'), suiteList);
            }
        }
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9+.\-]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^deb\s+(\[[^\]]*\]\s+)?(?<uri>\S+)\s+(?<suite>\S+)")]
    private static partial Regex OneLinePattern();
}
