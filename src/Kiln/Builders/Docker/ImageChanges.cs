using System.Text.Json;
using Docker.DotNet.Models;

namespace Kiln.Builders.Docker;

/// <summary>
/// The Dockerfile instructions a commit or import may apply (<c>changes:</c>), and the same instructions
/// written back from an image's config, which is how a squashed image keeps its CMD, ENV and the rest.
/// </summary>
internal static class ImageChanges
{
    /// <summary>The instructions the engine accepts in a commit's or import's changes.</summary>
    public static readonly IReadOnlySet<string> Instructions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "USER", "VOLUME", "WORKDIR", "STOPSIGNAL",
    };

    /// <summary>Null when <paramref name="change"/> is acceptable, otherwise why not.</summary>
    public static string? Problem(string change)
    {
        var trimmed = change.Trim();
        if (trimmed.Length == 0)
        {
            return "is empty";
        }

        var keyword = trimmed.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0];
        if (!Instructions.Contains(keyword))
        {
            return $"starts with '{keyword}', which a commit cannot apply";
        }

        return trimmed.Length == keyword.Length ? $"has no argument after {keyword.ToUpperInvariant()}" : null;
    }

    /// <summary>Instructions that recreate <paramref name="config"/> on an image that has no config (an import).</summary>
    public static IReadOnlyList<string> FromConfig(DockerOCIImageConfig config)
    {
        var changes = new List<string>();
        foreach (var variable in config.Env ?? [])
        {
            var equals = variable.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                changes.Add($"ENV {variable[..equals]}={Quote(variable[(equals + 1)..])}");
            }
        }

        foreach (var (key, value) in config.Labels ?? new Dictionary<string, string>())
        {
            changes.Add($"LABEL {Quote(key)}={Quote(value)}");
        }

        foreach (var port in config.ExposedPorts?.Keys ?? [])
        {
            changes.Add($"EXPOSE {port}");
        }

        if (config.Volumes is { Count: > 0 } volumes)
        {
            changes.Add($"VOLUME {JsonSerializer.Serialize(volumes.Keys.ToArray())}");
        }

        if (!string.IsNullOrEmpty(config.User))
        {
            changes.Add($"USER {config.User}");
        }

        if (!string.IsNullOrEmpty(config.WorkingDir))
        {
            changes.Add($"WORKDIR {config.WorkingDir}");
        }

        if (!string.IsNullOrEmpty(config.StopSignal))
        {
            changes.Add($"STOPSIGNAL {config.StopSignal}");
        }

        if (config.Entrypoint is { Count: > 0 } entrypoint)
        {
            changes.Add($"ENTRYPOINT {JsonSerializer.Serialize(entrypoint)}");
        }

        if (config.Cmd is { Count: > 0 } cmd)
        {
            changes.Add($"CMD {JsonSerializer.Serialize(cmd)}");
        }

        return changes;
    }

    // Dockerfile ENV/LABEL values: double quotes, with backslash escapes for the quote, the backslash and $.
    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("$", "\\$", StringComparison.Ordinal) + "\"";
}
