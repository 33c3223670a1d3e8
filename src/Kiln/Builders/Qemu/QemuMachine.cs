using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Model;

namespace Kiln.Builders.Qemu;

/// <summary>
/// A running qemu-system process: SSH forwarded from a free port on 127.0.0.1, the serial console in a log file,
/// and a QMP socket for power control. Disposing stops QEMU and releases its ledger entries.
/// </summary>
internal sealed partial class QemuMachine : IAsyncDisposable
{
    private const int PortAttempts = 5;

    /// <summary>
    /// How long to wait after the guest refused the forwarded SSH port before asking again: the sooner the banner is
    /// seen, the sooner the build logs in, and a refused connection costs the guest next to nothing.
    /// </summary>
    private static readonly TimeSpan BannerPollInterval = TimeSpan.FromMilliseconds(200);
    private readonly LedgeredProcess _process;
    private readonly StringBuilder _stderr;
    private readonly Task _stderrPump;
    private readonly IReadOnlyList<ILedgerEntry> _sockets;
    private QmpClient? _qmp;

    private QemuMachine(LedgeredProcess process, StringBuilder stderr, Task stderrPump, IReadOnlyList<ILedgerEntry> sockets, QmpClient qmp, int sshPort, string serialLogPath, string? agentSocket)
    {
        _process = process;
        _stderr = stderr;
        _stderrPump = stderrPump;
        _sockets = sockets;
        _qmp = qmp;
        SshPort = sshPort;
        SerialLogPath = serialLogPath;
        QmpSocket = sockets[0].Resource.Id;
        AgentSocket = agentSocket;
    }

    public int SshPort { get; }

    public string SerialLogPath { get; }

    public string QmpSocket { get; }

    /// <summary>The guest agent's port as a unix socket, when the machine has one (<see cref="QemuMachineOptions.GuestAgent"/>).</summary>
    public string? AgentSocket { get; }

    public bool HasExited => _process.Process.HasExited;

    /// <summary>
    /// Starts QEMU. The SSH port is picked free and then bound by QEMU, so another process can take it in between:
    /// when QEMU reports it could not set up the forward, a new port is tried.
    /// </summary>
    public static async Task<QemuMachine> StartAsync(BuildContext context, QemuMachineOptions options, string serialLogPath, CancellationToken cancellationToken)
    {
        var qemu = HostTool.Locate("qemu-system-x86_64");
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var socket = Path.Combine(Path.GetTempPath(), $"kiln-qmp-{Guid.NewGuid():N}.sock");
            var agentSocket = options.GuestAgent ? Path.Combine(Path.GetTempPath(), $"kiln-qga-{Guid.NewGuid():N}.sock") : null;
            var sockets = new List<ILedgerEntry> { await context.Ledger.RecordAsync(new LedgerResource("file", socket), cancellationToken) };
            if (agentSocket is not null)
            {
                sockets.Add(await context.Ledger.RecordAsync(new LedgerResource("file", agentSocket), cancellationToken));
            }

            var startInfo = new ProcessStartInfo(qemu)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var argument in options.Arguments(port, socket, serialLogPath, agentSocket))
            {
                startInfo.ArgumentList.Add(argument);
            }

            context.Log.Verbose($"starting {qemu} {string.Join(' ', startInfo.ArgumentList)}");
            LedgeredProcess process;
            try
            {
                process = await LedgeredProcess.StartAsync(context.Ledger, startInfo, cancellationToken);
            }
            catch
            {
                await ReleaseAsync(sockets);
                throw;
            }

            var stderr = new StringBuilder();
            var pump = PumpAsync(process.Process, stderr);
            try
            {
                var qmp = await ConnectQmpAsync(process, socket, cancellationToken);
                if (qmp is not null)
                {
                    return new QemuMachine(process, stderr, pump, sockets, qmp, port, serialLogPath, agentSocket);
                }
            }
            catch
            {
                await StopQuietlyAsync(process, pump, sockets);
                throw;
            }

            await process.Process.WaitForExitAsync(cancellationToken);
            var exitCode = process.Process.ExitCode;
            await StopQuietlyAsync(process, pump, sockets);
            var error = Text(stderr);
            if (attempt < PortAttempts && error.Contains("host forwarding", StringComparison.OrdinalIgnoreCase))
            {
                context.Log.Verbose($"port {port} was taken before QEMU bound it; trying another");
                continue;
            }

