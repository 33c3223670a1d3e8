using Kiln.Communicators;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Steps;
using Kiln.Testing;
using Kiln.Testing.Sshd;

namespace Kiln.IntegrationTests.Ssh;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshStepsTests : IAsyncLifetime
{
    private readonly CancellationToken _cancellation = TestContext.Current.CancellationToken;
    private readonly TestLog _log = new();
    private readonly MemoryLedger _ledger = new();
    private Sshd _sshd = null!;
    private SshTestState _state = null!;

    public async ValueTask InitializeAsync()
    {
        _sshd = await Sshd.StartNewAsync(_cancellation);
        _state = new SshTestState(TestBuild.Context(new SshTestSourceConfig(), log: _log, ledger: _ledger));
    }

    public async ValueTask DisposeAsync()
    {
        await _sshd.DisposeAsync();
        Directory.Delete(_state.Context.WorkDirectory, recursive: true);
    }

    [Fact]
    public async Task The_build_key_step_creates_a_key_in_the_work_directory_and_its_cleanup_deletes_it()
    {
        var step = new CreateBuildKeyStep<SshTestState>();

        await step.RunAsync(_state, _cancellation);
        var key = _state.BuildKey!;
        Assert.StartsWith(_state.Context.WorkDirectory, key.PrivateKeyPath, StringComparison.Ordinal);
        Assert.EndsWith($"kiln-{_state.Context.RunId}", key.PublicKey, StringComparison.Ordinal);
        Assert.True(File.Exists(key.PrivateKeyPath));
        var recorded = Assert.Single(_ledger.Open);
        Assert.Equal((DirectorySweeper.ResourceKind, key.Directory), (recorded.Kind, recorded.Id));
        await step.CleanupAsync(_state, _cancellation);

        Assert.Null(_state.BuildKey);
        Assert.False(Directory.Exists(key.Directory));
        Assert.Empty(_ledger.Open);
    }

    [Fact]
    public async Task Wait_for_SSH_connects_with_the_build_key_and_sets_the_communicator_and_cleanup_closes_it()
    {
        await new CreateBuildKeyStep<SshTestState>().RunAsync(_state, _cancellation);
        await _sshd.AuthorizeAsync(_state.BuildKey!.PublicKey, _cancellation);
        _state.SshEndpoint = _sshd.Endpoint(_state.BuildKey.PrivateKeyPath);
        var step = new WaitForSshStep<SshTestState>();

        await step.RunAsync(_state, _cancellation);
        var output = new RecordingOutput();
        var result = await _state.Communicator!.ExecuteAsync(new RemoteCommand("echo hello"), output, _cancellation);
        await step.CleanupAsync(_state, _cancellation);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["hello"], output.Stdout);
        Assert.Null(_state.Communicator);
        Assert.Contains($"connected to {_sshd.Username}@127.0.0.1:{_sshd.Port}", _log.Text, StringComparison.Ordinal);
        _state.BuildKey.Dispose();
    }

    [Fact]
    public async Task A_second_connect_step_replaces_the_communicator_and_each_cleanup_closes_its_own()
    {
        using var key = await _sshd.AuthorizedKeyAsync(_cancellation);
        _state.SshEndpoint = _sshd.Endpoint(key.PrivateKeyPath);
        var build = new WaitForSshStep<SshTestState>();
        var verify = new WaitForSshStep<SshTestState>();

        await build.RunAsync(_state, _cancellation);
        var first = _state.Communicator!;
        await verify.RunAsync(_state, _cancellation);
        var second = _state.Communicator!;
        await verify.CleanupAsync(_state, _cancellation);
        Assert.Null(_state.Communicator);
        await build.CleanupAsync(_state, _cancellation);

        Assert.NotSame(first, second);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => first.ExecuteAsync(new RemoteCommand("true"), new RecordingOutput(), _cancellation));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => second.ExecuteAsync(new RemoteCommand("true"), new RecordingOutput(), _cancellation));
    }

    [Fact]
    public async Task Wait_for_SSH_fails_with_a_clear_error_when_the_machine_never_answers()
    {
        await _sshd.StopAsync();
        using var key = await SshKeyPair.CreateAsync(_state.Context.WorkDirectory, "k", _cancellation);
        _state.SshEndpoint = _sshd.Endpoint(key.PrivateKeyPath, TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<KilnException>(() => new WaitForSshStep<SshTestState>().RunAsync(_state, _cancellation));

        Assert.Contains("did not accept", error.Message, StringComparison.Ordinal);
        Assert.Null(_state.Communicator);
    }

    [Fact]
    public async Task Removing_the_build_key_removes_exactly_its_line_and_keeps_the_file_owner_mode_and_other_keys()
    {
        await new CreateBuildKeyStep<SshTestState>().RunAsync(_state, _cancellation);
        var key = _state.BuildKey!;
        using var other = await SshKeyPair.CreateAsync(_state.Context.WorkDirectory, "someone-else", _cancellation);
        var remote = Directory.CreateTempSubdirectory("kiln-remote-").FullName;
        var authorizedKeys = Path.Combine(remote, "authorized_keys");
        var before = string.Join("\n",
            "# managed by hand",
            other.PublicKey,
            $"no-port-forwarding,command=\"/bin/true\" {key.KeyType} {key.PublicKeyBlob} with options",
            key.PublicKey,
            $"{other.KeyType} {other.PublicKeyBlob} {key.PublicKeyBlob[..20]}-lookalike",
            "");
        await File.WriteAllTextAsync(authorizedKeys, before, _cancellation);
        File.SetUnixFileMode(authorizedKeys, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await _sshd.AuthorizeAsync(key.PublicKey, _cancellation);
        _state.SshEndpoint = _sshd.Endpoint(key.PrivateKeyPath);
        await new WaitForSshStep<SshTestState>().RunAsync(_state, _cancellation);
        try
        {
            await new RemoveBuildKeyStep<SshTestState>([authorizedKeys, _sshd.AuthorizedKeysFile]).RunAsync(_state, _cancellation);

            Assert.Equal(
                string.Join("\n", "# managed by hand", other.PublicKey, $"{other.KeyType} {other.PublicKeyBlob} {key.PublicKeyBlob[..20]}-lookalike", ""),
                await File.ReadAllTextAsync(authorizedKeys, _cancellation));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(authorizedKeys));
            Assert.DoesNotContain(key.PublicKeyBlob, await File.ReadAllTextAsync(_sshd.AuthorizedKeysFile, _cancellation), StringComparison.Ordinal);
            // The build's session outlives its key; a new one is refused.
            var result = await _state.Communicator!.ExecuteAsync(new RemoteCommand("true"), new RecordingOutput(), _cancellation);
            Assert.Equal(0, result.ExitCode);
            await using var fresh = new SshCommunicator(_sshd.Endpoint(key.PrivateKeyPath, TimeSpan.FromSeconds(10)), _log, new NullProgress());
            var refused = await Assert.ThrowsAsync<KilnException>(() => fresh.ConnectAsync(_cancellation));
            Assert.Contains("authentication failed", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            await new WaitForSshStep<SshTestState>().CleanupAsync(_state, _cancellation);
            Directory.Delete(remote, recursive: true);
            key.Dispose();
        }
    }
}
