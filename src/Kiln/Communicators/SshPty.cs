namespace Kiln.Communicators;

/// <summary>
/// ssh_pty: SSH.NET's exec channels carry no pseudo-terminal request, so the command runs under util-linux's
/// <c>script</c> on the machine (Debian's essential bsdutils), which gives it a terminal and passes its exit code on.
/// Echo is off, so input is not copied into the output.
/// </summary>
internal static class SshPty
{
    public static string Wrap(string commandLine) =>
        "script -qefc " + ShellQuote.Quote("stty -echo 2>/dev/null; " + commandLine) + " /dev/null";
}
