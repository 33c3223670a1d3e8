using Kiln.Communicators;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Testing;
using Kiln.Testing.Sshd;

namespace Kiln.IntegrationTests.Ssh;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshCommunicatorTests : IAsyncLifetime
{
    private readonly CancellationToken _cancellation = TestContext.Current.CancellationToken;
    private readonly TestLog _log = new();
    private Sshd _sshd = null!;
    private SshKeyPair _key = null!;
    private string _remote = null!;

    public async ValueTask InitializeAsync()
    {
        _sshd = await Sshd.StartNewAsync(_cancellation);
        _key = await _sshd.AuthorizedKeyAsync(_cancellation);
        _remote = Directory.CreateTempSubdirectory("kiln-remote-").FullName;
    }

    public async ValueTask DisposeAsync()
    {
        _key.Dispose();
        await _sshd.DisposeAsync();
        Directory.Delete(_remote, recursive: true);
    }

    private SshCommunicator Communicator(TimeSpan? timeout = null) =>
        new(_sshd.Endpoint(_key.PrivateKeyPath, timeout), _log, new NullProgress());

    private async Task<(CommandResult Result, List<string> Stdout, List<string> Stderr)> RunAsync(SshCommunicator ssh, RemoteCommand command)
    {
        var output = new RecordingOutput();
        var result = await ssh.ExecuteAsync(command, output, _cancellation);
        return (result, output.Stdout, output.Stderr);
    }

