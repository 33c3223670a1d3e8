using System.Text.RegularExpressions;

namespace Kiln.Docker;

/// <summary>
/// A Docker image reference split the way the Engine API wants it: <c>[registry/]path[:tag][@digest]</c>.
/// The tag is the text after the last colon that follows the last slash, so <c>127.0.0.1:5000/app</c> has no tag.
/// </summary>
internal sealed partial record ImageReference(string Repository, string? Tag, string? Digest)
{
    public static bool TryParse(string text, out ImageReference reference)
    {
        reference = new ImageReference("", null, null);
        if (string.IsNullOrWhiteSpace(text) || text != text.Trim())
        {
            return false;
        }

        var rest = text;
        string? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!DigestPattern().IsMatch(digest))
            {
                return false;
            }
        }

        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                return false;
            }
        }

        if (!RepositoryPattern().IsMatch(rest))
        {
            return false;
        }

        reference = new ImageReference(rest, tag, digest);
        return true;
    }

    public static ImageReference Parse(string text) =>
        TryParse(text, out var reference)
            ? reference
            : throw new FormatException($"'{text}' is not a Docker image reference (repository[:tag][@digest], lowercase repository).");

    /// <summary>The registry host, or null for Docker Hub (the first component must look like a host to be one).</summary>
    public string? Registry
    {
        get
        {
            var slash = Repository.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                return null;
            }

            var first = Repository[..slash];
            return first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"
                ? first
                : null;
        }
    }

    /// <summary>The tag a push or pull uses when none was written.</summary>
    public string TagOrLatest => Tag ?? "latest";

    public override string ToString() =>
        Repository + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    // A registry host may have a port and uppercase letters; path components are lowercase (the engine's rule).
    [GeneratedRegex(@"^(?:[A-Za-z0-9][A-Za-z0-9.-]*(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")]
    private static partial Regex DigestPattern();
}
