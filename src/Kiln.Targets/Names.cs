using System.Text;
using Kiln.Definitions;

namespace Kiln.Targets;

/// <summary>Target and parameter names match case- and dash-insensitively, like Nuke's.</summary>
internal static class Names
{
    public static string Normalize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c is not ('-' or '_' or ' '))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }
        return builder.ToString();
    }

    /// <summary>ApiKey becomes api-key; a run of capitals stays together (AMIName becomes ami-name).</summary>
    public static string Kebab(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '_')
            {
                builder.Append('-');
                continue;
            }
            var startsWord = char.IsUpper(c) && i > 0 && name[i - 1] != '_'
                && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])));
            if (startsWord)
            {
                builder.Append('-');
            }

            builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }

    private static readonly SuggestionRule Rule = new(Normalize, Prefixes: true, length => Math.Max(2, length / 3));

    /// <summary>The closest candidate within a few edits (or by prefix), for "did you mean".</summary>
    public static string? Closest(string name, IEnumerable<string> candidates) => Suggestions.Closest(name, candidates, Rule);
}
