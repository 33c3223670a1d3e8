using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Kiln.Diagnostics;

namespace Kiln.Builders.Qemu;

/// <summary>
/// QEMU Machine Protocol over a unix socket: JSON objects one per line. Commands are answered in order with
/// "return" or "error"; events ("SHUTDOWN", "POWERDOWN") arrive in between and are kept for whoever waits for them.
/// </summary>
internal sealed class QmpClient : IAsyncDisposable
{
    private readonly JsonLineSocket _lines;
    private readonly SemaphoreSlim _commandLock = new(1, 1);
    private readonly List<string> _events = [];
    private TaskCompletionSource _eventSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private QmpClient(Socket socket)
    {
        // a line that is not JSON means QEMU is not speaking QMP: the conversation ends rather than skipping it
        _lines = new JsonLineSocket(socket, Route, skipMalformedLines: false);
    }

    /// <summary>Connects, reads the greeting and leaves capabilities negotiation mode.</summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var client = new QmpClient(await JsonLineSocket.ConnectAsync(socketPath, cancellationToken));
        try
        {
            await client.ExecuteAsync("qmp_capabilities", cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public bool Closed => _lines.Completion.IsCompleted;

    public async Task<JsonNode?> ExecuteAsync(string command, CancellationToken cancellationToken, JsonObject? arguments = null)
    {
        await _commandLock.WaitAsync(cancellationToken);
        try
        {
            await _lines.SendCommandAsync(command, arguments, cancellationToken);
            JsonObject reply;
            try
            {
                reply = await _lines.ReadReplyAsync(cancellationToken);
            }
            catch (ChannelClosedException)
            {
                throw new IOException($"QEMU closed its QMP socket before answering '{command}'");
            }

            if (reply["error"] is JsonObject error)
            {
                throw new KilnException($"QMP command '{command}' failed: {error["desc"]}");
            }

            return reply["return"];
        }
        finally
        {
            _commandLock.Release();
        }
    }

    /// <summary>Waits until QEMU reports <paramref name="eventName"/> (also if it was reported before the call).</summary>
    public async Task WaitForEventAsync(string eventName, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task signal;
            lock (_events)
            {
                if (_events.Contains(eventName))
                {
                    return;
                }

                if (Closed)
                {
                    throw new IOException($"QEMU closed its QMP socket before the {eventName} event");
                }

                signal = _eventSignal.Task;
            }

            await Task.WhenAny(signal, _lines.Completion).WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _lines.DisposeAsync();
        _commandLock.Dispose();
    }

    /// <summary>Keeps events and lets replies through; the greeting, which is neither, is dropped.</summary>
    private bool Route(JsonObject message)
    {
        if (message["event"] is JsonValue name)
        {
            lock (_events)
            {
                _events.Add(name.GetValue<string>());
                var signal = _eventSignal;
                _eventSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                signal.SetResult();
            }

            return false;
        }

        return message.ContainsKey("return") || message.ContainsKey("error");
    }
}
