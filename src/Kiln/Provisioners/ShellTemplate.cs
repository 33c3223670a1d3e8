using System.Text.RegularExpressions;
using Kiln.Communicators;

namespace Kiln.Provisioners;

/// <summary>
/// The <c>execute_command</c> template: <c>{path}</c> and <c>{vars}</c> (the style of Kiln's other path templates,
/// and clear of the definitions' own <c>{{ }}</c> interpolation). Packer's <c>{{ .Path }}</c> and <c>{{ .Vars }}</c>
/// are read too, for commands that reach Kiln with them (written as <c>{{ "{{" }} .Path }}</c> in a definition).
/// </summary>
internal static partial class ShellTemplate
{
    public static bool HasPath(string template) => PathPlaceholder().IsMatch(template);

    public static bool HasVars(string template) => VarsPlaceholder().IsMatch(template);

    public static string Expand(string template, string path, IReadOnlyDictionary<string, string> environment)
    {
        var withPath = PathPlaceholder().Replace(template, _ => ShellQuote.Quote(path));
        return VarsPlaceholder().Replace(withPath, _ => Assignments(environment));
    }

    /// <summary>
    /// The template with the path filled in, for logs: the variables in <paramref name="shown"/> (the build's own
    /// values, never secret) with their values, every other one named but masked, since it may hold a secret.
    /// </summary>
    public static string Display(string template, string path, IReadOnlyDictionary<string, string> environment, IReadOnlySet<string>? shown = null)
    {
        var withPath = PathPlaceholder().Replace(template, _ => ShellQuote.Quote(path));
        return VarsPlaceholder().Replace(withPath, _ => string.Join(' ', environment.OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => e.Key + "=" + (shown?.Contains(e.Key) == true ? ShellQuote.Quote(e.Value) : "***"))));
    }

    private static string Assignments(IReadOnlyDictionary<string, string> environment) =>
        string.Join(' ', environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + "=" + ShellQuote.Quote(e.Value)));

    [GeneratedRegex(@"\{path\}|\{\{\s*\.Path\s*\}\}")]
    private static partial Regex PathPlaceholder();

    [GeneratedRegex(@"\{vars\}|\{\{\s*\.Vars\s*\}\}")]
    private static partial Regex VarsPlaceholder();
}
