using System.Text;
using System.Text.RegularExpressions;
using Kiln.Diagnostics;

namespace Kiln.Communicators;

/// <summary>POSIX shell quoting, for values that travel inside a remote command line.</summary>
internal static partial class ShellQuote
{
    /// <summary>Quotes a value so every POSIX shell reads it back byte for byte (quotes, $, spaces, newlines included).</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'";

    /// <summary>
    /// <c>export A='..'; export B='..'; </c>, in name order. Exported in the command line because sshd's AcceptEnv
    /// refuses SendEnv for anything but a few locale variables on most systems.
    /// </summary>
    public static string Exports(IReadOnlyDictionary<string, string> environment)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!IsValidName(name))
            {
                throw new KilnException(
                    $"'{name}' is not a valid environment variable name.",
                    "Use letters, digits and underscores, not starting with a digit.");
            }

            builder.Append("export ").Append(name).Append('=').Append(Quote(value)).Append("; ");
        }

        return builder.ToString();
    }

    public static bool IsValidName(string name) => VariableName().IsMatch(name);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();
}
