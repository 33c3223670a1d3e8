using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Kiln.Diagnostics;
using Kiln.Engine;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;
using ConnectionInfo = Kiln.Engine.ConnectionInfo;
using SshConnectionInfo = Renci.SshNet.ConnectionInfo;

namespace Kiln.Communicators;

/// <summary>
/// Reaches a machine over SSH (SSH.NET): commands on one connection, small uploads (scripts) through a command's
/// stdin on that same connection, other transfers on an SFTP connection opened on first use. Both reconnect on the
/// next call after a disconnect (a reboot), waiting up to the endpoint's timeout.
/// The host key seen on the first connection is pinned for the communicator's lifetime, which is the build's.
/// </summary>
internal sealed class SshCommunicator(SshEndpoint endpoint, IBuildLog log, IProgressSink progress) : ICommunicator
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(750);
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);
    private const long ProgressThreshold = 1024 * 1024;
    private const long InlineUploadLimit = 256 * 1024;

    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly Lock _pinLock = new();
    private string? _pinnedHostKey;
    private string? _rejectedHostKey;
    private PrivateKeyFile? _key;
    private SshClient? _ssh;
    private SftpClient? _sftp;
    private SshBastionTunnel? _tunnel;
    private bool _disposed;

    public SshEndpoint Endpoint => endpoint;

    public ConnectionInfo Connection => new(endpoint.Host, endpoint.Port, endpoint.Username, endpoint.PrivateKeyPath);

    /// <summary>The pinned host key (<c>ssh-ed25519 SHA256:...</c>), null before the first connection.</summary>
    public string? HostKeyFingerprint
    {
        get
        {
            lock (_pinLock)
            {
                return _pinnedHostKey;
            }
        }
    }

    public bool IsRoot => endpoint.Username == "root";

    /// <summary>Waits until the machine accepts an SSH session, polling up to the endpoint's timeout.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken) => await SshAsync(cancellationToken);

    public Task<CommandResult> ExecuteAsync(RemoteCommand command, ICommandOutput output, CancellationToken cancellationToken) =>
        ExecuteAsync(command, output, input: null, cancellationToken);

    private async Task<CommandResult> ExecuteAsync(RemoteCommand command, ICommandOutput output, byte[]? input, CancellationToken cancellationToken)
    {
        log.Verbose($"ssh {endpoint}: {Describe(command)}");
        if (input is null && SudoReadsPassword(command))
        {
            input = Encoding.UTF8.GetBytes(endpoint.Password + "\n");
        }

        for (var attempt = 1; ; attempt++)
        {
            var client = await SshAsync(cancellationToken);
            using var sshCommand = client.CreateCommand(Compose(command), Encoding.UTF8);
            Task execution;
            try
            {
                execution = sshCommand.ExecuteAsync(cancellationToken);
            }
            catch (Exception ex) when (IsDisconnect(ex, client))
            {
                // Nothing ran: the session died since the last call (a reboot, an sshd restart). Reconnect and run it.
                await DropAsync(client);
                if (attempt == 1)
                {
                    log.Verbose($"ssh {endpoint}: the connection was gone before the command started ({ex.Message}); reconnecting");
                    continue;
                }

                return new CommandResult(null);
            }

            var pumps = Task.WhenAll(
                PumpAsync(sshCommand.OutputStream, output.StandardOutput),
                PumpAsync(sshCommand.ExtendedOutputStream, output.StandardError));
            try
            {
                if (input is not null)
                {
                    // Disposing the stream sends EOF, which is what ends the command reading it.
                    await using var stdin = sshCommand.CreateInputStream();
                    await stdin.WriteAsync(input, cancellationToken);
                }

                await execution;
            }
            catch (Exception ex) when (IsDisconnect(ex, client))
            {
                await pumps;
                await DropAsync(client);
                log.Verbose($"ssh {endpoint}: the connection was closed while the command ran ({ex.Message})");
                return new CommandResult(null);
            }
            catch
            {
                await pumps;
                throw;
            }

            await pumps;
            if (sshCommand.ExitStatus is { } status)
            {
                return new CommandResult(status);
            }

            if (sshCommand.ExitSignal is { } signal)
            {
                return new CommandResult(128 + SignalNumber(signal));
            }
            // The channel closed without an exit status: the session (or the machine) went away under the command.
            return new CommandResult(null);
        }
    }

    public async Task UploadAsync(Stream content, string remotePath, CancellationToken cancellationToken, int mode = 420)
    {
        if (content.CanSeek && content.Length - content.Position <= InlineUploadLimit && _sftp is not { IsConnected: true })
        {
            await UploadInlineAsync(content, remotePath, mode, cancellationToken);
            return;
        }

        await UploadOverSftpAsync(content, remotePath, mode, cancellationToken);
    }

    /// <summary>
    /// Writes a small file (a provisioning script) through the command session's stdin. SFTP needs a second SSH
    /// connection, and its key exchange and login take seconds on an emulated CPU; a new channel on the open one does not.
    /// </summary>
    private async Task UploadInlineAsync(Stream content, string remotePath, int mode, CancellationToken cancellationToken)
    {
        var bytes = new byte[content.Length - content.Position];
        await content.ReadExactlyAsync(bytes, cancellationToken);
        var path = ShellQuote.Quote(remotePath);
        // umask: the file is never readable by others, even between its creation and the chmod.
        var command = new RemoteCommand($"umask 077 && cat > {path} && chmod {Convert.ToString(mode & 0b111_111_111_111, 8)} {path}");
        var errors = new StringBuilder();
        var result = await ExecuteAsync(command, new ErrorsOnly(errors), bytes, cancellationToken);
        if (result.ExitCode is null)
        {
            // The connection went away mid-transfer (a reboot): like an SFTP transfer, it is written once more, whole.
            log.Verbose($"ssh {endpoint}: the connection was lost while uploading {remotePath}; uploading it again");
            errors.Clear();
            result = await ExecuteAsync(command, new ErrorsOnly(errors), bytes, cancellationToken);
        }

        if (result.ExitCode != 0)
        {
            throw new KilnException(
                $"Uploading {remotePath} to {endpoint} failed ({(result.ExitCode is { } code ? $"exit {code}" : "disconnected")}): {errors.ToString().Trim()}",
                $"Check that the folder exists and that {endpoint.Username} may write to it.");
        }
    }

    private Task UploadOverSftpAsync(Stream content, string remotePath, int mode, CancellationToken cancellationToken)
    {
        var start = content.CanSeek ? content.Position : 0;
        return SftpAsync(
            async sftp =>
            {
                long? total = content.CanSeek ? content.Length - content.Position : null;
                using var task = total is < ProgressThreshold ? null : progress.Start($"upload {remotePath}", total);
                var reporter = new TransferProgress(task);
                await sftp.UploadFileAsync(content, remotePath, new SyncProgress<UploadFileProgressReport>(r => reporter.Report((long)r.TotalBytesUploaded)), cancellationToken);
                await ChangeModeAsync(sftp, remotePath, (UnixFileMode)mode, cancellationToken);
            },
            content.CanSeek ? () => content.Position = start : null,
            cancellationToken);
    }

    public async Task UploadDirectoryAsync(string localDirectory, string remoteDirectory, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(localDirectory))
        {
            throw new KilnException($"Cannot upload '{localDirectory}': no such directory.");
        }

        await SftpAsync(sftp => CreateRemoteDirectoryAsync(sftp, remoteDirectory, DirectoryMode(localDirectory), cancellationToken), Idempotent, cancellationToken);
        await UploadTreeAsync(new DirectoryInfo(localDirectory), RemotePath.TrimEnd(remoteDirectory), cancellationToken);
    }

    public Task DownloadAsync(string remotePath, Stream destination, CancellationToken cancellationToken)
    {
        var start = destination.CanSeek ? destination.Position : 0;
        return SftpAsync(
            async sftp =>
            {
                var attributes = await StatAsync(sftp, remotePath, cancellationToken)
                    ?? throw new KilnException($"Cannot download '{remotePath}' from {endpoint}: no such file.");
                using var task = attributes.Size < ProgressThreshold ? null : progress.Start($"download {remotePath}", attributes.Size);
                var reporter = new TransferProgress(task);
                await sftp.DownloadFileAsync(remotePath, destination, new SyncProgress<DownloadFileProgressReport>(r => reporter.Report((long)r.TotalBytesDownloaded)), cancellationToken);
            },
            destination.CanSeek ? Rewind : null,
            cancellationToken);

        void Rewind()
        {
            destination.Position = start;
            destination.SetLength(start);
        }
    }

    public async Task DownloadDirectoryAsync(string remoteDirectory, string localDirectory, CancellationToken cancellationToken)
    {
        var attributes = await SftpAsync(sftp => StatAsync(sftp, remoteDirectory, cancellationToken), Idempotent, cancellationToken);
        if (attributes is not { IsDirectory: true })
        {
            throw new KilnException($"Cannot download '{remoteDirectory}' from {endpoint}: no such directory.");
        }

        Directory.CreateDirectory(localDirectory);
        await DownloadTreeAsync(RemotePath.TrimEnd(remoteDirectory), localDirectory, cancellationToken);
    }

    /// <summary>Closes the sessions; the next call reconnects. For tests and for builders that restart the machine on purpose.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            CloseClients();
        }
        finally
        {
            _connectLock.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        CloseClients();
        _key?.Dispose();
        _key = null;
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The command line as sent: exports (shell-quoted), then the command; wrapped in <c>sudo -n sh -c</c> for a
    /// non-root user. The exports go inside the sudo'd shell rather than through <c>sudo -E</c>, which sudoers
    /// without SETENV refuse and env_reset would filter anyway.
    /// </summary>
    internal string Compose(RemoteCommand command)
    {
        var script = ShellQuote.Exports(command.Environment) + command.CommandLine;
        if (SudoReadsPassword(command))
        {
            // sudo -S reads the password (sent on stdin, never on a command line) from a pipe; the script's own stdin
            // is closed so that it cannot read the password when sudo did not need it (NOPASSWD). Under a pty the
            // outer shell takes the password off stdin first: typed into the terminal, it would be echoed.
            var sudo = "sudo -S -p '' sh -c " + ShellQuote.Quote("exec </dev/null\n" + script);
            return endpoint.Pty
                ? "IFS= read -r KILN_SUDO_PASSWORD && export KILN_SUDO_PASSWORD && " + SshPty.Wrap("printf '%s\\n' \"$KILN_SUDO_PASSWORD\" | " + sudo)
                : sudo;
        }

        var line = command.Sudo && !IsRoot ? "sudo -n sh -c " + ShellQuote.Quote(script) : script;
        return endpoint.Pty ? SshPty.Wrap(line) : line;
    }

    private bool SudoReadsPassword(RemoteCommand command) => command.Sudo && !IsRoot && !string.IsNullOrEmpty(endpoint.Password);

    /// <summary>What the log may show: the command, never the values of its environment.</summary>
    private static string Describe(RemoteCommand command)
    {
        var shown = command.Display ?? command.CommandLine;
        var text = command.Sudo ? "(sudo) " + shown : shown;
        return command.Environment.Count == 0
            ? text
            : $"{text} (environment: {string.Join(", ", command.Environment.Keys.Order(StringComparer.Ordinal))})";
    }

    private async Task UploadTreeAsync(DirectoryInfo local, string remote, CancellationToken cancellationToken)
    {
        foreach (var entry in local.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = remote + "/" + entry.Name;
            if (entry.LinkTarget is { } linkTarget)
            {
                await CreateLinkAsync(linkTarget, target, cancellationToken);
            }
            else if (entry is DirectoryInfo directory)
            {
                await SftpAsync(sftp => CreateRemoteDirectoryAsync(sftp, target, DirectoryMode(directory.FullName), cancellationToken), Idempotent, cancellationToken);
                await UploadTreeAsync(directory, target, cancellationToken);
            }
            else
            {
                await using var stream = File.OpenRead(entry.FullName);
                await UploadAsync(stream, target, cancellationToken, (int)UnixModes.Get(entry.FullName, UnixModes.DefaultFile));
            }
        }
    }

    private async Task DownloadTreeAsync(string remote, string local, CancellationToken cancellationToken)
    {
        var entries = await SftpAsync(
            async sftp =>
            {
                var list = new List<ISftpFile>();
                await foreach (var entry in sftp.ListDirectoryAsync(remote, cancellationToken))
                {
                    if (entry.Name is not ("." or ".."))
                    {
                        list.Add(entry);
                    }
                }

                return list;
            },
            Idempotent,
            cancellationToken);

        foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var target = Path.Combine(local, entry.Name);
            var mode = ModeOf(entry.Attributes);
            if (entry.IsDirectory)
            {
                Directory.CreateDirectory(target);
                await DownloadTreeAsync(remote + "/" + entry.Name, target, cancellationToken);
                UnixModes.Set(target, mode);
            }
            else if (entry.IsSymbolicLink)
            {
                var linkTarget = await ReadLinkAsync(remote + "/" + entry.Name, cancellationToken);
                if (File.Exists(target) || Directory.Exists(target))
                {
                    File.Delete(target);
                }

                File.CreateSymbolicLink(target, linkTarget);
            }
            else if (entry.IsRegularFile)
            {
                // Appear whole or not at all: write beside the target, then rename over it.
                var partial = Path.Combine(local, $".{entry.Name}.kiln-partial");
                try
                {
                    await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
                    {
                        await DownloadAsync(remote + "/" + entry.Name, stream, cancellationToken);
                    }

                    UnixModes.Set(partial, mode);
                    File.Move(partial, target, overwrite: true);
                }
                finally
                {
                    File.Delete(partial);
                }
            }
            else
            {
                log.Warn($"skipped '{remote}/{entry.Name}' while downloading: it is neither a file, a directory nor a symbolic link");
            }
        }
    }

    // SSH.NET's SymbolicLink makes the target absolute, which breaks relative links; ln keeps it as written.
    private async Task CreateLinkAsync(string linkTarget, string path, CancellationToken cancellationToken)
    {
        var output = new CommandOutputTail(capacity: 5);
        var result = await ExecuteAsync(new RemoteCommand($"ln -sfn -- {ShellQuote.Quote(linkTarget)} {ShellQuote.Quote(path)}"), output, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new KilnException($"Cannot create the symbolic link '{path}' on {endpoint} (exit code {result.ExitCode}).{output.Describe()}");
        }
    }

    // SFTP's readlink is not exposed by SSH.NET; the shell has it.
    private async Task<string> ReadLinkAsync(string path, CancellationToken cancellationToken)
    {
        var output = new CommandOutputTail(capacity: 2);
        var result = await ExecuteAsync(new RemoteCommand("readlink -- " + ShellQuote.Quote(path)), output, cancellationToken);
        if (result.ExitCode != 0 || output.LastLines.Count != 1)
        {
            throw new KilnException($"Cannot read the symbolic link '{path}' on {endpoint} (exit code {result.ExitCode}).{output.Describe()}");
        }

        return output.LastLines[0];
    }

    private static async Task CreateRemoteDirectoryAsync(SftpClient sftp, string path, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var trimmed = RemotePath.TrimEnd(path);
        var parts = trimmed.Split('/');
        var current = trimmed.StartsWith('/') ? "" : ".";
        foreach (var part in parts.Where(p => p.Length > 0))
        {
            current = current.Length == 0 ? "/" + part : current + "/" + part;
            var attributes = await StatAsync(sftp, current, cancellationToken);
            if (attributes is null)
            {
                await sftp.CreateDirectoryAsync(current, cancellationToken);
            }
            else if (!attributes.IsDirectory)
            {
                throw new KilnException($"Cannot create directory '{current}': a file of that name exists.");
            }
        }

        await ChangeModeAsync(sftp, trimmed, mode, cancellationToken);
    }

    // SSH.NET's ChangePermissions takes octal digits written as a decimal number and drops the special bits;
    // setting the flags on the attributes keeps all twelve.
    private static async Task ChangeModeAsync(SftpClient sftp, string path, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var attributes = await sftp.GetAttributesAsync(path, cancellationToken);
        attributes.OwnerCanRead = mode.HasFlag(UnixFileMode.UserRead);
        attributes.OwnerCanWrite = mode.HasFlag(UnixFileMode.UserWrite);
        attributes.OwnerCanExecute = mode.HasFlag(UnixFileMode.UserExecute);
        attributes.GroupCanRead = mode.HasFlag(UnixFileMode.GroupRead);
        attributes.GroupCanWrite = mode.HasFlag(UnixFileMode.GroupWrite);
        attributes.GroupCanExecute = mode.HasFlag(UnixFileMode.GroupExecute);
        attributes.OthersCanRead = mode.HasFlag(UnixFileMode.OtherRead);
        attributes.OthersCanWrite = mode.HasFlag(UnixFileMode.OtherWrite);
        attributes.OthersCanExecute = mode.HasFlag(UnixFileMode.OtherExecute);
        attributes.IsUIDBitSet = mode.HasFlag(UnixFileMode.SetUser);
        attributes.IsGroupIDBitSet = mode.HasFlag(UnixFileMode.SetGroup);
        attributes.IsStickyBitSet = mode.HasFlag(UnixFileMode.StickyBit);
        await Task.Run(() => sftp.SetAttributes(path, attributes), cancellationToken);
    }

    private static async Task<SftpFileAttributes?> StatAsync(SftpClient sftp, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await sftp.GetAttributesAsync(path, cancellationToken);
        }
        catch (SftpPathNotFoundException)
        {
            return null;
        }
    }

    private static UnixFileMode DirectoryMode(string path) => UnixModes.Get(path, UnixModes.DefaultDirectory);

    private static UnixFileMode ModeOf(SftpFileAttributes a) =>
        Bit(a.OwnerCanRead, UnixFileMode.UserRead) | Bit(a.OwnerCanWrite, UnixFileMode.UserWrite) | Bit(a.OwnerCanExecute, UnixFileMode.UserExecute)
        | Bit(a.GroupCanRead, UnixFileMode.GroupRead) | Bit(a.GroupCanWrite, UnixFileMode.GroupWrite) | Bit(a.GroupCanExecute, UnixFileMode.GroupExecute)
        | Bit(a.OthersCanRead, UnixFileMode.OtherRead) | Bit(a.OthersCanWrite, UnixFileMode.OtherWrite) | Bit(a.OthersCanExecute, UnixFileMode.OtherExecute)
        | Bit(a.IsUIDBitSet, UnixFileMode.SetUser) | Bit(a.IsGroupIDBitSet, UnixFileMode.SetGroup) | Bit(a.IsStickyBitSet, UnixFileMode.StickyBit);

    private static UnixFileMode Bit(bool set, UnixFileMode flag) => set ? flag : UnixFileMode.None;

    private static async Task PumpAsync(Stream stream, Action<string> sink)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        while (await reader.ReadLineAsync() is { } line)
        {
            sink(line);
        }
    }

    private static bool IsMissingSubsystem(SshException ex) =>
        ex is not (SshConnectionException or SshAuthenticationException or SshOperationTimeoutException)
        && ex.Message.Contains("ubsystem", StringComparison.Ordinal);

    private static bool IsDisconnect(Exception ex, BaseClient client) =>
        ex is SshConnectionException || (ex is SshException or ObjectDisposedException or InvalidOperationException && !client.IsConnected);

    private static int SignalNumber(string signal) => signal switch
    {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ILL" => 4,
        "ABRT" => 6,
        "FPE" => 8,
        "KILL" => 9,
        "SEGV" => 11,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        "USR1" => 10,
        "USR2" => 12,
        _ => 0,
    };

    private async Task<SshClient> SshAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            if (_ssh is { IsConnected: true })
            {
                return _ssh;
            }

            _ssh?.Dispose();
            _ssh = null;
            _ssh = await WaitForConnectionAsync(info => new SshClient(info), cancellationToken);
            return _ssh;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>
    /// Runs an SFTP operation, reconnecting and running it once more if the session turns out to be gone (the machine
    /// rebooted since the last transfer). <paramref name="rewind"/> undoes what the first try consumed (a stream's
    /// position); null means the operation cannot be repeated.
    /// </summary>
    private async Task SftpAsync(Func<SftpClient, Task> operation, Action? rewind, CancellationToken cancellationToken) =>
        await SftpAsync(
            async sftp =>
            {
                await operation(sftp);
                return true;
            },
            rewind,
            cancellationToken);

    private async Task<T> SftpAsync<T>(Func<SftpClient, Task<T>> operation, Action? rewind, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var sftp = await SftpClientAsync(cancellationToken);
            try
            {
                return await operation(sftp);
            }
            catch (Exception ex) when (IsDisconnect(ex, sftp))
            {
                await DropAsync(sftp);
                if (attempt > 1 || rewind is null)
                {
                    throw new KilnException($"The SFTP connection to {endpoint} was lost: {ex.Message}", "The machine went away during a transfer (a reboot?).");
                }

                log.Verbose($"sftp {endpoint}: the connection was lost ({ex.Message}); reconnecting");
                rewind();
            }
        }
    }

    /// <summary>The rewind of an operation that can simply run again.</summary>
    private static void Idempotent()
    {
    }

    private async Task DropAsync(BaseClient client)
    {
        await _connectLock.WaitAsync(CancellationToken.None);
        try
        {
            if (ReferenceEquals(_ssh, client))
            {
                _ssh = null;
            }

            if (ReferenceEquals(_sftp, client))
            {
                _sftp = null;
            }

            client.Dispose();
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task<SftpClient> SftpClientAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            if (_sftp is { IsConnected: true })
            {
                return _sftp;
            }

            _sftp?.Dispose();
            _sftp = null;
            _sftp = await WaitForConnectionAsync(info => new SftpClient(info), cancellationToken);
            return _sftp;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task<TClient> WaitForConnectionAsync<TClient>(Func<SshConnectionInfo, TClient> create, CancellationToken cancellationToken)
        where TClient : BaseClient
    {
        var key = endpoint.HasKey ? LoadKey() : null;
        var watch = Stopwatch.StartNew();
        var nextReport = ReportInterval;
        var attempts = 0;
        string lastError = "none yet";
        while (true)
        {
            var remaining = endpoint.Timeout - watch.Elapsed;
            var attemptTimeout = remaining < HandshakeTimeout ? remaining : HandshakeTimeout;
            if (attemptTimeout < TimeSpan.FromSeconds(1))
            {
                attemptTimeout = TimeSpan.FromSeconds(1);
            }

            var (host, port, bastionError) = await RouteAsync(attemptTimeout, cancellationToken);
            if (bastionError is not null)
            {
                lastError = bastionError;
            }
            else
            {
                var info = new SshConnectionInfo(host, port, endpoint.Username, SshLogin.Methods(endpoint.Username, key, endpoint.Password))
                {
                    Timeout = attemptTimeout,
                };
                var client = create(info);
                client.KeepAliveInterval = endpoint.KeepAliveInterval;
                client.HostKeyReceived += OnHostKeyReceived;
                try
                {
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    attempt.CancelAfter(attemptTimeout);
                    await client.ConnectAsync(attempt.Token);
                    // The handshake's short timeout also bounds every later channel open; a guest slowed down by a
                    // busy emulated CPU may take longer than that to open one, which is not a lost connection.
                    client.ConnectionInfo.Timeout = endpoint.Timeout;
                    if (attempts > 0)
                    {
                        log.Info($"SSH on {endpoint.Host}:{endpoint.Port} answered after {Seconds(watch.Elapsed)}");
                    }

                    return client;
                }
                catch (SshException ex) when (client is SftpClient && IsMissingSubsystem(ex))
                {
                    // Waiting would not help: the machine answers, it just cannot do SFTP.
                    client.Dispose();
                    throw new KilnException(
                        $"{endpoint} accepts SSH but offers no SFTP, which Kiln copies files with ({ex.Message}).",
                        "Install an SFTP server on the machine (Debian: openssh-sftp-server) or enable `Subsystem sftp` in its sshd_config.");
                }
                catch (Exception ex) when (ex is not KilnException && !cancellationToken.IsCancellationRequested)
                {
                    client.Dispose();
                    ThrowIfHostKeyChanged();
                    // An attempt cut short by the overall deadline says nothing new; the error before it says more.
                    var cutShort = attemptTimeout < HandshakeTimeout && ex is OperationCanceledException or SshOperationTimeoutException;
                    if (!(cutShort && attempts > 0))
                    {
                        lastError = DescribeFailure(ex);
                    }
                }
                catch
                {
                    client.Dispose();
                    ThrowIfHostKeyChanged();
                    throw;
                }
            }

            if (attempts++ == 0)
            {
                log.Info($"waiting for SSH on {endpoint.Host}:{endpoint.Port} as {endpoint.Username} (up to {Seconds(endpoint.Timeout)}; {lastError})");
            }

            if (watch.Elapsed >= endpoint.Timeout)
            {
                throw new KilnException(
                    $"SSH on {endpoint.Host}:{endpoint.Port} did not accept {endpoint.Username} within {Seconds(endpoint.Timeout)} (last error: {lastError}).",
                    "Check that the machine booted and runs sshd, that the build key reached the user's authorized_keys, " +
                    "and raise ssh_timeout if the machine is just slow to boot.");
            }

            if (watch.Elapsed >= nextReport)
            {
                log.Info($"waiting for SSH on {endpoint.Host}:{endpoint.Port} ({Seconds(watch.Elapsed)}, last error: {lastError})");
                nextReport += ReportInterval;
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>
    /// Where the SSH connection goes: the machine itself, or the local end of a forward through the bastion (opened
    /// now if it is not open). A bastion that cannot be reached yet is reported like a machine that does not answer.
    /// </summary>
    private async Task<(string Host, int Port, string? Error)> RouteAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (endpoint.Bastion is not { } bastion)
        {
            return (endpoint.Host, endpoint.Port, null);
        }

        if (_tunnel is { IsOpen: true } open)
        {
            return ("127.0.0.1", open.LocalPort, null);
        }

        _tunnel?.Dispose();
        _tunnel = null;
        try
        {
            _tunnel = await SshBastionTunnel.OpenAsync(bastion, endpoint.Host, endpoint.Port, timeout, cancellationToken);
            log.Verbose($"ssh {endpoint}: forwarding 127.0.0.1:{_tunnel.LocalPort} through the bastion {bastion}");
            return ("127.0.0.1", _tunnel.LocalPort, null);
        }
        catch (Exception ex) when (ex is not KilnException && !cancellationToken.IsCancellationRequested)
        {
            return ("", 0, $"bastion {bastion}: {DescribeFailure(ex)}");
        }
    }

    private PrivateKeyFile LoadKey()
    {
        if (_key is not null)
        {
            return _key;
        }

        try
        {
            return _key = new PrivateKeyFile(endpoint.PrivateKeyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SshException or ArgumentException)
        {
            // The message names the file only: key material must not reach the log.
            throw new KilnException(
                $"Cannot use the SSH private key '{endpoint.PrivateKeyPath}': {ex.GetType().Name}.",
                "The key must be an unencrypted OpenSSH, PEM or PuTTY private key (ed25519, ECDSA or RSA) readable by this user.");
        }
    }

    private void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
    {
        var presented = $"{e.HostKeyName} SHA256:{e.FingerPrintSHA256}";
        lock (_pinLock)
        {
            _pinnedHostKey ??= presented;
            e.CanTrust = _pinnedHostKey == presented;
            if (!e.CanTrust)
            {
                _rejectedHostKey = presented;
            }
        }
    }

    private void ThrowIfHostKeyChanged()
    {
        string? pinned, rejected;
        lock (_pinLock)
        {
            pinned = _pinnedHostKey;
            rejected = _rejectedHostKey;
        }

        if (rejected is not null)
        {
            throw new KilnException(
                $"The SSH host key of {endpoint.Host}:{endpoint.Port} changed during the build: it was {pinned}, now it is {rejected}.",
                "Kiln trusts the host key it sees first and pins it for the rest of the build. A different key means another " +
                "machine answers on this address (a port clash or a stale VM), or the machine regenerated its host keys " +
                "mid-build; generate them before sshd first starts instead.");
        }
    }

    private static string DescribeFailure(Exception ex) => ex switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused",
        SocketException { SocketErrorCode: SocketError.TimedOut } => "connection timed out",
        SocketException { SocketErrorCode: SocketError.HostNotFound } => "host not found",
        SocketException { SocketErrorCode: SocketError.HostUnreachable or SocketError.NetworkUnreachable } => "host unreachable",
        SocketException socket => socket.Message,
        SshAuthenticationException auth => $"authentication failed: {auth.Message}",
        SshOperationTimeoutException => "the SSH handshake timed out",
        SshConnectionException connection => $"the SSH handshake failed: {connection.Message}",
        OperationCanceledException => "no answer to the SSH handshake",
        _ => ex.Message,
    };

    private static string Seconds(TimeSpan span) => $"{(int)span.TotalSeconds} s";

    private void CloseClients()
    {
        _ssh?.Dispose();
        _ssh = null;
        _sftp?.Dispose();
        _sftp = null;
        _tunnel?.Dispose();
        _tunnel = null;
    }

    /// <summary>Turns SSH.NET's running totals into the increments <see cref="IProgressTask"/> takes.</summary>
    private sealed class TransferProgress(IProgressTask? task)
    {
        private long _reported;

        public void Report(long total)
        {
            if (task is null)
            {
                return;
            }

            var delta = Interlocked.Exchange(ref _reported, total);
            if (total > delta)
            {
                task.Advance(total - delta);
            }
        }
    }

    /// <summary>An IProgress that reports on the caller's thread (Progress&lt;T&gt; posts, and would reorder reports).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    private sealed class ErrorsOnly(StringBuilder errors) : ICommandOutput
    {
        public void StandardOutput(string line)
        {
        }

        public void StandardError(string line)
        {
            lock (errors)
            {
                errors.AppendLine(line);
            }
        }
    }
}
