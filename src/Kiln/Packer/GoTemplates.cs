using System.Text.RegularExpressions;
using Kiln.Definitions;

namespace Kiln.Packer;

/// <summary>
/// Packer's Go-template text in strings (<c>{{ user `x` }}</c>, <c>{{ .HTTPIP }}</c>, <c>{{ timestamp }}</c>) rewritten
/// as Kiln interpolation, as <see cref="PackerNames"/> lists it. Kiln expressions already in the text stay as they are.
/// </summary>
internal static partial class GoTemplates
{
    /// <summary>The text in Kiln's syntax, or null with the reason when a part of it has no Kiln equivalent.</summary>
    public static string? Translate(string text, out string? untranslated)
    {
        string? problem = null;
        var result = Action().Replace(text, match =>
        {
            var inner = match.Groups[1].Value.Trim();
            var kiln = inner switch
            {
                _ when KilnReference().IsMatch(inner) => match.Value,
                "timestamp" => "{{ timestamp }}",
                "uuid" => "{{ uuid() }}",
                ".HTTPIP" => "{{ http.ip }}",
                ".HTTPPort" => "{{ http.port }}",
                ".Name" or "build_name" => "{{ build.source }}",
                ".Path" => "{path}",
                ".Vars" => "{vars}",
                _ when User().Match(inner) is { Success: true } user => $"{{{{ var.{user.Groups[1].Value} }}}}",
                _ when Env().Match(inner) is { Success: true } env => $"{{{{ default(env.{env.Groups[1].Value}, \"\") }}}}",
                _ => null,
            };
            problem ??= kiln is null ? $"'{match.Value}' has no Kiln equivalent" : null;
            return kiln ?? match.Value;
        });
        untranslated = problem;
        return problem is null ? result : null;
    }

    [GeneratedRegex(@"\{\{-?(.*?)-?\}\}", RegexOptions.Singleline)]
    private static partial Regex Action();

    [GeneratedRegex(@"^((var|local|env|build|image|git|http)\.[A-Za-z0-9_.]+|uuid\(\)|default\(.*\))$")]
    private static partial Regex KilnReference();

    [GeneratedRegex(@"^user\s+`([A-Za-z0-9_]+)`$")]
    private static partial Regex User();

    [GeneratedRegex(@"^env\s+`([A-Za-z0-9_]+)`$")]
    private static partial Regex Env();
}
