using System.Globalization;
using System.Text.RegularExpressions;

namespace Kiln.Definitions;

/// <summary>Text to typed values, the same everywhere: YAML scalars, interpolated strings, --var and KILN_VAR_ values.</summary>
public static partial class ScalarConversions
{
    public static bool TryBool(string text, out bool value)
    {
        switch (text)
        {
            case "true" or "True" or "TRUE":
                value = true;
                return true;
            case "false" or "False" or "FALSE":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    public static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    public static bool TryInteger(string text, out long value) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    /// <summary>Durations as users write them: "90s", "5m", "1h30m", "250ms", "2d"; a bare "0" is zero.</summary>
    public static bool TryDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (text == "0")
        {
            return true;
        }

        var match = Duration().Match(text);
        if (!match.Success)
        {
            return false;
        }

        double milliseconds = 0;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var digits = part.Value.AsSpan().TrimEnd("mshd");
            var number = double.Parse(digits, CultureInfo.InvariantCulture);
            milliseconds += number * part.Value[digits.Length..] switch
            {
                "ms" => 1,
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                _ => 86_400_000,
            };
        }

        if (milliseconds > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(milliseconds);
        return true;
    }

    public const string DurationPattern = "^(?:[0-9]+(?:\\.[0-9]+)?(?:ms|s|m|h|d))+$";

    [GeneratedRegex("^(?<part>[0-9]{1,9}(?:\\.[0-9]{1,9})?(?:ms|s|m|h|d))+$")]
    private static partial Regex Duration();
}
