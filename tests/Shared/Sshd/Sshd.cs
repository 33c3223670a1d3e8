using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kiln.Communicators;

namespace Kiln.Testing.Sshd;

/// <summary>
/// A real OpenSSH sshd on 127.0.0.1 with its own host key, config, authorized_keys and pid file in a temp directory.
/// It accepts public keys only, for the user running the tests (root in CI: PermitRootLogin prohibit-password).
/// "The machine" is therefore this host: use per-test temp directories as remote paths.
/// </summary>
internal sealed class Sshd : IAsyncDisposable
{
    private const string SshdPath = "/usr/sbin/sshd";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private readonly bool _sftp;

    private Sshd(string directory, int port, bool sftp)
    {
        Directory = directory;
        Port = port;
        _sftp = sftp;
    }

    public string Directory { get; }

    public int Port { get; }

    public string Host => "127.0.0.1";

    public string Username => Environment.UserName;

    public string AuthorizedKeysFile => Path.Combine(Directory, "authorized_keys");

    public string HostKeyFile => Path.Combine(Directory, "ssh_host_ed25519_key");

    public string PidFile => Path.Combine(Directory, "sshd.pid");

    /// <summary>sshd's own log (-e), for assertions and for failure messages.</summary>
    public string Log => string.Join("\n", _log);

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>sshd_config lines placed before the defaults (sshd keeps the first value of a keyword, so these win).</summary>
    public string PrependedConfig { get; set; } = "";

    /// <summary>A command line sshd runs under, e.g. unshare with bind mounts: it ends by exec'ing its arguments.</summary>
    public IReadOnlyList<string> Wrapper { get; set; } = [];

    /// <summary>Prepares the directory, host key and config, and picks a free port, without starting sshd.</summary>
    /// <param name="sftp">False for a machine whose sshd offers no SFTP subsystem.</param>
    public static async Task<Sshd> CreateAsync(CancellationToken cancellationToken, bool sftp = true)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("kiln-sshd-").FullName;
        var sshd = new Sshd(directory, FreePort(), sftp);
        try
        {
            await File.WriteAllTextAsync(sshd.AuthorizedKeysFile, "", cancellationToken);
            await sshd.NewHostKeyAsync(cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(directory, "sshd_config"), sshd.Config(), cancellationToken);
            // sshd refuses to start without its privilege separation directory (created by the service unit normally).
            System.IO.Directory.CreateDirectory("/run/sshd");
            return sshd;
        }
        catch
        {
            await sshd.DisposeAsync();
            throw;
        }
    }

    public static async Task<Sshd> StartNewAsync(CancellationToken cancellationToken, bool sftp = true)
    {
        var sshd = await CreateAsync(cancellationToken, sftp);
        try
        {
            await sshd.StartAsync(cancellationToken);
            return sshd;
        }
        catch
        {
            await sshd.DisposeAsync();
            throw;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("sshd is already running.");
        }

        await File.WriteAllTextAsync(Path.Combine(Directory, "sshd_config"), PrependedConfig + Config(), cancellationToken);
        var startInfo = new ProcessStartInfo(Wrapper.Count > 0 ? Wrapper[0] : SshdPath)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in Wrapper.Skip(1).Concat(Wrapper.Count > 0 ? [SshdPath] : []).Concat(["-D", "-e", "-f", Path.Combine(Directory, "sshd_config")]))
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _log.Enqueue(e.Data);
            }
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _log.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;

        var watch = Stopwatch.StartNew();
        while (!await AcceptsAsync(cancellationToken))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"sshd exited with code {process.ExitCode} at start:\n{Log}");
            }

            if (watch.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"sshd did not listen on {Host}:{Port} within {StartTimeout}:\n{Log}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Kills sshd and every session it started (their connections drop).</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync(CancellationToken.None);
        }
        finally
        {
            process.Dispose();
        }
    }

    /// <summary>Replaces the host key (sshd must be stopped or restarted to use it).</summary>
    public async Task NewHostKeyAsync(CancellationToken cancellationToken)
    {
        File.Delete(HostKeyFile);
        File.Delete(HostKeyFile + ".pub");
        var startInfo = new ProcessStartInfo("ssh-keygen");
        foreach (var argument in new[] { "-q", "-t", "ed25519", "-N", "", "-C", "kiln-test-host", "-f", HostKeyFile })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var exitCode = await LocalProcess.RunAsync(startInfo, new CommandOutputTail(), cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"ssh-keygen failed with exit code {exitCode}.");
        }
    }

    public async Task RestartWithNewHostKeyAsync(CancellationToken cancellationToken)
    {
        await StopAsync();
        await NewHostKeyAsync(cancellationToken);
        await StartAsync(cancellationToken);
    }

    public Task AuthorizeAsync(string publicKeyLine, CancellationToken cancellationToken) =>
        File.AppendAllTextAsync(AuthorizedKeysFile, publicKeyLine.TrimEnd() + "\n", cancellationToken);

    public SshEndpoint Endpoint(string privateKeyPath, TimeSpan? timeout = null) =>
        new(Host, Port, Username, privateKeyPath) { Timeout = timeout ?? TimeSpan.FromMinutes(2) };

    /// <summary>A fresh build key, authorized on this sshd.</summary>
    public async Task<SshKeyPair> AuthorizedKeyAsync(CancellationToken cancellationToken)
    {
        var key = await SshKeyPair.CreateAsync(Path.Combine(Directory, "client-keys"), "kiln-test-client", cancellationToken);
        await AuthorizeAsync(key.PublicKey, cancellationToken);
        return key;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private string Config() => $"""
        Port {Port}
        ListenAddress {Host}
        HostKey {HostKeyFile}
        PidFile {PidFile}
        AuthorizedKeysFile {AuthorizedKeysFile}
        PermitRootLogin prohibit-password
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        StrictModes no
        MaxStartups 100
        MaxSessions 50
        LogLevel VERBOSE
        {(_sftp ? "Subsystem sftp internal-sftp" : "")}

        """;

    private async Task<bool> AcceptsAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
