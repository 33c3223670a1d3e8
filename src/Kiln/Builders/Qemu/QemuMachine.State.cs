using System.Text.Json.Nodes;
using Kiln.Communicators;
using Kiln.Diagnostics;

namespace Kiln.Builders.Qemu;

/// <summary>A machine's whole state (devices and memory) to and from a file, through QEMU's migration into and out of <c>cat</c>.</summary>
internal sealed partial class QemuMachine
{
    /// <summary>A save or load takes a fraction of a second while the machine waits: ask QEMU often, it answers in microseconds.</summary>
    private static readonly TimeSpan StatePollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Writes the paused machine's state to <paramref name="file"/>; the machine stays paused (ContinueAsync runs it on).</summary>
    public async Task SaveStateAsync(string file, CancellationToken cancellationToken)
    {
        // Unthrottled: the default bandwidth cap is meant for a live migration over a network, not for a paused machine.
        await Qmp.ExecuteAsync("migrate-set-parameters", cancellationToken, new JsonObject { ["max-bandwidth"] = 1L << 40 });
        await Qmp.ExecuteAsync("migrate", cancellationToken, new JsonObject { ["uri"] = "exec:cat > " + ShellQuote.Quote(file) });
        while (true)
        {
            ThrowIfExited("saving the machine's state");
            var info = await Qmp.ExecuteAsync("query-migrate", cancellationToken);
            switch (info?["status"]?.GetValue<string>())
            {
                case "completed":
                    return;
                case "failed" or "cancelled":
                    throw new KilnException($"QEMU could not save the machine's state: {info?["error-desc"]?.GetValue<string>() ?? "migration failed"}");
            }

            await Task.Delay(StatePollInterval, cancellationToken);
        }
    }

    /// <summary>
    /// Loads a saved state into a machine started with <see cref="QemuMachineOptions.Incoming"/> and runs it. QEMU
    /// exits when it cannot load the state (another QEMU's, a different device set, a damaged file): that is thrown.
    /// </summary>
    public async Task LoadStateAsync(string file, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await Qmp.ExecuteAsync("migrate-incoming", deadline.Token, new JsonObject { ["uri"] = "exec:cat " + ShellQuote.Quote(file) });
            while (true)
            {
                string status;
                try
                {
                    status = (await Qmp.ExecuteAsync("query-status", deadline.Token))?["status"]?.GetValue<string>() ?? "unknown";
                }
                catch (IOException)
                {
                    await _process.Process.WaitForExitAsync(deadline.Token);
                    await _stderrPump.WaitAsync(TimeSpan.FromSeconds(2), deadline.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                    ThrowIfExited("loading the saved state");
                    throw;
                }

                if (status is "paused" or "running" or "postmigrate")
                {
                    if (status != "running")
                    {
                        await ContinueAsync(deadline.Token);
                    }

                    return;
                }

                ThrowIfExited("loading the saved state");
                await Task.Delay(StatePollInterval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KilnException($"QEMU did not load the saved state within {Model.Durations.Format(timeout)}");
        }
    }

    private void ThrowIfExited(string what)
    {
        if (HasExited)
        {
            var error = Text(_stderr).Trim();
            throw new KilnException($"QEMU exited while {what} (code {_process.Process.ExitCode}){(error.Length > 0 ? ": " + error.ReplaceLineEndings(" ") : "")}");
        }
    }
}
