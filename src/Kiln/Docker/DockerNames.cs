using System.Text;

namespace Kiln.Docker;

internal static class DockerNames
{
    /// <summary>Lowercase letters, digits, '.', '_' and '-': safe in container names and tags.</summary>
    public static string Sanitize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-');
        }

        return builder.Length == 0 || !char.IsAsciiLetterOrDigit(builder[0]) ? "x" + builder : builder.ToString();
    }

    public static string Short(string id)
    {
        var hex = id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..] : id;
        return hex[..Math.Min(12, hex.Length)];
    }
}
