using Kiln.Diagnostics;

namespace Kiln.Communicators;

/// <summary>The check behind every `valid_exit_codes` key (shell, shell-local): one message, one hint.</summary>
internal static class ValidExitCodes
{
    /// <param name="valid">The codes that count as success.</param>
    /// <param name="exitCode">The code the command exited with.</param>
    /// <param name="what">What ran, at the start of the message: "shell: script setup.sh".</param>
    /// <param name="details">The end of the message: what the command was, the output's last lines.</param>
    /// <param name="fixWhat">What the user would fix: "script", "command".</param>
    public static void Ensure(IReadOnlyList<int> valid, int exitCode, string what, string details, string fixWhat)
    {
        if (!valid.Contains(exitCode))
        {
            throw new KilnException(
                $"{what} exited with code {exitCode}{details}",
                valid is [0]
                    ? $"Fix the {fixWhat}, or list the codes that mean success in `valid_exit_codes`."
                    : $"Exit codes counted as success: {string.Join(", ", valid)}.");
        }
    }
}
