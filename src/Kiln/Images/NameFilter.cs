using System.Text.RegularExpressions;

namespace Kiln.Images;

/// <summary>Matches names against user patterns where <c>*</c> is any run of characters and <c>?</c> one character.</summary>
internal static class NameFilter
{
    public static bool Matches(string name, string pattern) =>
        Regex.IsMatch(name, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    public static bool MatchesAny(string name, IReadOnlyList<string> patterns) => patterns.Any(p => Matches(name, p));
}
