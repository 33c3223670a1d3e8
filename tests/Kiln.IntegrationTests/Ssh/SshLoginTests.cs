using Kiln.Communicators;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Testing;
using Kiln.Testing.Sshd;

namespace Kiln.IntegrationTests.Ssh;

/// <summary>
/// The logins real images use, against real OpenSSH sshd processes: a user whose only login is a password (the
/// "password" method, or keyboard-interactive through PAM), sudo fed that password, a pseudo-terminal, and a jump host.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshLoginTests : IAsyncLifetime
{
    private const string User = "kiln-pw";
    private const string Password = "Corr3ct-h0rse 'battery' $staple";
    private readonly CancellationToken _cancellation = TestContext.Current.CancellationToken;
    private readonly TestLog _log = new();
    private readonly List<Sshd> _servers = [];
    private string _remote = null!;

    public ValueTask InitializeAsync()
    {
        _remote = Directory.CreateTempSubdirectory("kiln-remote-").FullName;
        File.SetUnixFileMode(_remote, (UnixFileMode)0b111_111_111);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        Directory.Delete(_remote, recursive: true);
    }

    private async Task<Sshd> PasswordOnlySshdAsync(bool keyboardInteractive = false)
    {
        var sshd = await Sshd.CreateAsync(_cancellation);
        _servers.Add(sshd);
        await PasswordAccount.AddAsync(sshd, User, Password, keyboardInteractive, _cancellation);
        await sshd.StartAsync(_cancellation);
        return sshd;
    }

    private async Task<(CommandResult Result, List<string> Stdout, List<string> Stderr)> RunAsync(SshCommunicator ssh, RemoteCommand command)
    {
        var output = new RecordingOutput();
        var result = await ssh.ExecuteAsync(command, output, _cancellation);
        return (result, output.Stdout, output.Stderr);
    }

    [Theory]
    [InlineData(false, "Accepted password for kiln-pw")]
    [InlineData(true, "Accepted keyboard-interactive/pam for kiln-pw")]
    public async Task A_user_whose_only_login_is_a_password_logs_in_and_sudo_takes_the_piped_password_which_never_reaches_the_log(bool keyboardInteractive, string accepted)
    {
        var sshd = await PasswordOnlySshdAsync(keyboardInteractive);
        await using var ssh = new SshCommunicator(PasswordAccount.Endpoint(sshd, User, Password), _log, new NullProgress());

        var (whoami, user, _) = await RunAsync(ssh, new RemoteCommand("id -un"));
        var (sudo, root, sudoErrors) = await RunAsync(ssh, new RemoteCommand("id -un; cat > /dev/null; echo stdin-closed") { Sudo = true });

        Assert.Equal(0, whoami.ExitCode);
        Assert.Equal([User], user);
        Assert.True(sudo.ExitCode == 0, string.Join("\n", sudoErrors));
        Assert.Equal(["root", "stdin-closed"], root);
        Assert.Contains(accepted, sshd.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Corr3ct", _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_packer_style_sudo_S_shutdown_command_runs_with_the_password_piped_by_the_command_itself()
    {
        var sshd = await PasswordOnlySshdAsync();
        await using var ssh = new SshCommunicator(PasswordAccount.Endpoint(sshd, User, Password), _log, new NullProgress());
        var marker = Path.Combine(_remote, "halted");

        // What Packer templates write: echo '<password>' | sudo -S shutdown -P now, here with a harmless command.
        var (result, _, errors) = await RunAsync(ssh, new RemoteCommand($"printf '%s\\n' \"$PW\" | sudo -S -p '' sh -c 'id -u > {marker}'")
        {
            Environment = new Dictionary<string, string> { ["PW"] = Password },
        });

        Assert.True(result.ExitCode == 0, string.Join("\n", errors));
        Assert.Equal("0", (await File.ReadAllTextAsync(marker, _cancellation)).Trim());
        Assert.DoesNotContain("Corr3ct", _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_fails_after_the_timeout_with_an_error_that_does_not_contain_it()
    {
        var sshd = await PasswordOnlySshdAsync();
        const string wrong = "Wr0ng-passw0rd-123";
        await using var ssh = new SshCommunicator(PasswordAccount.Endpoint(sshd, User, wrong, TimeSpan.FromSeconds(5)), _log, new NullProgress());

        var error = await Assert.ThrowsAsync<KilnException>(() => ssh.ConnectAsync(_cancellation));

        Assert.Contains("authentication failed", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error.Message + error.Hint + _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_ssh_pty_commands_run_on_a_terminal_and_sudo_still_gets_its_password_without_echoing_it()
    {
        var sshd = await PasswordOnlySshdAsync();
        await using var ssh = new SshCommunicator(PasswordAccount.Endpoint(sshd, User, Password) with { Pty = true }, _log, new NullProgress());

        var (tty, terminal, _) = await RunAsync(ssh, new RemoteCommand("tty; exit 7"));
        var (sudo, lines, _) = await RunAsync(ssh, new RemoteCommand("test -t 1 && id -un") { Sudo = true });

        Assert.Equal(7, tty.ExitCode);
        Assert.StartsWith("/dev/pts/", Assert.Single(terminal), StringComparison.Ordinal);
        Assert.Equal(0, sudo.ExitCode);
        Assert.Equal(["root"], lines.Select(l => l.Trim()).Where(l => l.Length > 0));
        Assert.DoesNotContain("Corr3ct", string.Join("\n", lines) + _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Through_a_bastion_the_session_goes_over_a_forward_of_the_jump_host_and_stops_when_the_jump_host_is_gone()
    {
        var target = await PasswordOnlySshdAsync();
        var bastion = await Sshd.CreateAsync(_cancellation);
        _servers.Add(bastion);
        bastion.PrependedConfig = "LogLevel DEBUG1\n";
        await bastion.StartAsync(_cancellation);
        using var bastionKey = await bastion.AuthorizedKeyAsync(_cancellation);
        var endpoint = PasswordAccount.Endpoint(target, User, Password, TimeSpan.FromSeconds(20)) with
        {
            Bastion = new SshBastion(bastion.Host, bastion.Port, bastion.Username) { PrivateKeyPath = bastionKey.PrivateKeyPath },
        };
        await using var ssh = new SshCommunicator(endpoint, _log, new NullProgress());

        var (result, user, _) = await RunAsync(ssh, new RemoteCommand("id -un"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([User], user);
        Assert.Contains($"target 127.0.0.1 port {target.Port}", bastion.Log, StringComparison.Ordinal);
        Assert.Contains("via", endpoint.ToString(), StringComparison.Ordinal);

        await bastion.StopAsync();
        await ssh.DisconnectAsync(_cancellation);
        var error = await Assert.ThrowsAsync<KilnException>(() => ssh.ExecuteAsync(new RemoteCommand("true"), new RecordingOutput(), _cancellation));
        Assert.Contains("bastion", error.Message, StringComparison.Ordinal);
    }
}
