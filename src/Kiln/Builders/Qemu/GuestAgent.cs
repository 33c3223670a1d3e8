using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Kiln.Diagnostics;

namespace Kiln.Builders.Qemu;

/// <summary>
/// The QEMU guest agent (qemu-guest-agent in the guest) over its virtio-serial port, which QEMU serves as a unix
/// socket. Its protocol is QMP's without a greeting: one JSON command per line, answered in order. A fresh connection
/// is first synchronised with guest-sync-delimited (a 0xFF byte resets the agent's parser), because replies meant for
/// an earlier connection, or a resumed guest's half-read line, may still be in the port.
/// </summary>
internal sealed class GuestAgent : IAsyncDisposable
{
    /// <summary>The programs it runs (date, on a resume) take a fraction of a second, and the build waits for them.</summary>
    private static readonly TimeSpan ExecPollInterval = TimeSpan.FromMilliseconds(20);

    private readonly JsonLineSocket _lines;

    private GuestAgent(Socket socket)
    {
        // the port may still hold half a line from an earlier connection, or a resumed guest: skip what is not JSON
        _lines = new JsonLineSocket(socket, _ => true, skipMalformedLines: true);
    }

    /// <summary>Connects and synchronises; null when the agent does not answer within <paramref name="timeout"/>.</summary>
    public static async Task<GuestAgent?> ConnectAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        Socket socket;
        try
        {
            socket = await JsonLineSocket.ConnectAsync(socketPath, cancellationToken);
        }
        catch (SocketException)
        {
            return null;
        }

        var agent = new GuestAgent(socket);
        try
        {
            for (var attempt = 1; watch.Elapsed < timeout; attempt++)
            {
                var id = Random.Shared.Next(1, int.MaxValue);
                await agent._lines.SendAsync([0xFF], cancellationToken);
                await agent._lines.SendCommandAsync("guest-sync-delimited", new JsonObject { ["id"] = id }, cancellationToken);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(TimeSpan.FromSeconds(Math.Min(5, attempt)));
                try
                {
                    while (true)
                    {
                        var reply = await agent._lines.ReadReplyAsync(wait.Token);
                        if (reply["return"] is JsonValue value && value.TryGetValue<long>(out var echoed) && echoed == id)
                        {
                            return agent;
                        }
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // no answer yet: the agent may still be starting
                }
                catch (ChannelClosedException)
                {
                    break;
                }
            }

            await agent.DisposeAsync();
            return null;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    public async Task<JsonNode?> ExecuteAsync(string command, CancellationToken cancellationToken, JsonObject? arguments = null)
    {
        await _lines.SendCommandAsync(command, arguments, cancellationToken);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromMinutes(1));
        JsonObject reply;
        try
        {
            reply = await _lines.ReadReplyAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KilnException($"the guest agent did not answer '{command}' within a minute");
        }
        catch (ChannelClosedException)
        {
            throw new KilnException($"the guest agent's port closed before it answered '{command}'");
        }

        if (reply["error"] is JsonObject error)
        {
            throw new KilnException($"the guest agent refused '{command}': {error["desc"]}");
        }

        return reply["return"];
    }

    public Task AddAuthorizedKeyAsync(string user, string key, CancellationToken cancellationToken) =>
        ExecuteAsync("guest-ssh-add-authorized-keys", cancellationToken, new JsonObject { ["username"] = user, ["keys"] = new JsonArray(key) });

    /// <summary>Removes <paramref name="key"/> from the user's authorized_keys and checks it is gone.</summary>
    public async Task RemoveAuthorizedKeyAsync(string user, string key, CancellationToken cancellationToken)
    {
        await ExecuteAsync("guest-ssh-remove-authorized-keys", cancellationToken, new JsonObject { ["username"] = user, ["keys"] = new JsonArray(key) });
        if ((await AuthorizedKeysAsync(user, cancellationToken)).Contains(key))
        {
            throw new KilnException("the key is still in authorized_keys after the guest agent removed it");
        }
    }

    public async Task<IReadOnlyList<string>> AuthorizedKeysAsync(string user, CancellationToken cancellationToken)
    {
        var reply = await ExecuteAsync("guest-ssh-get-authorized-keys", cancellationToken, new JsonObject { ["username"] = user });
        return reply?["keys"] is JsonArray keys ? [.. keys.Select(k => k!.GetValue<string>())] : [];
    }

    /// <summary>Flushes and freezes every guest file system that can be frozen (the agent skips those that cannot).</summary>
    public Task FreezeFileSystemsAsync(CancellationToken cancellationToken) => ExecuteAsync("guest-fsfreeze-freeze", cancellationToken);

    public Task ThawFileSystemsAsync(CancellationToken cancellationToken) => ExecuteAsync("guest-fsfreeze-thaw", cancellationToken);

    /// <summary>
    /// Steps the guest's clock to the host's. guest-set-time refuses to when the guest has no /sbin/hwclock (Debian 12
    /// moved it to util-linux-extra), so then date(1) sets it through guest-exec; the caller checks with <see cref="TimeAsync"/>.
    /// </summary>
    public async Task SetTimeAsync(Func<DateTimeOffset> now, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync("guest-set-time", cancellationToken, new JsonObject { ["time"] = (now() - DateTimeOffset.UnixEpoch).Ticks * 100 });
        }
        catch (KilnException)
        {
            var seconds = ((now() - DateTimeOffset.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
            await RunAsync("date", ["-u", "-s", "@" + seconds], cancellationToken);
        }
    }

    /// <summary>Runs a guest program through guest-exec and waits for it; a non-zero exit is thrown.</summary>
    public async Task RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var pid = (await ExecuteAsync("guest-exec", cancellationToken, new JsonObject
        {
            ["path"] = program,
            ["arg"] = new JsonArray([.. arguments.Select(a => (JsonNode)JsonValue.Create(a))]),
            ["capture-output"] = true,
        }))!["pid"]!.GetValue<long>();
        while (true)
        {
            var status = (await ExecuteAsync("guest-exec-status", cancellationToken, new JsonObject { ["pid"] = pid }))!;
            if (status["exited"]?.GetValue<bool>() == true)
            {
                var code = status["exitcode"]?.GetValue<long>() ?? -1;
                if (code != 0)
                {
                    var error = status["err-data"] is JsonValue data ? Encoding.UTF8.GetString(Convert.FromBase64String(data.GetValue<string>())).Trim() : "";
                    throw new KilnException($"'{program}' in the guest exited with {code}: {error}");
                }

                return;
            }

            await Task.Delay(ExecPollInterval, cancellationToken);
        }
    }

    public async Task<DateTimeOffset> TimeAsync(CancellationToken cancellationToken)
    {
        var nanoseconds = (await ExecuteAsync("guest-get-time", cancellationToken))!.GetValue<long>();
        return DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);
    }

    /// <summary>Writes <paramref name="bytes"/> into a guest file, e.g. host randomness into /dev/urandom.</summary>
    public async Task WriteFileAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        var handle = (await ExecuteAsync("guest-file-open", cancellationToken, new JsonObject { ["path"] = path, ["mode"] = "w" }))!.GetValue<long>();
        try
        {
            await ExecuteAsync("guest-file-write", cancellationToken, new JsonObject { ["handle"] = handle, ["buf-b64"] = Convert.ToBase64String(bytes) });
        }
        finally
        {
            await ExecuteAsync("guest-file-close", CancellationToken.None, new JsonObject { ["handle"] = handle });
        }
    }

    public ValueTask DisposeAsync() => _lines.DisposeAsync();
}