            throw new KilnException(
                $"QEMU exited at start (code {exitCode}): {error.Trim()}",
                "check the qemu_args and that the disk image is readable; the command line is in the verbose log");
        }
    }

    /// <summary>Waits until the guest's SSH server sends its banner through the forward (QEMU accepts connections itself before that).</summary>
    public async Task WaitForSshAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                if (HasExited)
                {
                    throw new KilnException(
                        $"QEMU exited while the guest was booting (code {_process.Process.ExitCode}). {Text(_stderr).Trim()}\n{SerialTail()}",
                        $"the whole console log is {SerialLogPath}");
                }

                if (await SshAnswersAsync(deadline.Token))
                {
                    return;
                }

                await Task.Delay(BannerPollInterval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KilnException(
                $"the guest's SSH server did not answer within {Durations.Format(timeout)}.\n{SerialTail()}",
                $"the whole console log is {SerialLogPath}; a slow host needs a longer boot_timeout, and the base must run sshd");
        }
    }

    /// <summary>Presses <paramref name="keys"/> (QEMU qcodes) together and releases them, as on the machine's keyboard.</summary>
    public Task SendKeyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
        _qmp is null
            ? Task.CompletedTask
            : _qmp.ExecuteAsync("send-key", cancellationToken, new JsonObject
            {
                ["keys"] = new JsonArray([.. keys.Select(k => (JsonNode)new JsonObject { ["type"] = "qcode", ["data"] = k })]),
            });

    /// <summary>Completes when QEMU exits, whatever the reason (the guest powered off, or rebooted under -no-reboot).</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.Process.WaitForExitAsync(cancellationToken);

    /// <summary>ACPI power button over QMP: a systemd guest shuts down cleanly.</summary>
    public Task PowerDownAsync(CancellationToken cancellationToken) =>
        _qmp is null ? Task.CompletedTask : _qmp.ExecuteAsync("system_powerdown", cancellationToken);

    /// <summary>Stops the guest's vCPUs (QMP stop); its disk I/O is drained when this returns.</summary>
    public Task PauseAsync(CancellationToken cancellationToken) => Qmp.ExecuteAsync("stop", cancellationToken);

    public Task ContinueAsync(CancellationToken cancellationToken) => Qmp.ExecuteAsync("cont", cancellationToken);

    /// <summary>
    /// An external snapshot: QEMU creates <paramref name="overlay"/> (qcow2, on top of the disk in use) and writes there
    /// from now on, so the disk it used until now stays as it is.
    /// </summary>
    public async Task SnapshotDiskAsync(string overlay, CancellationToken cancellationToken)
    {
        var blocks = await Qmp.ExecuteAsync("query-block", cancellationToken) as System.Text.Json.Nodes.JsonArray;
        var device = blocks?.OfType<System.Text.Json.Nodes.JsonObject>().FirstOrDefault(b => b["inserted"] is not null)?["device"]?.GetValue<string>()
            ?? throw new KilnException("QEMU reports no disk to snapshot");
        await Qmp.ExecuteAsync("blockdev-snapshot-sync", cancellationToken, new System.Text.Json.Nodes.JsonObject
        {
            ["device"] = device,
            ["snapshot-file"] = overlay,
            ["format"] = "qcow2",
        });
    }

    private QmpClient Qmp => _qmp ?? throw new KilnException("the machine's control socket is closed");

    /// <summary>Waits for QEMU to exit after the guest powered off, failing with the console's tail after <paramref name="timeout"/>.</summary>
    public async Task WaitForPowerOffAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _process.Process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new KilnException(
                $"the guest did not power off within {Durations.Format(timeout)}.\n{SerialTail()}",
                $"the whole console log is {SerialLogPath}; set shutdown_command, or a longer shutdown_timeout");
        }

        await _stderrPump;
    }

    public string SerialTail(int lines = 30)
    {
        string[] all;
        try
        {
            using var stream = new FileStream(SerialLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            all = reader.ReadToEnd().Split('\n');
        }
        catch (IOException)
        {
            return "(no console output)";
        }

        var tail = all.Select(l => AnsiEscape().Replace(l, "").TrimEnd('\r')).Where(l => l.Length > 0).TakeLast(lines);
        return "last console lines:\n  " + string.Join("\n  ", tail);
    }

    public async ValueTask DisposeAsync()
    {
        if (_qmp is not null)
        {
            if (!HasExited)
            {
                try
                {
                    using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await _qmp.ExecuteAsync("quit", quick.Token);
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or KilnException or SocketException or ObjectDisposedException)
                {
                    // QEMU is stopped by signal below
                }
            }

            await _qmp.DisposeAsync();
            _qmp = null;
        }

        await StopQuietlyAsync(_process, _stderrPump, _sockets);
    }

    private static async Task<QmpClient?> ConnectQmpAsync(LedgeredProcess process, string socket, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            if (process.Process.HasExited)
            {
                return null;
            }

            if (File.Exists(socket))
            {
                try
                {
                    using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    handshake.CancelAfter(TimeSpan.FromSeconds(30));
                    return await QmpClient.ConnectAsync(socket, handshake.Token);
                }
                catch (Exception ex) when (ex is SocketException or IOException)
                {
                    // Not listening yet, or QEMU is exiting right after opening it (e.g. -cpu host refused by KVM):
                    // the next round sees the exit.
                }
            }

            if (started.Elapsed > TimeSpan.FromMinutes(1))
            {
                throw new KilnException($"QEMU did not open its control socket {socket} within a minute");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task StopQuietlyAsync(LedgeredProcess process, Task pump, IReadOnlyList<ILedgerEntry> sockets)
    {
        await process.DisposeAsync();
        await pump.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        await ReleaseAsync(sockets);
    }

    private static async Task ReleaseAsync(IReadOnlyList<ILedgerEntry> sockets)
    {
        foreach (var entry in sockets)
        {
            File.Delete(entry.Resource.Id);
            await entry.ReleaseAsync(CancellationToken.None);
        }
    }

    private static async Task PumpAsync(Process process, StringBuilder sink)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        while (await process.StandardError.ReadLineAsync() is { } line)
        {
            lock (sink)
            {
                sink.AppendLine(line);
            }
        }

        await stdout;
    }

    private static string Text(StringBuilder sink)
    {
        lock (sink)
        {
            return sink.ToString();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<bool> SshAnswersAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, SshPort, attempt.Token);
            var buffer = new byte[64];
            var read = await client.GetStream().ReadAsync(buffer, attempt.Token);
            return read >= 4 && Encoding.ASCII.GetString(buffer, 0, 4) == "SSH-";
        }
        catch (Exception ex) when (ex is SocketException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]|\x1b[c()][0-9A-Za-z]?|[\x00-\x08\x0b\x0c\x0e-\x1f]")]
    private static partial Regex AnsiEscape();
}
