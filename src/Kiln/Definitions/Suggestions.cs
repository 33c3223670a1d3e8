namespace Kiln.Definitions;

/// <summary>"Did you mean" for names: the closest candidate within a small edit distance.</summary>
public static class Suggestions
{
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var limit = Math.Max(1, Math.Min(input.Length, 12) / 3);
        foreach (var candidate in candidates)
        {
            if (Math.Abs(candidate.Length - input.Length) > limit)
            {
                continue;
            }

            var distance = Distance(input, candidate);
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

    /// <summary>Edit distance where swapping two neighbours counts as one edit ("bsae" is one from "base").</summary>
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
