namespace Kiln.Definitions;

/// <summary>
/// "Did you mean" for names: the closest candidate within a small edit distance. The one implementation for definition
/// names and keys (the default rule) and for target and parameter names: Kiln.Targets compiles this same file and
/// passes its own <see cref="SuggestionRule"/> (it does not reference Kiln).
/// </summary>
internal static class Suggestions
{
    /// <summary>Names as written, any case; about one edit in three letters, at most four.</summary>
    public static SuggestionRule Definitions { get; } = new(name => name, Prefixes: false, length => Math.Max(1, Math.Min(length, 12) / 3));

    public static string? Closest(string input, IEnumerable<string> candidates) => Closest(input, candidates, Definitions);

    public static string? Closest(string input, IEnumerable<string> candidates, SuggestionRule rule)
    {
        var wanted = rule.Normalize(input);
        if (wanted.Length == 0)
        {
            return null;
        }

        var limit = rule.Limit(wanted.Length);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var normalized = rule.Normalize(candidate);
            var distance = rule.Prefixes && (normalized.StartsWith(wanted, StringComparison.Ordinal) || wanted.StartsWith(normalized, StringComparison.Ordinal))
                ? Math.Min(1, Distance(wanted, normalized))
                : Distance(wanted, normalized);
            if (distance <= limit && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>A hint naming the closest candidate, or listing the candidates when none is close.</summary>
    public static string Hint(string input, IReadOnlyCollection<string> candidates, string what)
    {
        var closest = Closest(input, candidates);
        if (closest is not null)
        {
            return $"Did you mean '{closest}'?";
        }

        return candidates.Count == 0
            ? $"No {what} is available here."
            : $"Known {what}: {string.Join(", ", candidates.Order(StringComparer.Ordinal).Take(30))}.";
    }

    /// <summary>Edit distance, any case, where swapping two neighbours counts as one edit ("bsae" is one from "base").</summary>
    private static int Distance(string a, string b)
    {
        var beforePrevious = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 2]) && char.ToLowerInvariant(a[i - 2]) == char.ToLowerInvariant(b[j - 1]))
                {
                    current[j] = Math.Min(current[j], beforePrevious[j - 2] + 1);
                }
            }

            (beforePrevious, previous, current) = (previous, current, beforePrevious);
        }

        return previous[b.Length];
    }
}

/// <summary>How names compare: what is ignored (<see cref="Normalize"/>), whether a prefix counts as one edit, how many edits a name of a given length may have.</summary>
internal sealed record SuggestionRule(Func<string, string> Normalize, bool Prefixes, Func<int, int> Limit);