    [Fact]
    public async Task Executes_a_command_streaming_stdout_and_stderr_lines_and_returns_its_exit_code()
    {
        await using var ssh = Communicator();

        var (result, stdout, stderr) = await RunAsync(ssh, new RemoteCommand("echo one; echo two >&2; printf 'three\\nfour'; exit 3"));

        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Disconnected);
        Assert.Equal(["one", "three", "four"], stdout);
        Assert.Equal(["two"], stderr);
    }

    [Fact]
    public async Task Environment_values_with_quotes_spaces_dollars_and_newlines_arrive_intact_and_stay_out_of_the_log()
    {
        await using var ssh = Communicator();
        const string value = "it's \"quoted\" $HOME `id` \\ back\nsecond line with  spaces\n";
        var target = Path.Combine(_remote, "value");

        var (result, _, _) = await RunAsync(ssh, new RemoteCommand($"printf '%s' \"$KILN_SECRET\" > {target}")
        {
            Environment = new Dictionary<string, string> { ["KILN_SECRET"] = value, ["OTHER"] = "x" },
        });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(value, await File.ReadAllTextAsync(target, _cancellation));
        Assert.Contains("KILN_SECRET", _log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("quoted", _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_environment_variable_name_is_refused_before_anything_runs()
    {
        await using var ssh = Communicator();

        var error = await Assert.ThrowsAsync<KilnException>(() => ssh.ExecuteAsync(
            new RemoteCommand("true") { Environment = new Dictionary<string, string> { ["A;rm -rf /"] = "x" } },
            new RecordingOutput(),
            _cancellation));

        Assert.Contains("not a valid environment variable name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sudo_runs_the_command_and_its_environment_through_sudo_for_a_non_root_user()
    {
        await using var ssh = Communicator();
        var asBuilder = new SshCommunicator(_sshd.Endpoint(_key.PrivateKeyPath) with { Username = "builder" }, _log, new NullProgress());
        var command = new RemoteCommand("printf '%s|%s' \"$(id -u)\" \"$V\"")
        {
            Sudo = true,
            Environment = new Dictionary<string, string> { ["V"] = "a 'b' $c" },
        };
        var composed = asBuilder.Compose(command);
        Assert.StartsWith("sudo -n sh -c ", composed, StringComparison.Ordinal);
        Assert.DoesNotContain("sudo", ssh.Compose(command), StringComparison.Ordinal);

        // The tests' sshd logs in as root, so run the non-root composition through it: real sudo, real quoting.
        var (result, stdout, _) = await RunAsync(ssh, new RemoteCommand(composed));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["0|a 'b' $c"], stdout);
    }

    [Fact]
    public async Task Uploads_and_downloads_a_file_with_its_content_and_mode()
    {
        await using var ssh = Communicator();
        var content = new byte[3 * 1024 * 1024 + 17];
        Random.Shared.NextBytes(content);
        var remoteFile = Path.Combine(_remote, "blob.bin");

        await ssh.UploadAsync(new MemoryStream(content), remoteFile, _cancellation, mode: 0b111_101_000);
        using var downloaded = new MemoryStream();
        await ssh.DownloadAsync(remoteFile, downloaded, _cancellation);

        Assert.Equal(content, await File.ReadAllBytesAsync(remoteFile, _cancellation));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
            File.GetUnixFileMode(remoteFile));
        Assert.Equal(content, downloaded.ToArray());
    }

    [Fact]
    public async Task Large_transfers_report_progress_up_to_their_size_and_small_ones_stay_quiet()
    {
        var progress = new RecordingProgress();
        await using var ssh = new SshCommunicator(_sshd.Endpoint(_key.PrivateKeyPath), _log, progress);
        var large = new byte[5 * 1024 * 1024];
        Random.Shared.NextBytes(large);

        await ssh.UploadAsync(new MemoryStream(large), Path.Combine(_remote, "large"), _cancellation);
        await ssh.DownloadAsync(Path.Combine(_remote, "large"), new MemoryStream(), _cancellation);
        await ssh.UploadAsync(new MemoryStream(new byte[100]), Path.Combine(_remote, "small"), _cancellation);

        Assert.Equal(2, progress.Tasks.Count);
        Assert.All(progress.Tasks, t => Assert.Equal((large.Length, (long?)large.Length), (t.Advanced, t.Total)));
        Assert.All(progress.Tasks, t => Assert.True(t.Disposed));
        Assert.StartsWith("upload ", progress.Tasks[0].Description, StringComparison.Ordinal);
        Assert.StartsWith("download ", progress.Tasks[1].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uploads_and_downloads_a_directory_tree_with_modes_empty_directories_and_links()
    {
        await using var ssh = Communicator();
        var local = Directory.CreateTempSubdirectory("kiln-tree-").FullName;
        var back = Path.Combine(Directory.CreateTempSubdirectory("kiln-tree-back-").FullName, "copy");
        try
        {
            Directory.CreateDirectory(Path.Combine(local, "bin"));
            Directory.CreateDirectory(Path.Combine(local, "empty"));
            Directory.CreateDirectory(Path.Combine(local, "deep", "er", "est"));
            await File.WriteAllTextAsync(Path.Combine(local, "bin", "run.sh"), "#!/bin/sh\necho run\n", _cancellation);
            File.SetUnixFileMode(Path.Combine(local, "bin", "run.sh"), (UnixFileMode)0b111_101_101);
            await File.WriteAllTextAsync(Path.Combine(local, "secret.conf"), "key=value\n", _cancellation);
            File.SetUnixFileMode(Path.Combine(local, "secret.conf"), (UnixFileMode)0b110_000_000);
            await File.WriteAllTextAsync(Path.Combine(local, "deep", "er", "est", "file.txt"), "deep\n", _cancellation);
            File.CreateSymbolicLink(Path.Combine(local, "link"), "bin/run.sh");
            File.SetUnixFileMode(Path.Combine(local, "empty"), (UnixFileMode)0b111_000_000);
            var remote = Path.Combine(_remote, "tree");

            await ssh.UploadDirectoryAsync(local, remote, _cancellation);
            await ssh.DownloadDirectoryAsync(remote, back, _cancellation);

            foreach (var copy in new[] { remote, back })
            {
                Assert.Equal("#!/bin/sh\necho run\n", await File.ReadAllTextAsync(Path.Combine(copy, "bin", "run.sh"), _cancellation));
                Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.Combine(copy, "bin", "run.sh")));
                Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(Path.Combine(copy, "secret.conf")));
                Assert.Equal("deep\n", await File.ReadAllTextAsync(Path.Combine(copy, "deep", "er", "est", "file.txt"), _cancellation));
                Assert.True(Directory.Exists(Path.Combine(copy, "empty")));
                Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(copy, "empty")));
                Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(Path.Combine(copy, "empty")));
                Assert.Equal("bin/run.sh", new FileInfo(Path.Combine(copy, "link")).LinkTarget);
            }

            Assert.DoesNotContain(Directory.EnumerateFiles(back, "*", SearchOption.AllDirectories), f => f.EndsWith(".kiln-partial", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(local, recursive: true);
            Directory.Delete(Path.GetDirectoryName(back)!, recursive: true);
        }
    }

    [Fact]
    public async Task Downloading_a_missing_file_says_which_file()
    {
        await using var ssh = Communicator();

        var error = await Assert.ThrowsAsync<KilnException>(() =>
            ssh.DownloadAsync(Path.Combine(_remote, "missing"), new MemoryStream(), _cancellation));

        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_that_kills_its_own_session_reports_a_disconnect_and_the_next_command_reconnects()
    {
        await using var ssh = Communicator();

        var (killed, _, _) = await RunAsync(ssh, new RemoteCommand("echo before; kill -9 $PPID; sleep 30"));
        var (after, stdout, _) = await RunAsync(ssh, new RemoteCommand("echo after"));

        Assert.True(killed.Disconnected, $"exit code {killed.ExitCode}");
        Assert.Equal(0, after.ExitCode);
        Assert.Equal(["after"], stdout);
    }

    [Fact]
    public async Task Reconnects_after_the_machine_went_away_and_came_back_with_the_same_host_key()
    {
        await using var ssh = Communicator();
        await RunAsync(ssh, new RemoteCommand("true"));
        await ssh.UploadAsync(new MemoryStream([1, 2, 3]), Path.Combine(_remote, "before"), _cancellation);
        await _sshd.StopAsync();

        var restart = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2), _cancellation);
            await _sshd.StartAsync(_cancellation);
        }, _cancellation);
        var (result, stdout, _) = await RunAsync(ssh, new RemoteCommand("echo back"));
        await restart;
        await ssh.UploadAsync(new MemoryStream([4, 5, 6]), Path.Combine(_remote, "after"), _cancellation);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["back"], stdout);
        Assert.Equal([4, 5, 6], await File.ReadAllBytesAsync(Path.Combine(_remote, "after"), _cancellation));
    }

    [Fact]
    public async Task A_host_key_that_changes_mid_build_is_an_error_that_names_both_keys()
    {
        await using var ssh = Communicator();
        await ssh.ConnectAsync(_cancellation);
        var pinned = ssh.HostKeyFingerprint;

        await _sshd.RestartWithNewHostKeyAsync(_cancellation);
        var error = await Assert.ThrowsAsync<KilnException>(() => RunAsync(ssh, new RemoteCommand("true")));

        Assert.Contains("host key", error.Message, StringComparison.Ordinal);
        Assert.Contains("changed", error.Message, StringComparison.Ordinal);
        Assert.Contains(pinned!, error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Hint);
    }

    [Fact]
    public async Task Waits_for_an_sshd_that_starts_after_the_wait_began_and_says_what_it_waits_for()
    {
        await _sshd.StopAsync();
        await using var ssh = Communicator();

        var connect = ssh.ConnectAsync(_cancellation);
        await Task.Delay(TimeSpan.FromSeconds(3), _cancellation);
        Assert.False(connect.IsCompleted);
        await _sshd.StartAsync(_cancellation);
        await connect;

        Assert.Contains($"waiting for SSH on 127.0.0.1:{_sshd.Port}", _log.Text, StringComparison.Ordinal);
        Assert.Contains("connection refused", _log.Text, StringComparison.Ordinal);
        Assert.NotNull(ssh.HostKeyFingerprint);
    }

    [Fact]
    public async Task Gives_up_after_ssh_timeout_with_the_last_error()
    {
        await _sshd.StopAsync();
        await using var ssh = Communicator(TimeSpan.FromSeconds(3));

        var error = await Assert.ThrowsAsync<KilnException>(() => ssh.ConnectAsync(_cancellation));

        Assert.Contains($"127.0.0.1:{_sshd.Port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("connection refused", error.Message, StringComparison.Ordinal);
        Assert.Contains("ssh_timeout", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_the_machine_does_not_accept_keeps_being_retried_and_is_reported_as_an_authentication_failure()
    {
        using var stranger = await SshKeyPair.CreateAsync(_sshd.Directory, "stranger", _cancellation);
        await using var ssh = new SshCommunicator(_sshd.Endpoint(stranger.PrivateKeyPath, TimeSpan.FromSeconds(10)), _log, new NullProgress());

        var error = await Assert.ThrowsAsync<KilnException>(() => ssh.ConnectAsync(_cancellation));

        Assert.Contains("authentication failed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Small_files_travel_over_the_command_session_with_their_mode_so_they_need_no_SFTP()
    {
        await using var bare = await Sshd.StartNewAsync(_cancellation, sftp: false);
        await bare.AuthorizeAsync(_key.PublicKey, _cancellation);
        await using var ssh = new SshCommunicator(bare.Endpoint(_key.PrivateKeyPath), _log, new NullProgress());
        var script = new byte[200 * 1024];
        Random.Shared.NextBytes(script);
        var remoteFile = Path.Combine(_remote, "script with 'quotes'.sh");
        await File.WriteAllTextAsync(remoteFile, "an older, longer file that the upload must replace entirely, mode and all", _cancellation);
        File.SetUnixFileMode(remoteFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        await ssh.UploadAsync(new MemoryStream(script), remoteFile, _cancellation, mode: 0b111_000_000);

        Assert.Equal(script, await File.ReadAllBytesAsync(remoteFile, _cancellation));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(remoteFile));
    }

    [Fact]
    public async Task A_small_upload_into_a_missing_folder_says_which_file_and_why()
    {
        await using var ssh = Communicator();

        var error = await Assert.ThrowsAsync<KilnException>(() => ssh.UploadAsync(new MemoryStream([1, 2, 3]), Path.Combine(_remote, "missing", "x.sh"), _cancellation));

        Assert.Contains(Path.Combine(_remote, "missing", "x.sh"), error.Message, StringComparison.Ordinal);
        Assert.Contains("No such file or directory", error.Message, StringComparison.Ordinal);
        Assert.Contains("folder exists", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_machine_without_SFTP_is_an_immediate_error_that_says_what_to_install()
    {
        await using var bare = await Sshd.StartNewAsync(_cancellation, sftp: false);
        await bare.AuthorizeAsync(_key.PublicKey, _cancellation);
        await using var ssh = new SshCommunicator(bare.Endpoint(_key.PrivateKeyPath), _log, new NullProgress());

        var error = await Assert.ThrowsAsync<KilnException>(() => ssh.UploadAsync(new MemoryStream(new byte[1024 * 1024]), Path.Combine(_remote, "x"), _cancellation));

        Assert.Contains("no SFTP", error.Message, StringComparison.Ordinal);
        Assert.Contains("openssh-sftp-server", error.Hint, StringComparison.Ordinal);
        // It gave up on the first answer instead of retrying until ssh_timeout.
        Assert.DoesNotContain("waiting for SSH", _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_running_command_stops_waiting_for_it()
    {
        await using var ssh = Communicator();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_cancellation);
        var output = new RecordingOutput(onLine: _ => cancel.Cancel());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ssh.ExecuteAsync(new RemoteCommand("echo started; sleep 300"), output, cancel.Token));
        var (after, _, _) = await RunAsync(ssh, new RemoteCommand("true"));

        Assert.Equal(0, after.ExitCode);
    }

    [Fact]
    public void Connection_describes_the_machine_for_external_tools()
    {
        var ssh = Communicator();

        Assert.Equal(new ConnectionInfo("127.0.0.1", _sshd.Port, _sshd.Username, _key.PrivateKeyPath), ssh.Connection);
    }
}

internal sealed class RecordingProgress : Kiln.Engine.IProgressSink
{
    public List<Task> Tasks { get; } = [];

    public Kiln.Engine.IProgressTask Start(string description, long? total = null)
    {
        var task = new Task(description, total);
        lock (Tasks)
        {
            Tasks.Add(task);
        }

        return task;
    }

    internal sealed class Task(string description, long? total) : Kiln.Engine.IProgressTask
    {
        public string Description => description;

        public long? Total { get; private set; } = total;

        public long Advanced { get; private set; }

        public bool Disposed { get; private set; }

        public void Advance(long amount) => Advanced += amount;

        public void SetTotal(long value) => Total = value;

        public void Dispose() => Disposed = true;
    }
}

internal sealed class RecordingOutput(Action<string>? onLine = null) : ICommandOutput
{
    private readonly Lock _lock = new();

    public List<string> Stdout { get; } = [];

    public List<string> Stderr { get; } = [];

    public void StandardOutput(string line)
    {
        lock (_lock)
        {
            Stdout.Add(line);
        }

        onLine?.Invoke(line);
    }

    public void StandardError(string line)
    {
        lock (_lock)
        {
            Stderr.Add(line);
        }

        onLine?.Invoke(line);
    }
}
