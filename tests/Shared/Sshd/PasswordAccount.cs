using System.Diagnostics;
using Kiln.Communicators;

namespace Kiln.Testing.Sshd;

/// <summary>
/// A user that exists only for one sshd: copies of /etc/passwd, group, shadow and sudoers with the user added are
/// bind-mounted over the real ones in a private mount namespace (unshare -m) that sshd and its sessions run in. The
/// host's files are never touched, and nothing is left when sshd stops. The user logs in with a password only, and
/// may sudo with that password (sudo checks it through PAM against the namespace's shadow).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class PasswordAccount
{
    public const int Uid = 4242;

    /// <summary>Sets up <paramref name="sshd"/> (before it starts) so that <paramref name="user"/> logs in with <paramref name="password"/> and nothing else.</summary>
    /// <param name="keyboardInteractive">Offer keyboard-interactive (through PAM) instead of the "password" method.</param>
    public static async Task AddAsync(Sshd sshd, string user, string password, bool keyboardInteractive, CancellationToken cancellationToken)
    {
        File.SetUnixFileMode(sshd.Directory, (UnixFileMode)0b111_101_101);
        var home = Path.Combine(sshd.Directory, "home-" + user);
        Directory.CreateDirectory(home);
        File.SetUnixFileMode(home, (UnixFileMode)0b111_111_111);
        var hash = (await RunAsync("openssl", ["passwd", "-6", "-stdin"], password + "\n", cancellationToken)).Trim();
        var files = new Dictionary<string, string>
        {
            ["passwd"] = $"{user}:x:{Uid}:{Uid}:Kiln test:{home}:/bin/sh\n",
            ["group"] = $"{user}:x:{Uid}:\n",
            ["shadow"] = $"{user}:{hash}:19000:0:99999:7:::\n",
            ["sudoers"] = $"{user} ALL=(ALL:ALL) ALL\n",
        };
        var mounts = new List<string>();
        foreach (var (name, line) in files)
        {
            var copy = Path.Combine(sshd.Directory, "etc-" + name);
            await File.WriteAllTextAsync(copy, await File.ReadAllTextAsync("/etc/" + name, cancellationToken) + line, cancellationToken);
            File.SetUnixFileMode(copy, name is "shadow" or "sudoers" ? UnixFileMode.UserRead : (UnixFileMode)0b110_100_100);
            mounts.Add($"mount --bind {copy} /etc/{name}");
        }

        sshd.PrependedConfig = $"""
            AllowUsers {user}
            PubkeyAuthentication no
            PasswordAuthentication {(keyboardInteractive ? "no" : "yes")}
            KbdInteractiveAuthentication {(keyboardInteractive ? "yes" : "no")}
            UsePAM {(keyboardInteractive ? "yes" : "no")}

            """;
        sshd.Wrapper = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", string.Join(" && ", mounts) + " && exec \"$@\"", "sshd-in-namespace"];
    }

    public static SshEndpoint Endpoint(Sshd sshd, string user, string password, TimeSpan? timeout = null) =>
        new(sshd.Host, sshd.Port, user, "") { Password = password, Timeout = timeout ?? TimeSpan.FromMinutes(1) };

    private static async Task<string> RunAsync(string program, IEnumerable<string> arguments, string input, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed with exit code {process.ExitCode}");
        }

        return output;
    }
}
